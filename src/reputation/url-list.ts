// The local URL/domain block list in the store (url_block_entries): entry normalisation, add,
// remove, list, bulk import, and matching a message's URLs (domain and its subdomains; URL prefix).
// Matching reads the table through an in-memory copy (src/store/cached.ts) refreshed every
// URL_LIST_REFRESH_MS, not once per message; writes made through this module apply at once.
import type { Kysely } from 'kysely';
import { Cached } from '../store/cached.js';
import type { Database } from '../store/schema.js';

/** How long a process serves its copy of url_block_entries before reading it again. */
export const URL_LIST_REFRESH_MS = 5000;

interface UrlIndex {
  domains: Set<string>;
  urls: Set<string>;
}

let caches = new WeakMap<object, Cached<UrlIndex>>();

function urlIndex(db: Kysely<Database>): Promise<UrlIndex> {
  let c = caches.get(db);
  if (!c) {
    c = new Cached(async () => {
      const rows = await db.selectFrom('url_block_entries').select(['kind', 'value']).execute();
      const idx: UrlIndex = { domains: new Set(), urls: new Set() };
      for (const r of rows) (r.kind === 'domain' ? idx.domains : idx.urls).add(r.value);
      return idx;
    }, { refreshMs: URL_LIST_REFRESH_MS });
    caches.set(db, c);
  }
  return c.get();
}

/** Drops every process-local copy (called after a write; other processes see it after the refresh). */
export function invalidateUrlBlockCache(): void {
  caches = new WeakMap();
}

export interface UrlEntry {
  kind: 'domain' | 'url';
  value: string;
}

/** "example.com" → domain; "http(s)://…" → url (lower-cased host, no fragment). Throws on junk. */
export function normaliseEntry(input: string): UrlEntry {
  const t = input.trim();
  if (/^https?:\/\//i.test(t)) {
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      throw new Error(`"${input}" is not a valid URL`);
    }
    u.hash = '';
    return { kind: 'url', value: u.toString() };
  }
  const d = t.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  let ascii: string;
  try {
    ascii = new URL(`http://${d}/`).hostname;
  } catch {
    throw new Error(`"${input}" is neither a domain nor an http(s) URL`);
  }
  if (!/^[a-z0-9.-]+$/.test(ascii) || !ascii.includes('.') || /[/?#@:\s]/.test(d)) {
    throw new Error(`"${input}" is neither a domain nor an http(s) URL`);
  }
  return { kind: 'domain', value: ascii };
}

export async function addEntry(db: Kysely<Database>, e: UrlEntry, note: string | null = null): Promise<boolean> {
  const r = await db.insertInto('url_block_entries').values({ ...e, note, created_at: new Date().toISOString() }).onConflict((oc) => oc.columns(['kind', 'value']).doNothing()).executeTakeFirst();
  invalidateUrlBlockCache();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function removeEntry(db: Kysely<Database>, e: UrlEntry): Promise<boolean> {
  const r = await db.deleteFrom('url_block_entries').where('kind', '=', e.kind).where('value', '=', e.value).executeTakeFirst();
  invalidateUrlBlockCache();
  return Number(r.numDeletedRows) > 0;
}

export function listEntries(db: Kysely<Database>) {
  return db.selectFrom('url_block_entries').select(['kind', 'value', 'note', 'created_at']).orderBy('kind').orderBy('value').execute();
}

/** Imports one entry a line ('#' comments, blank lines skipped); bad lines are reported by number. */
export async function importEntries(db: Kysely<Database>, text: string, note: string | null): Promise<{ added: number; existing: number; errors: string[] }> {
  const entries: UrlEntry[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.replace(/#.*/, '').trim();
    if (!t) return;
    try {
      entries.push(normaliseEntry(t));
    } catch (err) {
      errors.push(`line ${i + 1}: ${(err as Error).message}`);
    }
  });
  let added = 0;
  await db.transaction().execute(async (tx) => {
    for (const e of entries) if (await addEntry(tx, e, note)) added++;
  });
  // Again after the commit: a reload between an insert and the commit would have missed the rows.
  invalidateUrlBlockCache();
  return { added, existing: entries.length - added, errors };
}

/** Parent domains of a host: a.b.example.com → [a.b.example.com, b.example.com, example.com, com]. */
function parents(host: string): string[] {
  const labels = host.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

const NO_ENTRIES: UrlIndex = { domains: new Set(), urls: new Set() };

/** The block-list entries matching any of the URLs (candidate keys looked up in the cached copy). */
export async function matchBlocked(db: Kysely<Database> | null, urls: readonly { url: string; host: string }[], configDomains: readonly string[] = []): Promise<{ url: string; entry: string }[]> {
  const idx = db ? await urlIndex(db) : NO_ENTRIES;
  const out: { url: string; entry: string }[] = [];
  // Candidate keys are built only for the kinds of entry that exist: most lists hold domains only,
  // and parsing every URL of every message again (URL setters reparse it) was work for nothing.
  if (idx.domains.size || configDomains.length) {
    const hosts = new Map<string, string>();
    for (const u of urls) if (u.host) for (const p of parents(u.host)) if (!hosts.has(p)) hosts.set(p, u.url);
    for (const d of configDomains) {
      const v = d.toLowerCase();
      if (hosts.has(v)) out.push({ url: hosts.get(v)!, entry: v });
    }
    for (const [host, url] of hosts) if (idx.domains.has(host)) out.push({ url, entry: host });
  }
  if (idx.urls.size) {
    const prefixes = new Map<string, string>();
    for (const u of urls) {
      try {
        const x = new URL(u.url);
        x.hash = '';
        const full = x.toString();
        x.search = '';
        for (const c of [full, x.toString()]) if (!prefixes.has(c)) prefixes.set(c, u.url);
      } catch {
        /* not a URL the block list can hold */
      }
    }
    for (const [prefix, url] of prefixes) if (idx.urls.has(prefix)) out.push({ url, entry: prefix });
  }
  return out;
}
