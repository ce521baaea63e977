// Database table types for the typed query builder. Timestamps are ISO-8601 UTC strings
// (lexically ordered, identical in SQLite and PostgreSQL); booleans are 0/1 integers.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type TlsMode = 'none' | 'opportunistic' | 'required';

export interface DomainsTable {
  id: Generated<number>;
  name: string;
  /** 1 when every local part is accepted (catch-all). */
  catch_all: number;
  created_at: string;
}

export interface RoutesTable {
  id: Generated<number>;
  domain_id: number;
  host: string;
  port: number;
  /** Lower is tried first, like MX preference. */
  preference: number;
  tls: TlsMode;
  tls_verify: number;
}

export interface RecipientsTable {
  id: Generated<number>;
  domain_id: number;
  /** Full lower-cased address. */
  address: string;
  kind: 'mailbox' | 'alias';
  /** Where an alias points (an address); null for a mailbox. */
  target: string | null;
}

export type MessageStatus = 'queued' | 'delivered' | 'partial' | 'bounced' | 'quarantined' | 'rejected' | 'deleted';

export interface MessagesTable {
  /** Queue id, also the spool file name. */
  id: string;
  received_at: string;
  /** Gateway node whose spool holds the file. */
  node: string;
  client_ip: string;
  client_hostname: string | null;
  helo: string | null;
  tls: number;
  mail_from: string;
  message_id: string | null;
  subject: string | null;
  size: number;
  spool_path: string;
  status: MessageStatus;
  /** Scan verdict, filled by the scan engine (null until scanned). */
  category: string | null;
  score: number | null;
  action: string | null;
  /** JSON array of {name, score, detail}. */
  symbols: string | null;
  /** What policy would have done, when a family was in monitor mode. */
  would_action: string | null;
  would_category: string | null;
}

export type RecipientStatus = 'queued' | 'deferred' | 'delivered' | 'bounced' | 'expired' | 'held' | 'deleted';

export interface MessageRecipientsTable {
  id: Generated<number>;
  message_id: string;
  address: string;
  domain_id: number | null;
  status: RecipientStatus;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string | null;
  last_reply: string | null;
  updated_at: string;
  /** Delivery engine holding this recipient right now (node/pid/nonce); null when nobody does. */
  claimed_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** The mailbox the address belongs to: the address without its +tag (ownerOf); null on rows recorded before migration 500. */
  owner: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  message_id: string;
  recipient: string;
  at: string;
  host: string | null;
  outcome: 'delivered' | 'deferred' | 'bounced';
  reply: string | null;
}

export interface ConnectionEventsTable {
  id: Generated<number>;
  at: string;
  client_ip: string;
  helo: string | null;
  stage: 'connect' | 'helo' | 'mail' | 'rcpt' | 'data';
  /** Stable reason identifier: relay_denied, unknown_recipient, rate_limit, dnsbl, blocklist, … */
  reason: string;
  detail: string | null;
  /** Recipient domain when known, so per-domain reports can count blocks. */
  domain: string | null;
}

/** Hourly counts of message records past `retention.trace` (migration 440); '' = none. */
export interface StatsMessagesHourlyTable {
  /** The hour's start, ISO. */
  hour: string;
  /** The recipient domains, sorted and comma-wrapped (',a.test,b.test,'); '' for none. */
  domains: string;
  status: MessageStatus;
  category: string;
  action: string;
  would_action: string;
  would_category: string;
  count: number;
}

/** Hourly counts of connection refusals past `retention.trace`; domain '' = none known. */
export interface StatsConnectionsHourlyTable {
  hour: string;
  domain: string;
  reason: string;
  count: number;
}

/** Periods whose report was mailed (migration 450): the period's end is the key. */
export interface ReportMailRunsTable {
  period_until: string;
  period_since: string;
  sent_at: string;
  node: string;
}

export type Role = 'operator' | 'domain_admin' | 'mailbox_owner';

/** Console accounts (src/web). */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** scrypt$N$r$p$salt$hash (base64). */
  password_hash: string;
  role: Role;
  /** The address a mailbox_owner owns; null for the other roles. */
  mailbox: string | null;
  created_at: string;
}

/** Domains a domain_admin may see. */
export interface UserDomainsTable {
  user_id: number;
  domain_id: number;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value, so a database leak does not leak live sessions. */
  id: string;
  user_id: number;
  csrf: string;
  created_at: string;
  expires_at: string;
}

/** Every sensitive action: who, what, when. */
export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: string | null;
  ip: string | null;
}

/** When each address last got a quarantine digest. */
export interface DigestStateTable {
  address: string;
  last_sent_at: string;
}

/** Scan policy: category → action for a domain ('*' = global default). */
export interface ScanPoliciesTable {
  id: Generated<number>;
  domain: string;
  category: string;
  action: string;
  /** Prepended to the Subject when the action is tag. */
  subject_prefix: string | null;
  updated_at: string;
}

/** Monitor mode: the family only records what it would do for the domain until `until`. */
export interface ScanMonitorsTable {
  id: Generated<number>;
  domain: string;
  family: string;
  until: string;
  updated_at: string;
}

/**
 * The one allow/block list model (src/policy/lists.ts): per protected domain or global ('*'), a
 * sender address, sender domain or client IP/CIDR network (value normalised, kind 'ip'). The scan
 * policy matches every kind at the end of DATA; the connection check matches the IP entries at
 * connect (global) and RCPT (the recipient's domain). Migration 410 folded ip_list_entries in here.
 */
export interface ScanListsTable {
  id: Generated<number>;
  domain: string;
  list: 'allow' | 'block';
  kind: 'address' | 'domain' | 'ip';
  value: string;
  comment: string | null;
  created_at: string;
}

export interface UrlBlockEntriesTable {
  id: Generated<number>;
  /** 'domain' blocks the host and its subdomains; 'url' blocks a URL prefix. */
  kind: 'domain' | 'url';
  value: string;
  note: string | null;
  created_at: string;
}

/** A fuzzy hash (src/scan/analyzers/fuzzy/): of a reported message's text, or of one of its attachments. */
export interface FuzzyHashesTable {
  id: Generated<number>;
  class: 'spam' | 'phishing' | 'ham';
  kind: 'text' | 'file' | 'image';
  /** text: the 32 min-hashes in base 36, space-separated, in slot order; file: the SHA-256 in hex; image: the 64-bit perceptual hash in hex. */
  digest: string;
  /** text: words the fingerprint was made of; file, image: bytes. */
  size: number;
  /** file, image: the attachment's name, when it had one. */
  filename: string | null;
  subject: string;
  /** Who added it: 'console:<user>' or 'cli'. */
  source: string;
  note: string | null;
  created_at: string;
  /** After this the entry no longer matches (and housekeeping deletes it); null: never. */
  expires_at: string | null;
  /** The domains whose mail it acts on: '*' every domain's, else canonical names, sorted, comma-separated. */
  scope: string;
  /** The latest report of this digest in this class (created_at, or a later report's time). */
  judged_at: string;
  /** Bumped by every change of the row: the index's signature and the updates' condition. */
  revision: Generated<number>;
}

/** Bayes token counts; token is a 53-bit hash of the token text. */
export interface BayesTokensTable {
  token: number;
  spam: number;
  ham: number;
  version: number;
}

/** Messages the Bayes model has learned, keyed by Message-ID or content hash. */
export interface BayesLearnedTable {
  key: string;
  class: 'spam' | 'ham';
  learned_at: string;
}

/** One row (id 1): learned message totals and the model version. */
export interface BayesMetaTable {
  id: number;
  spam_count: number;
  ham_count: number;
  version: number;
  /** Prunes so far (bayes/prune.ts): a copy of an older generation is loaded again. */
  generation: ColumnType<number, number | undefined, number>;
}

/** One row (id 1): the whole model at one version, for a fast first load (bayes/snapshot.ts). */
export interface BayesSnapshotTable {
  id: number;
  version: number;
  /** The model's generation when the blob was taken: a blob of another generation is not used. */
  generation: ColumnType<number, number | undefined, number>;
  spam_count: number;
  ham_count: number;
  /** Per token: the token as float64, then spam and ham counts as uint32, little-endian. */
  tokens: Buffer;
}

export interface Database {
  scan_policies: ScanPoliciesTable;
  scan_monitors: ScanMonitorsTable;
  scan_lists: ScanListsTable;
  domains: DomainsTable;
  routes: RoutesTable;
  recipients: RecipientsTable;
  messages: MessagesTable;
  message_recipients: MessageRecipientsTable;
  delivery_attempts: DeliveryAttemptsTable;
  connection_events: ConnectionEventsTable;
  stats_messages_hourly: StatsMessagesHourlyTable;
  stats_connections_hourly: StatsConnectionsHourlyTable;
  report_mail_runs: ReportMailRunsTable;
  url_block_entries: UrlBlockEntriesTable;
  fuzzy_hashes: FuzzyHashesTable;
  bayes_tokens: BayesTokensTable;
  bayes_learned: BayesLearnedTable;
  bayes_meta: BayesMetaTable;
  bayes_snapshot: BayesSnapshotTable;
  threat_hashes: ThreatHashesTable;
  vip_users: VipUsersTable;
  mig_waves: MigWavesTable;
  mig_domains: MigDomainsTable;
  mig_contacts: MigContactsTable;
  mig_transitions: MigTransitionsTable;
  mig_notices: MigNoticesTable;
  mig_escalations: MigEscalationsTable;
  mig_checks: MigChecksTable;
  users: UsersTable;
  user_domains: UserDomainsTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  digest_state: DigestStateTable;
}

export type Domain = Selectable<DomainsTable>;
export type Route = Selectable<RoutesTable>;
export type Recipient = Selectable<RecipientsTable>;
export type Message = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type MessageUpdate = Updateable<MessagesTable>;
export type MessageRecipient = Selectable<MessageRecipientsTable>;

/** Known-bad file hashes (threats): lower-case hex SHA-256. */
export interface ThreatHashesTable {
  sha256: string;
  name: string;
  source: string;
  added_at: string;
}

/** High-profile users per protected domain (threats, BEC): names impostors borrow. */
export interface VipUsersTable {
  id: Generated<number>;
  domain: string;
  name: string;
  /** Lower-cased address of the real person. */
  address: string;
  title: string | null;
  added_at: string;
}

// Migration programme tables (src/migration/). Dates without time are YYYY-MM-DD (UTC).
export interface MigWavesTable {
  id: Generated<number>;
  name: string;
  starts_on: string;
  ends_on: string;
  daily_capacity: number;
  /** JSON array of YYYY-MM-DD dates and weekday names (sat, sun) on which nothing migrates. */
  blackout: string;
  created_at: string;
}

export interface MigDomainsTable {
  domain_id: number;
  /** A MigrationStatus (src/migration/states.ts). */
  status: string;
  wave_id: number | null;
  pinned_wave_id: number | null;
  migration_date: string | null;
  /** 1 when an operator let the domain go ahead without an acknowledged contact. */
  hold_override: number;
  held_back_at: string | null;
  updated_at: string;
}

export interface MigContactsTable {
  id: Generated<number>;
  domain_id: number;
  name: string;
  address: string;
  role: 'primary' | 'deputy';
  created_at: string;
}

export interface MigTransitionsTable {
  id: Generated<number>;
  domain_id: number;
  from_status: string | null;
  to_status: string;
  at: string;
  actor: string;
  reason: string;
}

export interface MigNoticesTable {
  id: Generated<number>;
  domain_id: number;
  contact_id: number;
  kind: 'notice' | 'reminder' | 'change';
  /** The migration date the mail announced; an acknowledgement counts for that date only. */
  for_date: string;
  reminder_offset: number | null;
  /** Spool queue id (messages.id) of the mail; delivery state is its message_recipients row. */
  queue_id: string;
  recipient_row_id: number | null;
  /** Random value named by the signed acknowledgement link. */
  ack_nonce: string;
  sent_at: string;
  ack_at: string | null;
  ack_via: 'link' | 'console' | null;
}

export interface MigEscalationsTable {
  id: Generated<number>;
  day: string;
  target: 'manager' | 'sponsor';
  address: string;
  queue_id: string;
  /** JSON array of the domain names listed. */
  domains: string;
  sent_at: string;
}

export interface MigChecksTable {
  id: Generated<number>;
  domain_id: number;
  check_name: 'smtp' | 'dns' | 'cutover';
  ok: number;
  at: string;
  duration_ms: number;
  summary: string;
  /** JSON: the steps with what was found. */
  detail: string;
}
