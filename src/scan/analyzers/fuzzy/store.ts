// The fuzzy hashes in the store (table fuzzy_hashes), and each process's in-memory index of them.
// Operators add them (report-as-spam and release-and-learn in the console, `rampart fuzzy add`);
// every scanner of every node reads the same table, so a campaign reported on one node is known on
// all of them within one refresh interval.
import type { Kysely } from 'kysely';
import { nowIso } from '../../../store/dialect.js';
import type { Database, FuzzyHashesTable } from '../../../store/schema.js';
import type { ParsedMessage } from '../../types.js';
import { fuzzyWords, SHINGLES, shingles, type Shingles } from './fingerprint.js';

export const FUZZY_CLASSES = ['spam', 'phishing', 'ham'] as const;
export type FuzzyClass = FuzzyHashesTable['class'];

export interface FuzzyEntry {
  id: number;
  class: FuzzyClass;
  shingles: Shingles;
  words: number;
  subject: string;
  source: string;
  note: string | null;
  createdAt: string;
  expiresAt: string | null;
}

const encode = (s: Shingles): string => s.map((v) => v.toString(36)).join(' ');
const decode = (t: string): number[] => t.split(' ').map((v) => parseInt(v, 36));

function entryOf(r: { id: number; class: FuzzyClass; shingles: string; words: number; subject: string; source: string; note: string | null; created_at: string; expires_at: string | null }): FuzzyEntry {
  return { id: Number(r.id), class: r.class, shingles: decode(r.shingles), words: Number(r.words), subject: r.subject, source: r.source, note: r.note, createdAt: r.created_at, expiresAt: r.expires_at };
}

export type AddResult =
  | { status: 'added' | 'known'; id: number; words: number }
  /** Fewer words than min_words: a fingerprint of it would match unrelated short messages. */
  | { status: 'too_short'; words: number };

export interface AddOptions {
  class: FuzzyClass;
  source: string;
  note?: string | null;
  /** Days until the entry stops matching; 0: never. */
  lifetimeDays: number;
  minWords: number;
  now?: Date;
}

/**
 * Adds the message's fingerprint. The same fingerprint in the same class is one entry: adding it
 * again keeps the first and extends its lifetime (a campaign reported again is still running).
 */
export async function addFuzzy(db: Kysely<Database>, msg: ParsedMessage, o: AddOptions): Promise<AddResult> {
  const words = fuzzyWords(msg);
  const sh = shingles(words, o.minWords);
  if (!sh) return { status: 'too_short', words: words.length };
  const now = o.now ?? new Date();
  const expiresAt = o.lifetimeDays > 0 ? nowIso(new Date(now.getTime() + o.lifetimeDays * 86_400_000)) : null;
  const key = encode(sh);
  const inserted = await db
    .insertInto('fuzzy_hashes')
    .values({ class: o.class, shingles: key, words: words.length, subject: msg.subject.slice(0, 200), source: o.source, note: o.note ?? null, created_at: nowIso(now), expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['class', 'shingles']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { status: 'added', id: Number(inserted.id), words: words.length };
  const row = await db.selectFrom('fuzzy_hashes').select(['id', 'expires_at']).where('class', '=', o.class).where('shingles', '=', key).executeTakeFirstOrThrow();
  // Never shortens: an entry kept forever stays so, a later expiry wins over an earlier one.
  if (row.expires_at !== null && (expiresAt === null || expiresAt > row.expires_at)) {
    await db.updateTable('fuzzy_hashes').set({ expires_at: expiresAt }).where('id', '=', row.id).execute();
  }
  return { status: 'known', id: Number(row.id), words: words.length };
}

export async function listFuzzy(db: Kysely<Database>): Promise<FuzzyEntry[]> {
  return (await db.selectFrom('fuzzy_hashes').selectAll().orderBy('id').execute()).map(entryOf);
}

/** Deletes the entries with these ids; returns the ids that existed. */
export async function deleteFuzzy(db: Kysely<Database>, ids: readonly number[]): Promise<number[]> {
  if (!ids.length) return [];
  return (await db.deleteFrom('fuzzy_hashes').where('id', 'in', [...ids]).returning('id').execute()).map((r) => Number(r.id));
}

/** Deletes the entries past their expiry (they already no longer match); returns how many. */
export async function expireFuzzy(db: Kysely<Database>, now: Date = new Date()): Promise<number> {
  const r = await db.deleteFrom('fuzzy_hashes').where('expires_at', 'is not', null).where('expires_at', '<=', nowIso(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export interface FuzzyMatch {
  entry: FuzzyEntry;
  /** Slots of 32 in which the message's fingerprint equals the entry's. */
  agree: number;
}

/** The entries of one moment, indexed by slot value: a lookup is 32 map probes, whatever the number of entries. */
export class FuzzyIndex {
  private readonly bySlot: Map<number, FuzzyEntry[]>[] = Array.from({ length: SHINGLES }, () => new Map());

  constructor(readonly entries: readonly FuzzyEntry[]) {
    for (const e of entries) {
      e.shingles.forEach((v, k) => {
        const list = this.bySlot[k]!.get(v);
        if (list) list.push(e);
        else this.bySlot[k]!.set(v, [e]);
      });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** Per class, the unexpired entry that agrees with `sh` in the most slots, if that is at least `minAgree`. */
  match(sh: Shingles, minAgree: number, now: Date): Map<FuzzyClass, FuzzyMatch> {
    const counts = new Map<FuzzyEntry, number>();
    sh.forEach((v, k) => {
      for (const e of this.bySlot[k]!.get(v) ?? []) counts.set(e, (counts.get(e) ?? 0) + 1);
    });
    const nowText = nowIso(now);
    const best = new Map<FuzzyClass, FuzzyMatch>();
    for (const [entry, agree] of counts) {
      if (agree < minAgree || (entry.expiresAt !== null && entry.expiresAt <= nowText)) continue;
      const b = best.get(entry.class);
      if (!b || agree > b.agree) best.set(entry.class, { entry, agree });
    }
    return best;
  }
}

/** The table's state in three numbers: any insert or delete changes at least one of them. */
async function signature(db: Kysely<Database>): Promise<string> {
  const r = await db
    .selectFrom('fuzzy_hashes')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('id').as('id'), eb.fn.max('created_at').as('at')])
    .executeTakeFirstOrThrow();
  // max(id) alone misses a delete of the newest row followed by an insert (SQLite reuses the id):
  // the count and the newest created_at catch it.
  return `${r.n}/${r.id}/${r.at}`;
}

/** A process's copy of the index: re-read when the table's signature changes, checked at most every refreshMs. */
export class CachedFuzzyIndex {
  private index = new FuzzyIndex([]);
  private sig: string | null = null;
  private checkedAt = -Infinity;
  private pending: Promise<FuzzyIndex> | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  get(nowMs: number, refreshMs: number): Promise<FuzzyIndex> {
    // A clock set back is a reason to check, not to keep the copy until it catches up.
    if (this.sig !== null && nowMs >= this.checkedAt && nowMs - this.checkedAt < refreshMs) return Promise.resolve(this.index);
    this.pending ??= this.refresh(nowMs).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async refresh(nowMs: number): Promise<FuzzyIndex> {
    const sig = await signature(this.db);
    if (sig !== this.sig) {
      this.index = new FuzzyIndex(await listFuzzy(this.db));
      this.sig = sig;
    }
    this.checkedAt = nowMs;
    return this.index;
  }
}

const caches = new WeakMap<Kysely<Database>, CachedFuzzyIndex>();

export function fuzzyIndexFor(db: Kysely<Database>): CachedFuzzyIndex {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new CachedFuzzyIndex(db)));
  return c;
}
