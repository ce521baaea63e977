// Entry point of one SMTP worker process (node:cluster). The primary passes the validated
// configuration in the environment and owns the limits; the worker serves SMTP until told to stop.
import { openStore } from '../store/db.js';
import { createLogger } from '../log.js';
import type { RampartConfig } from '../config/schema.js';
import { ipcAccept } from './commit-ipc.js';
import { ipcLimiter } from './limiter-ipc.js';
import { startIngressProcess } from './process.js';
import type { TlsMaterial } from './tls.js';

export const WORKER_ENV = 'RAMPARTWORKER_CONFIG';

async function main(): Promise<void> {
  const { config, tls } = JSON.parse(process.env[WORKER_ENV] ?? '{}') as { config: RampartConfig; tls: TlsMaterial };
  const log = createLogger(config.log.level).child({ name: 'smtp-worker' });
  // The worker reads (directory) and records events; message rows are committed by the primary.
  const store = await openStore({ url: config.database.url, dataDir: config.data_dir, migrate: false, poolSize: 4 });
  const proc = await startIngressProcess({ config, store, tls, limiter: ipcLimiter(), accept: ipcAccept, log });
  let stopping = false;
  const stop = async (graceMs: number) => {
    if (stopping) return;
    stopping = true;
    await proc.close(graceMs);
    await store.close();
    process.exit(0);
  };
  process.on('message', (msg: { rampartShutdown?: number }) => {
    if (msg && typeof msg === 'object' && typeof msg.rampartShutdown === 'number') void stop(msg.rampartShutdown);
  });
  // The primary handles the signals; a worker only stops when the primary tells it (or dies).
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void stop(config.smtp.shutdown_grace));
  process.on('disconnect', () => void stop(config.smtp.shutdown_grace));
  process.send!({ rampartListening: proc.port });
  log.info({ port: proc.port }, 'smtp worker listening');
}

main().catch((err) => {
  // A configuration the worker finds wrong (an analyzer's section, a composite) goes to the
  // primary, which reports it as its own (exit 2, no stack); anything else is a crash.
  if ((err as Error)?.name === 'ConfigError' && process.send) {
    process.send({ rampartConfigError: (err as Error).message }, () => process.exit(2));
    return;
  }
  process.stderr.write(`rampart smtp worker: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
