// The contract between the SMTP layer, the parsed message, the analyzers and policy. Everything a
// verdict is made of is declared here once; the identifiers are the ones used in config, database,
// API and --json output.

import type { ZodType } from 'zod';
import type { HeaderCut } from '../message/header-cap.js';

/** Message categories, in precedence order (first wins). */
export const CATEGORIES = [
  'malware',
  'apt',
  'phishing',
  'bec',
  'other_threat',
  'low_url_reputation',
  'auth_failed',
  'spam',
  'graymail',
  'clean',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABELS: Record<Category, string> = {
  malware: 'potential malware',
  apt: 'potential advanced persistent threats',
  phishing: 'potential phishing',
  bec: 'potential BEC',
  other_threat: 'other potential threats',
  low_url_reputation: 'low URL reputation',
  auth_failed: 'failed domain-based authentication',
  spam: 'potential spam',
  graymail: 'graymail (bulk newsletters)',
  clean: 'clean',
};

export const ACTIONS = ['deliver', 'tag', 'quarantine', 'reject'] as const;
export type Action = (typeof ACTIONS)[number];

/** Analyzer families: the unit that monitor mode and go-live times switch. */
export const FAMILIES = ['auth', 'reputation', 'url', 'spam', 'graymail', 'malware', 'apt', 'phishing', 'bec', 'other'] as const;
export type Family = (typeof FAMILIES)[number];

/** The SMTP envelope and connection facts of one message. */
export interface Envelope {
  clientIp: string;
  clientHostname: string | null;
  helo: string | null;
  tls: boolean;
  /** Envelope sender; '' for the null sender <>. */
  mailFrom: string;
  rcptTo: string[];
}

export interface Address {
  name: string;
  address: string;
}

export interface HeaderField {
  /** Lower-cased field name. */
  key: string;
  /** Unfolded value as it appeared (encoded words not decoded). */
  value: string;
}

export type UrlSource = 'href' | 'text' | 'image-map' | 'form' | 'src';

export interface FoundUrl {
  url: string;
  /** Lower-cased host (punycode), '' when there is none (mailto:, data:). */
  host: string;
  /** Text the reader sees for the link, when it is a link. */
  text: string | null;
  source: UrlSource;
  /** Where it was found: 'text', 'html' or an attachment's name. */
  part: string;
}

export interface Attachment {
  filename: string | null;
  /** Content-Type as declared by the sender. */
  declaredType: string;
  /** Real type from magic bytes, e.g. 'application/x-msdownload'; null when unknown. */
  sniffedType: string | null;
  disposition: 'attachment' | 'inline' | null;
  size: number;
  sha256: string;
  content: Uint8Array;
  /** 0 for a part of the message itself, >0 inside nested message/rfc822 parts. */
  depth: number;
}

/** One message, parsed once; read-only for every analyzer. */
export interface ParsedMessage {
  /** Gateway queue id, when the message came through SMTP. */
  id: string | null;
  envelope: Envelope;
  raw: Uint8Array;
  /** Header fields as the parser read them: a field over 100 KiB is cut (see headerCuts). */
  headers: readonly HeaderField[];
  /** The top-level header fields cut for the parser, with their size as received. */
  headerCuts: readonly HeaderCut[];
  from: Address | null;
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  subject: string;
  messageId: string | null;
  date: string | null;
  text: string;
  html: string | null;
  /** The HTML body rendered to plain text (what the reader sees). */
  htmlText: string;
  urls: readonly FoundUrl[];
  attachments: readonly Attachment[];
  /** Parser limits that were hit (parts, depth, decoded size); the message is still scanned. */
  limitsHit: string[];
}

/** A symbol as declared by its analyzer: once, as data. */
export interface SymbolDef {
  name: string;
  description: string;
  group: string;
  /** Default score; configuration may override it. */
  score: number;
  /** Category this symbol is evidence for, if any. */
  category?: Category;
  /**
   * The family whose monitor mode governs it, when not its analyzer's (FUZZY_PHISHING, from the
   * spam family's fuzzy analyzer, is phishing evidence and goes live with the phishing family).
   */
  family?: Family;
}

/** What an analyzer reports: a declared symbol fired, with why. */
export interface Emit {
  name: string;
  detail?: string;
  /** Multiplier for the configured score (e.g. Bayes probability); default 1. */
  weight?: number;
  /**
   * The recipient domains it counts for (a fuzzy entry of some domains' judgement); absent: the
   * whole message. Policy scores each recipient domain's copy with its own symbols.
   */
  domains?: readonly string[];
}

/** A symbol in a verdict: name, final score and the explanation. */
export interface SymbolHit {
  name: string;
  score: number;
  detail?: string;
  category?: Category;
  family?: Family;
  /** See Emit.domains. */
  domains?: readonly string[];
}

export type Stage = 'connect' | 'prefilter' | 'normal' | 'postfilter';

/** DNS lookup in the shape mailauth expects: resolve(name, rrtype) like dns.promises.resolve. */
export type DnsResolve = (name: string, rrtype: string) => Promise<any>;

export type AuthResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';

/** Sender-authentication facts, produced at prefilter stage for later analyzers (phishing, BEC). */
export interface AuthFacts {
  spf: { result: AuthResult; domain: string | null };
  dkim: { result: AuthResult; domain: string | null; selector: string | null; aligned: boolean }[];
  dmarc: { result: AuthResult; policy: string | null; domain: string | null };
  arc: { result: AuthResult };
}

/** Facts one analyzer establishes for analyzers of later stages. Typed keys only: no note bags. */
export interface Facts {
  auth?: AuthFacts;
}

export interface AnalyzerResult {
  symbols: Emit[];
  /** Headers to add to the delivered message (e.g. Authentication-Results, ARC set). */
  headers?: HeaderField[];
  facts?: Facts;
}

export interface AnalyzerContext {
  resolve: DnsResolve;
  now(): Date;
  /** Analyzer-specific configuration section (scan.analyzers.<name>), validated by the analyzer. */
  config: Record<string, unknown>;
  signal: AbortSignal;
  /** Facts from analyzers of earlier stages. */
  facts: Readonly<Facts>;
  /** The protected domains (canonical names), for lookalike and internal-sender checks. */
  protectedDomains: readonly string[];
  /** The message's recipient domains (canonical names), for checks whose entries belong to some domains only. */
  recipientDomains: readonly string[];
  /** The store, for analyzers that learn or look at history (Bayes, first contact); null offline. */
  db: import('kysely').Kysely<import('../store/schema.js').Database> | null;
}

export interface Analyzer {
  name: string;
  family: Family;
  stage: Stage;
  symbols: readonly SymbolDef[];
  /**
   * The schema of its section, scan.analyzers.<name>: checked when the registry is built, so a
   * mistyped key stops the program at start-up instead of failing every message. Absent: the
   * analyzer takes no settings.
   */
  config?: ZodType;
  analyze(message: ParsedMessage, ctx: AnalyzerContext): Promise<Emit[] | AnalyzerResult> | Emit[] | AnalyzerResult;
}

export interface Verdict {
  score: number;
  category: Category;
  action: Action;
  symbols: SymbolHit[];
  /** What would have happened without monitor mode; absent when nothing was monitored. */
  would?: { category: Category; action: Action };
  /** Headers to add when the message is delivered (Authentication-Results, X-Rampart-*, ARC). */
  addHeaders: HeaderField[];
}

/** The answer of the scan hook before the final DATA reply; only the SMTP layer makes reply codes of it. */
export type ScanDecision =
  | {
      kind: 'accept';
      verdict: Verdict | null;
      quarantine: boolean;
      /** The message to spool instead of the received bytes, when policy rewrote a header (subject prefix). */
      message?: Buffer;
    }
  /** Recipients whose policies disagree: accepted, one copy per group of recipients that agree. */
  | { kind: 'split'; copies: AcceptedCopy[] }
  | { kind: 'reject'; verdict: Verdict; reason: string }
  | { kind: 'tempfail'; reason: string };

/** One copy of a split message: the envelope recipients it is for and what their policy does with it. */
export interface AcceptedCopy {
  recipients: string[];
  verdict: Verdict;
  quarantine: boolean;
  /** The copy's bytes instead of the received ones, when its policy rewrote the subject. */
  message?: Buffer;
}
