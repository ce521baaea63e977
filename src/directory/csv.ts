// CSV import and export of domains (one row per route) and recipients. An import is validated as a
// whole first: any bad row means nothing is written, and every error names its line and field.
import { csvRecords } from '../csv.js';
import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { Database, TlsMode } from '../store/schema.js';
import { canonicalAddress, canonicalDomain } from './names.js';
import { Directory, type RouteInput } from './repository.js';

export const DOMAIN_COLUMNS = ['domain', 'host', 'port', 'preference', 'tls', 'tls_verify', 'catch_all'] as const;
export const RECIPIENT_COLUMNS = ['address', 'kind', 'target'] as const;

export interface ImportPlan<T> {
  rows: T[];
  errors: string[];
}

export interface DomainRow {
  domain: string;
  catchAll: boolean;
  routes: RouteInput[];
}

export interface ImportSummary {
  added: string[];
  changed: string[];
  unchanged: string[];
}

function bool(v: string | undefined, field: string, line: number, errors: string[]): boolean {
  const s = (v ?? '').trim().toLowerCase();
  if (s === '' || s === '0' || s === 'false' || s === 'no') return false;
  if (s === '1' || s === 'true' || s === 'yes') return true;
  errors.push(`line ${line}: ${field}: expected true/false, got ${JSON.stringify(v)}`);
  return false;
}

/** Parses a domains CSV into one entry per domain (routes grouped), with per-line errors. */
export function parseDomainsCsv(text: string): ImportPlan<DomainRow> {
  const errors: string[] = [];
  const byDomain = new Map<string, DomainRow>();
  const csv = csvRecords(text);
  if ('error' in csv) return { rows: [], errors: [csv.error] };
  for (const { line, rec } of csv.records) {
    if (!('domain' in rec)) {
      errors.push(`line ${line}: missing column "domain" (columns: ${DOMAIN_COLUMNS.join(', ')})`);
      break;
    }
    const domain = canonicalDomain(rec.domain ?? '');
    if (!domain) {
      errors.push(`line ${line}: domain: not a valid domain name: ${JSON.stringify(rec.domain)}`);
      continue;
    }
    const entry = byDomain.get(domain) ?? { domain, catchAll: false, routes: [] };
    entry.catchAll = entry.catchAll || bool(rec.catch_all, 'catch_all', line, errors);
    if (rec.host) {
      const port = rec.port ? Number(rec.port) : 25;
      if (!Number.isInteger(port) || port < 1 || port > 65535) errors.push(`line ${line}: port: must be 1-65535, got ${JSON.stringify(rec.port)}`);
      const preference = rec.preference ? Number(rec.preference) : 10;
      if (!Number.isInteger(preference) || preference < 0) errors.push(`line ${line}: preference: must be a non-negative integer, got ${JSON.stringify(rec.preference)}`);
      const tls = (rec.tls || 'opportunistic').toLowerCase();
      if (!['none', 'opportunistic', 'required'].includes(tls)) errors.push(`line ${line}: tls: must be none, opportunistic or required, got ${JSON.stringify(rec.tls)}`);
      if (/[\s,;]/.test(rec.host)) errors.push(`line ${line}: host: not a valid host: ${JSON.stringify(rec.host)}`);
      entry.routes.push({ host: rec.host, port, preference, tls: tls as TlsMode, tls_verify: bool(rec.tls_verify, 'tls_verify', line, errors) });
    }
    byDomain.set(domain, entry);
  }
  return { rows: [...byDomain.values()], errors };
}

function routeKey(r: { host: string; port?: number; preference?: number; tls?: string; tls_verify?: boolean | number }): string {
  return [r.host.toLowerCase(), r.port ?? 25, r.preference ?? 10, r.tls ?? 'opportunistic', r.tls_verify ? 1 : 0].join('|');
}

/** Compares the CSV with the directory; with apply=true writes it in one transaction. */
export async function importDomains(db: Kysely<Database>, plan: DomainRow[], apply: boolean): Promise<ImportSummary> {
  const summary: ImportSummary = { added: [], changed: [], unchanged: [] };
  const work = async (trx: Kysely<Database>) => {
    const dir = new Directory(trx);
    for (const row of plan) {
      const existing = await dir.getDomain(row.domain);
      if (!existing) {
        summary.added.push(row.domain);
        if (apply) await dir.addDomain(row.domain, { catchAll: row.catchAll, routes: row.routes });
        continue;
      }
      const same =
        Boolean(existing.catch_all) === row.catchAll &&
        existing.routes.map(routeKey).sort().join(',') === row.routes.map(routeKey).sort().join(',');
      if (same) {
        summary.unchanged.push(row.domain);
        continue;
      }
      summary.changed.push(row.domain);
      if (apply) {
        await dir.setCatchAll(row.domain, row.catchAll);
        await dir.setRoutes(row.domain, row.routes);
      }
    }
  };
  if (apply) await db.transaction().execute(work);
  else await work(db);
  return summary;
}

export async function exportDomains(db: Kysely<Database>): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const d of await new Directory(db).listDomains()) {
    if (d.routes.length === 0) rows.push([d.name, '', '', '', '', '', d.catch_all ? 'true' : 'false']);
    for (const r of d.routes) rows.push([d.name, r.host, r.port, r.preference, r.tls, r.tls_verify ? 'true' : 'false', d.catch_all ? 'true' : 'false']);
  }
  return stringify(rows, { header: true, columns: [...DOMAIN_COLUMNS] });
}

export interface RecipientRow {
  address: string;
  target: string | null;
}

export function parseRecipientsCsv(text: string): ImportPlan<RecipientRow> {
  const errors: string[] = [];
  const rows: RecipientRow[] = [];
  const csv = csvRecords(text);
  if ('error' in csv) return { rows: [], errors: [csv.error] };
  const seen = new Set<string>();
  for (const { line, rec } of csv.records) {
    if (!('address' in rec)) {
      errors.push(`line ${line}: missing column "address" (columns: ${RECIPIENT_COLUMNS.join(', ')})`);
      break;
    }
    const address = canonicalAddress(rec.address ?? '');
    if (!address) {
      errors.push(`line ${line}: address: not a valid address: ${JSON.stringify(rec.address)}`);
      continue;
    }
    if (seen.has(address)) {
      errors.push(`line ${line}: address: ${address} appears twice`);
      continue;
    }
    seen.add(address);
    const kind = (rec.kind || (rec.target ? 'alias' : 'mailbox')).toLowerCase();
    if (kind !== 'mailbox' && kind !== 'alias') {
      errors.push(`line ${line}: kind: must be mailbox or alias, got ${JSON.stringify(rec.kind)}`);
      continue;
    }
    let target: string | null = null;
    if (kind === 'alias') {
      target = canonicalAddress(rec.target ?? '');
      if (!target) {
        errors.push(`line ${line}: target: an alias needs a valid target address, got ${JSON.stringify(rec.target)}`);
        continue;
      }
    }
    rows.push({ address, target });
  }
  return { rows, errors };
}

export async function importRecipients(db: Kysely<Database>, plan: RecipientRow[], apply: boolean): Promise<ImportSummary & { errors: string[] }> {
  const summary = { added: [] as string[], changed: [] as string[], unchanged: [] as string[], errors: [] as string[] };
  const domains = new Map((await db.selectFrom('domains').select(['id', 'name']).execute()).map((d) => [d.name, d.id]));
  const existing = new Map((await db.selectFrom('recipients').selectAll().execute()).map((r) => [r.address, r]));
  for (const row of plan) {
    const domainId = domains.get(row.address.split('@')[1]!);
    if (domainId === undefined) {
      summary.errors.push(`${row.address}: its domain is not a protected domain`);
      continue;
    }
    const old = existing.get(row.address);
    if (!old) summary.added.push(row.address);
    else if ((old.target ?? null) !== row.target) summary.changed.push(row.address);
    else summary.unchanged.push(row.address);
  }
  if (!apply || summary.errors.length) return summary;
  await db.transaction().execute(async (trx) => {
    for (const row of plan) {
      const domainId = domains.get(row.address.split('@')[1]!)!;
      const values = { domain_id: domainId, address: row.address, kind: row.target ? ('alias' as const) : ('mailbox' as const), target: row.target };
      if (existing.has(row.address)) await trx.updateTable('recipients').set(values).where('address', '=', row.address).execute();
      else await trx.insertInto('recipients').values(values).execute();
    }
  });
  return summary;
}

export async function exportRecipients(db: Kysely<Database>, domain?: string): Promise<string> {
  const rows = (await new Directory(db).listRecipients(domain)).map((r) => [r.address, r.kind, r.target ?? '']);
  return stringify(rows, { header: true, columns: [...RECIPIENT_COLUMNS] });
}
