// Seeds a console test database through the store: two domains with recipients, accounts of every
// role, messages of every outcome and category (quarantined ones through the real spool), and
// connection blocks. Returns the ids the tests assert on.
import path from 'node:path';
import type { Store } from '../../src/store/db.js';
import { Directory } from '../../src/directory/repository.js';
import { Spool } from '../../src/spool/spool.js';
import { CATEGORIES, type Category } from '../../src/scan/types.js';
import type { MessageStatus } from '../../src/store/schema.js';
import { addUser } from '../../src/web/users.js';
import { parseConfig } from '../../src/config/load.js';
import type { RampartConfig } from '../../src/config/schema.js';

export const PASSWORD = 'correct horse battery';
export const NOW = new Date('2026-11-20T12:00:00.000Z');

export function testConfig(dataDir: string, url: string, extra: Record<string, unknown> = {}): RampartConfig {
  return parseConfig({
    data_dir: dataDir,
    database: { url },
    secret: 'test-secret-0123456789',
    web: { public_url: 'http://console.test', port: 0 },
    // The seeded mail is dated in the past: keep it deliverable, and retry quickly.
    delivery: { lifetime: '3650d', retry_schedule: ['200ms'], poll_interval: '50ms', connection_timeout: '3s', postmaster: 'postmaster@gw.rampart.test' },
    smtp: { hostname: 'gw.rampart.test' },
    ...extra,
  });
}

export function htmlMessage(subject: string, to: string, extra = ''): Buffer {
  return Buffer.from(
    [
      'From: "Mallory" <mallory@evil.test>',
      `To: <${to}>`,
      `Subject: ${subject}`,
      'Message-ID: <' + subject.replace(/\W/g, '') + '@evil.test>',
      'Authentication-Results: rampart.localdomain; spf=fail smtp.mailfrom=evil.test; dmarc=fail header.from=evil.test',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<html><body><p>Hello <b>friend</b></p><script>document.title='pwned'</script><img src="https://tracker.evil.test/p.gif" alt="logo"><a href="https://evil.test/login" onclick="steal()">Log in here</a><div style="background:url(https://evil.test/bg)">bg</div>${extra}</body></html>`,
      '--b1',
      'Content-Type: application/octet-stream; name="invoice.pdf.exe"',
      'Content-Disposition: attachment; filename="invoice.pdf.exe"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('MZ\x90\x00fake executable').toString('base64'),
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

export interface Seeded {
  domains: { a: number; b: number };
  /** Quarantined message ids per domain. */
  quarantined: { a: string[]; b: string[] };
  /** One message of each status per domain. */
  byDomain: { a: string[]; b: string[] };
  /** Expected delivered counts per category for domain a. */
  deliveredA: Record<Category, number>;
  spool: Spool;
}

let seq = 0;
export async function seed(store: Store, dataDir: string): Promise<Seeded> {
  const db = store.db;
  const dir = new Directory(db);
  const a = await dir.addDomain('a.example', { routes: [{ host: '127.0.0.1', port: 2525 }] });
  const b = await dir.addDomain('b.example', { routes: [{ host: '127.0.0.1', port: 2526 }] });
  for (const addr of ['alice@a.example', 'bob@a.example', 'carol@a.example']) await dir.addRecipient(addr);
  for (const addr of ['dave@b.example', 'erin@b.example']) await dir.addRecipient(addr);
  await addUser(db, { username: 'op', password: PASSWORD, role: 'operator' });
  await addUser(db, { username: 'admin-a', password: PASSWORD, role: 'domain_admin', domains: ['a.example'] });
  await addUser(db, { username: 'admin-b', password: PASSWORD, role: 'domain_admin', domains: ['b.example'] });
  await addUser(db, { username: 'alice', password: PASSWORD, role: 'mailbox_owner', mailbox: 'alice@a.example' });

  const spool = new Spool(db, path.join(dataDir, 'spool'), 'node1');
  const out: Seeded = { domains: { a: a.id, b: b.id }, quarantined: { a: [], b: [] }, byDomain: { a: [], b: [] }, deliveredA: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>, spool };

  const insert = async (domain: 'a' | 'b', rcpt: string, status: MessageStatus, category: Category, at: Date, extra: { would_action?: string; would_category?: string; subject?: string } = {}) => {
    const id = `M${String(++seq).padStart(6, '0')}${domain}`;
    const action = status === 'rejected' ? 'reject' : status === 'quarantined' ? 'quarantine' : category === 'clean' ? 'deliver' : 'tag';
    await db.insertInto('messages').values({
      id, received_at: at.toISOString(), node: 'node1', client_ip: domain === 'a' ? '192.0.2.1' : '198.51.100.7', client_hostname: null, helo: 'mx.sender.test', tls: 1,
      mail_from: `sender${seq}@sender.test`, message_id: `<m${seq}@sender.test>`, subject: extra.subject ?? `${category} ${status} ${seq}`, size: 1234, spool_path: path.join(dataDir, 'nowhere', id), status,
      category, score: 1.5, action, symbols: JSON.stringify([{ name: 'R_SPF_FAIL', score: 1.5, detail: 'spf=fail for sender.test' }, { name: 'BAYES_HAM', score: -0.5, detail: 'p=0.1' }]),
      would_action: extra.would_action ?? null, would_category: extra.would_category ?? null,
    }).execute();
    await db.insertInto('message_recipients').values({ message_id: id, address: rcpt, domain_id: domain === 'a' ? a.id : b.id, status: status === 'delivered' ? 'delivered' : status === 'rejected' ? 'bounced' : 'queued', updated_at: at.toISOString() }).execute();
    if (status === 'delivered') await db.insertInto('delivery_attempts').values({ message_id: id, recipient: rcpt, at: at.toISOString(), host: '127.0.0.1', outcome: 'delivered', reply: '250 2.0.0 Ok: queued as ABC' }).execute();
    out.byDomain[domain].push(id);
    return id;
  };

  // Domain a: delivered messages across categories on three days, some in monitor mode.
  const day = (d: number, h = 10) => new Date(Date.UTC(2026, 10, 17 + d, h, seq % 60));
  const planA: [Category, number][] = [['clean', 5], ['graymail', 3], ['spam', 2], ['auth_failed', 2], ['phishing', 1], ['malware', 1]];
  for (const [cat, n] of planA) for (let i = 0; i < n; i++) {
    await insert('a', i % 2 ? 'bob@a.example' : 'alice@a.example', 'delivered', cat, day(i % 3), cat === 'malware' ? { would_action: 'reject', would_category: 'malware' } : {});
    out.deliveredA[cat]++;
  }
  await insert('a', 'alice@a.example', 'rejected', 'malware', day(1));
  await insert('a', 'bob@a.example', 'rejected', 'phishing', day(2));
  // Domain b: a few of everything, so a leak would show.
  for (const cat of ['clean', 'spam', 'bec'] as Category[]) await insert('b', 'dave@b.example', 'delivered', cat, day(1));
  await insert('b', 'erin@b.example', 'rejected', 'malware', day(1));

  // Quarantined messages through the real spool (file on disk, held recipients): domain a's held as
  // spam (their recipients may release them), domain b's as phishing (its IT contacts release it).
  const held = {
    spam: { category: 'spam', score: 9, action: 'quarantine', symbols: JSON.stringify([{ name: 'BAYES_SPAM', score: 9, detail: 'p=0.99' }]) },
    phishing: { category: 'phishing', score: 12, action: 'quarantine', symbols: JSON.stringify([{ name: 'PHISH_LINK_MISMATCH', score: 8, detail: 'link text differs from target' }]) },
  };
  for (const [domain, rcpt] of [['a', 'alice@a.example'], ['a', 'bob@a.example'], ['b', 'dave@b.example']] as const) {
    const id = await spool.accept({
      envelope: { clientIp: '203.0.113.9', clientHostname: null, helo: 'evil.test', tls: false, mailFrom: 'mallory@evil.test', rcptTo: [rcpt] },
      recipients: [{ address: rcpt, domainId: domain === 'a' ? a.id : b.id }],
      chunks: [htmlMessage(`Quarantined for ${rcpt}`, rcpt)],
      messageId: `<q-${rcpt}@evil.test>`,
      subject: `Quarantined for ${rcpt}`,
      status: 'quarantined',
      verdict: domain === 'a' ? held.spam : held.phishing,
      receivedAt: day(2, 9),
    });
    out.quarantined[domain].push(id);
  }

  const ev = (domain: string, reason: string, at: Date) =>
    db.insertInto('connection_events').values({ at: at.toISOString(), client_ip: '203.0.113.50', helo: 'bad.test', stage: 'rcpt', reason, detail: null, domain }).execute();
  await ev('a.example', 'unknown_recipient', day(0));
  await ev('a.example', 'dnsbl', day(1));
  await ev('a.example', 'dnsbl', day(2));
  await ev('b.example', 'rate_limit', day(1));
  return out;
}
