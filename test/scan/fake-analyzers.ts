// Test-only analyzers that fire on obvious markers in the fixtures, so the engine's precedence,
// thresholds, composites, facts and failure isolation can be tested apart from the real checks.
import { z } from 'zod';
import type { Analyzer } from '../../src/scan/types.js';

const body = (m: { text: string; htmlText: string; html: string | null }) => `${m.text}\n${m.html ?? ''}`;
const hdr = (m: { headers: readonly { key: string; value: string }[] }, k: string) => m.headers.find((h) => h.key === k)?.value;

export const fakeAuth: Analyzer = {
  name: 'fake-auth',
  family: 'auth',
  stage: 'prefilter',
  symbols: [{ name: 'FAKE_DMARC_FAIL', description: 'DMARC fail marker', group: 'auth', score: 3, category: 'auth_failed' }],
  analyze(m) {
    const fail = hdr(m, 'x-test-dmarc') === 'fail';
    return {
      symbols: fail ? [{ name: 'FAKE_DMARC_FAIL', detail: 'x-test-dmarc' }] : [],
      facts: { auth: { spf: { result: 'none', domain: null }, dkim: [], dmarc: { result: fail ? 'fail' : 'none', policy: null, domain: null }, arc: { result: 'none' } } },
      headers: [{ key: 'authentication-results', value: `rampart.test; dmarc=${fail ? 'fail' : 'none'}` }],
    };
  },
};

export const fakeMalware: Analyzer = {
  name: 'fake-malware',
  family: 'malware',
  stage: 'normal',
  symbols: [{ name: 'FAKE_VIRUS', description: 'virus marker', group: 'av', score: 10, category: 'malware' }],
  analyze: (m) => (body(m).includes('VIRUS-TEST') ? [{ name: 'FAKE_VIRUS', detail: 'VIRUS-TEST' }] : []),
};

export const fakePhish: Analyzer = {
  name: 'fake-phish',
  family: 'phishing',
  stage: 'normal',
  symbols: [{ name: 'FAKE_PHISH_URL', description: 'phishing host', group: 'phish', score: 5, category: 'phishing' }],
  analyze: (m) => m.urls.filter((u) => u.host === 'phish.test').slice(0, 1).map((u) => ({ name: 'FAKE_PHISH_URL', detail: u.url })),
};

export const fakeSpam: Analyzer = {
  name: 'fake-spam',
  family: 'spam',
  stage: 'normal',
  config: z.object({ words: z.array(z.string()).default([]) }).strict(),
  symbols: [{ name: 'FAKE_SPAM_WORD', description: 'spam word, weighted by count', group: 'spam', score: 2, category: 'spam' }],
  analyze(m) {
    const n = (body(m).match(/viagra/g) ?? []).length;
    return n ? [{ name: 'FAKE_SPAM_WORD', detail: `${n}x`, weight: n }] : [];
  },
};

export const fakeBulk: Analyzer = {
  name: 'fake-bulk',
  family: 'graymail',
  stage: 'normal',
  symbols: [{ name: 'FAKE_BULK', description: 'List-Unsubscribe present', group: 'bulk', score: 0.5, category: 'graymail' }],
  analyze: (m) => (hdr(m, 'list-unsubscribe') ? [{ name: 'FAKE_BULK' }] : []),
};

/** Postfilter: proves facts of earlier stages arrive. */
export const fakeLate: Analyzer = {
  name: 'fake-late',
  family: 'other',
  stage: 'postfilter',
  symbols: [{ name: 'FAKE_SAW_AUTH_FACTS', description: 'auth facts arrived', group: 'test', score: 0 }],
  analyze: (_m, ctx) => (ctx.facts.auth?.dmarc.result === 'fail' ? [{ name: 'FAKE_SAW_AUTH_FACTS', detail: `dmarc=${ctx.facts.auth.dmarc.result}` }] : []),
};

export const throwing: Analyzer = {
  name: 'boom',
  family: 'bec',
  stage: 'normal',
  symbols: [],
  analyze() {
    throw new Error('kaboom');
  },
};

/** Never answers (ignores its abort signal): the pipeline must still finish. */
export const hanging = (name: string, family: Analyzer['family']): Analyzer => ({
  name,
  family,
  stage: 'normal',
  symbols: [],
  analyze: () => new Promise(() => {}),
});

export const FAKES: readonly Analyzer[] = [fakeAuth, fakeMalware, fakePhish, fakeSpam, fakeBulk, fakeLate];

/**
 * The engine-mechanics tests (goldens, e2e, CLI) exercise precedence, thresholds, policy and
 * isolation with the fakes above: every shipped analyzer but message-limits is switched off there,
 * since each family has its own tests (and the threat goldens run the whole shipped set).
 */
export const SHIPPED_BUT_LIMITS: string[] = (await import('../../src/scan/analyzers/index.js')).ALL_ANALYZERS.filter((a) => a.name !== 'message-limits').map((a) => a.name);
