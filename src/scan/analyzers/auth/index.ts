// Sender authentication analyzer (prefilter): SPF, DKIM, DMARC and ARC through mailauth with the
// injected resolver; adds Authentication-Results and, when configured, the gateway's ARC set.
import os from 'node:os';
import { createHash } from 'node:crypto';
import type { Analyzer, AnalyzerResult, HeaderField } from '../../types.js';
import { authenticate, authenticateSpf, type AuthenticateOptions } from './authenticate.js';
import { AuthConfig, authConfig, sealKey } from './config.js';
import { withCrlf } from './crlf.js';
// Replaces mailauth's byte-by-byte header scan (header-scan.ts) before any message is read.
import './header-scan.js';
import { interpret } from './interpret.js';
import { AUTH_SYMBOLS } from './symbols.js';

/** Splits mailauth's header block ("Name: value\r\n continued\r\n…") into fields. */
export function splitHeaders(block: string): HeaderField[] {
  const out: HeaderField[] = [];
  for (const line of block.split('\r\n')) {
    if (!line) continue;
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1]!.value += `\r\n${line}`;
    else {
      const i = line.indexOf(':');
      out.push({ key: line.slice(0, i).toLowerCase(), value: line.slice(i + 1).trimStart() });
    }
  }
  return out;
}

/**
 * The most From header (all From fields together) handed to mailauth: a mailbox with a long display
 * name fits many times over, while the address parser mailauth uses takes seconds past ~50 KB.
 */
export const MAX_FROM_BYTES = 2048;

// Read once: os.hostname() is a system call (~28 µs, ~1 % of a scan when made per message).
const HOSTNAME = os.hostname();

export const authAnalyzer: Analyzer = {
  name: 'auth',
  family: 'auth',
  stage: 'prefilter',
  symbols: AUTH_SYMBOLS,
  config: AuthConfig,
  async analyze(msg, ctx): Promise<AnalyzerResult> {
    const cfg = authConfig(ctx.config);
    const seal = cfg.arc_seal
      ? { signingDomain: cfg.arc_seal.domain, selector: cfg.arc_seal.selector, privateKey: sealKey(cfg.arc_seal.private_key_file), algorithm: cfg.arc_seal.algorithm }
      : undefined;
    const env = msg.envelope;
    const opts: AuthenticateOptions = {
      resolver: ctx.resolve as any,
      ip: env.clientIp,
      helo: env.helo ?? undefined,
      // The null sender <> is checked as postmaster@HELO (RFC 7208 §2.4): mailauth does that when unset.
      sender: env.mailFrom || undefined,
      mta: cfg.mta ?? HOSTNAME,
      minBitLength: cfg.min_key_bits,
      seal,
    };
    // A From field cut for the parser (over 100 KiB) is counted as received.
    const cutFrom = msg.headerCuts.filter((c) => c.name.trim().toLowerCase() === 'from');
    const fromBytes = cutFrom.length
      ? cutFrom.reduce((n, c) => n + c.bytes, 0)
      : msg.headers.reduce((n, h) => (h.key === 'from' ? n + Buffer.byteLength(h.value) : n), 0);
    const res =
      fromBytes > MAX_FROM_BYTES
        ? { ...(await authenticateSpf(opts, `From header of ${fromBytes} bytes not read`)), fromOversized: `${fromBytes} bytes` }
        : await authenticate(withCrlf(msg.raw), opts);
    const sampleKey = msg.messageId ?? createHash('sha256').update(msg.raw).digest('hex');
    const { symbols, facts } = interpret(res, cfg, sampleKey);
    // Received-SPF is left out: Authentication-Results carries the same result.
    const headers = splitHeaders(res.headers).filter((h) => h.key !== 'received-spf');
    return { symbols, headers, facts: { auth: facts } };
  },
};
