// One list model: the connection reputation's IP allow/block entries (ip_list_entries, migration
// 120) move into scan_lists as global ('*') entries of kind 'ip', normalised and de-duplicated,
// and ip_list_entries is dropped. `down` recreates it from the global IP entries.
//
// The normaliser is a copy of normaliseIp in src/policy/lists.ts as it was when this was written,
// so the migration keeps doing the same thing whatever that module becomes.
import ipaddr from 'ipaddr.js';
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

const GLOBAL = '*';

function normaliseIp(raw: string): string | null {
  const t = raw.trim().toLowerCase();
  const slash = t.indexOf('/');
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const bitsText = slash < 0 ? null : t.slice(slash + 1);
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(addrText)) addr = ipaddr.IPv4.parse(addrText);
  else if (addrText.includes(':') && !addrText.includes('%') && ipaddr.IPv6.isValid(addrText)) addr = ipaddr.IPv6.parse(addrText);
  else return null;
  let bits = addr.kind() === 'ipv4' ? 32 : 128;
  if (bitsText !== null) {
    if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > bits) return null;
    bits = Number(bitsText);
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  if (bits === (addr.kind() === 'ipv4' ? 32 : 128)) return addr.toString();
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
}

interface OldRow {
  network: string;
  list: string;
  note: string | null;
  created_at: string;
}

export async function up(db: Kysely<any>): Promise<void> {
  // IP entries already in scan_lists were normalised less strictly (10.1.2.3/8 kept its host bits,
  // 192.0.2.1/32 was not the same entry as 192.0.2.1): bring them to the same form first.
  const existing = (await db.selectFrom('scan_lists').select(['id', 'domain', 'list', 'value']).where('kind', '=', 'ip').orderBy('id').execute()) as { id: number; domain: string; list: string; value: string }[];
  const have = new Set(existing.map((r) => `${r.domain}\0${r.list}\0${r.value}`));
  for (const r of existing) {
    const value = normaliseIp(r.value);
    if (!value || value === r.value) continue;
    const key = `${r.domain}\0${r.list}\0${value}`;
    if (have.has(key)) await db.deleteFrom('scan_lists').where('id', '=', r.id).execute();
    else await db.updateTable('scan_lists').set({ value }).where('id', '=', r.id).execute();
    have.add(key);
  }
  const rows = (await db.selectFrom('ip_list_entries').select(['network', 'list', 'note', 'created_at']).orderBy('id').execute()) as OldRow[];
  const seen = new Set<string>();
  const skipped: string[] = [];
  const values: { domain: string; list: string; kind: string; value: string; comment: string | null; created_at: string }[] = [];
  for (const r of rows) {
    const value = normaliseIp(r.network);
    if (!value || (r.list !== 'allow' && r.list !== 'block')) {
      // The old matcher skipped such rows too, so dropping them changes no verdict.
      skipped.push(`${r.list} ${r.network}`);
      continue;
    }
    const key = `${r.list}\0${value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    values.push({ domain: GLOBAL, list: r.list, kind: 'ip', value, comment: r.note, created_at: r.created_at });
  }
  for (let i = 0; i < values.length; i += 200) {
    // An entry the global list already has (added with `rampart lists`) is kept as it is.
    await db
      .insertInto('scan_lists')
      .values(values.slice(i, i + 200))
      .onConflict((oc) => oc.columns(['domain', 'list', 'value']).doNothing())
      .execute();
  }
  if (skipped.length) process.emitWarning(`migration 410_unified_lists: dropped ${skipped.length} ip_list_entries row(s) that are not IP addresses or CIDR networks: ${skipped.join(', ')}`);
  await db.schema.dropTable('ip_list_entries').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ip_list_entries')
    .addColumn('id', idType(db), (c) => c.primaryKey())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('ip_list_entries_unique', ['network', 'list'])
    .execute();
  // The global IP entries go back where the old connection check reads them; they also stay in
  // scan_lists, where the old scan policy matches them as before.
  const rows = await db.selectFrom('scan_lists').select(['value', 'list', 'comment', 'created_at']).where('domain', '=', GLOBAL).where('kind', '=', 'ip').orderBy('id').execute();
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('ip_list_entries')
      .values(rows.slice(i, i + 200).map((r: { value: string; list: string; comment: string | null; created_at: string }) => ({ network: r.value, list: r.list, note: r.comment, created_at: r.created_at })))
      .execute();
  }
}
