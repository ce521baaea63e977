// The durable spool: a message is on disk (file and directory fsync'd) and its rows committed
// before anyone may answer 250. Files are written to tmp/ and renamed into queue/, so a crash
// never leaves a half-written message where delivery would find it.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database, MessageStatus } from '../store/schema.js';
import type { Envelope } from '../scan/types.js';
import { newQueueId } from './ids.js';
import { notifyQueued } from './events.js';
import { insertMessageRows, spooledRows, type VerdictColumns } from './rows.js';

export interface SpoolRecipient {
  address: string;
  domainId: number | null;
}

export interface AcceptInput {
  envelope: Envelope;
  recipients: SpoolRecipient[];
  /** The message as it will be delivered: added headers first, then the received bytes. */
  chunks: Uint8Array[];
  messageId: string | null;
  subject: string | null;
  /** 'queued' for delivery, 'quarantined' to hold it, 'rejected' to keep the record only. */
  status?: Extract<MessageStatus, 'queued' | 'quarantined'>;
  verdict?: VerdictColumns;
  receivedAt?: Date;
}

export interface StagedFile {
  id: string;
  path: string;
  size: number;
}

export class SpoolError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'SpoolError';
  }
}

export class Spool {
  readonly queueDir: string;
  readonly tmpDir: string;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dir: string,
    readonly node: string,
  ) {
    this.queueDir = path.join(dir, 'queue');
    this.tmpDir = path.join(dir, 'tmp');
    mkdirSync(this.queueDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  pathOf(id: string): string {
    return path.join(this.queueDir, `${id}.eml`);
  }

  /**
   * Makes the message durable and returns its queue id. Throws SpoolError (the caller answers 4xx)
   * when the file or the rows cannot be written; nothing half-written remains in that case.
   */
  async accept(input: AcceptInput): Promise<string> {
    const staged = await this.stage(input.chunks);
    try {
      await this.record(this.db, staged, input);
    } catch (err) {
      await unlink(staged.path).catch(() => {});
      throw new SpoolError(`cannot record message: ${(err as Error).message}`, err);
    }
    notifyQueued();
    return staged.id;
  }

  /**
   * First half of accept: the file is durable under queue/ but has no row yet (a crash now leaves
   * an orphan that removeOrphans deletes). Used directly where the rows must join a larger
   * transaction, e.g. a DSN committed together with the bounce that caused it.
   */
  async stage(chunks: Uint8Array[]): Promise<StagedFile> {
    const staged = await this.writeFile(chunks);
    try {
      await fsyncDir(this.queueDir);
    } catch (err) {
      await unlink(staged.path).catch(() => {});
      throw new SpoolError(`cannot write spool file: ${(err as Error).message}`, err);
    }
    return staged;
  }

  /**
   * Writes a new file: tmp/ → fsync → rename into queue/. Its directory entry is not fsync'd yet:
   * stage does that for one file, the ingress group commit once for a whole batch. Throws
   * SpoolError, leaving nothing behind.
   */
  async writeFile(chunks: Uint8Array[]): Promise<StagedFile> {
    const id = newQueueId();
    const tmp = path.join(this.tmpDir, id);
    const final = this.pathOf(id);
    try {
      // One write: the chunks are already in memory, and each write is a trip to the thread pool.
      const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const fh = await open(tmp, 'wx', 0o640);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
      return { id, path: final, size: data.byteLength };
    } catch (err) {
      await unlink(tmp).catch(() => {});
      await unlink(final).catch(() => {});
      throw new SpoolError(`cannot write spool file: ${(err as Error).message}`, err);
    }
  }

  /**
   * Second half of accept: the message and recipient rows, in the caller's transaction when db is
   * one (a DSN joins its bounce's), else in their own.
   */
  async record(db: Kysely<Database>, staged: StagedFile, input: Omit<AcceptInput, 'chunks'>): Promise<void> {
    await insertMessageRows(db, this.node, [spooledRows(staged, input)]);
  }

  /**
   * Removes files that have no committed row: a crash after the file was written but before the
   * commit, i.e. a message that was never acknowledged. Returns the ids removed.
   */
  async removeOrphans(): Promise<string[]> {
    for (const f of readdirSync(this.tmpDir)) unlinkSync(path.join(this.tmpDir, f));
    const files = readdirSync(this.queueDir).filter((f) => f.endsWith('.eml'));
    const removed: string[] = [];
    for (let i = 0; i < files.length; i += 500) {
      const ids = files.slice(i, i + 500).map((f) => f.slice(0, -4));
      const known = new Set((await this.db.selectFrom('messages').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
      for (const id of ids) {
        if (!known.has(id)) {
          unlinkSync(this.pathOf(id));
          removed.push(id);
        }
      }
    }
    return removed;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Synchronous write-and-fsync used by tools that must not interleave (key generation etc.). */
export function writeFileDurableSync(file: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
