// Loads the YAML configuration, applies RAMPART_* environment overrides and validates it.
// Errors name the field and the problem; callers print them and exit non-zero.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from './error.js';
import { RampartConfig } from './schema.js';

export { ConfigError };

/**
 * Environment overrides: RAMPART_SMTP__PORT=2526 sets smtp.port. Double underscore separates
 * levels; values are parsed as YAML scalars so numbers and booleans keep their type.
 */
const NOT_OVERRIDES = new Set(['RAMPART_CONFIG', 'RAMPART_LOG_LEVEL', 'RAMPART_CONFORMANCE_DIR', 'RAMPART_SCAN_TIMING']);

export function applyEnvOverrides(doc: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  for (const [key, raw] of Object.entries(env)) {
    // RAMPART_CONFIG, RAMPART_LOG_LEVEL, RAMPART_SCAN_TIMING and RAMPART_TEST_* steer the process, not the file.
    if (!key.startsWith('RAMPART_') || raw === undefined || NOT_OVERRIDES.has(key) || key.startsWith('RAMPART_TEST_')) continue;
    const parts = key.slice('RAMPART_'.length).toLowerCase().split('__');
    let node: Record<string, unknown> = doc;
    for (const p of parts.slice(0, -1)) {
      if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = YAML.parse(raw);
  }
  return doc;
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

export function parseConfig(doc: unknown, baseDir = process.cwd()): RampartConfig {
  const result = RampartConfig.safeParse(doc ?? {});
  if (!result.success) throw new ConfigError('invalid configuration', formatIssues(result.error));
  const cfg = result.data;
  cfg.data_dir = path.resolve(baseDir, cfg.data_dir);
  return cfg;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): RampartConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text) ?? {};
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${file}: the top level must be a mapping`);
  applyEnvOverrides(doc as Record<string, unknown>, env);
  try {
    return parseConfig(doc, path.dirname(path.resolve(file)));
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`);
    throw err;
  }
}
