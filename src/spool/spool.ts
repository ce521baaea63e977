// The durable spool: a message is on disk (file and directory fsync'd) and its rows committed
// before anyone may answer 250. Files are written to tmp/ and renamed into queue/, so a crash
// never leaves a half-written message where delivery would find it.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database, MessageStatus, RecipientStatus } from '../store/schema.js';
import { nowIso } from '../store/dialect.js';
import type { Envelope } from '../scan/types.js';
import { newQueueId } from './ids.js';
import { notifyQueued } from './events.js';

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
  verdict?: { category: string; score: number; action: string; symbols: string; would_action?: string | null; would_category?: string | null };
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
      await this.db.transaction().execute((trx) => this.record(trx, staged, input));
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
    const id = newQueueId();
    const tmp = path.join(this.tmpDir, id);
    const final = this.pathOf(id);
    let size = 0;
    try {
      const fh = await open(tmp, 'wx', 0o640);
      try {
        for (const c of chunks) {
          await fh.write(c);
          size += c.byteLength;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
      await fsyncDir(this.queueDir);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      await unlink(final).catch(() => {});
      throw new SpoolError(`cannot write spool file: ${(err as Error).message}`, err);
    }
    return { id, path: final, size };
  }

  /** Second half of accept: the message and recipient rows, inside the caller's transaction. */
  async record(trx: Kysely<Database>, staged: StagedFile, input: Omit<AcceptInput, 'chunks'>): Promise<void> {
    const { id, size } = staged;
    const at = nowIso(input.receivedAt);
    const status = input.status ?? 'queued';
    const rcptStatus: RecipientStatus = status === 'queued' ? 'queued' : 'held';
    await trx
      .insertInto('messages')
      .values({
        id,
        received_at: at,
        node: this.node,
        client_ip: input.envelope.clientIp,
        client_hostname: input.envelope.clientHostname,
        helo: input.envelope.helo,
        tls: input.envelope.tls ? 1 : 0,
        mail_from: input.envelope.mailFrom,
        message_id: input.messageId,
        subject: input.subject,
        size,
        spool_path: staged.path,
        status,
        category: input.verdict?.category ?? null,
        score: input.verdict?.score ?? null,
        action: input.verdict?.action ?? null,
        symbols: input.verdict?.symbols ?? null,
        would_action: input.verdict?.would_action ?? null,
        would_category: input.verdict?.would_category ?? null,
      })
      .execute();
    if (input.recipients.length) {
      await trx
        .insertInto('message_recipients')
        .values(
          input.recipients.map((r) => ({
            message_id: id,
            address: r.address,
            domain_id: r.domainId,
            status: rcptStatus,
            attempts: 0,
            next_attempt_at: rcptStatus === 'queued' ? at : null,
            last_reply: null,
            updated_at: at,
          })),
        )
        .execute();
    }
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
