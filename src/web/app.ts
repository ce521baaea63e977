// The console and HTTP API as one Fastify app: buildWebApp wires the store, auth, API, pages,
// metrics and health checks; startWeb listens on web.host/web.port.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { RampartConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/db.js';
import { registerApi } from './api.js';
import { ApiRegistry } from './api-registry.js';
import { registerAuth, registerCsrf } from './auth.js';
import type { SubmitMessage } from './digest.js';
import { ApiError, errorBody } from './errors.js';
import { LinkSigner, loadSecret } from './links.js';
import { createMetricsRegistry, registerTraceMetrics } from './metrics.js';
import { registerPages } from './pages/index.js';
import { registerPolicy } from './policy.js';
import { registerFuzzy } from './fuzzy.js';
import { registerSenders } from './senders.js';
import { errorPage } from './pages/layout.js';
import type { Learn } from './quarantine.js';
import { LoginThrottle } from './sessions.js';

/** No script at all, styles and images only from the console itself, no framing. */
export const CONSOLE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; frame-src 'self'";

export interface WebDeps {
  config: RampartConfig;
  store: Store;
  logger?: Logger;
  /** Injected clock (tests move time). */
  now?: () => Date;
  /** Registry served on /metrics; other modules register their metrics on it. */
  metrics?: Registry;
  /** Spam-learner feedback from release-and-learn / report-as-spam (scan engine). */
  learn?: Learn;
  /** Queues generated mail (digests) through the gateway: submitLocalMessage. */
  submit?: SubmitMessage;
  /** Further Fastify plugins (e.g. the public migration site), registered into this app. */
  plugins?: FastifyPluginAsync[];
  /** Readiness beyond the database (e.g. the SMTP listener is up). */
  ready?: () => Promise<boolean> | boolean;
}

export interface WebContext extends Required<Pick<WebDeps, 'config' | 'store'>> {
  now: () => Date;
  signer: LinkSigner;
  throttle: LoginThrottle;
  api: ApiRegistry;
  learn?: Learn;
  submit?: SubmitMessage;
  secureCookies: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The console's wiring, for the node's digest timer. */
    webContext: WebContext;
  }
}

export async function buildWebApp(deps: WebDeps): Promise<FastifyInstance> {
  const now = deps.now ?? (() => new Date());
  const app: FastifyInstance = Fastify({ // Per-request access lines stay out of the log; errors and warnings go in.
    loggerInstance: deps.logger?.child({ module: 'web' }, { level: 'warn' }) as FastifyBaseLogger | undefined, bodyLimit: 5 * 1024 * 1024, trustProxy: false, routerOptions: { maxParamLength: 2100 } });
  await app.register(cookie);
  await app.register(formbody);
  const ctx: WebContext = {
    config: deps.config,
    store: deps.store,
    now,
    signer: new LinkSigner(loadSecret(deps.config.secret, deps.config.data_dir)),
    throttle: new LoginThrottle(now),
    api: new ApiRegistry(),
    learn: deps.learn,
    submit: deps.submit,
    secureCookies: deps.config.web.secure_cookies,
  };

  app.decorate('webContext', ctx);

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const e = err instanceof ApiError ? err : err.statusCode && err.statusCode < 500 ? new ApiError(err.statusCode === 404 ? 'not_found' : err.statusCode === 415 || err.statusCode === 400 ? 'validation_failed' : 'validation_failed', err.message) : new ApiError('internal');
    if (!(err instanceof ApiError) && !(err.statusCode && err.statusCode < 500)) req.log.error({ err }, 'request failed');
    if (req.url.startsWith('/api/') || req.url === '/metrics') return reply.status(e.status).send(errorBody(e));
    if (e.code === 'unauthenticated') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    return reply.status(e.status).type('text/html; charset=utf-8').header('content-security-policy', CONSOLE_CSP).send(errorPage(e, req.principal, req.session?.csrf).value);
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('not_found');
    if (req.url.startsWith('/api/')) return reply.status(404).send(errorBody(e));
    return reply.status(404).type('text/html; charset=utf-8').send(errorPage(e, req.principal, req.session?.csrf).value);
  });

  registerAuth(app, deps.store.db, now);

  const metrics = deps.metrics ?? createMetricsRegistry();
  registerTraceMetrics(metrics, deps.store.db, now);
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await sql`select 1`.execute(deps.store.db);
      if (deps.ready && !(await deps.ready())) return reply.status(503).send({ status: 'not ready', database: 'ok' });
      return { status: 'ready', database: 'ok' };
    } catch (err) {
      return reply.status(503).send({ status: 'not ready', database: (err as Error).message });
    }
  });

  // The console's own routes: CSRF check and the strict CSP apply to them, not to plugins.
  await app.register(async (own) => {
    registerCsrf(own);
    own.addHook('onSend', async (_req, reply, payload) => {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CONSOLE_CSP);
      return payload;
    });
    registerApi(own, ctx);
    registerPages(own, ctx);
    registerPolicy(own, ctx);
    registerFuzzy(own, ctx);
    registerSenders(own, ctx);
    own.get('/api/openapi.json', async () => ctx.api.openapi());
  });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}

/** Builds the app and listens on web.host:web.port; returns it with the bound address. */
export async function startWeb(deps: WebDeps): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildWebApp(deps);
  const url = await app.listen({ host: deps.config.web.host, port: deps.config.web.port });
  return { app, url };
}
