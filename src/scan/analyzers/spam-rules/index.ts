// Header and body spam rules: each rule of rules.ts is a symbol of group `spam_rules`; the
// analyzer runs every rule once over a view computed once.
import type { Analyzer, Emit } from '../../types.js';
import { RULES } from './rules.js';
import { view } from './view.js';

export const spamRules: Analyzer = {
  name: 'spam_rules',
  family: 'spam',
  stage: 'normal',
  symbols: RULES.map((r) => ({ name: r.name, description: r.description, group: 'spam_rules', score: r.score, category: 'spam' as const })),
  analyze(msg) {
    const v = view(msg);
    const out: Emit[] = [];
    for (const r of RULES) {
      const hit = r.test(v);
      if (hit) out.push(typeof hit === 'string' ? { name: r.name, detail: hit } : { name: r.name });
    }
    return out;
  },
};
