// Starts every part of a gateway node: the store, the spool's crash cleanup, the SMTP ingress
// (worker processes sharing the port, limits kept here in the primary), and — in the marked
// place — the delivery engine and the web console.
import os from 'node:os';
import path from 'node:path';
import type { RampartConfig } from './config/schema.js';
import { createLogger, type Logger } from './log.js';
import { startSmtpWorkers } from './ingress/cluster.js';
import { localAccept, RowCommitter } from './ingress/group-commit.js';
import { LimitTable, localLimiter } from './ingress/limits.js';
import type { IngressOverrides, IngressProcess } from './ingress/process.js';
import { spoolDir } from './ingress/spool-dir.js';
import { loadTlsMaterial } from './ingress/tls.js';
import { Spool } from './spool/spool.js';
import { startDelivery } from './spool/delivery/index.js';
import { startQuarantineExpiry } from './spool/quarantine-expiry.js';
// Loaded with delivery anyway (its DSNs go the same way).
import { submitLocalMessage } from './spool/submit.js';
import { openStore, type Store } from './store/db.js';
import type { Learn } from './web/quarantine.js';

export interface GatewayOptions {
  /**
   * Serve SMTP in this process instead of worker processes. Tests use it to inject a scan hook
   * or connection check (functions cannot cross a process boundary).
   */
  inProcess?: boolean;
  ingress?: IngressOverrides;
  log?: Logger;
}

export interface Gateway {
  config: RampartConfig;
  store: Store;
  /** The SMTP port actually bound (useful with smtp.port 0). */
  smtpPort: number;
  limits: LimitTable;
  /** SMTP worker pids; empty in the in-process mode. */
  workerPids(): number[];
  /** The ingress itself in the in-process mode. */
  ingress: IngressProcess | null;
  /** Graceful stop: no new connections, sessions in flight finish within graceMs, store closed. */
  stop(graceMs?: number): Promise<void>;
}

export async function startGateway(config: RampartConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const log = opts.log ?? createLogger(config.log.level);
  const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
  /** Stop functions, run in the order the parts were started: SMTP first stops taking mail. */
  const stops: ((graceMs: number) => Promise<void>)[] = [];
  try {
    const spool = new Spool(store.db, spoolDir(config), os.hostname());
    const orphans = await spool.removeOrphans();
    if (orphans.length) log.warn({ count: orphans.length }, 'removed spool files that were never acknowledged');
    const tls = await loadTlsMaterial({ ...config.smtp.tls, dataDir: config.data_dir, hostname: config.smtp.hostname });
    const limits = new LimitTable({
      maxConnections: config.smtp.max_connections,
      maxConnectionsPerIp: config.smtp.max_connections_per_ip,
      maxMessagesPerIpPerMinute: config.smtp.max_messages_per_ip_per_minute,
    });

    // This process is the node's single writer of message rows (group commit for all workers).
    const committer = new RowCommitter(store.db, spool.queueDir, spool.node, log);

    // The console starts before SMTP so the node is whole once "smtp ingress listening" is logged.
    if (config.web.enabled) {
      const [{ startConsole }, { isOperator }, { migrationSitePlugin, buildProgrammeDeps }, { teach }, { parseMessage }] = await Promise.all([
        import('./web/service.js'),
        import('./web/auth.js'),
        import('./migration/service.js'),
        import('./scan/feedback.js'),
        import('./message/parse.js'),
      ]);
      // The public migration site lives in the console's server. Release-and-learn and the reports
      // teach Bayes and add the message's fuzzy hash for the domains the judge looks after.
      const plugins = [migrationSitePlugin(buildProgrammeDeps(config, store, { spool }), isOperator)];
      const learnFeedback: Learn = async (raw, as, by) => (await teach(store.db, config, await parseMessage(raw), as, `console:${by.username}`, by.reach, by.limit)).refused ?? null;
      stops.push(await startConsole({ config, store, log, spool, plugins, learn: learnFeedback }));
    }

    let smtpPort: number;
    let ingress: IngressProcess | null = null;
    let workerPids = (): number[] => [];
    if (opts.inProcess) {
      // Imported here only: in cluster mode the primary never runs smtp-server itself.
      const { startIngressProcess } = await import('./ingress/process.js');
      ingress = await startIngressProcess({ config, store, tls, limiter: localLimiter(limits), accept: (sp) => localAccept(sp, committer), log, overrides: opts.ingress });
      smtpPort = ingress.port;
      const proc = ingress;
      stops.push((grace) => proc.close(grace));
    } else {
      const count = config.smtp.workers || os.availableParallelism();
      const workers = await startSmtpWorkers({ config, tls, limits, committer, count, log });
      smtpPort = workers.port;
      workerPids = workers.pids;
      stops.push((grace) => workers.stop(grace));
    }
    log.info({ host: config.smtp.host, port: smtpPort, data_dir: path.resolve(config.data_dir) }, 'smtp ingress listening');

    const delivery = startDelivery({ config, store, logger: log, spool });
    stops.push(() => delivery.stop());
    // The quarantine's lifetime: this node's held messages past it are discarded (hourly).
    stops.push(startQuarantineExpiry({ db: store.db, node: spool.node, lifetimeMs: config.quarantine.lifetime, log }));
    // The trace's retention: settled records past retention.trace become hourly statistics (hourly).
    stops.push((await import('./stats/retention.js')).startTracePrune({ db: store.db, retentionMs: config.retention.trace, log }));
    // The programme report by mail at the end of each report.interval (when report.mail_to is set).
    stops.push(
      (await import('./stats/report-mail.js')).startReportMail(store.db, {
        to: config.report.mail_to,
        from: config.delivery.postmaster,
        intervalMs: config.report.interval,
        publicUrl: config.web.public_url,
        node: spool.node,
        submit: (m) => submitLocalMessage(store, spool, m),
        log,
      }),
    );
    // The Bayes model's size: past scan.analyzers.bayes.max_tokens it is pruned (hourly).
    stops.push((await import('./scan/analyzers/bayes/prune.js')).startBayesPrune({ db: store.db, section: config.scan.analyzers.bayes, log }));
    // Fuzzy hashes past scan.analyzers.fuzzy.lifetime_days are deleted (hourly).
    stops.push((await import('./scan/analyzers/fuzzy/expiry.js')).startFuzzyExpiry({ db: store.db, log }));
    // Migration programme: notices, reminders, escalations, hold-backs, migrated check (the console mounts its site via migrationSitePlugin).
    stops.push(await (await import('./migration/service.js')).startMigrationTickerFor(config, store, spool, log));
    // Other parts of the node start here, in the primary: each pushes an async stop function
    // (graceMs) => Promise<void>; SMTP is stopped first.

    let stopped: Promise<void> | undefined;
    return {
      config,
      store,
      smtpPort,
      limits,
      workerPids: () => workerPids(),
      ingress,
      stop: (graceMs = config.smtp.shutdown_grace) =>
        (stopped ??= (async () => {
          for (const s of stops) await s(graceMs);
          await store.close();
          log.info('gateway stopped');
        })()),
    };
  } catch (err) {
    for (const s of stops) await s(0).catch(() => {});
    await store.close();
    throw err;
  }
}
