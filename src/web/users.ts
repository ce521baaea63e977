// Console accounts: create, list, remove, change password, grant domains. Shared by the
// `rampart users` command and the API so both apply the same rules.
import type { Kysely } from 'kysely';
import { canonicalAddress, canonicalDomain } from '../directory/names.js';
import type { Database, Role } from '../store/schema.js';
import { hashPassword, passwordProblem } from './passwords.js';

export const ROLES = ['operator', 'domain_admin', 'mailbox_owner'] as const satisfies readonly Role[];

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export interface UserView {
  id: number;
  username: string;
  role: Role;
  mailbox: string | null;
  domains: string[];
}

const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,62}$/;

export async function addUser(db: Kysely<Database>, input: { username: string; password: string; role: Role; mailbox?: string | null; domains?: string[] }): Promise<UserView> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME.test(username)) throw new UserError(`username: 2-63 characters of a-z 0-9 . _ @ -, got ${JSON.stringify(input.username)}`);
  if (!ROLES.includes(input.role)) throw new UserError(`role: must be one of ${ROLES.join(', ')}`);
  const problem = passwordProblem(input.password);
  if (problem) throw new UserError(problem);
  let mailbox: string | null = null;
  if (input.role === 'mailbox_owner') {
    mailbox = canonicalAddress(input.mailbox ?? '');
    if (!mailbox) throw new UserError('mailbox: a mailbox_owner needs a valid --mailbox address');
  } else if (input.mailbox) throw new UserError('mailbox: only a mailbox_owner has a mailbox');
  if (input.role !== 'domain_admin' && input.domains?.length) throw new UserError('domains: only a domain_admin is granted domains');
  if (await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst()) throw new UserError(`user ${username} already exists`);
  const hash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const u = await trx
      .insertInto('users')
      .values({ username, password_hash: hash, role: input.role, mailbox, created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (input.domains?.length) await grantDomains(trx, username, input.domains);
    return (await getUser(trx, username))!;
  });
}

export async function getUser(db: Kysely<Database>, username: string): Promise<UserView | undefined> {
  const u = await db.selectFrom('users').select(['id', 'username', 'role', 'mailbox']).where('username', '=', username.toLowerCase()).executeTakeFirst();
  if (!u) return undefined;
  return { ...u, domains: await domainsOf(db, u.id) };
}

export async function domainsOf(db: Kysely<Database>, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('user_domains').innerJoin('domains', 'domains.id', 'user_domains.domain_id').select('domains.name').where('user_domains.user_id', '=', userId).orderBy('domains.name').execute();
  return rows.map((r) => r.name);
}

export async function listUsers(db: Kysely<Database>): Promise<UserView[]> {
  const users = await db.selectFrom('users').select(['id', 'username', 'role', 'mailbox']).orderBy('username').execute();
  return Promise.all(users.map(async (u) => ({ ...u, domains: await domainsOf(db, u.id) })));
}

export async function removeUser(db: Kysely<Database>, username: string): Promise<boolean> {
  const res = await db.deleteFrom('users').where('username', '=', username.toLowerCase()).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function setPassword(db: Kysely<Database>, username: string, password: string): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw new UserError(problem);
  const u = await db.selectFrom('users').select('id').where('username', '=', username.toLowerCase()).executeTakeFirst();
  if (!u) throw new UserError(`no such user: ${username}`);
  await db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', u.id).execute();
  // A new password ends every open session of that account.
  await db.deleteFrom('sessions').where('user_id', '=', u.id).execute();
}

/** Adds domains to a domain_admin; every name must be a protected domain. */
export async function grantDomains(db: Kysely<Database>, username: string, domains: string[], revoke = false): Promise<void> {
  const u = await db.selectFrom('users').select(['id', 'role']).where('username', '=', username.toLowerCase()).executeTakeFirst();
  if (!u) throw new UserError(`no such user: ${username}`);
  if (u.role !== 'domain_admin') throw new UserError(`${username} is a ${u.role}; only a domain_admin is granted domains`);
  for (const raw of domains) {
    const name = canonicalDomain(raw);
    const d = name ? await db.selectFrom('domains').select('id').where('name', '=', name).executeTakeFirst() : undefined;
    if (!d) throw new UserError(`domains: ${raw} is not a protected domain`);
    if (revoke) await db.deleteFrom('user_domains').where('user_id', '=', u.id).where('domain_id', '=', d.id).execute();
    else if (!(await db.selectFrom('user_domains').select('user_id').where('user_id', '=', u.id).where('domain_id', '=', d.id).executeTakeFirst()))
      await db.insertInto('user_domains').values({ user_id: u.id, domain_id: d.id }).execute();
  }
}
