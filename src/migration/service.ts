// Wires the programme to a running node: builds its dependencies from the configuration (spool
// submitter, templates, link key, DNS) and runs the periodic tick. The gateway calls
// startMigrationTicker; the console registers the public site with buildProgrammeDeps' result.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RampartConfig } from '../config/schema.js';
import type { Store } from '../store/db.js';
import { Spool } from '../spool/spool.js';
import { dnsResolver } from './checks/resolver.js';
import type { ProgrammeDeps } from './context.js';
import { LinkSigner, loadLinkKey } from './links.js';
import { localSubmitter, type MailSubmitter } from './mail.js';
import { Templates } from './templates.js';
import { runMigrationTick, type TickSummary } from './tick.js';
import { registerMigrationSite, type SiteDeps } from './web/site.js';
import type { FastifyPluginAsync } from 'fastify';

/** The configured templates directory, or the bundled one (the same relative place from src/ and dist/). */
export function templatesDir(config: RampartConfig): string {
  return config.migration.templates_dir ? path.resolve(config.migration.templates_dir) : fileURLToPath(new URL('../../templates/migration', import.meta.url));
}

export function buildProgrammeDeps(config: RampartConfig, store: Store, opts: { submit?: MailSubmitter; now?: () => Date; spool?: Spool } = {}): ProgrammeDeps {
  const spool = opts.spool ?? new Spool(store.db, path.join(config.data_dir, 'spool'), os.hostname());
  return {
    db: store.db,
    config: config.migration,
    publicUrl: config.web.public_url,
    submit: opts.submit ?? localSubmitter(store, spool),
    templates: new Templates(templatesDir(config)),
    links: new LinkSigner(loadLinkKey({ secret: config.secret, dataDir: config.data_dir })),
    resolver: dnsResolver(config.dns.servers, config.dns.timeout),
    now: opts.now ?? (() => new Date()),
  };
}

export interface TickLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Runs the tick now and then every intervalMs (never two at once); returns a stop function. */
export function startMigrationTicker(deps: ProgrammeDeps, log: TickLogger, intervalMs = 15 * 60_000): () => Promise<void> {
  let running: Promise<void> | null = null;
  const once = () => {
    if (running) return;
    running = runMigrationTick(deps)
      .then((s: TickSummary) => {
        const did = s.notified.length + s.reminders.length + s.escalations.length + s.heldBack.length + s.migrated.length;
        if (did || s.errors.length) log.info({ ...s }, 'migration tick');
        for (const e of s.errors) log.error({ error: e }, 'migration tick step failed');
      })
      .catch((err: Error) => log.error({ err: err.message }, 'migration tick failed'))
      .finally(() => {
        running = null;
      });
  };
  once();
  const timer = setInterval(once, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** What the gateway starts: the programme wired to this node's spool, ticking every migration.tick_interval. */
export async function startMigrationTickerFor(config: RampartConfig, store: Store, spool: Spool, log: TickLogger): Promise<() => Promise<void>> {
  return startMigrationTicker(buildProgrammeDeps(config, store, { spool }), log, config.migration.tick_interval);
}

/**
 * The public site as a plugin for the console's `plugins` list, e.g. in the gateway:
 *   const programme = buildProgrammeDeps(config, store, { spool });
 *   startConsole({ …, plugins: [migrationSitePlugin(programme, (req) => req.principal?.role === 'operator')] });
 *   stops.push(async () => startMigrationTicker(programme, log)());   // or keep the stop function
 * The console's CSRF check must exempt /migration/ (public forms, no session involved).
 */
export function migrationSitePlugin(deps: ProgrammeDeps, operatorGuard?: SiteDeps['operatorGuard']): FastifyPluginAsync {
  return async (app) => registerMigrationSite(app, { ...deps, operatorGuard });
}
