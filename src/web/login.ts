// Logging in and out, shared by the JSON API and the login form: throttle, check, open a session,
// set the cookie, audit.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { ApiError } from './errors.js';
import { checkCredentials, createSession, endSession, SESSION_COOKIE } from './sessions.js';

export async function logIn(ctx: WebContext, req: FastifyRequest, reply: FastifyReply, username: string, password: string): Promise<{ csrf: string }> {
  const db = ctx.store.db;
  if (ctx.throttle.blocked(username, req.ip)) {
    await audit(db, { actor: username, action: 'login.throttled', ip: req.ip }, ctx.now());
    throw new ApiError('throttled');
  }
  const userId = await checkCredentials(db, username, password);
  if (userId === undefined) {
    ctx.throttle.fail(username, req.ip);
    await audit(db, { actor: username, action: 'login.failed', ip: req.ip }, ctx.now());
    throw new ApiError('bad_credentials');
  }
  ctx.throttle.succeed(username);
  const s = await createSession(db, userId, ctx.now());
  reply.setCookie(SESSION_COOKIE, s.token, { path: '/', httpOnly: true, sameSite: 'strict', secure: ctx.secureCookies, expires: s.expires });
  await audit(db, { actor: username.trim().toLowerCase(), action: 'login', ip: req.ip }, ctx.now());
  return { csrf: s.csrf };
}

export async function logOut(ctx: WebContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.session) {
    await endSession(ctx.store.db, req.session.token);
    await audit(ctx.store.db, { actor: req.principal?.username ?? '?', action: 'logout', ip: req.ip }, ctx.now());
  }
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
