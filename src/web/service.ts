// Runs the console inside a gateway node: the web app on web.host/web.port, digests queued through
// the node's own spool (submitLocalMessage), and the periodic digest timer.
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { RampartConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Spool } from '../spool/spool.js';
import { submitLocalMessage } from '../spool/submit.js';
import type { Store } from '../store/db.js';
import { runDigests } from './api.js';
import { startWeb } from './app.js';
import type { Learn } from './quarantine.js';

export interface ConsoleOptions {
  config: RampartConfig;
  store: Store;
  log: Logger;
  spool: Spool;
  metrics?: Registry;
  learn?: Learn;
  plugins?: FastifyPluginAsync[];
}

/** Starts the console; returns the stop function the gateway runs on shutdown. */
export async function startConsole(o: ConsoleOptions): Promise<(graceMs: number) => Promise<void>> {
  const log = o.log.child({ component: 'web' });
  const submit = (m: { from: string; to: string[]; raw: Buffer }) => submitLocalMessage(o.store, o.spool, m);
  const { app, url } = await startWeb({ config: o.config, store: o.store, logger: o.log, metrics: o.metrics, learn: o.learn, plugins: o.plugins, submit });
  log.info({ url }, 'console listening');
  let timer: NodeJS.Timeout | undefined;
  if (o.config.web.digest_interval > 0) {
    const ctx = app.webContext;
    timer = setInterval(() => {
      runDigests(ctx)
        .then((sent) => sent.size && log.info({ addresses: sent.size }, 'quarantine digests queued'))
        .catch((err) => log.error({ err }, 'quarantine digests failed'));
    }, o.config.web.digest_interval);
    timer.unref();
  }
  return async () => {
    if (timer) clearInterval(timer);
    await app.close();
  };
}
