// Notices to each contact, one message per contact so that each is tracked on its own: the
// notice row points at the spool's queue id and message_recipients row (queued → deferred →
// delivered | bounced, with the server's reply), and records the acknowledgement.
import { nowIso } from '../store/dialect.js';
import type { MigNoticesTable, RecipientStatus } from '../store/schema.js';
import { ackLink, siteLink, stepsText, type ProgrammeDeps } from './context.js';
import { addDays, daysBetween, dayOf, type Day } from './dates.js';
import { LinkSigner } from './links.js';
import { composeMail } from './mail.js';
import type { Contact, ProgrammeDomain } from './repository.js';
import { MigrationRepository } from './repository.js';

export type NoticeKind = MigNoticesTable['kind'];

/** Where one notice stands: its delivery state from the spool, or acknowledged. */
export type NoticeState = RecipientStatus | 'acknowledged' | 'unknown';

export interface NoticeView {
  id: number;
  domainId: number;
  contactId: number;
  contactAddress: string;
  contactName: string;
  kind: NoticeKind;
  forDate: Day;
  reminderOffset: number | null;
  queueId: string;
  sentAt: string;
  delivery: RecipientStatus | 'unknown';
  reply: string | null;
  ackAt: string | null;
  ackVia: 'link' | 'console' | null;
  state: NoticeState;
}

export async function listNotices(deps: Pick<ProgrammeDeps, 'db'>, filter: { domainId?: number; noticeId?: number; nonce?: string } = {}): Promise<NoticeView[]> {
  let q = deps.db
    .selectFrom('mig_notices as n')
    .innerJoin('mig_contacts as c', 'c.id', 'n.contact_id')
    .leftJoin('message_recipients as r', 'r.id', 'n.recipient_row_id')
    .select(['n.id', 'n.domain_id', 'n.contact_id', 'c.address', 'c.name', 'n.kind', 'n.for_date', 'n.reminder_offset', 'n.queue_id', 'n.sent_at', 'n.ack_at', 'n.ack_via', 'r.status as delivery', 'r.last_reply'])
    .orderBy('n.id');
  if (filter.domainId !== undefined) q = q.where('n.domain_id', '=', filter.domainId);
  if (filter.noticeId !== undefined) q = q.where('n.id', '=', filter.noticeId);
  if (filter.nonce !== undefined) q = q.where('n.ack_nonce', '=', filter.nonce);
  return (await q.execute()).map((r) => {
    const delivery = (r.delivery ?? 'unknown') as RecipientStatus | 'unknown';
    return {
      id: r.id,
      domainId: r.domain_id,
      contactId: r.contact_id,
      contactAddress: r.address,
      contactName: r.name,
      kind: r.kind,
      forDate: r.for_date,
      reminderOffset: r.reminder_offset,
      queueId: r.queue_id,
      sentAt: r.sent_at,
      delivery,
      reply: r.last_reply ?? null,
      ackAt: r.ack_at,
      ackVia: r.ack_via,
      state: r.ack_at ? 'acknowledged' : delivery,
    };
  });
}

export interface ContactStanding {
  contact: Contact;
  acknowledged: boolean;
  /** Delivery state of the latest mail to this contact for the current date. */
  latest: NoticeView | null;
  bounced: boolean;
}

/** Each contact of a domain: acknowledged for the domain's current date? latest mail bounced? */
export async function contactStandings(deps: Pick<ProgrammeDeps, 'db'>, domain: ProgrammeDomain): Promise<ContactStanding[]> {
  const repo = new MigrationRepository(deps.db);
  const contacts = await repo.contacts(domain.domainId);
  const notices = (await listNotices(deps, { domainId: domain.domainId })).filter((n) => n.forDate === domain.date);
  return contacts.map((contact) => {
    const mine = notices.filter((n) => n.contactId === contact.id);
    const latest = mine[mine.length - 1] ?? null;
    return { contact, acknowledged: mine.some((n) => n.ackAt !== null), latest, bounced: latest?.delivery === 'bounced' || latest?.delivery === 'expired' };
  });
}

/** Sends one templated mail to one contact and records it as a tracked notice. */
export async function sendToContact(
  deps: ProgrammeDeps,
  domain: ProgrammeDomain,
  contact: Contact,
  kind: NoticeKind,
  opts: { reminderOffset?: number; oldDate?: string; reason?: string } = {},
): Promise<number> {
  const now = deps.now();
  const date = domain.date ?? 'not yet set (postponed)';
  // The row is written once the message is queued: a crash in between means the next tick sends
  // the notice again (a duplicate mail), never a notice row without its message.
  const nonce = LinkSigner.nonce();
  const expires = new Date(now.getTime() + deps.config.ack_link_days * 86_400_000);
  const common = {
    domain: domain.name,
    date,
    contact_name: contact.name,
    role: contact.role,
    steps: stepsText(deps.config),
    ack_link: ackLink(deps.publicUrl, deps.links.sign(nonce, expires)),
    site_link: siteLink(deps.publicUrl, domain.name),
  };
  const rendered =
    kind === 'notice'
      ? deps.templates.render('notice', { ...common, ack_deadline: domain.date ? addDays(domain.date, -(deps.config.escalate_manager_days + 1)) : 'as soon as possible' })
      : kind === 'reminder'
        ? deps.templates.render('reminder', { ...common, days_left: String(domain.date ? daysBetween(dayOf(now), domain.date) : '') })
        : deps.templates.render('change-of-date', { ...common, old_date: opts.oldDate ?? '', reason: opts.reason ?? '' });
  const raw = await composeMail({ from: deps.config.from, to: contact, rendered, date: now, headers: { 'X-Rampart-Migration': `${kind}; domain=${domain.name}` } });
  const queueId = await deps.submit({ from: deps.config.from, to: [contact.address], raw });
  const row = await deps.db.selectFrom('message_recipients').select('id').where('message_id', '=', queueId).where('address', '=', contact.address).executeTakeFirst();
  const inserted = await deps.db
    .insertInto('mig_notices')
    .values({ domain_id: domain.domainId, contact_id: contact.id, kind, for_date: domain.date ?? '', reminder_offset: opts.reminderOffset ?? null, queue_id: queueId, recipient_row_id: row?.id ?? null, ack_nonce: nonce, sent_at: nowIso(now), ack_at: null, ack_via: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

/**
 * Sends the first notice to every contact of each scheduled domain and marks it notified. A domain
 * without contacts stays scheduled (and is listed in escalations), since nobody could be told.
 */
export async function sendDueNotices(deps: ProgrammeDeps, actor = 'system'): Promise<{ notified: string[]; noContacts: string[] }> {
  const repo = new MigrationRepository(deps.db);
  const out = { notified: [] as string[], noContacts: [] as string[] };
  const due = (await repo.listDomains()).filter((d) => d.status === 'scheduled' && d.date);
  // Each message costs a few fsyncs; several in flight let them overlap.
  await eachLimited(due, 8, async (d) => {
    const contacts = await repo.contacts(d.domainId);
    if (contacts.length === 0) {
      out.noContacts.push(d.name);
      return;
    }
    const already = new Set((await listNotices(deps, { domainId: d.domainId })).filter((n) => n.forDate === d.date).map((n) => n.contactId));
    await Promise.all(contacts.filter((c) => !already.has(c.id)).map((c) => sendToContact(deps, d, c, 'notice')));
    await repo.transition(d.domainId, 'notified', { actor, reason: `notice sent to ${contacts.map((c) => c.address).join(', ')}`, at: deps.now() });
    out.notified.push(d.name);
  });
  out.notified.sort();
  out.noContacts.sort();
  return out;
}

/** Runs fn over items with at most `limit` in flight; the first error is thrown after all settle. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item).catch((e: unknown) => errors.push(e));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length) throw errors[0];
}

/** Records an acknowledgement of one notice (by link or in the console). Idempotent. */
export async function acknowledge(deps: Pick<ProgrammeDeps, 'db' | 'now'>, noticeId: number, via: 'link' | 'console'): Promise<NoticeView | undefined> {
  await deps.db.updateTable('mig_notices').set({ ack_at: nowIso(deps.now()), ack_via: via }).where('id', '=', noticeId).where('ack_at', 'is', null).execute();
  return (await listNotices(deps, { noticeId }))[0];
}

/** Console acknowledgement on behalf of a contact: marks their latest mail for the current date. */
export async function acknowledgeContact(deps: Pick<ProgrammeDeps, 'db' | 'now'>, domain: ProgrammeDomain, address: string): Promise<NoticeView> {
  const notices = (await listNotices(deps, { domainId: domain.domainId })).filter((n) => n.forDate === domain.date && n.contactAddress === address.toLowerCase());
  const latest = notices[notices.length - 1];
  if (!latest) throw new Error(`no notice was sent to ${address} for ${domain.name}'s current date`);
  return (await acknowledge(deps, latest.id, 'console'))!;
}
