// Quarantine: listing, a safe view of a held message, and the actions on it. Release moves the
// principal's held recipients back to the delivery queue with a conditional update, so two
// concurrent or repeated releases deliver once.
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { parseMessage } from '../message/parse.js';
import { notifyQueued } from '../spool/events.js';
import { discardHeld, releaseHeld } from '../spool/release.js';
import type { Database } from '../store/schema.js';
import { audit } from './audit.js';
import { ApiError } from './errors.js';
import { recipientVisible, messageVisible, type Principal } from './scope.js';
import { previewDocument, sanitizeHtml } from './sanitize.js';
import type { Judgement, Reach } from '../scan/feedback.js';
import { ALL_DOMAINS, domainsScope } from '../scan/analyzers/fuzzy/scope.js';
import { MAX_ENTRIES_PER_ADMIN } from '../scan/analyzers/fuzzy/store.js';
import { OWNER_JUDGED } from '../policy/decide.js';
import { PolicyError, PolicyRepository } from '../policy/repository.js';
import type { Category } from '../scan/types.js';

export const QUARANTINE_ACTIONS = ['release', 'release_learn', 'release_allow', 'delete', 'report_spam', 'report_phishing'] as const;
export type QuarantineAction = (typeof QUARANTINE_ACTIONS)[number];

/**
 * Whether a held message's recipient may release it themselves: what they judge (spam, graymail)
 * and clean mail their domain's policy holds. Threats, mail failing authentication and mail with
 * bad links are released by the domain's IT contacts (domain admins) or operators.
 */
export const recipientMayRelease = (category: string | null): boolean => category === 'clean' || OWNER_JUDGED.has(category as Category);

/** Why a mailbox owner is not offered the release of a message held as this category. */
export const releasedByIt = (category: string | null) => `a message held as ${category ?? 'unscanned'} is released by your IT contact (a domain admin or an operator), not by its recipient`;

/**
 * The actions a role is offered on a held message (of this category; absent: any): releasing and
 * always allowing the sender is a mailbox owner's (their personal list); an owner releases only
 * what recipientMayRelease allows.
 */
export function actionsFor(p: Principal, category?: string | null): readonly QuarantineAction[] {
  const owner = p.role === 'mailbox_owner';
  const mayRelease = !owner || category === undefined || recipientMayRelease(category);
  return QUARANTINE_ACTIONS.filter((a) => (a !== 'release_allow' || owner) && (mayRelease || !a.startsWith('release')));
}

/**
 * Feedback to the scan engine (Bayes and fuzzy hashes), provided by the gateway when it scans: `by`
 * is who judged, `reach` whose mail the fuzzy hashes act on, `limit` how many unexpired fuzzy
 * entries the judge may keep. Resolves with why no fuzzy hash was added (the limit), else null.
 */
export type Learn = (raw: Uint8Array, as: Judgement, by: { username: string; reach: Reach; limit?: number }) => Promise<string | null>;

/** What each feedback action teaches. */
const JUDGED: Partial<Record<QuarantineAction, Judgement>> = { release_learn: 'ham', report_spam: 'spam', report_phishing: 'phishing' };

export interface ActionResult {
  id: string;
  action: QuarantineAction;
  /** Recipients moved back to the queue by this call (empty when already released). */
  released: string[];
  learned: boolean;
  /** release_allow: the sender added to the mailbox owner's allowed senders. */
  allowed?: string;
  /** Bayes learned, but no fuzzy hash was added: why (the judge keeps as many as a domain admin may). */
  fuzzyRefused?: string;
}

export async function heldMessage(db: Kysely<Database>, p: Principal, id: string) {
  const m = await db.selectFrom('messages').selectAll().where('messages.id', '=', id).where(messageVisible(p)).executeTakeFirst();
  if (!m) throw new ApiError('not_found', `no such message: ${id}`);
  return m;
}

/**
 * Moves the held recipients the principal may act on (all for an operator; one address for a
 * signed digest link) back to the queue and returns them. When they are all the held recipients
 * the delivery engine's releaseHeld does it (message and recipients at once); when the message
 * also holds copies for someone else (another domain), only these recipients are released.
 * Every update is conditional on 'held', so a second release moves nothing.
 */
export async function releaseHeldRecipients(db: Kysely<Database>, id: string, p: Principal | { address: string }, now = new Date()): Promise<string[]> {
  const held = await db.selectFrom('message_recipients').select(['id', 'address']).where('message_id', '=', id).where('status', '=', 'held').execute();
  let mine = db.selectFrom('message_recipients').select(['id', 'address']).where('message_id', '=', id).where('status', '=', 'held');
  mine = 'address' in p ? mine.where('address', '=', p.address) : mine.where(recipientVisible(p));
  const targets = await mine.execute();
  if (!targets.length) return [];
  if (targets.length === held.length) return (await releaseHeld(db, id, now)) ? targets.map((t) => t.address) : [];
  const at = now.toISOString();
  const released: string[] = [];
  await db.transaction().execute(async (trx) => {
    for (const r of targets) {
      const res = await trx.updateTable('message_recipients').set({ status: 'queued', next_attempt_at: at, claimed_by: null, updated_at: at }).where('id', '=', r.id).where('status', '=', 'held').executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) released.push(r.address);
    }
    const still = await trx.selectFrom('message_recipients').select('id').where('message_id', '=', id).where('status', '=', 'held').executeTakeFirst();
    if (released.length && !still) await trx.updateTable('messages').set({ status: 'queued' }).where('id', '=', id).where('status', '=', 'quarantined').execute();
  });
  if (released.length) notifyQueued();
  return released;
}

/**
 * Discards the held recipients the principal may act on (delete, report as spam), the reason in
 * their last reply. When they are all the held recipients the spool's discardHeld does it (message,
 * recipients and file at once, as the quarantine lifetime does); when the message also holds
 * copies for someone else, only these recipients become expired and the message stays held.
 */
async function discardHeldRecipients(db: Kysely<Database>, id: string, p: Principal, reason: string, now = new Date()): Promise<void> {
  const held = await db.selectFrom('message_recipients').select('id').where('message_id', '=', id).where('status', '=', 'held').execute();
  const mine = await db.selectFrom('message_recipients').select('id').where('message_id', '=', id).where('status', '=', 'held').where(recipientVisible(p)).execute();
  if (!mine.length) return;
  if (mine.length === held.length) {
    await discardHeld(db, id, { reason, now });
    return;
  }
  await db
    .updateTable('message_recipients')
    .set({ status: 'expired', updated_at: now.toISOString(), last_reply: reason })
    .where('id', 'in', mine.map((r) => r.id))
    .where('status', '=', 'held')
    .execute();
}

/**
 * Whose mail the judge's fuzzy hashes act on: an operator's, everyone's; a domain admin's, the
 * mail of the message's recipient domains they look after; a mailbox owner's word teaches Bayes
 * only (one entry acts on every copy sent to a whole domain).
 */
async function reachOf(db: Kysely<Database>, p: Principal, id: string): Promise<Reach> {
  if (p.role === 'operator') return ALL_DOMAINS;
  if (p.role !== 'domain_admin') return null;
  const rows = await db
    .selectFrom('message_recipients')
    .innerJoin('domains', 'domains.id', 'message_recipients.domain_id')
    .select('domains.name')
    .distinct()
    .where('message_recipients.message_id', '=', id)
    .where(recipientVisible(p))
    .execute();
  return rows.length ? domainsScope(rows.map((r) => r.name)) : null;
}

export async function quarantineAction(db: Kysely<Database>, p: Principal, id: string, action: QuarantineAction, opts: { learn?: Learn; ip?: string | null; now?: Date }): Promise<ActionResult> {
  if (!actionsFor(p).includes(action)) throw new ApiError('forbidden', `${action}: only a mailbox owner has allowed senders (operators: rampart lists --mailbox, --domain)`);
  const m = await heldMessage(db, p, id);
  if (!actionsFor(p, m.category).includes(action)) throw new ApiError('forbidden', `${action}: ${releasedByIt(m.category)}`);
  if (m.status !== 'quarantined' && !(action.startsWith('release') && m.status === 'queued')) throw new ApiError('conflict', `message ${id} is ${m.status}, not quarantined`);
  let released: string[] = [];
  let learned = false;
  // The sender as the owner saw it (the header From), else the envelope sender; added before the
  // release reads nothing more from the file.
  const allowed = action === 'release_allow' ? await allowSender(db, p.mailbox!, m) : undefined;
  // Learning reads the file: before a release hands it to delivery (which removes it once the
  // message is delivered) and before a report discards it.
  const judged = JUDGED[action];
  let fuzzyRefused: string | null = null;
  if (judged && opts.learn) {
    const raw = await readFile(m.spool_path).catch(() => null);
    if (raw) {
      const limit = p.role === 'domain_admin' ? { limit: MAX_ENTRIES_PER_ADMIN } : {};
      fuzzyRefused = await opts.learn(raw, judged, { username: p.username, reach: await reachOf(db, p, id), ...limit });
      learned = true;
    }
  }
  if (action.startsWith('release')) released = await releaseHeldRecipients(db, id, p, opts.now);
  else await discardHeldRecipients(db, id, p, `${action === 'delete' ? 'deleted from the quarantine' : `reported as ${judged}`} by ${p.username}`, opts.now);
  const extra = { ...(allowed ? { allowed } : {}), ...(fuzzyRefused ? { fuzzyRefused } : {}) };
  await audit(db, { actor: p.username, action: `quarantine.${action}`, target: id, detail: { released, learned, ...extra }, ip: opts.ip }, opts.now);
  return { id, action, released, learned, ...extra };
}

/**
 * Adds a held message's sender — the header From, as its recipient saw it, else the envelope
 * sender — to a mailbox's allowed senders; returns it.
 */
export async function allowSender(db: Kysely<Database>, mailbox: string, m: { id: string; spool_path: string; mail_from: string }): Promise<string> {
  const raw = await readFile(m.spool_path).catch(() => null);
  const from = (raw && (await parseMessage(raw)).from?.address) || m.mail_from;
  if (!from || !mailbox) throw new ApiError('conflict', `message ${m.id} has no sender address to allow`);
  try {
    return (await new PolicyRepository(db).addListEntry(mailbox, 'allow', from)).value;
  } catch (err) {
    if (err instanceof PolicyError) throw new ApiError('conflict', `message ${m.id}: its sender cannot be allowed (${err.message})`);
    throw err;
  }
}

export interface SafeView {
  id: string;
  headers: { key: string; value: string }[];
  text: string;
  previewSrcdoc: string | null;
  removedRemote: number;
  attachments: { filename: string | null; declaredType: string; sniffedType: string | null; size: number; sha256: string }[];
  authenticationResults: string[];
}

/** Headers, text, sanitised HTML and attachment list of a message the principal may see. */
export async function safeView(db: Kysely<Database>, p: Principal, id: string): Promise<SafeView> {
  const m = await heldMessage(db, p, id);
  let raw: Buffer;
  try {
    raw = await readFile(m.spool_path);
  } catch {
    throw new ApiError('not_found', `the body of message ${id} is no longer stored`);
  }
  const parsed = await parseMessage(raw);
  const sanitized = parsed.html ? sanitizeHtml(parsed.html) : null;
  return {
    id,
    headers: parsed.headers.map((h) => ({ key: h.key, value: h.value })),
    text: parsed.text || parsed.htmlText,
    previewSrcdoc: sanitized ? previewDocument(sanitized.html) : null,
    removedRemote: sanitized?.removedRemote ?? 0,
    attachments: parsed.attachments.map((a) => ({ filename: a.filename, declaredType: a.declaredType, sniffedType: a.sniffedType, size: a.size, sha256: a.sha256 })),
    authenticationResults: parsed.headers.filter((h) => h.key === 'authentication-results').map((h) => h.value),
  };
}
