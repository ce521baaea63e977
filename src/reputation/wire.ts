// Builds the connection check from the gateway configuration: the one list model (scan_lists,
// read through a cache refreshed every smtp.directory_refresh), the reputation section of
// scan.analyzers (its allow/block entries, DNSBL zones, stage), the configured DNS servers. Always
// installed: the lists apply with no reputation section too.
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

export function reputationCheckFromConfig(config: RampartConfig, store: Store, onStaleError?: (err: unknown) => void): ConnectionCheck {
  const cfg = reputationConfig(reputationSection(config));
  const resolver = new Resolver({ timeout: Math.min(config.dns.timeout, 5000), tries: config.dns.tries });
  if (config.dns.servers.length) resolver.setServers(config.dns.servers);
  return createReputationCheck(cfg, {
    resolve: (name, type) => resolver.resolve(name, type as 'A'),
    db: store.db,
    lists: { refreshMs: config.smtp.directory_refresh, onStaleError },
  });
}
