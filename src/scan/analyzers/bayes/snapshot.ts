// The whole Bayes model as one blob in the store. Without it a scanner's first load reads every
// token row — a few hundred thousand, over a second of a worker's start-up — and with it one blob
// and only the rows changed since the blob's version (rows carry the version of their last change).
// A load that had to read many rows leaves a fresh blob behind (model.ts), and `rampart train`
// loads once when it is done, so the blob is seldom far behind.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../store/schema.js';
import { pack, unpackHam, unpackSpam } from './classify.js';
import { TokenTable } from './table.js';

/** A model copy at one version. */
export interface ModelCopy {
  version: number;
  /** The model's generation (prunes so far) the copy was loaded in. */
  generation: number;
  spamCount: number;
  hamCount: number;
  table: TokenTable;
}

// Per token: the token as float64, then the spam and ham counts as uint32, little-endian.
const ENTRY = 16;

export function encodeTable(table: TokenTable): Buffer {
  const buf = Buffer.allocUnsafe(table.size * ENTRY);
  let at = 0;
  table.forEach((token, packed) => {
    buf.writeDoubleLE(token, at);
    buf.writeUInt32LE(unpackSpam(packed), at + 8);
    buf.writeUInt32LE(unpackHam(packed), at + 12);
    at += ENTRY;
  });
  return buf;
}

/** The table a blob holds, with room for `extra` more tokens before it grows. */
export function decodeTable(buf: Uint8Array, extra = 0): TokenTable {
  if (buf.byteLength % ENTRY !== 0) throw new Error(`Bayes snapshot: ${buf.byteLength} bytes is not a whole number of ${ENTRY}-byte entries`);
  const n = buf.byteLength / ENTRY;
  const table = new TokenTable(n + extra);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let at = 0; at < buf.byteLength; at += ENTRY) table.set(view.getFloat64(at, true), pack(view.getUint32(at + 8, true), view.getUint32(at + 12, true)));
  return table;
}

/**
 * The stored snapshot of version `atMost` or older (never one ahead of the model it is to start)
 * and of the model's current generation (a prune since deleted rows the blob still holds), or null.
 */
export async function readSnapshot(db: Kysely<Database>, atMost: number, generation: number): Promise<ModelCopy | null> {
  const row = await db.selectFrom('bayes_snapshot').selectAll().where('id', '=', 1).where('version', '<=', atMost).where('generation', '=', generation).executeTakeFirst();
  if (!row) return null;
  const version = Number(row.version);
  return { version, generation, spamCount: Number(row.spam_count), hamCount: Number(row.ham_count), table: decodeTable(row.tokens, 1024) };
}

/** Stores a copy unless the store already holds one as new (several loaders may race to write). */
export async function writeSnapshot(db: Kysely<Database>, copy: ModelCopy): Promise<void> {
  const row = { id: 1, version: copy.version, generation: copy.generation, spam_count: copy.spamCount, ham_count: copy.hamCount, tokens: encodeTable(copy.table) };
  await db
    .insertInto('bayes_snapshot')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({ version: row.version, generation: row.generation, spam_count: row.spam_count, ham_count: row.ham_count, tokens: row.tokens })
        .where(sql.ref('bayes_snapshot.version'), '<', row.version),
    )
    .execute();
}
