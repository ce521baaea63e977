// A mailbox owner's request that their domain's IT contacts release a message only they may release
// (a threat held for the owner, see recipientMayRelease): one mail to the domain's contacts — the
// primary and deputy recorded for its migration (`mig_contacts`) — naming the message and linking
// to it in the console. Once per message and mailbox, asked in the console or from the digest's link;
// audited. Nothing is released by it.
import type { Kysely } from 'kysely';
import { composeTextMail } from '../spool/compose.js';
import type { Database } from '../store/schema.js';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { clean, type SubmitMessage } from './digest.js';
import { ApiError } from './errors.js';
import { heldMessage, recipientMayRelease } from './quarantine.js';
import { receivedBy, type Principal } from './scope.js';

export interface RequestDeps {
  db: Kysely<Database>;
  submit?: SubmitMessage;
  publicUrl: string;
  postmaster: string;
  now: Date;
  ip?: string | null;
}

export interface ReleaseRequested {
  id: string;
  /** The contacts the request was mailed to. */
  sentTo: string[];
}

/** The console's wiring of a request: its store, mail submission, public address and postmaster. */
export const releaseDeps = (ctx: WebContext, ip: string | null): RequestDeps => ({ db: ctx.store.db, submit: ctx.submit, publicUrl: ctx.config.web.public_url, postmaster: ctx.config.delivery.postmaster, now: ctx.now(), ip });

/** Who asks: the console user or the digest link's recipient (actor `link:<address>`), for their mailbox. */
export interface Asker {
  actor: string;
  mailbox: string;
}

/** A mailbox owner in the console asks. */
export async function requestRelease(d: RequestDeps, p: Principal, id: string): Promise<ReleaseRequested> {
  // Another domain's message is not found, whoever asks (the console's isolation rule).
  await heldMessage(d.db, p, id);
  if (p.role !== 'mailbox_owner' || !p.mailbox) throw new ApiError('forbidden', 'request_release: a mailbox owner asks; operators and domain admins release the message themselves');
  return askForRelease(d, { actor: p.username, mailbox: p.mailbox }, id);
}

/** The request itself, once the asker is known to be the message's recipient (console login or signed link). */
export async function askForRelease(d: RequestDeps, who: Asker, id: string): Promise<ReleaseRequested> {
  const m = await d.db.selectFrom('messages').select(['status', 'category', 'subject', 'mail_from', 'received_at']).where('id', '=', id).executeTakeFirst();
  // The copy held for an address the mailbox receives (itself, a sub-address, an alias of it).
  const mine = await d.db.selectFrom('message_recipients').select(['status', 'domain_id']).where('message_id', '=', id).where(receivedBy('message_recipients', who.mailbox)).where('status', '=', 'held').executeTakeFirst();
  if (!m || m.status !== 'quarantined' || mine?.status !== 'held') throw new ApiError('conflict', `message ${id} is not held for ${who.mailbox}`);
  if (recipientMayRelease(m.category)) throw new ApiError('conflict', `message ${id} is held as ${m.category}: release it yourself`);
  const earlier = await d.db.selectFrom('audit_log').select(['at', 'detail']).where('action', '=', 'quarantine.request_release').where('target', '=', id).execute();
  const asked = earlier.find((r) => (JSON.parse(r.detail ?? '{}') as { mailbox?: string }).mailbox === who.mailbox);
  if (asked) throw new ApiError('conflict', `the release of message ${id} was already asked for at ${asked.at}`);
  const contacts = mine.domain_id === null ? [] : await d.db.selectFrom('mig_contacts').select(['name', 'address']).where('domain_id', '=', mine.domain_id).orderBy('role', 'desc').orderBy('id').execute();
  if (!contacts.length) {
    const domain = mine.domain_id === null ? undefined : await d.db.selectFrom('domains').select('name').where('id', '=', mine.domain_id).executeTakeFirst();
    throw new ApiError('conflict', `no IT contact is recorded for ${domain?.name ?? 'your domain'}: ask your help desk`);
  }
  if (!d.submit) throw new ApiError('unavailable', 'this console cannot send mail');
  const link = `${d.publicUrl.replace(/\/$/, '')}/quarantine/${id}`;
  const asker = who.actor.startsWith('link:') ? who.mailbox : `${who.actor} (${who.mailbox})`;
  const text = [
    `${asker} asks you to release a message held for them in quarantine as ${m.category ?? 'unscanned'}.`,
    'Only a domain admin or an operator may release it. Review it before you do:',
    '',
    `  subject:  ${clean(m.subject ?? '(no subject)')}`,
    `  from:     ${clean(m.mail_from || '<>')}`,
    `  received: ${m.received_at}`,
    `  review:   ${link}`,
    '',
  ].join('\n');
  const raw = await composeTextMail({
    from: { name: 'Rampart quarantine', address: d.postmaster },
    to: contacts.map((c) => ({ name: c.name, address: c.address })),
    subject: `Release requested by ${who.mailbox}: ${clean(m.subject ?? '(no subject)')}`,
    text,
    date: d.now,
  });
  const sentTo = contacts.map((c) => c.address);
  await d.submit({ from: d.postmaster, to: sentTo, raw });
  await audit(d.db, { actor: who.actor, action: 'quarantine.request_release', target: id, detail: { mailbox: who.mailbox, sentTo }, ip: d.ip ?? null }, d.now);
  return { id, sentTo };
}
