// Pure parts of the programme: configuration errors, signed links, templates, SPF matching,
// weekday blackout days and the planner's edge cases.
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { spfAuthorises } from '../../src/migration/checks/dns-check.js';
import { MigrationConfig } from '../../src/migration/config.js';
import { LinkSigner } from '../../src/migration/links.js';
import { composeMail } from '../../src/migration/mail.js';
import PostalMime from 'postal-mime';
import { plan } from '../../src/migration/planner.js';
import { Templates } from '../../src/migration/templates.js';
import { tempDir } from '../helpers/tmp.js';
import { TEMPLATES_DIR } from './harness.js';

describe('migration units', () => {
  it('validates the migration config section and names the field', () => {
    const cfg = parseConfig({ migration: { reminder_days: [10, 2] } });
    assert.deepEqual(cfg.migration.reminder_days, [10, 2]);
    assert.equal(cfg.migration.gateway.max_mx_ttl, 300);
    assert.throws(
      () => parseConfig({ migration: { programme_manager: { name: 'Pat', address: 'not-an-address' } } }),
      (e: ConfigError) => e instanceof ConfigError && e.issues.includes('migration.programme_manager.address: expected an email address'),
    );
    assert.throws(() => parseConfig({ migration: { gateway: { mx_host: ['x'] } } }), (e: ConfigError) => e.issues.some((i) => i.startsWith('migration.gateway') && /mx_host/.test(i)));
  });

  it('signs acknowledgement links that expire and cannot be altered', () => {
    const s = new LinkSigner(Buffer.alloc(32, 1));
    const now = new Date('2026-11-02T00:00:00Z');
    const nonce = LinkSigner.nonce();
    assert.match(nonce, /^[A-Za-z0-9_-]{22}$/);
    const t = s.sign(nonce, new Date('2026-12-01T00:00:00Z'));
    assert.deepEqual(s.verify(t, now), { ok: true, nonce });
    assert.deepEqual(s.verify(t, new Date('2026-12-02T00:00:00Z')), { ok: false, reason: 'expired' });
    assert.deepEqual(s.verify(t.replace(/\.(\d+)\./, (_m, e: string) => `.${Number(e) + 86400}.`), now), { ok: false, reason: 'bad-signature' }, 'a longer expiry is not accepted');
    assert.deepEqual(s.verify(`${LinkSigner.nonce()}${t.slice(22)}`, now), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(new LinkSigner(Buffer.alloc(32, 2)).verify(t, now), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(s.verify('42.x.y', now), { ok: false, reason: 'malformed' });
  });

  it('writes a notice with CRLF line ends that reads back as the rendered text', async () => {
    const text = 'Dear IT contact,\n\nyour domain moves on 2026-12-15 · see the steps.\nRegards';
    const raw = await composeMail({ from: 'migration@gw.test', to: { name: 'IT', address: 'it@a.test' }, rendered: { subject: 'Your migration date', text }, date: new Date('2026-12-01T10:00:00Z') });
    assert.doesNotMatch(raw.toString(), /[^\r]\n/, 'no bare LF');
    const mail = await PostalMime.parse(raw);
    assert.equal(mail.subject, 'Your migration date');
    assert.equal(mail.text?.replace(/\r\n/g, '\n').trimEnd(), text);
    assert.equal(mail.headers.find((h) => h.key === 'auto-submitted')?.value, 'auto-generated');
  });

  it('refuses a template with an unknown placeholder, naming the file', () => {
    const dir = tempDir();
    cpSync(TEMPLATES_DIR, dir, { recursive: true });
    writeFileSync(path.join(dir, 'reminder.txt'), 'Subject: {{domain}} soon\n\nHello {{contact_nmae}}\n');
    assert.throws(() => new Templates(dir), new RegExp(`${path.join(dir, 'reminder.txt').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unknown placeholder \\{\\{contact_nmae\\}\\}`));
    writeFileSync(path.join(dir, 'reminder.txt'), 'Hello\n');
    assert.throws(() => new Templates(dir), /the first line must be "Subject: …"/);
    const ok = new Templates(TEMPLATES_DIR).render('escalation', { recipient_name: 'Pat', role: 'programme manager', day: '2026-11-11', domains: '- a.test', count: '1' });
    assert.equal(ok.subject, 'Migration escalation 2026-11-11: 1 domain(s) without an acknowledged contact');
  });

  it('recognises the gateway in SPF by include, ip4 and ip6 networks, not by a failing qualifier', () => {
    const gw = MigrationConfig.parse({ gateway: { spf_include: '_spf.gw.test', spf_ips: ['192.0.2.25', '2001:db8::25'] } }).gateway;
    assert.equal(spfAuthorises('v=spf1 include:_spf.gw.test -all', gw), 'include:_spf.gw.test');
    assert.equal(spfAuthorises('v=spf1 ip4:192.0.2.0/24 +ip6:2001:db8::/32 -all', gw), 'ip4:192.0.2.0/24 ip6:2001:db8::/32');
    assert.equal(spfAuthorises('v=spf1 ip4:192.0.2.25 -all', gw), null, 'the IPv6 address is not covered');
    assert.equal(spfAuthorises('v=spf1 -include:_spf.gw.test ~all', gw), null);
    assert.equal(spfAuthorises('v=spf1 ip4:198.51.100.0/24 include:other.test -all', gw), null);
  });

  it('plans around weekday blackouts and reports what cannot be placed', () => {
    const wave = { id: 1, name: 'w', startsOn: '2026-11-06', endsOn: '2026-11-10', dailyCapacity: 1, blackout: ['sat', 'sun'] };
    const domains = ['a.test', 'b.test', 'c.test', 'd.test'].map((name, i) => ({ domainId: i + 1, name, status: 'pending' as const, date: null, waveId: null, pinnedWaveId: null }));
    const r = plan({ domains, waves: [wave], today: '2026-11-01', minNoticeDays: 0 });
    assert.deepEqual(r.assignments.map((a) => `${a.name} ${a.date}`), ['a.test 2026-11-06', 'b.test 2026-11-09', 'c.test 2026-11-10']);
    assert.deepEqual(r.unplaced, [{ name: 'd.test', reason: 'no free day left in any wave without pins on or after 2026-11-01' }]);
    const late = plan({ domains, waves: [wave], today: '2026-11-06', minNoticeDays: 3 });
    assert.deepEqual(late.assignments.map((a) => a.date), ['2026-11-09', '2026-11-10'], 'nothing before today + minimum notice');
  });
});
