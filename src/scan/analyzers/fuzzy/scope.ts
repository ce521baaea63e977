// Whose mail a fuzzy entry acts on: every domain's, or some protected domains' — a domain admin's
// judgement is for their domains, so that one department's release-as-not-spam cannot let a
// campaign through to every other department. Stored as '*' or the names, sorted, comma-separated.
import type { Kysely } from 'kysely';
import { canonicalDomain } from '../../../directory/names.js';
import type { Database, FuzzyHashesTable } from '../../../store/schema.js';

/**
 * The domains whose mail an entry acts on: every domain's (an operator's judgement), or the
 * domains of the domain admin who judged (canonical names). Reported again from elsewhere, an
 * entry's scope widens to the union.
 */
export type FuzzyScope = { kind: 'all' } | { kind: 'domains'; domains: readonly string[] };
export const ALL_DOMAINS: FuzzyScope = { kind: 'all' };

/** A scope of these domains (names lower-cased, each once, sorted); none is an error, not "all". */
export function domainsScope(names: readonly string[]): FuzzyScope {
  const domains = [...new Set(names.map((n) => n.trim().toLowerCase()).filter(Boolean))].sort();
  if (!domains.length) throw new Error('a fuzzy scope of domains needs at least one domain');
  return { kind: 'domains', domains };
}

export const encodeScope = (s: FuzzyScope): string => (s.kind === 'all' ? '*' : s.domains.join(','));
export const decodeScope = (t: string): FuzzyScope => (t === '*' ? ALL_DOMAINS : { kind: 'domains', domains: t.split(',') });
export const widen = (a: FuzzyScope, b: FuzzyScope): FuzzyScope => (a.kind === 'all' || b.kind === 'all' ? ALL_DOMAINS : domainsScope([...a.domains, ...b.domains]));

/**
 * The scope an operator names (`rampart fuzzy add --domain`, the console's Domains field): none
 * is all domains; each name must be a protected domain — a name that is not would make an entry
 * that never matches. Returns the scope, or the names that are not protected domains.
 */
export async function namedScope(db: Kysely<Database>, names: readonly string[]): Promise<{ scope: FuzzyScope } | { unknown: string[] }> {
  const { wanted, bad } = canonicalNames(names);
  if (!wanted.length && !bad.length) return { scope: ALL_DOMAINS };
  const known = new Set(wanted.length ? (await db.selectFrom('domains').select('name').where('name', 'in', wanted).execute()).map((r) => r.name) : []);
  const unknown = [...bad, ...wanted.filter((n) => !known.has(n))];
  return unknown.length ? { unknown } : { scope: domainsScope(wanted) };
}

/** Names as the domains table stores them (canonicalDomain), each once; what is no domain name at all comes back as given. */
export function canonicalNames(names: readonly string[]): { wanted: string[]; bad: string[] } {
  const wanted = new Set<string>();
  const bad: string[] = [];
  for (const n of names) {
    if (!n.trim()) continue;
    const c = canonicalDomain(n);
    if (c) wanted.add(c);
    else bad.push(n.trim());
  }
  return { wanted: [...wanted], bad };
}

/** A scope in JSON: "all", or the domain names. */
export const scopeRecord = (s: FuzzyScope): 'all' | string[] => (s.kind === 'all' ? 'all' : [...s.domains]);

/** "all domains", "chem.example.edu, physics.example.edu". */
export const describeScope = (s: FuzzyScope): string => (s.kind === 'all' ? 'all domains' : s.domains.join(', '));

/**
 * Whether an entry acts on the copy for this recipient domain: an entry for some domains is their
 * judgement, not the others' (the analyzer judges each recipient domain of a message on its own, and
 * policy splits the message when they differ). Without a recipient domain (`rampart scan` without
 * --rcpt) only the entries for every domain act.
 */
export function inScope(scope: FuzzyScope, rcptDomain: string | null): boolean {
  return scope.kind === 'all' || (rcptDomain !== null && scope.domains.includes(rcptDomain));
}
