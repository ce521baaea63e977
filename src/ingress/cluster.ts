// The primary's side of the SMTP process model: forks the SMTP workers (sharing one listening
// port through node:cluster), answers their limit requests, restarts a worker that dies and
// stops them all gracefully.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/load.js';
import type { RampartConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { serveCommits } from './commit-ipc.js';
import type { RowCommitter } from './group-commit.js';
import { serveLimits } from './limiter-ipc.js';
import type { LimitTable } from './limits.js';
import type { TlsMaterial } from './tls.js';

const WORKER_ENV = 'RAMPARTWORKER_CONFIG';

/**
 * Node flags of a worker: the primary's (a TypeScript loader in development) plus a small young
 * generation. V8's default lets each process's new space grow to 48 MB, which an SMTP worker's
 * short-lived garbage fills and keeps resident; 2 MB semi-spaces cut ~30 MB per worker for a few
 * more (cheap) scavenges. An explicit --max-semi-space-size in the primary's flags wins.
 */
export function workerExecArgv(parent: string[]): string[] {
  const args = parent.filter((a) => !a.startsWith('--test'));
  if (!args.some((a) => a.startsWith('--max-semi-space-size'))) args.push('--max-semi-space-size=2');
  return args;
}

export interface SmtpWorkers {
  port: number;
  /** Live worker pids (for tests and the benchmark). */
  pids(): number[];
  stop(graceMs: number): Promise<void>;
}

export async function startSmtpWorkers(opts: { config: RampartConfig; tls: TlsMaterial; limits: LimitTable; committer: RowCommitter; count: number; log: Logger }): Promise<SmtpWorkers> {
  const { config, log } = opts;
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  cluster.setupPrimary({
    // Up and back into ingress/: this module may run from src/ingress, dist/ingress or bundled into dist/cli.
    exec: fileURLToPath(new URL(`../ingress/worker-main${ext}`, import.meta.url)),
    execArgv: workerExecArgv(process.execArgv),
    silent: false,
  });
  const cfg: RampartConfig = structuredClone(config);
  const workers = new Set<Worker>();
  let stopping = false;

  const fork = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork({ [WORKER_ENV]: JSON.stringify({ config: cfg, tls: opts.tls }) });
      workers.add(w);
      serveLimits(w, opts.limits);
      serveCommits(w, opts.committer);
      let listening = false;
      let configError: string | null = null;
      w.on('message', (msg: { rampartListening?: number; rampartConfigError?: string }) => {
        if (!msg || typeof msg !== 'object') return;
        if (typeof msg.rampartConfigError === 'string') configError = msg.rampartConfigError;
        if (typeof msg.rampartListening === 'number') {
          listening = true;
          resolve(msg.rampartListening);
        }
      });
      w.on('exit', (code, signal) => {
        workers.delete(w);
        if (!listening) return reject(configError !== null ? new ConfigError(configError) : new Error(`smtp worker exited before listening (code ${code}, signal ${signal})`));
        if (stopping) return;
        log.error({ pid: w.process.pid, code, signal }, 'smtp worker died; starting a new one');
        setTimeout(() => {
          if (!stopping) fork().catch((err) => log.error({ err }, 'cannot restart smtp worker'));
        }, 500).unref();
      });
    });

  // With port 0 the first worker's listen picks the port and the others share that handle:
  // node:cluster keys the primary's handles by the address as configured, so they keep asking
  // for port 0 (asking for the picked port explicitly would try to bind it a second time).
  const port = await fork();
  await Promise.all(Array.from({ length: opts.count - 1 }, () => fork()));

  return {
    port,
    pids: () => [...workers].map((w) => w.process.pid!).filter(Boolean),
    stop: async (graceMs) => {
      stopping = true;
      await Promise.all(
        [...workers].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const kill = setTimeout(() => w.process.kill('SIGKILL'), graceMs + 5000);
              w.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              if (w.isConnected()) w.send({ rampartShutdown: graceMs });
              else w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
