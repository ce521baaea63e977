// Validates an analyzer's section of scan.analyzers with its zod schema, and names the offending
// key (scan.analyzers.malware.clamd.timeout_ms: …) when it does not fit. Results are cached per
// section object, so a valid configuration is parsed once, not once per message.
import type { z } from 'zod';

// Per schema, then per section object: two analyzers handed the same (empty) object must not get
// each other's settings.
const cache = new WeakMap<z.ZodType, WeakMap<object, unknown>>();

export function analyzerConfig<S extends z.ZodType>(schema: S, analyzer: string, raw: Record<string, unknown> | undefined): z.infer<S> {
  const key = raw ?? EMPTY;
  let bySection = cache.get(schema);
  if (!bySection) cache.set(schema, (bySection = new WeakMap()));
  if (bySection.has(key)) return bySection.get(key) as z.infer<S>;
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `scan.analyzers.${analyzer}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`);
    throw new Error(`invalid configuration: ${issues.join('; ')}`);
  }
  bySection.set(key, r.data);
  return r.data as z.infer<S>;
}

const EMPTY: Record<string, unknown> = {};
