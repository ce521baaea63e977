// The `migration` configuration section: who is escalated to, when notices, reminders, escalations
// and hold-backs happen, what "pointing at the gateway" means, and the public site's limits.
import { z } from 'zod';

const address = z.string().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, 'expected an email address');
const person = z.object({ name: z.string().min(1), address }).strict();
const days = z.number().int().min(0);
const seconds = z.number().int().positive();

export const MigrationConfig = z
  .object({
    /** Sender (envelope and From:) of notices, reminders, change-of-date and escalation mail. */
    from: address.default('migration@rampart.localdomain'),
    /** First escalation target; optional so a gateway without a programme still starts. */
    programme_manager: person.optional(),
    /** Second escalation target, mailed when the date is closer still. */
    sponsor: person.optional(),
    /** A domain is never scheduled sooner than this many days after planning (its notice lead time). */
    min_notice_days: days.default(14),
    /** Reminders to unacknowledged contacts this many days before the date (one per offset). */
    reminder_days: z.array(days).default([7, 3, 1]),
    /** Escalate to the programme manager from this many days before the date. */
    escalate_manager_days: days.default(5),
    /** Escalate to the sponsor too from this many days before the date. */
    escalate_sponsor_days: days.default(2),
    /** How often a gateway node runs the periodic job, in milliseconds or a duration like 15m. */
    tick_interval: z
      .union([z.number().int().positive(), z.string().regex(/^\d+(s|m|h)$/, 'expected a duration like 30s, 15m or 1h')])
      .transform((v) => (typeof v === 'number' ? v : Number(v.slice(0, -1)) * { s: 1000, m: 60_000, h: 3_600_000 }[v.slice(-1) as 's']))
      .default(15 * 60_000),
    /** Hold a domain back automatically when no contact acknowledged this many days before. */
    hold_back_days: days.default(1),
    /** How long an acknowledgement link stays valid. */
    ack_link_days: z.number().int().positive().default(60),
    /** Directory of the editable mail templates (relative to the working directory); absent: the bundled templates/migration. */
    templates_dir: z.string().min(1).optional(),
    /** What the readiness checks compare DNS and mail servers against. */
    gateway: z
      .object({
        /** Host names the domains' MX records must point at after cutover. */
        mx_hosts: z.array(z.string().min(1)).default(['mx.rampart.localdomain']),
        /** SPF include name the gateway publishes (include:NAME satisfies the check). */
        spf_include: z.string().default('_spf.rampart.localdomain'),
        /** Gateway source addresses or networks (ip4:/ip6: mechanisms covering them satisfy the check). */
        spf_ips: z.array(z.string()).default([]),
        /** Highest MX TTL accepted before cutover, in seconds. */
        max_mx_ttl: seconds.default(300),
        /** Envelope sender and EHLO name used by the SMTP probe. */
        probe_from: address.default('migration-probe@rampart.localdomain'),
        probe_helo: z.string().default('rampart.localdomain'),
        /** Local part that the probe and the round-trip test mail to (at the domain). */
        probe_local_part: z.string().default('postmaster'),
        /** How long the round-trip test waits for delivery, in seconds. */
        round_trip_timeout: seconds.default(60),
        /** Timeout for each SMTP probe step, in seconds. */
        probe_timeout: seconds.default(20),
      })
      .strict()
      .prefault({}),
    /** Limits on the public site's live checks. */
    site: z
      .object({
        checks_per_ip_per_hour: z.number().int().positive().default(30),
        checks_per_domain_per_hour: z.number().int().positive().default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MigrationConfig = z.infer<typeof MigrationConfig>;
