// Configuration of the sender-authentication analyzer (scan.analyzers.auth), validated with zod so
// errors name the field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';

export const AuthConfig = z
  .object({
    /** Host name written in Authentication-Results (authserv-id); defaults to the OS host name. */
    mta: z.string().min(1).optional(),
    /** SPF hard fail when the domain has no DMARC record: a category (auth_failed) or only a score. */
    spf_fail_without_dmarc: z.enum(['auth_failed', 'score_only']).default('score_only'),
    /** ARC sealers whose chain may relax a DMARC failure (domains, exact or parent). */
    trusted_arc_sealers: z.array(z.string().min(1)).default([]),
    /** Minimum DKIM/ARC key size in bits; shorter keys do not verify. */
    min_key_bits: z.number().int().min(512).default(1024),
    /** When set, the gateway seals forwarded messages with an ARC set. */
    arc_seal: z
      .object({
        domain: z.string().min(1),
        selector: z.string().min(1),
        private_key_file: z.string().min(1),
        algorithm: z.enum(['rsa-sha256', 'ed25519-sha256']).default('rsa-sha256'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AuthConfig = z.infer<typeof AuthConfig>;

const keyCache = new Map<string, string>();

/** The section, parsed once per config object (the registry checked it at start-up). */
export const authConfig = (raw: Record<string, unknown>): AuthConfig => analyzerConfig(AuthConfig, 'auth', raw);

/** The sealing key, read once per file. */
export function sealKey(file: string): string {
  let key = keyCache.get(file);
  if (key === undefined) {
    try {
      key = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`scan.analyzers.auth.arc_seal.private_key_file: cannot read ${file}: ${(err as Error).message}`);
    }
    keyCache.set(file, key);
  }
  return key;
}
