// mailauth's authenticate() (4.13) without the two things it always does that Rampart never uses:
// it parses every Received header into a "receivedChain" (only read with trustReceived, which a
// gateway that sees the client itself must not use) and it loads its BIMI module (undici, an XML
// parser, certificate code) even when BIMI is off. On the benchmark's corpus the Received parser
// alone was ~3 % of a scan's CPU, recompiled a dozen times by V8 in every worker as it warmed up,
// and the BIMI modules ~0.15 s of every worker's start-up. The steps, their order and the
// Authentication-Results they build are mailauth's own (lib/mailauth.js); each step is mailauth's
// exported function. test/auth/authenticate.test.ts compares the result with authenticate()'s.
import { isIP } from 'node:net';
// The libmime mailauth folds with: package.json pins one copy for both (an override), so headers
// fold exactly as authenticate() folds them and the bundles carry it once.
import libmime from 'libmime';
import type { ARCResult, DMARCResult, DNSResolver, DKIMVerifyResult, SPFResult } from 'mailauth';
// Imported, not required: a bundle (scripts/bundle.mjs) then carries mailauth's modules instead of
// each worker loading them one by one through the CommonJS loader (~0.15 s of its start-up).
import { arc, createSeal } from 'mailauth/lib/arc/index.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { dmarc } from 'mailauth/lib/dmarc/index.js';
import { spf } from 'mailauth/lib/spf/index.js';

export interface AuthenticateOptions {
  resolver: DNSResolver;
  ip: string;
  helo?: string;
  sender?: string;
  mta: string;
  minBitLength: number;
  seal?: { signingDomain: string; selector: string; privateKey: string | Buffer; algorithm?: string };
}

export interface Authenticated {
  dkim: DKIMVerifyResult;
  spf: SPFResult | false;
  dmarc: DMARCResult | false;
  arc: ARCResult;
  /** Authentication-Results (and Received-SPF, and an ARC set when sealing), CRLF-terminated. */
  headers: string;
}

const fold = (s: string) => libmime.foldLines(s, 160);

/** mailauth's SPF step: a HELO that is an IP address is checked as the address literal. */
function checkSpf(opts: AuthenticateOptions): Promise<SPFResult | false> {
  let helo = opts.helo || opts.ip;
  if (helo && isIP(helo)) helo = `[${helo}]`;
  return spf({ ...opts, helo } as Parameters<typeof spf>[0]);
}

export async function authenticate(input: Buffer, opts: AuthenticateOptions): Promise<Authenticated> {
  // A null sender is given as "<>" so that dkimVerify does not parse a Return-Path header for an
  // envelope sender this function never reads (see authenticateSpf for why that parse is avoided).
  const dkimResult = await dkimVerify(input, { resolver: opts.resolver, sender: opts.sender || '<>', seal: opts.seal, minBitLength: opts.minBitLength } as Parameters<typeof dkimVerify>[1]);
  const spfResult = await checkSpf(opts);
  // dkimVerify's arc (ARCSigningData) is the chain arc() takes; mailauth's types name them apart.
  const arcResult = await arc(dkimResult.arc as unknown as Parameters<typeof arc>[0], { resolver: opts.resolver, minBitLength: opts.minBitLength });

  const headers: string[] = [];
  const ar: string[] = [];
  for (const row of dkimResult.results) ar.push(fold(row.info));
  if (spfResult) {
    ar.push(fold(spfResult.info));
    headers.push(spfResult.header);
  }
  if (arcResult.info) ar.push(fold(arcResult.info));

  let dmarcResult: DMARCResult | false = false;
  if (dkimResult.headerFrom) {
    dmarcResult = await dmarc({
      headerFrom: dkimResult.headerFrom,
      spfDomains: spfResult && spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [],
      dkimDomains: dkimResult.results.filter((r) => r.status.result === 'pass').map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized })),
      arcResult,
      resolver: opts.resolver,
    } as Parameters<typeof dmarc>[0]);
    if (dmarcResult && dmarcResult.info) ar.push(fold(dmarcResult.info));
  }

  const authResults = `${opts.mta};\r\n ${ar.join(';\r\n ')}`;
  headers.push(`Authentication-Results: ${authResults}`);
  arcResult.authResults = authResults;

  // As mailauth: seal only messages whose ARC chain is absent or valid.
  const { status } = arcResult;
  if (dkimResult.seal && (['none', 'pass'].includes(status.result) || status.shouldSeal)) {
    const sealed = await createSeal(false, {
      headers: dkimResult.headers,
      arc: dkimResult.arc,
      seal: { i: Number(arcResult.i) + 1, cv: status.result, authResults, signTime: new Date(), ...dkimResult.seal },
    });
    sealed?.headers?.reverse().forEach((h) => headers.unshift(h));
  }
  return { dkim: dkimResult, spf: spfResult ?? false, dmarc: dmarcResult, arc: arcResult, headers: `${headers.join('\r\n')}\r\n` };
}

/**
 * SPF alone, for a message whose From header mailauth must not read. dkimVerify — the way to DKIM,
 * ARC and DMARC — parses every From with nodemailer's address parser, which is quadratic or worse on
 * made-up input (50 KB of ":;" takes 6 s, 1 MB of "xn--" minutes) and cannot be interrupted.
 * `reason` says in Authentication-Results why DKIM, ARC and DMARC were not evaluated.
 */
export async function authenticateSpf(opts: AuthenticateOptions, reason: string): Promise<{ spf: SPFResult | false; headers: string }> {
  const spfResult = await checkSpf(opts);
  const ar = spfResult ? [fold(spfResult.info)] : [];
  ar.push(fold(`dmarc=permerror reason="${reason}"`));
  const headers = spfResult ? [spfResult.header] : [];
  headers.push(`Authentication-Results: ${opts.mta};\r\n ${ar.join(';\r\n ')}`);
  return { spf: spfResult ?? false, headers: `${headers.join('\r\n')}\r\n` };
}
