// What the programme's operations need, injected: the store, the configuration, a way to send
// mail, the templates, the link signer, DNS, and the clock.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { MigrationConfig } from './config.js';
import type { LinkSigner } from './links.js';
import type { MailSubmitter } from './mail.js';
import type { Templates } from './templates.js';
import type { MigrationResolver } from './checks/resolver.js';

export interface ProgrammeDeps {
  db: Kysely<Database>;
  config: MigrationConfig;
  /** Base URL of the public site, e.g. https://gateway.example.org (links in mail point there). */
  publicUrl: string;
  submit: MailSubmitter;
  templates: Templates;
  links: LinkSigner;
  resolver: MigrationResolver;
  now: () => Date;
}

/** The three steps, as filled into every notice. */
export function stepsText(config: MigrationConfig): string {
  const g = config.gateway;
  const ips = g.spf_ips.length ? ` (${g.spf_ips.join(', ')})` : '';
  return [
    `1. Mail server: make sure your mail server accepts mail for your domain from the gateway${ips}.`,
    `2. DNS: add "include:${g.spf_include}" to your domain's SPF record and lower the TTL of your MX records to ${g.max_mx_ttl} seconds or less.`,
    `3. Cutover: on the date, point your MX records at ${g.mx_hosts.join(', ')}; a test message will then make the round trip.`,
  ].join('\n');
}

export function siteLink(publicUrl: string, domain: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/migration/domain/${encodeURIComponent(domain)}`;
}

export function ackLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/migration/ack/${encodeURIComponent(token)}`;
}
