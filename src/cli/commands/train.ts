// `rampart train --spam DIR|MBOX --ham DIR|MBOX`: teaches the shared Bayes model from folders of
// .eml files or mbox files, in batches, with a progress bar on a terminal and a summary at the end.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parseMessage } from '../../message/parse.js';
import { analyzerConfig } from '../../files/config.js';
import { BayesConfig } from '../../scan/analyzers/bayes/index.js';
import { CachedModel, learnBatch, type BayesClass, type LearnItem } from '../../scan/analyzers/bayes/model.js';
import { pruneModel } from '../../scan/analyzers/bayes/prune.js';
import { action, repeatable, UsageError, withStore } from '../context.js';

const BATCH = 200;

/** One message source: a file (single message or mbox) with the class it teaches. */
interface Source {
  file: string;
  cls: BayesClass;
}

function listSources(arg: string, cls: BayesClass, flag: string): Source[] {
  let st;
  try {
    st = statSync(arg);
  } catch {
    throw new UsageError(`${flag}: ${arg} does not exist`);
  }
  if (st.isFile()) return [{ file: arg, cls }];
  if (!st.isDirectory()) throw new UsageError(`${flag}: ${arg} is neither a file nor a directory`);
  const out: Source[] = [];
  for (const name of readdirSync(arg).sort()) {
    if (name.startsWith('.')) continue;
    const p = path.join(arg, name);
    if (statSync(p).isFile()) out.push({ file: p, cls });
  }
  return out;
}

/**
 * The messages of a file. A file whose first line is an mbox "From " separator is split at every
 * such line (mboxrd: ">From " lines are unquoted); any other file is one message.
 */
export function messagesOf(buf: Buffer): Buffer[] {
  if (buf.subarray(0, 5).toString('latin1') !== 'From ') return [buf];
  const text = buf.toString('latin1');
  const out: Buffer[] = [];
  const starts: number[] = [];
  const re = /^From .*$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index);
  for (let i = 0; i < starts.length; i++) {
    const lineEnd = text.indexOf('\n', starts[i]!);
    const body = text.slice(lineEnd + 1, i + 1 < starts.length ? starts[i + 1]! : text.length);
    const msg = body.replace(/^>(>*From )/gm, '$1');
    if (msg.trim()) out.push(Buffer.from(msg, 'latin1'));
  }
  return out;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('teach the Bayes classifier from directories of .eml files or mbox files')
    .option('--spam <path>', 'directory or mbox of spam (repeatable)', repeatable, [])
    .option('--ham <path>', 'directory or mbox of ham (repeatable)', repeatable, [])
    .option('--json', 'print the summary as JSON')
    .action(
      action(async (opts: { spam: string[]; ham: string[]; json?: boolean }, cmd: Command) => {
        if (opts.spam.length === 0 && opts.ham.length === 0) throw new UsageError('train: give at least one --spam or --ham directory or mbox');
        const sources = [...opts.spam.flatMap((p) => listSources(p, 'spam', '--spam')), ...opts.ham.flatMap((p) => listSources(p, 'ham', '--ham'))];
        await withStore(cmd, async ({ db }, config) => {
          const { max_tokens: maxTokens } = analyzerConfig(BayesConfig, 'bayes', config.scan.analyzers.bayes);
          const bar = process.stderr.isTTY
            ? new cliProgress.SingleBar({ format: 'training [{bar}] {value}/{total} files  {learned} learned', stream: process.stderr }, cliProgress.Presets.shades_classic)
            : null;
          bar?.start(sources.length, 0, { learned: 0 });
          const total = { spam: 0, ham: 0, learned: 0, relearned: 0, skipped: 0, unreadable: 0, empty: 0, pruned: 0 };
          let batch: LearnItem[] = [];
          const flush = async () => {
            const s = await learnBatch(db, batch);
            total.learned += s.learned;
            total.relearned += s.relearned;
            total.skipped += s.skipped;
            batch = [];
          };
          let done = 0;
          for (const src of sources) {
            let raws: Buffer[];
            try {
              raws = messagesOf(readFileSync(src.file));
            } catch {
              total.unreadable++;
              raws = [];
            }
            for (const raw of raws) {
              // A file of no bytes is no message (messagesOf already drops blank mbox entries):
              // learning it would teach the class the header facts of nothing ("from:none").
              if (!raw.length) {
                total.empty++;
                continue;
              }
              batch.push({ message: await parseMessage(raw), class: src.cls });
              total[src.cls]++;
              if (batch.length >= BATCH) await flush();
            }
            bar?.update(++done, { learned: total.learned + total.relearned });
          }
          await flush();
          // Past scan.analyzers.bayes.max_tokens the least telling tokens go (prune.ts), before
          // the load below writes the snapshot.
          total.pruned = (await pruneModel(db, maxTokens)).removed;
          // One load of the model as a scanner does it: a load that reads many rows stores a
          // snapshot (bayes/snapshot.ts), so every scanner's first load after training is one read.
          await new CachedModel(db).ensureFresh(Date.now(), 0);
          bar?.stop();
          if (opts.json) process.stdout.write(JSON.stringify(total) + '\n');
          else {
            process.stdout.write(
              `read ${total.spam} spam and ${total.ham} ham messages: ${total.learned} learned, ${total.relearned} moved to the other class, ${total.skipped} already known` +
                (total.unreadable ? `, ${total.unreadable} files unreadable` : '') +
                (total.empty ? `, ${total.empty} empty skipped` : '') +
                (total.pruned ? `; ${total.pruned} rarely seen tokens pruned (max_tokens ${maxTokens})` : '') +
                '\n',
            );
          }
        });
      }),
    );
}
