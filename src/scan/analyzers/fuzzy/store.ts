// The fuzzy hashes in the store (table fuzzy_hashes), and each process's in-memory index of them.
// Operators add them (the console's and the CLI's quarantine feedback, `rampart fuzzy add`);
// every scanner of every node reads the same table, so a campaign reported on one node is known on
// all of them within one refresh interval.
import { sql, type Kysely } from 'kysely';
import { commaListHasAny, escapeLike, inTransaction, nowIso } from '../../../store/dialect.js';
import type { Database, FuzzyHashesTable } from '../../../store/schema.js';
import { parseMessage } from '../../../message/parse.js';
import type { ParsedMessage } from '../../types.js';
import { fuzzyWords, SHINGLES, shingles, type Shingles } from './fingerprint.js';
import { halvesDistance, hashHalves, IMAGE_BITS, imageHash } from './image.js';
import { decodeScope, describeScope, encodeScope, inScope, scopeRecord, widen, type FuzzyScope } from './scope.js';

export const FUZZY_CLASSES = ['spam', 'phishing', 'ham'] as const;
export type FuzzyClass = FuzzyHashesTable['class'];

interface EntryBase {
  id: number;
  class: FuzzyClass;
  subject: string;
  source: string;
  note: string | null;
  createdAt: string;
  /** The latest report of the digest in the class: of a message matching both, the later verdict counts. */
  judgedAt: string;
  expiresAt: string | null;
  scope: FuzzyScope;
}

/**
 * The text's fingerprint; one attachment's exact hash (a campaign whose text is one line and whose
 * payload is the file); or one picture's perceptual hash (a campaign whose payload is a picture).
 */
export type FuzzyEntry = EntryBase &
  (
    | { kind: 'text'; shingles: Shingles; words: number }
    | { kind: 'file'; sha256: string; filename: string | null; bytes: number }
    | { kind: 'image'; phash: string; filename: string | null; bytes: number }
  );

type TextEntry = Extract<FuzzyEntry, { kind: 'text' }>;
type ImageEntry = Extract<FuzzyEntry, { kind: 'image' }>;

/** An entry as `rampart fuzzy list --json` and GET /api/fuzzy give it; `now` an ISO time. */
export function entryRecord(e: FuzzyEntry, now: string) {
  return {
    id: e.id,
    class: e.class,
    kind: e.kind,
    ...(e.kind === 'text' ? { words: e.words } : e.kind === 'file' ? { sha256: e.sha256, filename: e.filename, bytes: e.bytes } : { phash: e.phash, filename: e.filename, bytes: e.bytes }),
    subject: e.subject,
    source: e.source,
    note: e.note,
    created_at: e.createdAt,
    judged_at: e.judgedAt,
    expires_at: e.expiresAt,
    expired: e.expiresAt !== null && e.expiresAt <= now,
    scope: scopeRecord(e.scope),
  };
}

const encode = (s: Shingles): string => s.map((v) => v.toString(36)).join(' ');
const decode = (t: string): number[] => t.split(' ').map((v) => parseInt(v, 36));

type Row = Omit<FuzzyHashesTable, 'id' | 'revision'> & { id: number };

function entryOf(r: Row): FuzzyEntry {
  const base: EntryBase = { id: Number(r.id), class: r.class, subject: r.subject, source: r.source, note: r.note, createdAt: r.created_at, judgedAt: r.judged_at, expiresAt: r.expires_at, scope: decodeScope(r.scope) };
  if (r.kind === 'text') return { ...base, kind: 'text', shingles: decode(r.digest), words: Number(r.size) };
  if (r.kind === 'file') return { ...base, kind: 'file', sha256: r.digest, filename: r.filename, bytes: Number(r.size) };
  return { ...base, kind: 'image', phash: r.digest, filename: r.filename, bytes: Number(r.size) };
}

/** Attachments below this size are too generic to stand for a campaign (a one-line .txt, an empty .ics). */
const MIN_FILE_BYTES = 256;

/**
 * The attachments a report fingerprints: every file of the message (nested ones too) of at least
 * MIN_FILE_BYTES, but no images — a phishing message that copies an organisation's real logo must
 * not make every genuine message with that logo a copy of it — and no attached messages, whose
 * bytes (headers and all) stand for that one copy only (`rampart fuzzy add --attached` adds them
 * as messages).
 */
export function reportableFiles(msg: ParsedMessage): ParsedMessage['attachments'] {
  const seen = new Set<string>();
  return msg.attachments.filter((a) => {
    const image = a.declaredType.startsWith('image/') || (a.sniffedType?.startsWith('image/') ?? false);
    if (image || isAttachedMessage(a) || a.size < MIN_FILE_BYTES || seen.has(a.sha256)) return false;
    seen.add(a.sha256);
    return true;
  });
}

/** At most this many pictures of a message are hashed (each is decoded: see image.ts). */
export const MAX_IMAGES = 3;

export interface MessageImage {
  filename: string | null;
  size: number;
  phash: string;
}

/**
 * The pictures of a message with their perceptual hashes (PNG and JPEG by their bytes, at least
 * 64×64 pixels, each once; the first MAX_IMAGES).
 */
export function messageImages(msg: ParsedMessage): MessageImage[] {
  const out: MessageImage[] = [];
  const seen = new Set<string>();
  for (const a of msg.attachments) {
    if (out.length >= MAX_IMAGES) break;
    if ((a.sniffedType !== 'image/png' && a.sniffedType !== 'image/jpeg') || seen.has(a.sha256)) continue;
    seen.add(a.sha256);
    const phash = imageHash(a.content, a.sniffedType);
    if (phash) out.push({ filename: a.filename, size: a.size, phash });
  }
  return out;
}

/**
 * The messages attached to a message (message/rfc822), parsed: what a report forwarded as an
 * attachment — by a Report button, by a user writing to the help desk — reports; the forward around
 * them is someone's note.
 */
export async function attachedMessages(msg: ParsedMessage): Promise<{ name: string; msg: ParsedMessage }[]> {
  const parts = msg.attachments.filter(isAttachedMessage);
  return Promise.all(parts.map(async (a, i) => ({ name: a.filename ?? String(i + 1), msg: await parseMessage(a.content) })));
}

export const isAttachedMessage = (a: ParsedMessage['attachments'][number]): boolean => a.declaredType === 'message/rfc822';

export interface Added {
  status: 'added' | 'known';
  id: number;
  /** The entry's scope after this report (a known entry's widens to include the report's). */
  scope: FuzzyScope;
}

export interface AddResult {
  /** The text's entry; null when the text has fewer than min_words words (no fingerprint). */
  text: Added | null;
  words: number;
  /** One entry per reportable attachment; and, for a message without a text fingerprint, per picture. */
  files: (Added & { kind: 'file' | 'image'; filename: string | null })[];
}

/** What a report without entries lacked besides a long enough text, as every surface says it. */
export const NO_FILE_OR_PICTURE = 'no attachment or picture to fingerprint';

/** Entries a report made or found: none means the message had nothing to fingerprint. */
export const entriesOf = (r: AddResult): Added[] => [...(r.text ? [r.text] : []), ...r.files];

/** "text #3 added, file invoice.html #4 already known (lifetime extended)", with the scope when it is not all domains. */
export function describeAdded(r: AddResult, minWords: number): string {
  const one = (what: string, e: Added) =>
    `${what} #${e.id} ${e.status === 'added' ? 'added' : 'already known (lifetime extended)'}${e.scope.kind === 'all' ? '' : ` for ${describeScope(e.scope)}`}`;
  return [
    r.text ? one('text', r.text) : `no text fingerprint (${r.words} words, fewer than ${minWords})`,
    ...r.files.map((f) => one(`${f.kind === 'image' ? 'picture' : 'file'} ${f.filename ?? '(no name)'}`, f)),
  ].join(', ');
}

export interface AddOptions {
  class: FuzzyClass;
  /** The domains whose mail the entries act on. */
  scope: FuzzyScope;
  source: string;
  note?: string | null;
  /** Days until the entry stops matching; 0: never. */
  lifetimeDays: number;
  minWords: number;
  now?: Date;
  /**
   * At most this many unexpired entries from this source (a domain admin's: MAX_ENTRIES_PER_ADMIN);
   * a report that would add more is refused whole (FuzzyLimitError). A digest already known does
   * not count as more.
   */
  limit?: number;
}

/**
 * The most unexpired entries one domain admin's reports keep: every scanner holds every entry in
 * memory, and a full index leaves out the least recently judged entries — one account adding
 * without end must not push out everybody else's. Operators and the CLI have no such limit.
 */
export const MAX_ENTRIES_PER_ADMIN = 10_000;

export class FuzzyLimitError extends Error {
  override name = 'FuzzyLimitError';
}

/**
 * Adds the message's text fingerprint and its attachments' hashes; a message without a text
 * fingerprint, its pictures' perceptual hashes too (the picture is the campaign; beside a text, it
 * is most often a logo or a signature that genuine mail carries as well). The same digest in the
 * same class is one entry: adding it again keeps the first and extends its lifetime (a campaign
 * reported again is still running).
 */
export async function addFuzzy(db: Kysely<Database>, msg: ParsedMessage, o: AddOptions): Promise<AddResult> {
  const words = fuzzyWords(msg);
  const sh = shingles(words, o.minWords);
  const now = o.now ?? new Date();
  const common = {
    class: o.class,
    subject: msg.subject.slice(0, 200),
    source: o.source,
    note: o.note ?? null,
    created_at: nowIso(now),
    judged_at: nowIso(now),
    expires_at: o.lifetimeDays > 0 ? nowIso(new Date(now.getTime() + o.lifetimeDays * 86_400_000)) : null,
    scope: encodeScope(o.scope),
  };
  const text = sh ? { kind: 'text' as const, digest: encode(sh), size: words.length, filename: null } : null;
  const files = reportableFiles(msg).map((a) => ({ kind: 'file' as const, digest: a.sha256, size: a.size, filename: a.filename }));
  const images = sh ? [] : messageImages(msg).map((i) => ({ kind: 'image' as const, digest: i.phash, size: i.size, filename: i.filename }));
  return inTransaction(db, async (trx) => {
    if (o.limit !== undefined) await checkLimit(trx, o.source, [...(text ? [text] : []), ...files, ...images], o.class, o.limit, common.created_at);
    const added: AddResult = { text: text ? await upsert(trx, { ...common, ...text }) : null, words: words.length, files: [] };
    for (const f of [...files, ...images]) added.files.push({ ...(await upsert(trx, { ...common, ...f })), kind: f.kind, filename: f.filename });
    return added;
  });
}

/** Throws FuzzyLimitError when the new digests would take the source past its limit of unexpired entries. */
async function checkLimit(db: Kysely<Database>, source: string, digests: readonly { kind: Row['kind']; digest: string }[], cls: FuzzyClass, limit: number, now: string): Promise<void> {
  if (!digests.length) return;
  const known = await db
    .selectFrom('fuzzy_hashes')
    .select(['kind', 'digest'])
    .where('class', '=', cls)
    .where('digest', 'in', digests.map((d) => d.digest))
    .execute();
  const fresh = digests.filter((d) => !known.some((k) => k.kind === d.kind && k.digest === d.digest)).length;
  if (!fresh) return;
  const row = await db
    .selectFrom('fuzzy_hashes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('source', '=', source)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirstOrThrow();
  const live = Number(row.n);
  if (live + fresh > limit) {
    throw new FuzzyLimitError(`${source} already keeps ${live} fuzzy entries, the most one domain admin keeps is ${limit}: take back old reports, or let them expire`);
  }
}

async function upsert(db: Kysely<Database>, row: Omit<Row, 'id'>): Promise<Added> {
  const inserted = await db
    .insertInto('fuzzy_hashes')
    .values(row)
    .onConflict((oc) => oc.columns(['class', 'kind', 'digest']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { status: 'added', id: Number(inserted.id), scope: decodeScope(row.scope) };
  // A known entry, judged again: the lifetime never shortens (an entry kept forever stays so, a
  // later expiry wins), the scope widens to the union, the judgement time moves to this report.
  // The update is conditional on the revision read, so a report made at the same moment by
  // another process is read again, not overwritten.
  for (;;) {
    const old = await db.selectFrom('fuzzy_hashes').select(['id', 'expires_at', 'scope', 'judged_at', 'revision']).where('class', '=', row.class).where('kind', '=', row.kind).where('digest', '=', row.digest).executeTakeFirstOrThrow();
    const expires = old.expires_at !== null && (row.expires_at === null || row.expires_at > old.expires_at) ? row.expires_at : old.expires_at;
    const scope = widen(decodeScope(old.scope), decodeScope(row.scope));
    const judged = row.judged_at > old.judged_at ? row.judged_at : old.judged_at;
    const known: Added = { status: 'known', id: Number(old.id), scope };
    if (expires === old.expires_at && encodeScope(scope) === old.scope && judged === old.judged_at) return known;
    if (await changeRow(db, old, { expires_at: expires, scope: encodeScope(scope), judged_at: judged })) return known;
  }
}

/** Updates the row if it is still at the revision read, bumping it; false when another change came first. */
async function changeRow(db: Kysely<Database>, old: { id: number; revision: number }, set: Partial<Pick<FuzzyHashesTable, 'expires_at' | 'scope' | 'judged_at'>>): Promise<boolean> {
  const r = await db
    .updateTable('fuzzy_hashes')
    .set({ ...set, revision: sql<number>`revision + 1` })
    .where('id', '=', old.id)
    .where('revision', '=', old.revision)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listFuzzy(db: Kysely<Database>): Promise<FuzzyEntry[]> {
  return (await db.selectFrom('fuzzy_hashes').selectAll().orderBy('id').execute()).map(entryOf);
}

export interface FuzzyPageQuery {
  /** Entries older than this id (the previous page's `next`). */
  before?: number;
  limit: number;
  class?: FuzzyClass;
  /** Subject contains this (case-insensitive for ASCII). */
  subject?: string;
  /**
   * Only entries for some of these domains' mail (a domain admin's view): entries for every
   * domain's mail, and those for other domains only, are not theirs to see or take back.
   */
  domains?: readonly string[];
}

/** Newest first; `next` is the `before` of the following page, null on the last. */
export async function pageFuzzy(db: Kysely<Database>, q: FuzzyPageQuery): Promise<{ items: FuzzyEntry[]; next: number | null }> {
  let qb = db.selectFrom('fuzzy_hashes').selectAll();
  if (q.before !== undefined) qb = qb.where('id', '<', q.before);
  if (q.class) qb = qb.where('class', '=', q.class);
  if (q.subject) qb = qb.where(sql<boolean>`lower(subject) like ${`%${escapeLike(q.subject.toLowerCase())}%`} escape '\\'`);
  // The scope wrapped in commas (',a,b,'; never ',*,') holds one of the domains.
  if (q.domains) qb = qb.where(commaListHasAny(sql<string>`(',' || scope || ',')`, q.domains));
  const rows = await qb.orderBy('id', 'desc').limit(q.limit + 1).execute();
  const items = rows.slice(0, q.limit).map(entryOf);
  return { items, next: rows.length > q.limit ? items[items.length - 1]!.id : null };
}

/**
 * A domain admin takes back their domains' part of an entry: their domains leave its scope, and an
 * entry left for no domain is deleted. Null when the entry is not theirs to take back (absent, for
 * every domain's mail, or for other domains only). Conditional on the scope read, as upsert is.
 */
export async function takeBackFuzzy(db: Kysely<Database>, id: number, domains: readonly string[]): Promise<{ deleted: boolean; scope: FuzzyScope } | null> {
  for (;;) {
    const row = await db.selectFrom('fuzzy_hashes').select(['id', 'scope', 'revision']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const scope = decodeScope(row.scope);
    if (scope.kind === 'all' || !scope.domains.some((d) => domains.includes(d))) return null;
    const left = scope.domains.filter((d) => !domains.includes(d));
    if (!left.length) {
      const r = await db.deleteFrom('fuzzy_hashes').where('id', '=', id).where('revision', '=', row.revision).executeTakeFirst();
      if (Number(r.numDeletedRows) > 0) return { deleted: true, scope };
      continue;
    }
    const narrowed: FuzzyScope = { kind: 'domains', domains: left };
    if (await changeRow(db, row, { scope: encodeScope(narrowed) })) return { deleted: false, scope: narrowed };
  }
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
  /**
   * Slots of 32 in which the message's fingerprint equals the entry's; 32 for an attachment's
   * hash; for a picture, 32 × the share of the 64 bits that agree.
   */
  agree: number;
  /** A picture's: bits of 64 in which the message's picture differs from the entry's. */
  bitsDiffer?: number;
  /**
   * When the message also matched entries of the other verdict: the latest of them, set aside,
   * and the entry of this side judged after it (this one, or a later one agreeing in fewer slots).
   */
  over: { loser: FuzzyEntry; winner: FuzzyEntry } | null;
}

/** Text entries an index can hold: an entry's position shares a 53-bit number with a 32-bit slot value. */
export const MAX_TEXT_ENTRIES = 2 ** 21;
const POS = 2 ** 21;

/**
 * The entries of one moment. Text entries: per slot, one sorted Float64Array of value × 2^21 +
 * the entry's position, so that a lookup is 32 binary searches and the index costs 256 bytes an
 * entry (maps of value → entries cost ~3.6 KB an entry and 3.5 s to build for 100,000 — in every
 * scanning process, again after every report). File entries by hash. Picture entries in a list,
 * compared one by one (a few XORs each; they are few, and a message's pictures are decoded only
 * when there is one).
 */
export class FuzzyIndex {
  private readonly texts: TextEntry[];
  private readonly bySlot: Float64Array[];
  private readonly byFile = new Map<string, FuzzyEntry[]>();
  private readonly images: { entry: ImageEntry; halves: [number, number] }[];
  /** Whether any text entry exists: without one, a message's fingerprint need not be computed. */
  readonly hasText: boolean;
  /** Whether any picture entry exists: without one, a message's pictures need not be decoded. */
  readonly hasImage: boolean;
  /** Text entries left out because the index was full (the least recently judged ones). */
  readonly leftOut: number;
  /** Whether some entry is for some domains only: then a message's recipient domains may be judged apart. */
  readonly scoped: boolean;

  constructor(
    readonly entries: readonly FuzzyEntry[],
    maxText = MAX_TEXT_ENTRIES,
  ) {
    this.images = entries.filter((e): e is ImageEntry => e.kind === 'image').map((entry) => ({ entry, halves: hashHalves(entry.phash) }));
    this.hasImage = this.images.length > 0;
    this.scoped = entries.some((e) => e.scope.kind !== 'all');
    const texts = entries.filter((e): e is TextEntry => e.kind === 'text');
    // Full: the most recently judged entries stay — a campaign still being reported is the one
    // worth catching — rather than the analyzer failing for every message.
    this.texts = texts.length > maxText ? [...texts].sort((a, b) => (a.judgedAt < b.judgedAt ? 1 : a.judgedAt > b.judgedAt ? -1 : b.id - a.id)).slice(0, maxText) : texts;
    this.leftOut = texts.length - this.texts.length;
    this.hasText = this.texts.length > 0;
    this.bySlot = Array.from({ length: SHINGLES }, (_, k) => {
      const keys = new Float64Array(this.texts.length);
      this.texts.forEach((e, i) => (keys[i] = e.shingles[k]! * POS + i));
      return keys.sort();
    });
    for (const e of entries) {
      if (e.kind !== 'file') continue;
      const list = this.byFile.get(e.sha256);
      if (list) list.push(e);
      else this.byFile.set(e.sha256, [e]);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Per class, the best unexpired match in scope for the copy to one recipient domain: any
   * attachment hash listed beats the text entry agreeing in the most slots (at least minAgree) and
   * a picture differing in at most maxBits of 64 bits, the nearer the better.
   * A message matching both a ham entry and spam or phishing ones gets the later verdict (see
   * latestVerdict).
   */
  match(
    msg: { shingles: Shingles | null; files: readonly { sha256: string }[]; images?: readonly { phash: string }[]; domain: string | null },
    minAgree: number,
    now: Date,
    maxBits = 0,
  ): Map<FuzzyClass, FuzzyMatch> {
    const nowText = nowIso(now);
    const live = (e: FuzzyEntry) => (e.expiresAt === null || e.expiresAt > nowText) && inScope(e.scope, msg.domain);
    const best = new Map<FuzzyClass, FuzzyMatch>();
    const latest: Latest = { ham: null, bad: null };
    const offer = (entry: FuzzyEntry, agree: number, bitsDiffer?: number) => {
      const b = best.get(entry.class);
      if (!b || agree > b.agree) best.set(entry.class, { entry, agree, ...(bitsDiffer === undefined ? {} : { bitsDiffer }), over: null });
      const side = entry.class === 'ham' ? 'ham' : 'bad';
      if (!latest[side] || entry.judgedAt > latest[side].judgedAt) latest[side] = entry;
    };
    if (msg.shingles && this.hasText) {
      const counts = new Map<number, number>();
      msg.shingles.forEach((v, k) => {
        const keys = this.bySlot[k]!;
        const lo = v * POS;
        for (let j = lowerBound(keys, lo); j < keys.length && keys[j]! < lo + POS; j++) {
          const i = keys[j]! - lo;
          counts.set(i, (counts.get(i) ?? 0) + 1);
        }
      });
      for (const [i, agree] of counts) if (agree >= minAgree && live(this.texts[i]!)) offer(this.texts[i]!, agree);
    }
    for (const f of msg.files) for (const entry of this.byFile.get(f.sha256) ?? []) if (live(entry)) offer(entry, SHINGLES);
    for (const i of msg.images ?? []) {
      const halves = hashHalves(i.phash);
      for (const { entry, halves: other } of this.images) {
        const d = halvesDistance(halves, other);
        if (d <= maxBits && live(entry)) offer(entry, (SHINGLES * (IMAGE_BITS - d)) / IMAGE_BITS, d);
      }
    }
    return latestVerdict(best, latest);
  }
}

/** The latest-judged entry matched on each side: ham, and spam or phishing. */
interface Latest {
  ham: FuzzyEntry | null;
  bad: FuzzyEntry | null;
}

/**
 * A message matching ham entries and spam or phishing ones gets the later judgement, and the
 * other side is set aside, named in the winner's `over`: an operator reports a campaign for
 * every domain, a domain admin then releases a copy as not spam — for their domain's mail the
 * next copies are not spam; reported again afterwards, they are held again. Ham wins only when
 * judged after every spam and phishing entry matched (a tie goes to the report), and summing the
 * two (16 − 10) would leave a message half-judged.
 */
function latestVerdict(best: Map<FuzzyClass, FuzzyMatch>, latest: Latest): Map<FuzzyClass, FuzzyMatch> {
  const { ham, bad } = latest;
  if (!ham || !bad) return best;
  if (ham.judgedAt > bad.judgedAt) {
    best.delete('spam');
    best.delete('phishing');
    best.get('ham')!.over = { loser: bad, winner: ham };
  } else {
    best.delete('ham');
    best.get(bad.class)!.over = { loser: ham, winner: bad };
  }
  return best;
}

/** The first position in sorted `a` whose value is at least x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The table's state in four numbers: any insert, delete or change of an entry moves at least one of them. */
async function signature(db: Kysely<Database>): Promise<string> {
  const r = await db
    .selectFrom('fuzzy_hashes')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('id').as('id'), eb.fn.max('created_at').as('at'), eb.fn.sum<number>('revision').as('rev')])
    .executeTakeFirstOrThrow();
  // max(id) alone misses a delete of the newest row followed by an insert (SQLite reuses the id):
  // the count and the newest created_at catch it. A widened, narrowed or extended entry keeps all
  // three; its revision, bumped, moves the sum.
  return `${r.n}/${r.id}/${r.at}/${r.rev}`;
}

/** A process's copy of the index: re-read when the table's signature changes, checked at most every refreshMs. */
export class CachedFuzzyIndex {
  private index = new FuzzyIndex([]);
  private sig: string | null = null;
  private checkedAt = -Infinity;
  private pending: Promise<FuzzyIndex> | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  /** The index when it was checked less than refreshMs ago, else null (call get()). */
  fresh(nowMs: number, refreshMs: number): FuzzyIndex | null {
    // A clock set back is a reason to check, not to keep the copy until it catches up.
    return this.sig !== null && nowMs >= this.checkedAt && nowMs - this.checkedAt < refreshMs ? this.index : null;
  }

  get(nowMs: number, refreshMs: number): Promise<FuzzyIndex> {
    const index = this.fresh(nowMs, refreshMs);
    if (index) return Promise.resolve(index);
    this.pending ??= this.refresh(nowMs).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async refresh(nowMs: number): Promise<FuzzyIndex> {
    try {
      const sig = await signature(this.db);
      if (sig !== this.sig) {
        this.index = new FuzzyIndex(await listFuzzy(this.db));
        this.sig = sig;
      }
    } catch (err) {
      // A store that cannot answer for a moment: the entries known so far still apply (as the
      // connection lists' Cached does), and the next check is one interval away, not one message.
      // With no copy yet there is nothing to apply: the analyzer fails (FUZZY_FAIL).
      if (this.sig === null) throw err;
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
