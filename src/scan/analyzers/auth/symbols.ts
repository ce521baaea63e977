// The symbols of sender authentication (SPF, DKIM, DMARC, ARC), declared once with default scores.
// Scores are defaults only: configuration overrides them.
import type { SymbolDef } from '../../types.js';

const G = 'auth';

export const AUTH_SYMBOLS: readonly SymbolDef[] = [
  { name: 'SPF_PASS', group: G, score: -0.5, description: 'SPF: the client is an authorised sender of the envelope domain' },
  { name: 'SPF_FAIL', group: G, score: 2, description: 'SPF hard fail (-all): the client is not authorised for the envelope domain' },
  { name: 'SPF_FAIL_NO_DMARC', group: G, score: 3, category: 'auth_failed', description: 'SPF hard fail and the domain publishes no DMARC policy (spf_fail_without_dmarc: auth_failed)' },
  { name: 'SPF_SOFTFAIL', group: G, score: 1, description: 'SPF soft fail (~all)' },
  { name: 'SPF_NEUTRAL', group: G, score: 0, description: 'SPF neutral (?all)' },
  { name: 'SPF_NONE', group: G, score: 0.2, description: 'No SPF record for the envelope domain' },
  { name: 'SPF_TEMPERROR', group: G, score: 0, description: 'SPF: temporary DNS error' },
  { name: 'SPF_PERMERROR', group: G, score: 0.5, description: 'SPF: the record is broken (syntax, too many lookups)' },
  { name: 'DKIM_VALID', group: G, score: -0.5, description: 'A DKIM signature verified' },
  { name: 'DKIM_INVALID', group: G, score: 1.5, description: 'A DKIM signature failed (signed headers changed or bad signature)' },
  { name: 'DKIM_NEUTRAL', group: G, score: 1, description: 'A DKIM signature could not be verified (body hash mismatch, bad tag, expired)' },
  { name: 'DKIM_NONE', group: G, score: 0.1, description: 'The message carries no DKIM signature' },
  { name: 'DKIM_TEMPERROR', group: G, score: 0, description: 'DKIM: temporary DNS error fetching the key' },
  { name: 'DKIM_PERMERROR', group: G, score: 0.5, description: 'DKIM: no usable key (missing, revoked, too short)' },
  { name: 'DMARC_PASS', group: G, score: -1, description: 'DMARC pass: an aligned SPF or DKIM pass for the From domain' },
  { name: 'DMARC_FAIL_REJECT', group: G, score: 6, category: 'auth_failed', description: 'DMARC fail and the domain asks for reject (p/sp, after pct)' },
  { name: 'DMARC_FAIL_QUARANTINE', group: G, score: 4, category: 'auth_failed', description: 'DMARC fail and the domain asks for quarantine (p/sp, after pct)' },
  { name: 'DMARC_FAIL_NONE', group: G, score: 1, description: 'DMARC fail, the domain asks for no action (p=none or sampled out by pct)' },
  { name: 'DMARC_FAIL_ARC_TRUSTED', group: G, score: 0.5, description: 'DMARC fail relaxed: a trusted ARC sealer vouches for the original authentication' },
  { name: 'DMARC_NONE', group: G, score: 0, description: 'The From domain publishes no DMARC policy' },
  { name: 'DMARC_TEMPERROR', group: G, score: 0, description: 'DMARC: temporary DNS error' },
  { name: 'DMARC_PERMERROR', group: G, score: 0.2, description: 'DMARC: the record is broken' },
  { name: 'FROM_OVERSIZED', group: G, score: 6, category: 'auth_failed', description: 'The From header is over 2,048 bytes: no single author domain can be read, so DKIM, ARC and DMARC are not evaluated (RFC 7489 §6.6.1)' },
  { name: 'ARC_VALID', group: G, score: -0.1, description: 'The ARC chain validates' },
  { name: 'ARC_INVALID', group: G, score: 1, description: 'The ARC chain is broken' },
  { name: 'ARC_NONE', group: G, score: 0, description: 'The message carries no ARC chain' },
];
