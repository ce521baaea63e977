// CSV import and export of the allow and block lists — global, per domain and per mailbox — for
// bringing an organisation's lists over from the filter it leaves (every department's blocked
// senders, every user's approved senders). As the directory's import (directory/csv.ts): the
// file is validated as a whole first, any bad row means nothing is written, and every error names
// its line and field; then one transaction.
import { csvRecords } from '../csv.js';
import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { ListKind, ListName } from './lists.js';
import { isMailbox, parseScopedValue, PolicyRepository, type ListEntryValue, type PolicyError } from './repository.js';
import { GLOBAL } from './snapshot.js';

export const LIST_COLUMNS = ['scope', 'list', 'value', 'comment'] as const;

export interface ListRow {
  line: number;
  /** '*', a protected domain, or a mailbox of one. */
  scope: string;
  list: ListName;
  kind: ListKind;
  value: string;
  comment: string | null;
}

/**
 * Parses a lists CSV (columns scope, list, value and optionally comment; scope empty or `*` for
 * the global lists). Scopes must be protected domains or their mailboxes — a typo would make a
 * list that never applies — so the known domain names are passed in.
 */
export function parseListsCsv(text: string, protectedDomains: ReadonlySet<string>): { rows: ListRow[]; errors: string[] } {
  const csv = csvRecords(text);
  if ('error' in csv) return { rows: [], errors: [csv.error] };
  const rows: ListRow[] = [];
  const errors: string[] = [];
  for (const { line, rec } of csv.records) {
    const missing = ['scope', 'list', 'value'].filter((c) => !(c in rec));
    if (missing.length) {
      errors.push(`line ${line}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (columns: ${LIST_COLUMNS.join(', ')})`);
      break;
    }
    const bad = (field: string, why: string) => errors.push(`line ${line}: ${field}: ${why}`);
    let entry: ListEntryValue;
    try {
      entry = parseScopedValue(rec.scope || GLOBAL, rec.value ?? '');
    } catch (err) {
      // "mailbox: …" and "domain: …" are the scope column's, "value: …" the value's.
      const [field, ...why] = (err as PolicyError).message.split(': ');
      bad(field === 'value' ? 'value' : 'scope', why.join(': '));
      continue;
    }
    const domain = isMailbox(entry.scope) ? entry.scope.slice(entry.scope.lastIndexOf('@') + 1) : entry.scope;
    if (entry.scope !== GLOBAL && !protectedDomains.has(domain)) {
      bad('scope', `${domain} is not a protected domain (see rampart domains list)`);
      continue;
    }
    const list = (rec.list ?? '').toLowerCase();
    if (list !== 'allow' && list !== 'block') {
      bad('list', `expected allow or block, got ${JSON.stringify(rec.list)}`);
      continue;
    }
    rows.push({ line, list, ...entry, comment: rec.comment || null });
  }
  return { rows, errors };
}

/** Adds the rows not listed yet (one transaction when applied); an entry already listed is left as it is. */
export async function importLists(db: Kysely<Database>, rows: readonly ListRow[], apply: boolean): Promise<{ added: ListRow[]; known: ListRow[] }> {
  const existing = new Set((await new PolicyRepository(db).listEntries()).map((e) => `${e.domain}\0${e.list}\0${e.value}`));
  const added: ListRow[] = [];
  const known: ListRow[] = [];
  for (const r of rows) {
    const key = `${r.scope}\0${r.list}\0${r.value}`;
    if (existing.has(key)) known.push(r);
    else {
      existing.add(key);
      added.push(r);
    }
  }
  if (apply && added.length)
    await db.transaction().execute(async (trx) => {
      const repo = new PolicyRepository(trx);
      for (const r of added) await repo.addListEntry(r.scope, r.list, r.value, { comment: r.comment ?? undefined });
    });
  return { added, known };
}

/** Every entry as CSV, in the import's columns (a file `rampart lists import` reads back). */
export async function exportLists(db: Kysely<Database>): Promise<string> {
  const entries = await new PolicyRepository(db).listEntries();
  return stringify([[...LIST_COLUMNS], ...entries.map((e) => [e.domain, e.list, e.value, e.comment ?? ''])]);
}
