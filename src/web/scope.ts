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
  return sql<SqlBool>`messages.id in (select vis.message_id from message_recipients vis where ${receivedBy('vis.address', p.mailbox)})`;
}

/**
 * The recipient addresses whose mail a mailbox receives, as SQL on `column`: the mailbox itself and
 * the directory's aliases of it (k.lee@… → kim@…), as its personal lists act for them. Both terms
 * use the index on the address. Its sub-addresses (kim+news@…) are not matched: a prefix match is
 * not an index lookup on every database's collation, and the trace may hold millions of rows.
 */
export function receivedBy(column: string, mailbox: string): RawBuilder<SqlBool> {
  const c = sql.ref(column);
  return sql<SqlBool>`(${c} = ${mailbox} or ${c} in (select own.address from recipients own where own.kind = 'alias' and own.target = ${mailbox}))`;
}

/** Predicate on `message_recipients`: the principal may act on this recipient's copy. */
export function recipientVisible(p: Principal): RawBuilder<SqlBool> {
  if (p.role === 'operator') return EVERYTHING;
  if (p.role === 'domain_admin') return p.domainIds.length ? sql<SqlBool>`message_recipients.domain_id in (${sql.join(p.domainIds)})` : NOTHING;
  return p.mailbox ? receivedBy('message_recipients.address', p.mailbox) : NOTHING;
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
