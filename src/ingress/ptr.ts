// Reverse (PTR) lookup of the client address through the configured resolvers, bounded by a short
// timeout. It runs in the background from connect on, so it never delays the greeting.
import { promises as dns } from 'node:dns';

export type ReverseLookup = (ip: string) => Promise<string | null>;

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;

export function reverseLookup(opts: { servers: string[]; timeoutMs: number }): ReverseLookup {
  const resolver = new dns.Resolver({ timeout: opts.timeoutMs, tries: 1 });
  if (opts.servers.length) resolver.setServers(opts.servers);
  return async (ip) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const names = await Promise.race([
        resolver.reverse(ip),
        new Promise<string[]>((resolve) => {
          timer = setTimeout(() => resolve([]), opts.timeoutMs);
        }),
      ]);
      const name = names.find((n) => HOSTNAME.test(n));
      return name ? name.replace(/\.$/, '').toLowerCase() : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  };
}
