// The configuration schema: one YAML file, validated here. Every section has defaults so the
// sample file stays short; unknown keys are errors so a typo never silently changes behaviour.
import { z } from 'zod';
import { ScanConfig } from '../scan/config.js';
import { canonicalAddress } from '../directory/names.js';
import { MigrationConfig } from '../migration/config.js';

const duration = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration like 30s, 5m, 2h or 5d')])
  .transform((v) => (typeof v === 'number' ? v : parseDuration(v)));

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses "30s", "5m", "2h", "5d", "250ms" into milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(v);
  if (!m) throw new Error(`bad duration ${v}`);
  return Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
}

/** The inverse, as a configuration file would say it: the largest whole unit ("30d", "36h", "1500ms"). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  return `${ms}ms`;
}

export const SmtpConfig = z
  .object({
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(25),
    /** Name in the greeting, EHLO answer and Received headers. */
    hostname: z.string().default('rampart.localdomain'),
    max_message_size: z.number().int().positive().default(50 * 1024 * 1024),
    max_recipients: z.number().int().positive().default(100),
    max_connections: z.number().int().positive().default(2000),
    max_connections_per_ip: z.number().int().positive().default(50),
    max_messages_per_ip_per_minute: z.number().int().positive().default(600),
    /** Idle time allowed between commands. */
    command_timeout: duration.default(300_000),
    /** Time allowed for the whole DATA transfer. */
    data_timeout: duration.default(600_000),
    /**
     * Pause before the greeting; a client that talks before it is dropped (early-talker check).
     * smtp-server's built-in 100 ms caps single-message connections, so it is a deliberate choice here.
     */
    greeting_delay: duration.default(0),
    tls: z
      .object({
        cert: z.string().optional(),
        key: z.string().optional(),
      })
      .strict()
      .default({}),
    /** Number of SMTP worker processes; 0 means one per CPU core. */
    workers: z.number().int().min(0).default(0),
    /** How often each SMTP process reloads its in-memory copy of the directory. */
    directory_refresh: duration.default(5000),
    /** On shutdown, how long sessions in flight may take before they are cut. */
    shutdown_grace: duration.default(30_000),
  })
  .strict();

export const DatabaseConfig = z
  .object({
    /** sqlite:relative/or/absolute.db (relative to data_dir) or postgres://… */
    url: z.string().default('sqlite:rampart.db'),
  })
  .strict();

export const DeliveryConfig = z
  .object({
    /** How long a message is retried before it bounces. */
    lifetime: duration.default(5 * 86_400_000),
    /** Delays between attempts; the last repeats until the lifetime is over. */
    retry_schedule: z.array(duration).default([60_000, 300_000, 900_000, 1_800_000, 3_600_000]),
    concurrency: z.number().int().positive().default(20),
    connection_timeout: duration.default(30_000),
    /** Name used in EHLO towards downstream servers; defaults to smtp.hostname. */
    helo: z.string().optional(),
    /** Envelope sender of DSNs and notices. */
    postmaster: z.string().default('postmaster@rampart.localdomain'),
    poll_interval: duration.default(1000),
    /** Smarthost (host or host:port) for all mail to domains that are not protected; MX lookup when unset. */
    relay_host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, 'expected host or host:port')
      .optional(),
  })
  .strict();

export const DnsConfig = z
  .object({
    /** Resolvers as host or host:port; empty means the system's. */
    servers: z.array(z.string()).default([]),
    timeout: duration.default(5000),
    tries: z.number().int().positive().default(2),
  })
  .strict();

// The scan section lives with the scan engine (typed scores, composites, thresholds).
export { ScanConfig };

export const WebConfig = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Public URL of the console, used in links sent by mail. */
    public_url: z.string().default('http://localhost:8080'),
    /** Session cookies carry the Secure flag (browsers accept it on http://localhost too). */
    secure_cookies: z.boolean().default(true),
    /** How often quarantine digests are sent; 0 turns them off. */
    digest_interval: duration.default(86_400_000),
    /** How long a digest's release links stay valid. */
    digest_link_ttl: duration.default(7 * 86_400_000),
  })
  .passthrough();

export const QuarantineConfig = z
  .object({
    /** How long a quarantined message is held before it is discarded; 0 holds it until someone acts. */
    lifetime: duration.default(30 * 86_400_000),
  })
  .strict();

export const RetentionConfig = z
  .object({
    /**
     * How long message records (verdict, recipients, delivery attempts) and connection refusals
     * are kept for the trace; older ones are counted into hourly statistics, which the report
     * keeps reading, and deleted. 0 keeps them all.
     */
    trace: duration.default(90 * 86_400_000),
  })
  .strict();

export const ReportConfig = z
  .object({
    /** Who gets the programme report by mail at the end of each period; none = no mail. */
    mail_to: z.array(z.string().refine((v) => canonicalAddress(v) !== null, 'expected an email address (user@domain)')).default([]),
    /** The period: 1d daily (from UTC midnight), 7d weekly (from Monday 00:00 UTC), or any duration; 0 = no mail. */
    interval: duration.default(7 * 86_400_000),
  })
  .strict();

export const RampartConfig = z
  .object({
    /** Directory for the spool, quarantine, SQLite database and generated keys. */
    data_dir: z.string().default('./data'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    /** Shared secret for signed links and sessions; generated into data_dir when absent. */
    secret: z.string().min(16).optional(),
    smtp: SmtpConfig.default(SmtpConfig.parse({})),
    database: DatabaseConfig.default(DatabaseConfig.parse({})),
    delivery: DeliveryConfig.default(DeliveryConfig.parse({})),
    dns: DnsConfig.default(DnsConfig.parse({})),
    scan: ScanConfig.default(ScanConfig.parse({})),
    web: WebConfig.default(WebConfig.parse({})),
    quarantine: QuarantineConfig.default(QuarantineConfig.parse({})),
    retention: RetentionConfig.default(RetentionConfig.parse({})),
    report: ReportConfig.default(ReportConfig.parse({})),
    migration: MigrationConfig.prefault({}),
  })
  .strict();

export type RampartConfig = z.infer<typeof RampartConfig>;
