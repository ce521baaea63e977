// The threat lists in the store: known-bad hashes and high-profile (VIP) users per domain, with the
// CSV import the CLI uses. Bad lines are reported with their line number, never half-imported.
import type { Kysely } from 'kysely';
import { parse } from 'csv-parse/sync';
import { inTransaction, nowIso } from '../store/dialect.js';
import type { Database } from '../store/schema.js';

export class ListImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListImportError';
  }
}

export interface HashEntry { sha256: string; name: string }
export interface VipEntry { domain: string; name: string; address: string; title: string | null }

/** One hash per line: `sha256[ name…]` or `sha256,name`; '#' comments. sha256sum output works too. */
export function parseHashList(text: string): HashEntry[] {
  const out: HashEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const l = line.replace(/#.*/, '').trim();
    if (!l) return;
    const m = /^([0-9a-fA-F]{64})(?:[\s,]+\*?(.*))?$/.exec(l);
    if (!m) throw new ListImportError(`line ${i + 1}: expected a SHA-256 (64 hex digits), got ${JSON.stringify(l.slice(0, 80))}`);
    out.push({ sha256: m[1]!.toLowerCase(), name: (m[2] ?? '').trim() || 'known-bad file' });
  });
  return out;
}

/** CSV with a header: domain,name,address[,title]. */
export function parseVipCsv(text: string): VipEntry[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: (h: string[]) => h.map((x) => x.trim().toLowerCase()), skip_empty_lines: true, trim: true, comment: '#' });
  } catch (e) {
    throw new ListImportError(`VIP CSV: ${(e as Error).message}`);
  }
  return rows.map((r, i) => {
    const line = i + 2;
    const domain = (r.domain ?? '').toLowerCase();
    const address = (r.address ?? r.email ?? '').toLowerCase();
    if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(domain)) throw new ListImportError(`line ${line}: domain ${JSON.stringify(r.domain ?? '')} is not a domain name`);
    if (!r.name) throw new ListImportError(`line ${line}: name is empty`);
    if (!/^[^@\s]+@[^@\s]+$/.test(address)) throw new ListImportError(`line ${line}: address ${JSON.stringify(address)} is not an email address`);
    return { domain, name: r.name, address, title: r.title || null };
  });
}

export async function importHashes(db: Kysely<Database>, entries: HashEntry[], source: string, now = new Date()): Promise<{ added: number; unchanged: number }> {
  return inTransaction(db, async (trx) => {
    let added = 0;
    for (const e of entries) {
      const existing = await trx.selectFrom('threat_hashes').select('sha256').where('sha256', '=', e.sha256).executeTakeFirst();
      if (existing) continue;
      await trx.insertInto('threat_hashes').values({ sha256: e.sha256, name: e.name, source, added_at: nowIso(now) }).execute();
      added++;
    }
    return { added, unchanged: entries.length - added };
  });
}

export async function importVips(db: Kysely<Database>, entries: VipEntry[], now = new Date()): Promise<{ added: number; changed: number }> {
  return inTransaction(db, async (trx) => {
    let added = 0;
    let changed = 0;
    for (const e of entries) {
      const existing = await trx.selectFrom('vip_users').selectAll().where('domain', '=', e.domain).where('address', '=', e.address).executeTakeFirst();
      if (!existing) {
        await trx.insertInto('vip_users').values({ ...e, added_at: nowIso(now) }).execute();
        added++;
      } else if (existing.name !== e.name || existing.title !== e.title) {
        await trx.updateTable('vip_users').set({ name: e.name, title: e.title }).where('id', '=', existing.id).execute();
        changed++;
      }
    }
    return { added, changed };
  });
}

export async function knownBad(db: Kysely<Database>, hashes: string[]): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const rows = await db.selectFrom('threat_hashes').select(['sha256', 'name']).where('sha256', 'in', [...new Set(hashes)]).execute();
  return new Map(rows.map((r) => [r.sha256, r.name]));
}

export async function vipsFor(db: Kysely<Database>, domains: readonly string[]): Promise<VipEntry[]> {
  const q = db.selectFrom('vip_users').select(['domain', 'name', 'address', 'title']);
  return domains.length ? q.where('domain', 'in', [...domains]).execute() : q.execute();
}
