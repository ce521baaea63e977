// Business email compromise: an executive's display name from an outside address, Reply-To that
// diverts answers to free mail or another domain, a sender domain that imitates a protected one,
// payment/gift-card/bank-change language with urgency and nothing to click, and whether sender and
// recipient have been in contact before (from the message trace, once it knows the recipient).
// Outside mail that borrows an internal name is tagged with a header so that clients can show it
// as external.
import { type CompiledQuery, sql } from 'kysely';
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';
import { vipsFor, type VipEntry } from '../../../files/lists.js';
import type { Analyzer, AnalyzerContext, AnalyzerResult, Emit, HeaderField, ParsedMessage, SymbolDef } from '../../types.js';
import { lookalike, registrable, type Brand } from '../phishing/lookalike.js';

const NO_BRANDS: readonly Brand[] = [];

export const BecConfig = z
  .object({
    /** High-profile users besides those imported into the store (rampart vips import). */
    vips: z.array(z.object({ domain: z.string(), name: z.string(), address: z.string(), title: z.string().nullable().default(null) }).strict()).default([]),
    free_mail: z.array(z.string()).default(['gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'ymail.com', 'hotmail.com', 'outlook.com', 'live.com', 'msn.com', 'aol.com', 'icloud.com', 'me.com', 'mail.com', 'gmx.com', 'gmx.net', 'gmx.de', 'web.de', 'protonmail.com', 'proton.me', 'zoho.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'qq.com', '163.com', 'tutanota.com']),
    /**
     * First contact counts only for a recipient the message trace already knows: one with at least
     * this many earlier messages. Until then (a new installation, a new mailbox, `rampart scan` on a
     * store without a trace) every sender would be a first contact, which says nothing.
     */
    first_contact_history: z.number().int().min(0).default(10),
    /** Header added to outside mail that uses an internal name. */
    external_header: z.string().default('X-Rampart-External'),
  })
  .strict();

const SYMBOLS: SymbolDef[] = [
  { name: 'BEC_VIP_IMPERSONATION', description: "A high-profile user's name from an outside address", group: 'bec', score: 12, category: 'bec' },
  { name: 'BEC_LOOKALIKE_SENDER', description: 'Sender domain imitates a protected domain', group: 'bec', score: 12, category: 'bec' },
  { name: 'BEC_TLD_SWAP_SENDER', description: 'Sender domain has the name of a protected domain under another suffix', group: 'bec', score: 2 },
  { name: 'BEC_PAYMENT_REQUEST', description: 'Payment, wire, gift-card or bank-change request with urgency, no links or attachments, from a diverted or first-time sender', group: 'bec', score: 8, category: 'bec' },
  { name: 'BEC_PAYMENT_LANGUAGE', description: 'Payment, wire, gift-card or bank-change language without links or attachments', group: 'bec', score: 2 },
  { name: 'BEC_REPLYTO_FREEMAIL', description: 'Reply-To on a free-mail domain while From is not', group: 'bec', score: 3 },
  { name: 'BEC_REPLYTO_DIVERGENT', description: 'Reply-To on another domain than From', group: 'bec', score: 1 },
  // The spam threshold is calibrated on verdicts without a trace (README, Spam and graymail): a
  // first contact is judged there, a sender the recipient already gets mail from one point above.
  { name: 'BEC_FIRST_CONTACT', description: 'First message from this sender to a recipient with earlier mail in the message trace', group: 'bec', score: 0 },
  { name: 'BEC_KNOWN_CONTACT', description: 'The sender has written to this recipient before (message trace)', group: 'bec', score: -1 },
  { name: 'EXTERNAL_SENDER_INTERNAL_NAME', description: 'Outside mail using an internal name; tagged as external', group: 'bec', score: 1 },
];

const PAYMENT = /\b(wire (?:transfer|payment)|bank (?:transfer|details|account|information)|(?:new|updated?|changed?) (?:bank(?:ing)?|account|payment) (?:details|information|account|instructions)|gift ?cards?|itunes cards?|google play cards?|steam cards?|scratch (?:off|the card)|remit(?:tance)?|swift|iban|routing number|account number|invoice (?:payment|attached|due|overdue)|outstanding (?:invoice|payment|balance)|process (?:a|the) (?:payment|transfer)|payroll|direct deposit|transfer (?:of|the) (?:funds|amount))\b/i;
const URGENT = /\b(urgent(?:ly)?|asap|as soon as possible|today|right away|immediately|quick(?:ly)? favou?r|are you (?:available|at your desk|around)|confidential|discreet|before (?:noon|end of day|eod|cob)|i'?m in a meeting|can'?t talk)\b/i;

function nameKey(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z ]/g, ' ').split(/\s+/).filter((w) => w.length > 1).sort().join(' ');
}

type Db = NonNullable<AnalyzerContext['db']>;

// The first-contact queries are the same for every message but their values, and Kysely's building
// and compiling of them took as long as SQLite's answer: each is compiled once per connection with
// placeholder values, which each message's values replace in the compiled parameters.
const SENDER = '\u0000sender';
const RCPT = '\u0000rcpt';
const SELF = '\u0000self';
const contactQueries = new WeakMap<Db, Map<string, CompiledQuery>>();

function compiled(db: Db, key: string, build: () => CompiledQuery): CompiledQuery {
  let byKey = contactQueries.get(db);
  if (!byKey) contactQueries.set(db, (byKey = new Map()));
  let q = byKey.get(key);
  if (!q) byKey.set(key, (q = build()));
  return q;
}

/** An earlier message from the sender to the recipient (one row or none). */
export function contactQuery(db: Db, self: boolean): CompiledQuery {
  return compiled(db, `contact ${self}`, () => {
    const base = db
      .selectFrom('messages as m')
      .innerJoin('message_recipients as r', 'r.message_id', 'm.id')
      .select('m.id')
      .where('m.mail_from', '=', SENDER)
      .where('r.address', '=', RCPT);
    // LIMIT written into the SQL: SQLite plans with a bound LIMIT's value, so a statement with
    // `limit ?` was compiled again at every run (~12 µs of a 16 µs query).
    return (self ? base.where('m.id', '!=', SELF) : base).limit(sql.lit(1)).compile();
  });
}

/** The recipient's earlier messages in the trace, counted up to `enough` (one row: n). */
export function historyQuery(db: Db, self: boolean, enough: number): CompiledQuery {
  return compiled(db, `history ${self} ${enough}`, () => {
    const base = db.selectFrom('message_recipients').select(sql.lit(1).as('one')).where('address', '=', RCPT);
    const rows = (self ? base.where('message_id', '!=', SELF) : base).limit(sql.lit(enough)).as('h');
    return db.selectFrom(rows).select((eb) => eb.fn.countAll<number>().as('n')).compile();
  });
}

async function run(db: Db, query: CompiledQuery, values: Record<string, unknown>): Promise<unknown[]> {
  const parameters = query.parameters.map((p) => (typeof p === 'string' && p in values ? values[p] : p));
  return (await db.executeQuery({ ...query, parameters })).rows;
}

/** True for a first contact, false for a known sender, null when the trace cannot tell. */
async function firstContact(ctx: AnalyzerContext, msg: ParsedMessage, sender: string, rcpt: string, history: number): Promise<boolean | null> {
  if (!ctx.db) return null;
  const self = Boolean(msg.id);
  const values: Record<string, unknown> = { [SENDER]: sender, [RCPT]: rcpt, [SELF]: msg.id };
  if ((await run(ctx.db, contactQuery(ctx.db, self), values)).length) return false;
  if (history === 0) return true;
  const [row] = (await run(ctx.db, historyQuery(ctx.db, self, history), values)) as { n: number | string }[];
  return Number(row?.n ?? 0) >= history ? true : null;
}

/** How long a connection's VIP list is used before it is read again. */
const VIP_REFRESH_MS = 10_000;
type KeyedVip = VipEntry & { key: string };
const vipCache = new WeakMap<object, { domains: string; at: number; vips: Promise<KeyedVip[]> }>();
// What is derived from the parsed settings (which analyzerConfig keeps per section): built once.
const derived = new WeakMap<object, { free: Set<string>; vips: KeyedVip[] }>();

const keyed = (v: VipEntry): KeyedVip => ({ ...v, key: nameKey(v.name) });

/** The store's VIPs of the protected domains, read at most once per VIP_REFRESH_MS per connection. */
function storeVips(db: NonNullable<AnalyzerContext['db']>, protectedDomains: readonly string[]): Promise<KeyedVip[]> {
  const domains = protectedDomains.join('\n');
  const hit = vipCache.get(db);
  const now = Date.now();
  if (hit && hit.domains === domains && now - hit.at < VIP_REFRESH_MS) return hit.vips;
  const vips = vipsFor(db, protectedDomains).then((rows) => rows.map(keyed));
  vipCache.set(db, { domains, at: now, vips });
  // A failed read is not kept: the next message tries again.
  vips.catch(() => {
    if (vipCache.get(db)?.vips === vips) vipCache.delete(db);
  });
  return vips;
}

async function analyze(msg: ParsedMessage, ctx: AnalyzerContext): Promise<AnalyzerResult> {
  const cfg = analyzerConfig(BecConfig, 'bec', ctx.config);
  const out: Emit[] = [];
  const headers: HeaderField[] = [];
  const from = msg.from;
  if (!from) return { symbols: out };
  const fromDomain = from.address.split('@')[1] ?? '';
  const fromReg = registrable(fromDomain) ?? fromDomain;
  const internal = ctx.protectedDomains.some((d) => (registrable(d) ?? d) === fromReg);
  let d = derived.get(cfg);
  if (!d) {
    d = { free: new Set(cfg.free_mail), vips: cfg.vips.map((v) => keyed({ ...v, address: v.address.toLowerCase(), domain: v.domain.toLowerCase() })) };
    derived.set(cfg, d);
  }
  const free = d.free;
  const vips: KeyedVip[] = [...d.vips, ...(ctx.db ? await storeVips(ctx.db, ctx.protectedDomains) : [])];
  const nk = from.name ? nameKey(from.name) : '';
  const vip = nk.includes(' ') ? vips.find((v) => v.key === nk && v.address !== from.address) : undefined;
  if (vip && !internal) {
    out.push({ name: 'BEC_VIP_IMPERSONATION', detail: `"${from.name}" <${from.address}> is not ${vip.address}` });
  }
  if (!internal && (vip || (nk && vips.some((v) => v.key === nk)))) {
    out.push({ name: 'EXTERNAL_SENDER_INTERNAL_NAME', detail: `${from.name} from ${fromDomain}` });
    headers.push({ key: cfg.external_header.toLowerCase(), value: `yes; display name "${from.name.replace(/["\r\n]/g, '')}" of an internal user from ${fromDomain}` });
  }

  // Another TLD with the same name (example.org for example.edu) is often a different, real
  // organisation: it scores, but only a homoglyph or one-edit lookalike makes the message BEC.
  const hit = !internal ? lookalike(fromDomain, ctx.protectedDomains, NO_BRANDS) : null;
  const look = hit && hit.how !== 'tld-swap' ? hit : null;
  if (look) out.push({ name: 'BEC_LOOKALIKE_SENDER', detail: `${fromDomain} imitates ${look.target.domain} (${look.how})` });
  else if (hit) out.push({ name: 'BEC_TLD_SWAP_SENDER', detail: `${fromDomain} has the name of ${hit.target.domain} under another suffix` });

  const rt = msg.replyTo.find((r) => r.address !== from.address);
  let diverted = false;
  if (rt) {
    const rtDomain = rt.address.split('@')[1] ?? '';
    const rtReg = registrable(rtDomain) ?? rtDomain;
    if (free.has(rtReg) && !free.has(fromReg)) { out.push({ name: 'BEC_REPLYTO_FREEMAIL', detail: `From ${from.address}, Reply-To ${rt.address}` }); diverted = true; }
    else if (rtReg !== fromReg) { out.push({ name: 'BEC_REPLYTO_DIVERGENT', detail: `From ${from.address}, Reply-To ${rt.address}` }); diverted = free.has(rtReg); }
  }

  const bare = msg.attachments.filter((a) => a.disposition === 'attachment' || a.filename).length === 0 && msg.urls.filter((u) => u.source === 'href' || u.source === 'text').length <= 1;
  // The payment and urgency language counts only in bare outside mail: read only there.
  const body = bare && !internal ? `${msg.subject}\n${msg.text || msg.htmlText}` : '';
  const pay = body ? PAYMENT.exec(body) : null;
  const urgent = pay ? URGENT.exec(body) : null;
  let first: boolean | null = null;
  const rcpt = msg.envelope.rcptTo[0] ?? msg.to[0]?.address;
  const sender = msg.envelope.mailFrom || from.address;
  if (rcpt && !internal) {
    first = await firstContact(ctx, msg, sender.toLowerCase(), rcpt.toLowerCase(), cfg.first_contact_history);
    if (first) out.push({ name: 'BEC_FIRST_CONTACT', detail: `${sender} → ${rcpt}` });
    else if (first === false) out.push({ name: 'BEC_KNOWN_CONTACT', detail: `${sender} → ${rcpt}` });
  }
  if (pay) {
    out.push({ name: 'BEC_PAYMENT_LANGUAGE', detail: `"${pay[0]}"${urgent ? ` with "${urgent[0]}"` : ''}` });
    if (urgent && (diverted || vip || look || first === true || (rt && !free.has(fromReg))))
      out.push({ name: 'BEC_PAYMENT_REQUEST', detail: `"${pay[0]}" + "${urgent[0]}"${diverted ? ', replies diverted' : ''}${first ? ', first contact' : ''}${vip ? ', VIP name' : ''}` });
  }
  return { symbols: out, headers };
}

export const becAnalyzer: Analyzer = { name: 'bec', family: 'bec', stage: 'normal', symbols: SYMBOLS, config: BecConfig, analyze };
