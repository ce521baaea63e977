// Protected domains, their delivery routes and their recipients: the directory every relay and
// recipient decision is made against.
import type { Kysely } from 'kysely';
import type { Database, Domain, Recipient, Route, TlsMode } from '../store/schema.js';
import { inTransaction, nowIso } from '../store/dialect.js';
import { canonicalAddress, canonicalDomain } from './names.js';

export interface RouteInput {
  host: string;
  port?: number;
  preference?: number;
  tls?: TlsMode;
  tls_verify?: boolean;
}

export interface DomainWithRoutes extends Domain {
  routes: Route[];
}

export class DirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryError';
  }
}

function domainOrThrow(name: string): string {
  const d = canonicalDomain(name);
  if (!d) throw new DirectoryError(`not a valid domain name: ${JSON.stringify(name)}`);
  return d;
}

export class Directory {
  constructor(private readonly db: Kysely<Database>) {}

  async addDomain(name: string, opts: { catchAll?: boolean; routes?: RouteInput[] } = {}): Promise<Domain> {
    const canonical = domainOrThrow(name);
    return inTransaction(this.db, async (trx) => {
      const existing = await trx.selectFrom('domains').selectAll().where('name', '=', canonical).executeTakeFirst();
      if (existing) throw new DirectoryError(`domain ${canonical} already exists`);
      const domain = await trx
        .insertInto('domains')
        .values({ name: canonical, catch_all: opts.catchAll ? 1 : 0, created_at: nowIso() })
        .returningAll()
        .executeTakeFirstOrThrow();
      for (const r of opts.routes ?? []) await insertRoute(trx, domain.id, r);
      return domain;
    });
  }

  async removeDomain(name: string): Promise<boolean> {
    const canonical = domainOrThrow(name);
    const res = await this.db.deleteFrom('domains').where('name', '=', canonical).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async getDomain(name: string): Promise<DomainWithRoutes | undefined> {
    const canonical = canonicalDomain(name);
    if (!canonical) return undefined;
    const domain = await this.db.selectFrom('domains').selectAll().where('name', '=', canonical).executeTakeFirst();
    if (!domain) return undefined;
    return { ...domain, routes: await this.routes(domain.id) };
  }

  async listDomains(): Promise<DomainWithRoutes[]> {
    const domains = await this.db.selectFrom('domains').selectAll().orderBy('name').execute();
    const routes = await this.db.selectFrom('routes').selectAll().orderBy('preference').orderBy('id').execute();
    return domains.map((d) => ({ ...d, routes: routes.filter((r) => r.domain_id === d.id) }));
  }

  async routes(domainId: number): Promise<Route[]> {
    return this.db.selectFrom('routes').selectAll().where('domain_id', '=', domainId).orderBy('preference').orderBy('id').execute();
  }

  async setCatchAll(name: string, on: boolean): Promise<void> {
    const d = await this.requireDomain(name);
    await this.db.updateTable('domains').set({ catch_all: on ? 1 : 0 }).where('id', '=', d.id).execute();
  }

  /** Replaces the domain's routes as a whole. */
  async setRoutes(name: string, routes: RouteInput[]): Promise<void> {
    const d = await this.requireDomain(name);
    await inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('routes').where('domain_id', '=', d.id).execute();
      for (const r of routes) await insertRoute(trx, d.id, r);
    });
  }

  async addRecipient(address: string, opts: { alias?: string } = {}): Promise<Recipient> {
    const canonical = canonicalAddress(address);
    if (!canonical) throw new DirectoryError(`not a valid address: ${JSON.stringify(address)}`);
    const domain = await this.requireDomain(canonical.split('@')[1]!);
    let target: string | null = null;
    if (opts.alias !== undefined) {
      target = canonicalAddress(opts.alias);
      if (!target) throw new DirectoryError(`not a valid alias target: ${JSON.stringify(opts.alias)}`);
    }
    const existing = await this.db.selectFrom('recipients').select('id').where('address', '=', canonical).executeTakeFirst();
    if (existing) throw new DirectoryError(`recipient ${canonical} already exists`);
    return this.db
      .insertInto('recipients')
      .values({ domain_id: domain.id, address: canonical, kind: target ? 'alias' : 'mailbox', target })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async removeRecipient(address: string): Promise<boolean> {
    const canonical = canonicalAddress(address);
    if (!canonical) return false;
    const res = await this.db.deleteFrom('recipients').where('address', '=', canonical).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async listRecipients(domain?: string): Promise<(Recipient & { domain: string })[]> {
    let q = this.db
      .selectFrom('recipients')
      .innerJoin('domains', 'domains.id', 'recipients.domain_id')
      .selectAll('recipients')
      .select('domains.name as domain')
      .orderBy('recipients.address');
    if (domain) q = q.where('domains.name', '=', domainOrThrow(domain));
    return q.execute();
  }

  /** Number of recipient addresses (mailboxes and aliases) per domain: "addresses protected". */
  async countRecipients(domain?: string): Promise<number> {
    let q = this.db.selectFrom('recipients').innerJoin('domains', 'domains.id', 'recipients.domain_id').select((eb) => eb.fn.countAll<number>().as('n'));
    if (domain) q = q.where('domains.name', '=', domainOrThrow(domain));
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async requireDomain(name: string): Promise<Domain> {
    const d = await this.getDomain(name);
    if (!d) throw new DirectoryError(`no such protected domain: ${name}`);
    return d;
  }
}

async function insertRoute(db: Kysely<Database>, domainId: number, r: RouteInput): Promise<void> {
  if (!r.host || /\s/.test(r.host)) throw new DirectoryError(`route host is not valid: ${JSON.stringify(r.host)}`);
  const port = r.port ?? 25;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DirectoryError(`route port must be 1-65535, got ${port}`);
  const tls = r.tls ?? 'opportunistic';
  if (!['none', 'opportunistic', 'required'].includes(tls)) throw new DirectoryError(`route tls must be none, opportunistic or required, got ${tls}`);
  await db
    .insertInto('routes')
    .values({ domain_id: domainId, host: r.host.toLowerCase(), port, preference: r.preference ?? 10, tls, tls_verify: r.tls_verify ? 1 : 0 })
    .execute();
}

export type RecipientLookup =
  | { kind: 'not_protected' }
  | { kind: 'unknown'; domain: Domain }
  | { kind: 'accepted'; domain: Domain; recipient: Recipient | null };

/** Decides what the directory says about one canonical address (used at RCPT TO). */
export async function lookupRecipient(db: Kysely<Database>, canonical: string): Promise<RecipientLookup> {
  const at = canonical.lastIndexOf('@');
  const domain = await db.selectFrom('domains').selectAll().where('name', '=', canonical.slice(at + 1)).executeTakeFirst();
  if (!domain) return { kind: 'not_protected' };
  const recipient = await db.selectFrom('recipients').selectAll().where('address', '=', canonical).executeTakeFirst();
  if (recipient) return { kind: 'accepted', domain, recipient };
  if (domain.catch_all) return { kind: 'accepted', domain, recipient: null };
  return { kind: 'unknown', domain };
}
