// Operator-editable mail templates (templates/migration/*.txt): a "Subject:" line, a blank line,
// then the body, with {{placeholders}} filled in. A placeholder the template may not use is an
// error naming the file, so a typo never goes out to hundreds of contacts.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const TEMPLATE_VARIABLES = {
  notice: ['domain', 'date', 'contact_name', 'role', 'steps', 'ack_link', 'site_link', 'ack_deadline'],
  reminder: ['domain', 'date', 'contact_name', 'role', 'steps', 'ack_link', 'site_link', 'days_left'],
  'change-of-date': ['domain', 'date', 'old_date', 'contact_name', 'role', 'reason', 'steps', 'ack_link', 'site_link'],
  escalation: ['recipient_name', 'role', 'day', 'domains', 'count'],
} as const;

export type TemplateName = keyof typeof TEMPLATE_VARIABLES;
export type TemplateVars<N extends TemplateName> = Record<(typeof TEMPLATE_VARIABLES)[N][number], string>;

export interface Rendered {
  subject: string;
  text: string;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

interface Parsed {
  subject: string;
  body: string;
}

function parse(file: string, name: TemplateName, text: string): Parsed {
  const normal = text.replace(/\r\n/g, '\n');
  const split = normal.indexOf('\n\n');
  const head = split < 0 ? normal : normal.slice(0, split);
  const m = /^Subject:[ \t]*(.+)$/m.exec(head);
  if (!m) throw new TemplateError(`${file}: the first line must be "Subject: …", followed by a blank line and the body`);
  const body = split < 0 ? '' : normal.slice(split + 2);
  const allowed = new Set<string>(TEMPLATE_VARIABLES[name]);
  for (const [, v] of normal.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)) {
    if (!allowed.has(v!)) throw new TemplateError(`${file}: unknown placeholder {{${v}}} (this template may use: ${[...allowed].join(', ')})`);
  }
  return { subject: m[1]!.trim(), body };
}

export class Templates {
  private readonly parsed = new Map<TemplateName, Parsed>();

  /** Reads and checks every template now, so a broken one is found at start, not at send time. */
  constructor(readonly dir: string) {
    for (const name of Object.keys(TEMPLATE_VARIABLES) as TemplateName[]) {
      const file = path.join(dir, `${name}.txt`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new TemplateError(`cannot read template ${file}: ${(err as Error).message}`);
      }
      this.parsed.set(name, parse(file, name, text));
    }
  }

  render<N extends TemplateName>(name: N, vars: TemplateVars<N>): Rendered {
    const p = this.parsed.get(name)!;
    const fill = (s: string) => s.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, v: string) => (vars as Record<string, string>)[v] ?? '');
    // Header values must stay on one line whatever a variable holds.
    return { subject: fill(p.subject).replace(/[\r\n]+/g, ' '), text: fill(p.body) };
  }
}
