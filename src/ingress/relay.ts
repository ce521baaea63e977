// Relay control at RCPT TO: only plain local@domain addresses of protected domains are accepted.
// Every classic open-relay form (percent hack, bang path, quoted or doubled @, IP literals) is
// refused here even when smtp-server's parser let it through; the directory decides the rest.
import { canonicalDomain } from '../directory/names.js';
import type { DirectoryCache } from './directory-cache.js';

export type Refusal = { code: number; enhanced: string; message: string; reason: string; domain: string | null };

export type RcptDecision = { ok: true; address: string; domain: string; domainId: number } | ({ ok: false } & Refusal);

const relayDenied = (domain: string | null): RcptDecision => ({
  ok: false,
  code: 550,
  enhanced: '5.7.1',
  message: 'Relaying denied',
  reason: 'relay_denied',
  domain,
});

/**
 * Decides one RCPT TO address as smtp-server parsed it (source route already stripped, domain in
 * Unicode form). Local parts holding routing characters are refused as relay attempts whatever
 * the domain, as Postfix does with allow_percent_hack=no and swap_bangpath=no.
 */
export function decideRecipient(address: string, directory: DirectoryCache): RcptDecision {
  const at = address.lastIndexOf('@');
  if (at <= 0) return { ok: false, code: 550, enhanced: '5.1.1', message: 'Recipient needs a domain', reason: 'unknown_recipient', domain: null };
  const local = address.slice(0, at);
  const rawDomain = address.slice(at + 1);
  if (rawDomain.startsWith('[')) return relayDenied(null);
  const domain = canonicalDomain(rawDomain);
  if (!domain) return { ok: false, code: 501, enhanced: '5.1.3', message: 'Bad recipient address syntax', reason: 'bad_address', domain: null };
  if (/[%!@"\\]/.test(local)) return relayDenied(domain);
  const canonical = `${local.toLowerCase()}@${domain}`;
  const found = directory.lookup(canonical);
  switch (found.kind) {
    case 'not_protected':
      return relayDenied(domain);
    case 'unknown':
      return { ok: false, code: 550, enhanced: '5.1.1', message: 'No such user here', reason: 'unknown_recipient', domain };
    case 'accepted':
      return { ok: true, address: canonical, domain, domainId: found.domainId };
  }
}
