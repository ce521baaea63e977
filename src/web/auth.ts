// Authentication and CSRF for every route: the session cookie becomes req.principal; every
// state-changing request must carry the session's CSRF token (header or form field).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, Role } from '../store/schema.js';
import { ApiError } from './errors.js';
import { loadPrincipal, type Principal } from './scope.js';
import { findSession, sameToken, SESSION_COOKIE } from './sessions.js';

export type Access = 'public' | 'user' | 'operator';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    session: { id: string; csrf: string; token: string } | null;
  }
}

/** Paths that change state without a session: login (own double-submit token) and signed links. */
const CSRF_EXEMPT = [/^\/api\/login$/, /^\/login$/, /^\/r\/[^/]+$/];
export const LOGIN_CSRF_COOKIE = 'rampart_login_csrf';

/** Loads req.principal for every route of the app, including plugins such as the migration site. */
export function registerAuth(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    const s = await findSession(db, token, now());
    if (!s) return;
    const p = await loadPrincipal(db, s.userId);
    if (!p) return;
    req.principal = p;
    req.session = { id: s.id, csrf: s.csrf, token };
  });
}

/** The CSRF check, added to the console's own routes (plugins keep their own forms and rules). */
export function registerCsrf(app: FastifyInstance): void {
  app.addHook('preHandler', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    const path = req.url.split('?')[0]!;
    if (CSRF_EXEMPT.some((re) => re.test(path))) {
      if (path === '/login' && !sameToken((req.body as { _csrf?: string } | undefined)?._csrf, req.cookies[LOGIN_CSRF_COOKIE] ?? '\0')) throw new ApiError('csrf_failed');
      return;
    }
    if (!req.session) return; // the route itself answers 401
    const given = (req.headers['x-csrf-token'] as string | undefined) ?? (req.body as { _csrf?: string } | undefined)?._csrf;
    if (!sameToken(given, req.session.csrf)) throw new ApiError('csrf_failed');
  });
}

/** For plugins (the migration site's calendar): is the request from a signed-in operator? */
export function isOperator(req: FastifyRequest): boolean {
  return req.principal?.role === 'operator';
}

export function requireUser(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError('unauthenticated');
  return req.principal;
}

export function requireRole(req: FastifyRequest, ...roles: Role[]): Principal {
  const p = requireUser(req);
  if (!roles.includes(p.role)) throw new ApiError('forbidden');
  return p;
}
