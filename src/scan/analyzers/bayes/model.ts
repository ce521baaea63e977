// The Bayes model in the store, and each process's cached copy of it. Learning writes token count
// deltas in one transaction and bumps the model version; scanners keep a table of packed counts and
// fetch only the tokens changed since their copy's version, at most once per refresh interval.
// The table (table.ts) lives in shared memory so that a scan pool can hand one copy to all its
// worker threads (shared.ts).
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { sqliteHandle } from '../../../store/db.js';
import { inTransaction, nowIso } from '../../../store/dialect.js';
import type { Database } from '../../../store/schema.js';
import type { ParsedMessage } from '../../types.js';
import { pack, type ModelView } from './classify.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { TokenTable, type TableArrays } from './table.js';
import { tokenize } from './tokenize.js';

export type BayesClass = 'spam' | 'ham';

/** The key that makes learning idempotent: the Message-ID, else a hash of the raw message. */
export function learnKey(msg: ParsedMessage): string {
  const mid = msg.messageId?.trim();
  if (mid) return `mid:${mid.toLowerCase()}`;
  return `sha256:${createHash('sha256').update(msg.raw).digest('hex')}`;
}

export interface LearnItem {
  message: ParsedMessage;
  class: BayesClass;
}

export interface LearnSummary {
  /** Newly learned messages. */
  learned: number;
  /** Messages learned before as the other class, now moved. */
  relearned: number;
  /** Messages already learned as this class: nothing changed. */
  skipped: number;
}

// Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits (4 per row).
const CHUNK = 1000;

/** Learns many messages in one transaction (idempotent per message, relearning flips the class). */
export async function learnBatch(db: Kysely<Database>, items: readonly LearnItem[]): Promise<LearnSummary> {
  const summary: LearnSummary = { learned: 0, relearned: 0, skipped: 0 };
  if (items.length === 0) return summary;
  return inTransaction(db, async (trx) => {
    // Bumping the version first takes the meta row's lock (PostgreSQL): learners serialise here.
    const meta = await trx
      .updateTable('bayes_meta')
      .set({ version: sql`version + 1` })
      .where('id', '=', 1)
      .returning(['version'])
      .executeTakeFirstOrThrow();
    const version = Number(meta.version);
    const keys = items.map((i) => learnKey(i.message));
    const known = new Map<string, BayesClass>();
    for (let i = 0; i < keys.length; i += CHUNK) {
      const rows = await trx.selectFrom('bayes_learned').select(['key', 'class']).where('key', 'in', keys.slice(i, i + CHUNK)).execute();
      for (const r of rows) known.set(r.key, r.class);
    }
    const delta = new Map<number, [number, number]>();
    const add = (tokens: number[], ds: number, dh: number) => {
      for (const t of tokens) {
        const d = delta.get(t);
        if (d) {
          d[0] += ds;
          d[1] += dh;
        } else delta.set(t, [ds, dh]);
      }
    };
    let dSpam = 0;
    let dHam = 0;
    const now = nowIso();
    const newRows: { key: string; class: BayesClass; learned_at: string }[] = [];
    const flipped: { key: string; class: BayesClass }[] = [];
    for (let i = 0; i < items.length; i++) {
      const { message, class: cls } = items[i]!;
      const key = keys[i]!;
      const before = known.get(key);
      if (before === cls) {
        summary.skipped++;
        continue;
      }
      const tokens = tokenize(message);
      const sign = cls === 'spam' ? 1 : 0;
      add(tokens, sign, 1 - sign);
      if (cls === 'spam') dSpam++;
      else dHam++;
      if (before) {
        add(tokens, -(1 - sign), -sign);
        if (before === 'spam') dSpam--;
        else dHam--;
        flipped.push({ key, class: cls });
        summary.relearned++;
      } else {
        newRows.push({ key, class: cls, learned_at: now });
        summary.learned++;
      }
      known.set(key, cls);
    }
    const rows = [...delta].filter(([, d]) => d[0] !== 0 || d[1] !== 0).map(([token, d]) => ({ token, spam: d[0], ham: d[1], version }));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await trx
        .insertInto('bayes_tokens')
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.column('token').doUpdateSet({
            spam: sql`bayes_tokens.spam + excluded.spam`,
            ham: sql`bayes_tokens.ham + excluded.ham`,
            version: sql`excluded.version`,
          }),
        )
        .execute();
    }
    // A batch may name one message twice; keep the last class.
    const uniqueNew = new Map(newRows.map((r) => [r.key, r]));
    const fresh = [...uniqueNew.values()];
    for (let i = 0; i < fresh.length; i += CHUNK) await trx.insertInto('bayes_learned').values(fresh.slice(i, i + CHUNK)).execute();
    for (const f of flipped) await trx.updateTable('bayes_learned').set({ class: f.class, learned_at: now }).where('key', '=', f.key).execute();
    await trx
      .updateTable('bayes_meta')
      .set({ spam_count: sql`spam_count + ${dSpam}`, ham_count: sql`ham_count + ${dHam}` })
      .where('id', '=', 1)
      .execute();
    return summary;
  });
}

/** Learns one message as spam or ham. */
export async function learn(db: Kysely<Database>, message: ParsedMessage, cls: BayesClass): Promise<LearnSummary> {
  return learnBatch(db, [{ message, class: cls }]);
}

/**
 * Token rows read per query when the model is (re)loaded: the first load is a few hundred thousand.
 * 5,000 keeps the loading thread's event loop free most of the time (median pause under 10 ms, at
 * most 40 ms on a loaded machine) and loaded the benchmark's model faster than 20,000 (0.73–0.89 s
 * against 1.0–1.5 s: less garbage from large result arrays).
 */
const LOAD_BLOCK = 5_000;

/** A first load that read at least this many token rows writes a new snapshot (snapshot.ts). */
const SNAPSHOT_AFTER_ROWS = 20_000;

/** A model the Bayes analyzer can classify against and bring up to date. */
export interface FreshModel extends ModelView {
  /** Makes sure the copy is at most refreshMs old (the first call always loads). */
  ensureFresh(nowMs: number, refreshMs: number): Promise<void>;
}

/** A model copy as one thread hands it to another (shared.ts). */
export interface ModelSnapshot {
  table: TableArrays;
  spamCount: number;
  hamCount: number;
  /** The store's model version the copy holds (-1: none loaded). */
  version: number;
  /** When (ms) the store's version was last checked for this copy. */
  checkedAt: number;
}

/** A process-local copy of the model, refreshed incrementally from the store. */
export class CachedModel implements FreshModel {
  spamCount = 0;
  hamCount = 0;
  version = -1;
  /** The store's generation (prunes so far) the copy was loaded in. */
  generation = -1;
  private counts = new TokenTable();
  private lastCheck = 0;
  private pending: Promise<void> | null = null;
  private allStmt: import('better-sqlite3').Statement | undefined;
  private fewStmt: import('better-sqlite3').Statement | undefined;

  constructor(private readonly db: Kysely<Database>) {}

  get(token: number): number | undefined {
    return this.counts.get(token);
  }

  get size(): number {
    return this.counts.size;
  }

  /** Makes sure the copy is at most refreshMs old (the first call always loads). */
  async ensureFresh(nowMs: number, refreshMs: number): Promise<void> {
    if (this.version >= 0 && nowMs - this.lastCheck < refreshMs) return;
    this.pending ??= this.refresh(nowMs).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async refresh(nowMs: number): Promise<void> {
    const meta = await this.db.selectFrom('bayes_meta').selectAll().where('id', '=', 1).executeTakeFirst();
    // The check is recorded only once the copy matches it: until then a caller joins this refresh
    // (ensureFresh's `pending`) instead of taking the old copy as fresh, which a pool's worker
    // would then keep for a whole interval.
    if (!meta || (Number(meta.version) === this.version && Number(meta.generation) === this.generation)) {
      this.lastCheck = nowMs;
      return;
    }
    const version = Number(meta.version);
    const generation = Number(meta.generation);
    // Rows are absolute counts, so re-reading a row changed after `meta` was read is harmless (and
    // a row changed behind the block being read has a newer version: the next refresh fetches it).
    // Blocks in token order keep each query's result, and the event loop's pause, small; between
    // blocks the loop serves other work (scans on this thread, or other workers' requests for
    // `rampart scan`'s shared copy). The rows go into a copy: the current table is read by those
    // scans, and by other threads when shared (shared.ts), and must never be seen half updated;
    // the copy replaces it, with the totals, in one step.
    // A first load starts from the stored snapshot when there is one (snapshot.ts), else sizes the
    // table for all rows at once: growing it step by step rehashed every token several times and
    // made the longest pauses.
    // A prune (another generation) deleted rows the copy holds: it loads again, as the first time.
    const first = this.version < 0 || generation !== this.generation;
    const base = first ? await readSnapshot(this.db, version, generation) : null;
    const next = base ? base.table : first ? new TokenTable(await tokenRowCount(this.db)) : this.counts.clone();
    const since = base ? base.version : first ? -1 : this.version;
    const few = since >= 0 && (await this.changedRows(since)) < SNAPSHOT_AFTER_ROWS;
    let after = -1;
    let read = 0;
    for (;;) {
      const rows = await this.readBlock(since, after, few);
      read += rows.length;
      for (const [token, spam, ham] of rows) {
        if (spam <= 0 && ham <= 0) next.delete(token);
        else next.set(token, pack(spam, ham));
      }
      if (rows.length < LOAD_BLOCK) break;
      after = rows[rows.length - 1]![0];
      await new Promise(setImmediate);
    }
    this.counts = next;
    this.spamCount = Number(meta.spam_count);
    this.hamCount = Number(meta.ham_count);
    this.version = version;
    this.generation = generation;
    this.lastCheck = nowMs;
    // The next loader should not have to read these rows again. Best effort: a failed write
    // leaves the old snapshot, which stays correct, only slower to start from. A prune during this
    // load makes the blob another generation's, which no loader uses.
    if (first && read >= SNAPSHOT_AFTER_ROWS) await writeSnapshot(this.db, { version, generation, spamCount: this.spamCount, hamCount: this.hamCount, table: next }).catch(() => {});
  }

  /** Resolves when no refresh is running (its outcome goes to whoever asked for it). */
  async idle(): Promise<void> {
    await this.pending?.catch(() => {});
  }

  /** The current copy, for other threads: its table's storage is never written again. */
  snapshot(): ModelSnapshot {
    return { table: this.counts.arrays(), spamCount: this.spamCount, hamCount: this.hamCount, version: this.version, checkedAt: this.lastCheck };
  }


  /** How many token rows changed after version `since`. */
  private async changedRows(since: number): Promise<number> {
    const row = await this.db.selectFrom('bayes_tokens').select((eb) => eb.fn.countAll().as('n')).where('version', '>', since).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * Up to LOAD_BLOCK rows changed after version `since` with a token above `after`, in token
   * order, as [token, spam, ham]; `few` when the caller knows fewer than SNAPSHOT_AFTER_ROWS did.
   */
  private async readBlock(since: number, after: number, few: boolean): Promise<[number, number, number][]> {
    // On SQLite the rows are read as arrays straight from better-sqlite3: a result object per row
    // through Kysely made the first load of a few hundred thousand tokens take seconds.
    const sqlite = sqliteHandle(this.db);
    if (sqlite) {
      // Without statistics SQLite walks the whole table in token order even when a handful of
      // rows changed (half a second per refresh on the benchmark's model), so a few changed rows
      // are found through the version index instead. For many that would sort them all once per
      // block: then the walk in token order is the faster one.
      const stmt = few
        ? (this.fewStmt ??= sqlite.prepare('select token, spam, ham from bayes_tokens indexed by bayes_tokens_version where version > ? and token > ? order by token limit ?'))
        : (this.allStmt ??= sqlite.prepare('select token, spam, ham from bayes_tokens where version > ? and token > ? order by token limit ?'));
      return (stmt.raw(true).all(since, after, LOAD_BLOCK) as unknown[][]).map((r) => [Number(r[0]), Number(r[1]), Number(r[2])]);
    }
    const rows = await this.db
      .selectFrom('bayes_tokens')
      .select(['token', 'spam', 'ham'])
      .where('version', '>', since)
      .where('token', '>', after)
      .orderBy('token')
      .limit(LOAD_BLOCK)
      .execute();
    return rows.map((r) => [Number(r.token), Number(r.spam), Number(r.ham)]);
  }
}

/** How many token rows the store holds. */
export async function tokenRowCount(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('bayes_tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

const caches = new WeakMap<Kysely<Database>, FreshModel>();

/** The model the Bayes analyzer uses for a store connection: by default a cached copy per handle. */
export function modelFor(db: Kysely<Database>): FreshModel {
  let m = caches.get(db);
  if (!m) {
    m = new CachedModel(db);
    caches.set(db, m);
  }
  return m;
}

/** Makes the Bayes analyzer use `model` for this store connection instead of its own copy (a scan pool's shared model). */
export function useModel(db: Kysely<Database>, model: FreshModel): void {
  caches.set(db, model);
}
