// Configuration of connection reputation (scan.analyzers.reputation): DNSBL zones with their return
// codes, the reject threshold, the SMTP stage, and local allow/block lists. Shared by the
// connection check and the scoring analyzer, so both read one section.
import { z } from 'zod';
import { analyzerConfig } from '../files/config.js';
import { isIpValue } from '../policy/lists.js';

// Global entries of the one list model, next to the scan_lists rows; IP addresses and networks only.
const ipEntry = z.string().refine(isIpValue, { message: 'not an IP address or CIDR network (e.g. 192.0.2.1, 198.51.100.0/24, 2001:db8::/32)' });

export const DnsblZone = z
  .object({
    zone: z.string().min(1),
    /** Return code (127.0.0.x) → score and meaning; codes not listed get default_score. */
    codes: z.record(z.string().regex(/^127\.\d+\.\d+\.\d+$/, 'a 127.x.y.z return code'), z.object({ score: z.number(), meaning: z.string().default('') }).strict()).default({}),
    default_score: z.number().default(1),
    default_meaning: z.string().default('listed'),
  })
  .strict();
export type DnsblZone = z.infer<typeof DnsblZone>;

export const ReputationConfig = z
  .object({
    /** When the connection check refuses: at connect (554) or per recipient (550). */
    stage: z.enum(['connect', 'rcpt']).default('connect'),
    /** A client whose summed DNSBL score reaches this is refused; null: never refuse, score only. */
    reject_threshold: z.number().nullable().default(10),
    dnsbl: z.array(DnsblZone).default([]),
    /** Global allow entries: DNSBLs not asked (a block entry still wins). */
    allow: z.array(ipEntry).default([]),
    /** Global block entries: refused at `stage` (reason blocklist). */
    block: z.array(ipEntry).default([]),
    /** How long a DNSBL answer is reused for the same IP. */
    cache_seconds: z.number().int().min(0).default(300),
  })
  .strict();
export type ReputationConfig = z.infer<typeof ReputationConfig>;

/** The section, parsed once per config object; an error names the field. */
export const reputationConfig = (raw: Record<string, unknown> | undefined): ReputationConfig => analyzerConfig(ReputationConfig, 'reputation', raw);
