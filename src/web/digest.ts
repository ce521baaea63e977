// Quarantine digests: one mail per recipient address with mail held since its last digest, each
// item with a signed release link. Sent through the gateway's own queue (submitLocalMessage).
import type { Kysely } from 'kysely';
import { composeTextMail } from '../spool/compose.js';
import { heldUntil } from '../spool/quarantine-expiry.js';
import type { Database } from '../store/schema.js';
import type { LinkSigner } from './links.js';
import { recipientMayRelease } from './quarantine.js';

export type SubmitMessage = (msg: { from: string; to: string[]; raw: Buffer }) => Promise<unknown>;

export interface DigestOptions {
  signer: LinkSigner;
  submit: SubmitMessage;
  publicUrl: string;
  from: string;
  now: Date;
  /** How long a release link stays valid. */
  linkTtlMs: number;
  /** quarantine.lifetime: each item says until when it is held (0: until someone acts). */
  lifetimeMs?: number;
}

export interface DigestItem {
  id: string;
  mail_from: string;
  subject: string | null;
  received_at: string;
  category: string | null;
  /** The signed link: to release the message, or — one only the IT contacts may release — to ask them to. */
  link: string;
  /** Whether the recipient may release it (recipientMayRelease). */
  releasable: boolean;
}

/** Sends the due digests and returns, per address, the items it listed. */
export async function sendDigests(db: Kysely<Database>, o: DigestOptions): Promise<Map<string, DigestItem[]>> {
  const rows = await db
    .selectFrom('message_recipients')
    .innerJoin('messages', 'messages.id', 'message_recipients.message_id')
    .leftJoin('digest_state', 'digest_state.address', 'message_recipients.address')
    .select(['message_recipients.address', 'messages.id', 'messages.mail_from', 'messages.subject', 'messages.received_at', 'messages.category', 'digest_state.last_sent_at'])
    .where('message_recipients.status', '=', 'held')
    .where('messages.status', '=', 'quarantined')
    .orderBy('message_recipients.address')
    .orderBy('messages.received_at')
    .execute();
  const byAddress = new Map<string, DigestItem[]>();
  const exp = o.now.getTime() + o.linkTtlMs;
  for (const r of rows) {
    if (r.last_sent_at && r.received_at <= r.last_sent_at) continue;
    const link = `${o.publicUrl.replace(/\/$/, '')}/r/${o.signer.sign({ id: r.id, rcpt: r.address, exp })}`;
    const items = byAddress.get(r.address) ?? [];
    items.push({ id: r.id, mail_from: r.mail_from, subject: r.subject, received_at: r.received_at, category: r.category, link, releasable: recipientMayRelease(r.category) });
    byAddress.set(r.address, items);
  }
  for (const [address, items] of byAddress) {
    await o.submit({ from: o.from, to: [address], raw: await composeDigest(address, items, o) });
    const at = o.now.toISOString();
    const existing = await db.selectFrom('digest_state').select('address').where('address', '=', address).executeTakeFirst();
    if (existing) await db.updateTable('digest_state').set({ last_sent_at: at }).where('address', '=', address).execute();
    else await db.insertInto('digest_state').values({ address, last_sent_at: at }).execute();
  }
  return byAddress;
}

/** A subject or sender for a line of a mail Rampart writes: one line, at most 200 characters. */
export function clean(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').slice(0, 200);
}

/**
 * The digest, composed as Rampart's other mail is (nodemailer's composer): a held message's subject
 * or sender in another script is encoded (quoted-printable), so the digest reaches a mail server
 * that does not offer 8BITMIME intact.
 */
export function composeDigest(address: string, items: DigestItem[], o: Pick<DigestOptions, 'from' | 'now' | 'linkTtlMs' | 'lifetimeMs'>): Promise<Buffer> {
  const lines = [
    `${items.length} message${items.length === 1 ? ' is' : 's are'} held in quarantine for ${address}.`,
    'Open a link to release that message to your mailbox; the links expire ' + new Date(o.now.getTime() + o.linkTtlMs).toISOString() + '.',
    'A message held as a threat only your IT contact can release: its link asks them to.',
    '',
  ];
  for (const it of items) {
    const until = heldUntil(it.received_at, o.lifetimeMs ?? 0);
    const release = it.releasable ? `  release: ${it.link}` : `  only your IT contact can release it; ask them: ${it.link}`;
    lines.push(`* ${clean(it.subject ?? '(no subject)')}`, `  from ${clean(it.mail_from || '<>')} at ${it.received_at} (${it.category ?? 'unscanned'})${until ? `; held until ${until}, then deleted` : ''}`, release, '');
  }
  return composeTextMail({
    from: { name: 'Rampart quarantine', address: o.from },
    to: [{ address }],
    subject: `Quarantine digest: ${items.length} held message${items.length === 1 ? '' : 's'}`,
    text: lines.join('\n') + '\n',
    date: o.now,
  });
}
