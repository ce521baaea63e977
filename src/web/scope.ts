// Who is asking and what they may see. Every query for messages, quarantine items, statistics or
// connection events goes through these predicates, so a domain admin cannot reach another
// domain's objects by any route or guessed id.
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database, Role } from '../store/schema.js';

export interface Principal {
  userId: number;
  username: string;
  role: Role;
  /** Domains a domain_admin was granted (ids and names); empty for the other roles. */
  domainIds: number[];
  domainNames: string[];
  /** The mailbox a mailbox_owner owns. */
  mailbox: string | null;
}

export async function loadPrincipal(db: Kysely<Database>, userId: number): Promise<Principal | undefined> {
  const u = await db.selectFrom('users').select(['id', 'username', 'role', 'mailbox']).where('id', '=', userId).executeTakeFirst();
  if (!u) return undefined;
  const domains = u.role === 'domain_admin'
    ? await db.selectFrom('user_domains').innerJoin('domains', 'domains.id', 'user_domains.domain_id').select(['domains.id', 'domains.name']).where('user_domains.user_id', '=', u.id).orderBy('domains.name').execute()
    : [];
  return { userId: u.id, username: u.username, role: u.role, domainIds: domains.map((d) => d.id), domainNames: domains.map((d) => d.name), mailbox: u.mailbox };
}

const NOTHING = sql<SqlBool>`1 = 0`;
const EVERYTHING = sql<SqlBool>`1 = 1`;

/** Predicate on the `messages` table: the principal may see this message. */
export function messageVisible(p: Principal): RawBuilder<SqlBool> {
  if (p.role === 'operator') return EVERYTHING;
  if (p.role === 'domain_admin') {
    if (p.domainIds.length === 0) return NOTHING;
    return sql<SqlBool>`exists (select 1 from message_recipients vis where vis.domain_id in (${sql.join(p.domainIds)}) and vis.message_id = messages.id)`;
  }
  if (!p.mailbox) return NOTHING;
  return sql<SqlBool>`messages.id in (select vis.message_id from message_recipients vis where ${receivedBy('vis', p.mailbox)})`;
}

/**
 * The recipient rows whose mail a mailbox receives, as SQL on the `message_recipients` rows of
 * `table`: the mailbox itself, its sub-addresses (kim+news@…, by the `owner` column ingress fills)
 * and the directory's aliases of it (k.lee@… → kim@…, and theirs), as its personal lists act for
 * them. Every term is an index lookup: the trace may hold millions of rows.
 */
export function receivedBy(table: string, mailbox: string): RawBuilder<SqlBool> {
  const address = sql.ref(`${table}.address`);
  const owner = sql.ref(`${table}.owner`);
  const aliases = sql`(select own.address from recipients own where own.kind = 'alias' and own.target = ${mailbox})`;
  return sql<SqlBool>`(${address} = ${mailbox} or ${owner} = ${mailbox} or ${owner} in ${aliases})`;
}

/** Predicate on `message_recipients`: the principal may act on this recipient's copy. */
export function recipientVisible(p: Principal): RawBuilder<SqlBool> {
  if (p.role === 'operator') return EVERYTHING;
  if (p.role === 'domain_admin') return p.domainIds.length ? sql<SqlBool>`message_recipients.domain_id in (${sql.join(p.domainIds)})` : NOTHING;
  return p.mailbox ? receivedBy('message_recipients', p.mailbox) : NOTHING;
}

/** Predicate on `connection_events`: blocks recorded for the principal's domains. */
export function connectionVisible(p: Principal): RawBuilder<SqlBool> {
  if (p.role === 'operator') return EVERYTHING;
  if (p.role === 'domain_admin' && p.domainNames.length) return sql<SqlBool>`connection_events.domain in (${sql.join(p.domainNames)})`;
  return NOTHING;
}

/** Whether the principal may see the named domain (a filter or a page about it). */
export function domainVisible(p: Principal, name: string): boolean {
  return p.role === 'operator' || (p.role === 'domain_admin' && p.domainNames.includes(name));
}
