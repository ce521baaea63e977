// Builds the connection check from the gateway configuration: the reputation section of
// scan.analyzers, the configured DNS servers, the store for table lists. Null when nothing is set.
import { Resolver } from 'node:dns/promises';
import type { RampartConfig } from '../config/schema.js';
import type { ConnectionCheck } from '../ingress/connection-check.js';
import type { Store } from '../store/db.js';
import { createReputationCheck } from './check.js';
import { reputationConfig } from './config.js';

export function reputationSection(config: RampartConfig): Record<string, unknown> | undefined {
  const analyzers = (config.scan as { analyzers?: Record<string, unknown> }).analyzers;
  return analyzers?.reputation as Record<string, unknown> | undefined;
}

export function reputationCheckFromConfig(config: RampartConfig, store: Store): ConnectionCheck | null {
  const section = reputationSection(config);
  if (!section) return null;
  const cfg = reputationConfig(section);
  const resolver = new Resolver({ timeout: Math.min(config.dns.timeout, 5000), tries: config.dns.tries });
  if (config.dns.servers.length) resolver.setServers(config.dns.servers);
  return createReputationCheck(cfg, { resolve: (name, type) => resolver.resolve(name, type as 'A'), db: store.db });
}
