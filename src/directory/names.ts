// Canonical forms of domain names and addresses, so that "Example.ORG." and "example.org" are one
// domain everywhere (relay checks, recipient lookup, storage).
import { domainToASCII } from 'node:url';

/** Lower-case, trailing dot removed, IDN to punycode. Returns null for something that is not a host name. */
export function canonicalDomain(input: string): string | null {
  let d = input.trim().toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (!d || d.length > 253) return null;
  const ascii = domainToASCII(d);
  if (!ascii) return null;
  if (!/^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(ascii)) return null;
  return ascii;
}

/**
 * Splits a plain mailbox address into local part and canonical domain. Only the simple
 * `local@domain` form is accepted; anything with routing syntax is for the relay check to refuse.
 */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const domain = canonicalDomain(address.slice(at + 1));
  if (!domain) return null;
  return { local: address.slice(0, at), domain };
}

/** Canonical address for storage and lookup: local part lower-cased too (as most directories do). */
export function canonicalAddress(address: string): string | null {
  const parts = splitAddress(address);
  if (!parts) return null;
  return `${parts.local.toLowerCase()}@${parts.domain}`;
}
