// `rampart scand`: the scan engine as a daemon (scan/server.ts) until SIGTERM or SIGINT.
import type { Command } from 'commander';
import { createLogger } from '../../log.js';
import { action, loadCliConfig, migrateStore, repeatable, threadsOption, UsageError } from '../context.js';

export const DEFAULT_LISTEN = '127.0.0.1:11340';

interface ScandOpts {
  listen: string;
  allow: string[];
  threads?: string;
  local?: boolean;
}

/** host:port, [v6]:port or a bare port (on loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/i.exec(text) ?? (/^\d{1,5}$/.test(text) ? [text, '127.0.0.1', undefined, text] : null);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen: expected HOST:PORT, [IPv6]:PORT or PORT, got ${JSON.stringify(text)}`);
  return { host: (m[1] ?? m[2])!, port };
}

export function registerScand(program: Command): void {
  program
    .command('scand')
    .description('run the scan engine as a daemon: POST a message to /scan, get its verdict (rampart scan --server is its client)')
    .option('--listen <host:port>', 'address to listen on', DEFAULT_LISTEN)
    .option('--allow <ip/network>', 'client address or network allowed (repeatable; default loopback only)', repeatable, [])
    .option('--threads <n>', 'worker threads (default scan.threads, 0 = all cores)')
    .option('--local', 'local tests only: no DNS lookups (SPF, DKIM keys, DNSBLs are reported unavailable)')
    .action(
      action(async (opts: ScandOpts, cmd: Command) => {
        const config = loadCliConfig(cmd);
        const { host, port } = parseListen(opts.listen);
        const threads = threadsOption(opts.threads);
        const { startScanServer, allowEntries, DEFAULT_ALLOW } = await import('../../scan/server.js');
        const allow = opts.allow.length ? opts.allow : DEFAULT_ALLOW;
        try {
          allowEntries(allow);
        } catch (err) {
          throw new UsageError(`--${(err as Error).message}`);
        }
        const log = createLogger(config.log.level);
        const server = await startScanServer({ config, host, port, allow, offline: opts.local === true, threads, log, prepare: () => migrateStore(config) });
        let stopping = false;
        const stop = (sig: NodeJS.Signals) => {
          if (stopping) process.exit(1);
          stopping = true;
          log.info({ signal: sig }, 'scan daemon stopping');
          server.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      }),
    );
}
