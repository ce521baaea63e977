// Group commit for the spool's accept path. Each message's file is written, fsync'd and renamed
// into queue/ on its own (off the event loop); then the messages that finished meanwhile share
// one directory fsync and one database transaction. Nobody's promise resolves — so nobody
// answers 250 — before its file, its directory entry and its rows are durable. Files and rows are
// Spool.accept's, written by the same code (Spool.writeFile, insertMessageRows); a crash between
// rename and commit leaves an orphan file that removeOrphans deletes at the next start (that
// message was never acknowledged).
import { unlink } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Logger } from '../log.js';
import { insertMessageRows, spooledRows, type MessageRows } from '../spool/rows.js';
import { fsyncDir, SpoolError, type AcceptInput, type Spool } from '../spool/spool.js';
import type { Database } from '../store/schema.js';

/** A message whose file is in queue/ (fsync'd) and whose rows are still to be committed. */
export type SpooledMessage = MessageRows;

/**
 * Writes the files of a message's copies (their directory entries are fsync'd by the commit).
 * Throws SpoolError, leaving nothing behind.
 */
export async function writeSpoolFiles(spool: Spool, inputs: readonly AcceptInput[]): Promise<SpooledMessage[]> {
  const written: SpooledMessage[] = [];
  try {
    for (const input of inputs) written.push(spooledRows(await spool.writeFile(input.chunks), input));
  } catch (err) {
    await Promise.all(written.map((m) => unlink(m.file).catch(() => {})));
    throw err;
  }
  return written;
}

/** One accepted message: its copies, committed together or not at all. */
interface Pending {
  msgs: SpooledMessage[];
  resolve(): void;
  reject(err: Error): void;
}

/** Commits rows of spooled messages in batches: one directory fsync and one transaction each. */
export class RowCommitter {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queueDir: string,
    private readonly node: string,
    private readonly log?: Logger,
    private readonly maxBatch = 500,
  ) {}

  /** Resolves once the rows of the message's copies are committed; on failure their files are removed. */
  commit(msgs: SpooledMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ msgs, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await fsyncDir(this.queueDir);
        } catch (err) {
          await fail(batch, new SpoolError(`cannot sync spool directory: ${(err as Error).message}`, err));
          continue;
        }
        try {
          await this.insert(batch.flatMap((p) => p.msgs));
          for (const p of batch) p.resolve();
        } catch (err) {
          if (batch.length === 1) {
            await fail(batch, new SpoolError(`cannot record message: ${(err as Error).message}`, err));
            continue;
          }
          // One bad row must not cost the others: commit them one by one.
          this.log?.warn({ err, batch: batch.length }, 'group commit failed; committing one by one');
          for (const p of batch) {
            try {
              await this.insert(p.msgs);
              p.resolve();
            } catch (e) {
              await fail([p], new SpoolError(`cannot record message: ${(e as Error).message}`, e));
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private insert(msgs: SpooledMessage[]): Promise<void> {
    return insertMessageRows(this.db, this.node, msgs);
  }
}

async function fail(batch: Pending[], err: SpoolError): Promise<void> {
  for (const p of batch) {
    for (const m of p.msgs) await unlink(m.file).catch(() => {});
    p.reject(err);
  }
}

/** The accept function of a process that commits its own rows (in-process mode). */
export function localAccept(spool: Spool, committer: RowCommitter): (inputs: AcceptInput[]) => Promise<string[]> {
  return async (inputs) => {
    const msgs = await writeSpoolFiles(spool, inputs);
    await committer.commit(msgs);
    return msgs.map((m) => m.id);
  };
}
