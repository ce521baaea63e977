// `rampart scan FILE.eml… | DIR | MBOX | -`: scans messages like rspamc and prints category,
// score, action and every symbol. Uses the worker pool on all cores with a bounded number of
// messages in flight, printing results in input order.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { poolSize, ScanPool } from '../../scan/pool.js';
import { scanInputs } from '../../scan/batch.js';
import { fewMessages } from '../../scan/inputs.js';
import { CATEGORY_LABELS, type Envelope } from '../../scan/types.js';
import type { Decided } from '../../policy/decide.js';
import { action, loadCliConfig, UsageError } from '../context.js';

interface ScanOpts {
  from?: string;
  ip?: string;
  helo?: string;
  rcpt?: string[];
  json?: boolean;
  threads?: string;
  local?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function formatText(file: string, d: Decided): string {
  const v = d.verdict;
  const act = d.decision.kind === 'tempfail' ? `tempfail (${d.decision.reason})` : v.action;
  const lines = [`File: ${file}`, `Category: ${v.category} (${CATEGORY_LABELS[v.category]})`, `Score: ${v.score.toFixed(2)}`, `Action: ${act}`];
  if (v.would) lines.push(`Would (monitor mode): ${v.would.category} → ${v.would.action}`);
  for (const s of [...v.symbols].sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))) lines.push(`Symbol: ${s.name} (${s.score.toFixed(2)})${s.detail ? ` [${s.detail}]` : ''}`);
  return lines.join('\n') + '\n\n';
}

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description('scan .eml files, directories, mbox files or - (standard input) and explain each verdict')
    .argument('<inputs...>', 'files, directories, mbox files, or - for standard input')
    .option('--from <address>', 'envelope sender (MAIL FROM)', '')
    .option('--ip <address>', 'client IP address', '127.0.0.1')
    .option('--helo <name>', 'HELO name')
    .option('--rcpt <address>', 'envelope recipient (repeatable); its domain selects the policy', collect, [])
    .option('--threads <n>', 'worker threads (default scan.threads, 0 = all cores)')
    .option('--json', 'one JSON object per message per line')
    .option('--local', 'local tests only: no DNS lookups (SPF, DKIM keys, DNSBLs are reported unavailable)')
    .action(
      action(async (inputs: string[], opts: ScanOpts, cmd: Command) => {
        const config = loadCliConfig(cmd);
        const threads = opts.threads === undefined ? undefined : Number(opts.threads);
        if (threads !== undefined && (!Number.isInteger(threads) || threads < 0)) throw new UsageError('--threads: expected a non-negative integer');
        for (const i of inputs) if (i !== '-' && !existsSync(i)) throw new UsageError(`${i}: no such file or directory`);
        const envelope: Envelope = { clientIp: opts.ip ?? '127.0.0.1', clientHostname: null, helo: opts.helo ?? null, tls: false, mailFrom: opts.from ?? '', rcptTo: (opts.rcpt ?? []).map((r) => r.toLowerCase()) };
        // No more workers than messages when that is known (a few plain files): each costs ~0.5 s
        // to start. This thread only reads files and prints: it loads the Bayes model once for all.
        const size = poolSize(config, threads);
        // The schema is brought up to date once, here, while the workers load their modules (they
        // open their own connections).
        const migrate = async () => {
          const { openStore } = await import('../../store/db.js');
          await (await openStore({ url: config.database.url, dataDir: config.data_dir })).close();
        };
        const pool = await ScanPool.start({ config, size: fewMessages(inputs, size) ?? size, offline: opts.local === true, shareBayes: !config.scan.disabled.includes('bayes'), prepare: migrate });
        let failed = 0;
        try {
          await scanInputs(pool, inputs, envelope, (file, d) => {
            if (d instanceof Error) {
              failed++;
              process.stdout.write(opts.json ? JSON.stringify({ file, error: d.message }) + '\n' : `File: ${file}\nError: ${d.message}\n\n`);
              return;
            }
            const v = d.verdict;
            process.stdout.write(
              opts.json
                ? JSON.stringify({ file, category: v.category, score: v.score, action: d.decision.kind === 'tempfail' ? 'tempfail' : v.action, ...(v.would ? { would: v.would } : {}), symbols: v.symbols.map((s) => ({ name: s.name, score: s.score, detail: s.detail ?? null })) }) + '\n'
                : formatText(file, d),
            );
          });
        } finally {
          await pool.close();
        }
        if (failed) {
          process.stderr.write(`rampart: ${failed} message(s) could not be scanned\n`);
          process.exitCode = 1;
        }
      }),
    );
}
