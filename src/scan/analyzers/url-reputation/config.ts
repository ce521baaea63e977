// Configuration of URL reputation (scan.analyzers.url): URI DNSBL zones, the lookup bound, the
// shortener list, config block lists and the heuristic points that make a link set suspicious.
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';
import { DnsblZone } from '../../../reputation/config.js';
import { DEFAULT_SHORTENERS } from './heuristics.js';

export const UrlConfig = z
  .object({
    /** SURBL/URIBL-style zones, queried with the registrable domain (or reversed IP). */
    uri_dnsbl: z.array(DnsblZone).default([]),
    /** At most this many distinct DNSBL names per message. */
    max_lookups: z.number().int().min(0).default(20),
    cache_seconds: z.number().int().min(0).default(600),
    shorteners: z.array(z.string().min(1)).default(DEFAULT_SHORTENERS),
    block_domains: z.array(z.string().min(1)).default([]),
    /** Heuristic points (ip_literal 2.5, mixed_script 3, text_mismatch 1.5, redirect 1, punycode 1, shortener 0.5) from which URL_SUSPICIOUS fires. */
    suspicious_threshold: z.number().positive().default(4),
  })
  .strict();
export type UrlConfig = z.infer<typeof UrlConfig>;

/** The section, parsed once per config object (the registry checked it at start-up). */
export const urlConfig = (raw: Record<string, unknown>): UrlConfig => analyzerConfig(UrlConfig, 'url', raw);
