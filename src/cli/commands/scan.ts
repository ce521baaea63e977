// `rampart scan FILE.eml… | DIR | MBOX | -`: scans messages like rspamc and prints category,
// score, action and every symbol. Uses the worker pool on all cores with a bounded number of
// messages in flight, printing results in input order.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { poolSize, ScanPool } from '../../scan/pool.js';
import { PER_THREAD, scanInputs } from '../../scan/batch.js';
import { BATCH_MESSAGES, remoteScanner } from '../../scan/client.js';
import { TurnBatch } from '../../scan/turn-batch.js';
import { checkEnvelope, EnvelopeError } from '../../scan/envelope.js';
import { fewMessages } from '../../scan/inputs.js';
import { formatText, toReport, type ScanReport } from '../../scan/report.js';
import type { Envelope } from '../../scan/types.js';
import { action, loadCliConfig, migrateStore, repeatable, threadsOption, UsageError } from '../context.js';

interface ScanOpts {
  from?: string;
  ip?: string;
  helo?: string;
  rcpt?: string[];
  json?: boolean;
  threads?: string;
  local?: boolean;
  server?: string;
}

/** Connections a --server scan keeps open to the daemon. */
const SERVER_CONNECTIONS = 4;
/** Messages a --server scan has at the daemon at once: a full batch per connection (rspamc -n 16 keeps 16, one a request). */
const SERVER_IN_FLIGHT = SERVER_CONNECTIONS * BATCH_MESSAGES;

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description('scan .eml files, directories, mbox files or - (standard input) and explain each verdict')
    .argument('<inputs...>', 'files, directories, mbox files, or - for standard input')
    .option('--from <address>', 'envelope sender (MAIL FROM)', '')
    .option('--ip <address>', 'client IP address', '127.0.0.1')
    .option('--helo <name>', 'HELO name')
    .option('--rcpt <address>', 'envelope recipient (repeatable); its domain selects the policy', repeatable, [])
    .option('--threads <n>', 'worker threads (default scan.threads, 0 = all cores)')
    .option('--json', 'one JSON object per message per line')
    .option('--local', 'local tests only: no DNS lookups (SPF, DKIM keys, DNSBLs are reported unavailable)')
    .option('--server <url>', 'send the messages to a running scan daemon (rampart scand) instead of scanning here')
    .action(
      action(async (inputs: string[], opts: ScanOpts, cmd: Command) => {
        const threads = threadsOption(opts.threads);
        if (opts.server && (threads !== undefined || opts.local)) throw new UsageError('--server: --threads and --local are the daemon\'s settings (rampart scand)');
        for (const i of inputs) if (i !== '-' && !existsSync(i)) throw new UsageError(`${i}: no such file or directory`);
        let envelope: Envelope;
        try {
          envelope = checkEnvelope({ ip: opts.ip, from: opts.from, helo: opts.helo, rcpt: opts.rcpt }, { ip: '--ip', from: '--from', helo: '--helo', rcpt: '--rcpt' });
        } catch (err) {
          throw err instanceof EnvelopeError ? new UsageError(err.message) : err;
        }
        let failed = 0;
        // Written once per turn of the event loop: standard output to a pipe is written
        // synchronously, each write a system call that wakes the reader (docs/scan-speed.md).
        const out = new TurnBatch<string>((lines) => process.stdout.write(lines.join('')));
        const print = (file: string, r: ScanReport | Error) => {
          if (r instanceof Error) {
            failed++;
            out.add(opts.json ? JSON.stringify({ file, error: r.message }) + '\n' : `File: ${file}\nError: ${r.message}\n\n`);
          } else out.add(opts.json ? JSON.stringify({ file, ...r }) + '\n' : formatText(file, r));
        };
        // Whatever happens, the verdicts already printed reach standard output.
        try {
          if (opts.server) {
            // No configuration, store or workers here: the daemon has them.
            let remote;
            try {
              remote = remoteScanner(opts.server, envelope, SERVER_CONNECTIONS);
            } catch (err) {
              throw new UsageError((err as Error).message);
            }
            try {
              await scanInputs(remote.scan, SERVER_IN_FLIGHT, inputs, print);
            } finally {
              remote.close();
            }
          } else {
            const config = loadCliConfig(cmd);
            // No more workers than messages when that is known (a few plain files): each costs ~0.5 s
            // to start. This thread only reads files and prints: it loads the Bayes model once for all.
            const size = poolSize(config, threads);
            const pool = await ScanPool.start({ config, size: fewMessages(inputs, size) ?? size, offline: opts.local === true, shareBayes: !config.scan.disabled.includes('bayes'), prepare: () => migrateStore(config) });
            try {
              await scanInputs(async (raw) => toReport(await pool.scan({ raw, envelope })), pool.size * PER_THREAD, inputs, print);
            } finally {
              await pool.close();
            }
          }
        } finally {
          out.flush();
        }
        if (failed) {
          process.stderr.write(`rampart: ${failed} message(s) could not be scanned\n`);
          process.exitCode = 1;
        }
      }),
    );
}
