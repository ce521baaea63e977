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

export interface ScanListsTable {
  id: Generated<number>;
  domain: string;
  list: 'allow' | 'block';
  kind: 'address' | 'domain' | 'ip';
  value: string;
  comment: string | null;
  created_at: string;
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
