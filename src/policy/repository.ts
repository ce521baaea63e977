// Reads and writes the scan policy (per-domain and global actions, monitor mode, allow/block
// lists). Used by the CLI, the console and the scan workers (which cache a snapshot).
import { sql, type Kysely } from 'kysely';
import { escapeLike, nowIso } from '../store/dialect.js';
import type { Database } from '../store/schema.js';
import { ACTIONS, CATEGORIES, FAMILIES, type Action, type Category, type Family } from '../scan/types.js';
import { isAddress, parseListValue, type ListEntry, type ListName } from './lists.js';
import { GLOBAL, isAction, isCategory, isFamily, PolicySnapshot, type MonitorRow, type PolicyRow } from './snapshot.js';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** '*' (global) or a lower-cased domain name. */
export function policyDomain(raw: string | undefined | null): string {
  if (raw === undefined || raw === null || raw === '' || raw === GLOBAL) return GLOBAL;
  const d = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!/^([a-z0-9-]+\.)+[a-z0-9-]+$/.test(d)) throw new PolicyError(`domain: ${raw} is not a domain name (or * for the global default)`);
  return d;
}

/**
 * Whose list: '*' (global), a lower-cased domain name, or — for a personal list — a lower-cased
 * mailbox address (its owner's allowed and blocked senders).
 */
export function listScope(raw: string | undefined | null): string {
  if (raw && raw.includes('@')) {
    const a = raw.trim().toLowerCase();
    if (!isMailbox(a)) throw new PolicyError(`mailbox: ${raw} is not a mailbox address`);
    return a;
  }
  return policyDomain(raw);
}

/**
 * Entries one personal list may hold: every scanner keeps every list in memory, and a mailbox
 * owner adding entries through the API must not be able to grow that without bound.
 */
export const MAX_PERSONAL_ENTRIES = 1000;

export const isMailbox = isAddress;

/**
 * A list value for a scope (listScope), normalised, with its kind; a PolicyError names the field
 * ("mailbox: …", "domain: …", "value: …"). A personal list holds sender addresses and domains: a
 * client IP is the domain's or the operators' decision.
 */
export function parseScopedValue(scope: string, raw: string): ListEntryValue {
  const d = listScope(scope);
  let parsed;
  try {
    parsed = parseListValue(raw);
  } catch (err) {
    throw new PolicyError(`value: ${(err as Error).message}`);
  }
  if (parsed.kind === 'ip' && isMailbox(d)) throw new PolicyError(`value: ${parsed.value}: a mailbox's list holds sender addresses and domains, not client IP addresses`);
  return { scope: d, ...parsed };
}

export interface ListEntryValue {
  scope: string;
  kind: ListEntry['kind'];
  value: string;
}

export interface StoredListEntry extends ListEntry {
  id: number;
  comment: string | null;
  created_at: string;
}

export class PolicyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async setAction(domain: string, category: string, action: string, opts: { subjectPrefix?: string | null; now?: Date } = {}): Promise<void> {
    const d = policyDomain(domain);
    if (!isCategory(category)) throw new PolicyError(`category: ${category} is not one of ${CATEGORIES.join(', ')}`);
    if (!isAction(action)) throw new PolicyError(`action: ${action} is not one of ${ACTIONS.join(', ')}`);
    const prefix = opts.subjectPrefix ?? null;
    if (prefix !== null && /[\r\n]/.test(prefix)) throw new PolicyError('subject prefix: must be one line');
    const at = nowIso(opts.now);
    await this.db
      .insertInto('scan_policies')
      .values({ domain: d, category, action, subject_prefix: prefix, updated_at: at })
      .onConflict((oc) => oc.columns(['domain', 'category']).doUpdateSet({ action, subject_prefix: prefix, updated_at: at }))
      .execute();
  }

  /** Removes a domain's own action for a category (it falls back to the global one). */
  async clearAction(domain: string, category: Category): Promise<boolean> {
    const r = await this.db.deleteFrom('scan_policies').where('domain', '=', policyDomain(domain)).where('category', '=', category).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async policies(domain?: string): Promise<PolicyRow[]> {
    let q = this.db.selectFrom('scan_policies').select(['domain', 'category', 'action', 'subject_prefix']);
    if (domain !== undefined) q = q.where('domain', 'in', [policyDomain(domain), GLOBAL]);
    const rows = await q.orderBy('domain').orderBy('category').execute();
    return rows.filter((r): r is PolicyRow => isCategory(r.category) && isAction(r.action));
  }

  async setMonitor(domain: string, family: string, until: string | Date, now?: Date): Promise<void> {
    const d = policyDomain(domain);
    if (!isFamily(family)) throw new PolicyError(`family: ${family} is not one of ${FAMILIES.join(', ')}`);
    const t = typeof until === 'string' ? Date.parse(until) : until.getTime();
    if (!Number.isFinite(t)) throw new PolicyError(`until: ${String(until)} is not an ISO-8601 time (e.g. 2026-11-28T08:00:00Z)`);
    const iso = new Date(t).toISOString();
    const at = nowIso(now);
    await this.db
      .insertInto('scan_monitors')
      .values({ domain: d, family, until: iso, updated_at: at })
      .onConflict((oc) => oc.columns(['domain', 'family']).doUpdateSet({ until: iso, updated_at: at }))
      .execute();
  }

  async clearMonitor(domain: string, family: Family): Promise<boolean> {
    const r = await this.db.deleteFrom('scan_monitors').where('domain', '=', policyDomain(domain)).where('family', '=', family).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async monitors(domain?: string): Promise<MonitorRow[]> {
    let q = this.db.selectFrom('scan_monitors').select(['domain', 'family', 'until']);
    if (domain !== undefined) q = q.where('domain', 'in', [policyDomain(domain), GLOBAL]);
    const rows = await q.orderBy('domain').orderBy('family').execute();
    return rows.filter((r): r is MonitorRow => isFamily(r.family));
  }

  /**
   * Adds an entry to a global, domain or personal list (see parseScopedValue); adding an existing
   * one is not an error. Returns the normalised entry.
   */
  async addListEntry(scope: string, list: ListName, raw: string, opts: { comment?: string; now?: Date } = {}): Promise<ListEntry> {
    const { scope: d, kind, value } = parseScopedValue(scope, raw);
    if (isMailbox(d)) await this.roomInPersonalList(d, list, value);
    await this.db
      .insertInto('scan_lists')
      .values({ domain: d, list, kind, value, comment: opts.comment ?? null, created_at: nowIso(opts.now) })
      .onConflict((oc) => oc.columns(['domain', 'list', 'value']).doNothing())
      .execute();
    return { domain: d, list, kind, value };
  }

  /** A full personal list takes no new entry (one it holds already is not new). */
  private async roomInPersonalList(mailbox: string, list: ListName, value: string): Promise<void> {
    const held = await this.db.selectFrom('scan_lists').select((eb) => eb.fn.countAll<number>().as('n')).where('domain', '=', mailbox).executeTakeFirstOrThrow();
    if (Number(held.n) < MAX_PERSONAL_ENTRIES) return;
    const listed = await this.db.selectFrom('scan_lists').select('id').where('domain', '=', mailbox).where('list', '=', list).where('value', '=', value).executeTakeFirst();
    if (!listed) throw new PolicyError(`mailbox: ${mailbox} already has ${MAX_PERSONAL_ENTRIES} entries, the most a personal list holds (remove some first)`);
  }

  async removeListEntry(domain: string, list: ListName, raw: string): Promise<boolean> {
    let value: string;
    try {
      value = parseListValue(raw).value;
    } catch (err) {
      throw new PolicyError(`value: ${(err as Error).message}`);
    }
    const r = await this.db.deleteFrom('scan_lists').where('domain', '=', listScope(domain)).where('list', '=', list).where('value', '=', value).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async listEntries(filter: { domain?: string; list?: ListName } = {}): Promise<StoredListEntry[]> {
    let q = this.db.selectFrom('scan_lists').selectAll();
    if (filter.domain !== undefined) q = q.where('domain', '=', listScope(filter.domain));
    if (filter.list) q = q.where('list', '=', filter.list);
    return q.orderBy('domain').orderBy('list').orderBy('value').execute();
  }

  /** The mailboxes of a domain that have personal entries, with how many in each list. */
  async personalLists(domain: string): Promise<{ mailbox: string; allow: number; block: number }[]> {
    const rows = await this.db
      .selectFrom('scan_lists')
      .select((eb) => ['domain', 'list', eb.fn.countAll<number>().as('n')])
      .where(sql<boolean>`domain like ${`%@${escapeLike(policyDomain(domain))}`} escape '\\'`)
      .groupBy(['domain', 'list'])
      .orderBy('domain')
      .execute();
    const out = new Map<string, { mailbox: string; allow: number; block: number }>();
    for (const r of rows) {
      const m = out.get(r.domain) ?? { mailbox: r.domain, allow: 0, block: 0 };
      m[r.list] = Number(r.n);
      out.set(r.domain, m);
    }
    return [...out.values()];
  }

  async snapshot(): Promise<PolicySnapshot> {
    const [p, m, l, a] = await Promise.all([this.policies(), this.monitors(), this.listEntries(), this.listedAliases()]);
    return new PolicySnapshot(p, m, l, a);
  }

  /**
   * The directory's aliases whose target mailbox has a personal list: mail to the alias is the
   * target owner's mail. Only those, so a directory of tens of thousands of addresses is not read
   * into every scanner's snapshot.
   */
  private async listedAliases(): Promise<Map<string, string>> {
    const rows = await this.db
      .selectFrom('recipients')
      .select(['address', 'target'])
      .where('kind', '=', 'alias')
      .where('target', 'in', this.db.selectFrom('scan_lists').select('domain').where('domain', 'like', '%@%'))
      .execute();
    return new Map(rows.flatMap((r) => (r.target ? [[r.address, r.target] as const] : [])));
  }
}

export type { Action };
