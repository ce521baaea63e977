// Validates an analyzer's section of scan.analyzers with its zod schema, and names the offending
// key (scan.analyzers.malware.clamd.timeout_ms: …) when it does not fit. Results are cached per
// section object, so a valid configuration is parsed once, not once per message.
import type { z } from 'zod';

const cache = new WeakMap<object, unknown>();

export function analyzerConfig<S extends z.ZodType>(schema: S, analyzer: string, raw: Record<string, unknown> | undefined): z.infer<S> {
  const key = raw ?? EMPTY;
  const hit = cache.get(key);
  if (hit !== undefined && cache.has(key)) return hit as z.infer<S>;
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `scan.analyzers.${analyzer}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`);
    throw new Error(`invalid configuration: ${issues.join('; ')}`);
  }
  cache.set(key, r.data);
  return r.data as z.infer<S>;
}

const EMPTY: Record<string, unknown> = {};
