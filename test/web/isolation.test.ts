// The console API and pages against SQLite and PostgreSQL: authentication, CSRF, validation, the
// report's figures against the trace behind them, quarantine actions, and the domain-isolation
// matrix — a domain admin gets 404 for every object of another domain on every route.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/store/db.js';
import { pruneTrace } from '../../src/stats/retention.js';
import { Directory } from '../../src/directory/repository.js';
import { buildWebApp } from '../../src/web/app.js';
import { isOperator } from '../../src/web/auth.js';
import { DATABASES, makeDatabase, type TestDatabase } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';
import { login, type Client } from './client.js';
import { htmlMessage, NOW, PASSWORD, seed, testConfig, type Seeded } from './seed.js';

const PERIOD = 'since=2026-11-17&until=2026-11-20';

for (const kind of DATABASES) {
  describe(`console API on ${kind}`, () => {
    let tdb: TestDatabase | null;
    let store: Store;
    let app: FastifyInstance;
    let s: Seeded;
    let op: Client;
    let adminA: Client;
    let alice: Client;
    // Our own data dir: the spool files must outlive the before() hook that opens the database.
    const dataDir = tempDir();
    before(async () => {
      tdb = await makeDatabase(kind);
      if (!tdb) return;
      store = await tdb.open();
      s = await seed(store, dataDir);
      // A plugin like the migration site: sees the principal, keeps its own forms (no console CSRF/CSP).
      const plugin = async (p: FastifyInstance) => {
        p.get('/plugin/whoami', async (req) => ({ operator: isOperator(req) }));
        p.post('/plugin/echo', async () => ({ ok: true }));
      };
      app = await buildWebApp({ config: testConfig(dataDir, tdb.url), store, now: () => NOW, plugins: [plugin] });
      op = await login(app, 'op', PASSWORD);
      adminA = await login(app, 'admin-a', PASSWORD);
      alice = await login(app, 'alice', PASSWORD);
    });
    after(async () => {
      if (!tdb) return;
      await app.close();
      await store.close();
      await tdb.cleanup();
    });

    it('refuses anonymous access, wrong passwords, and throttles repeated failures', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      assert.equal((await app.inject({ url: '/api/messages' })).statusCode, 401);
      assert.equal((await app.inject({ url: '/api/messages' })).json().error.code, 'unauthenticated');
      const page = await app.inject({ url: '/trace?category=spam' });
      assert.equal(page.statusCode, 303);
      assert.match(String(page.headers.location), /^\/login\?next=%2Ftrace%3Fcategory%3Dspam/);
      for (let i = 0; i < 5; i++) {
        const r = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin-b', password: 'wrong password!' } });
        assert.equal(r.json().error.code, 'bad_credentials');
      }
      const r = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin-b', password: PASSWORD } });
      assert.equal(r.statusCode, 429, 'the right password is refused while throttled');
      assert.equal(r.json().error.code, 'throttled');
      const audit = await store.db.selectFrom('audit_log').select(['action']).where('actor', '=', 'admin-b').execute();
      assert.equal(audit.filter((a) => a.action === 'login.failed').length, 5);
      assert.equal(audit.filter((a) => a.action === 'login.throttled').length, 1);
    });

    it('sets a HttpOnly SameSite=Strict Secure session cookie and requires the CSRF token on every change', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'op', password: PASSWORD } });
      const c = res.cookies.find((x) => x.name === 'rampart_session')!;
      assert.equal(c.httpOnly, true);
      assert.equal(c.sameSite, 'Strict');
      assert.equal(c.secure, true);
      const id = s.quarantined.a[0]!;
      for (const csrf of [null, 'forged-token-of-the-right-length-xxxxx']) {
        const r = await op.post(`/api/quarantine/${id}/release`, {}, { csrf });
        assert.equal(r.statusCode, 403);
        assert.equal(r.json().error.code, 'csrf_failed');
        const f = await op.post(`/quarantine/${id}/action`, { action: 'release' }, { form: true, csrf });
        assert.equal(f.statusCode, 403);
      }
      const m = await store.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(m.status, 'quarantined', 'nothing was released without the token');
    });

    it('validates every input with a stable error code naming the field', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const cases = ['/api/messages?category=spammy', '/api/messages?since=yesterday', '/api/messages?limit=100000', '/api/messages?bogus=1', '/api/messages?cursor=%3Cscript%3E', '/api/report?until=2026-13-45'];
      for (const url of cases) {
        const r = await op.get(url);
        assert.equal(r.statusCode, 400, url);
        assert.equal(r.json().error.code, 'validation_failed', url);
        assert.ok(r.json().error.issues.length >= 1, url);
      }
      assert.match((await op.get('/api/messages?category=spammy')).json().error.issues[0], /^category:/);
      const bad = await op.post('/api/quarantine/bulk', { action: 'explode', ids: [] });
      assert.equal(bad.json().error.code, 'validation_failed');
      const page = await op.get('/trace?since=not-a-date');
      assert.equal(page.statusCode, 400);
      assert.match(page.body, /since: expected YYYY-MM-DD/);
    });

    it('report figures equal the messages their trace links return', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const r = (await op.get(`/api/report?${PERIOD}&domain=a.example`)).json();
      assert.equal(r.domain, 'a.example');
      assert.equal(r.addresses, 3);
      assert.equal(r.scanned.count, 14 + 2 + 2);
      assert.equal(r.blocked.atData.count, 2);
      assert.equal(r.blocked.atConnection.count, 3);
      assert.equal(r.blocked.total, 5);
      assert.deepEqual(r.blocked.byReason.map((b: { reason: string; figure: { count: number } }) => [b.reason, b.figure.count]), [['dnsbl', 2], ['unknown_recipient', 1]]);
      assert.equal(r.quarantined.count, 2);
      for (const c of r.delivered.byCategory) assert.equal(c.figure.count, s.deliveredA[c.category as keyof typeof s.deliveredA], c.category);
      assert.equal(r.delivered.byCategory.find((c: { category: string }) => c.category === 'malware').wouldBlock.count, 1);
      // Every figure's filter, sent to the trace, returns exactly that many messages.
      const figures = [r.scanned, r.blocked.atData, r.quarantined, r.delivered, r.wouldBlock, ...r.delivered.byCategory.flatMap((c: { figure: unknown; wouldBlock: unknown }) => [c.figure, c.wouldBlock]), ...r.series.flatMap((p: Record<string, unknown>) => [p.scanned, p.blocked, p.delivered])];
      for (const f of figures) {
        const q = new URLSearchParams({ ...f.filter, limit: '500' });
        const page = (await op.get(`/api/messages?${q}`)).json();
        assert.equal(page.items.length, f.count, q.toString());
      }
      const conn = (await op.get(`/api/connections?${new URLSearchParams(r.blocked.byReason[0].figure.connections)}`)).json();
      assert.equal(conn.items.length, 2);
      const seriesTotal = r.series.reduce((n: number, p: { scanned: { count: number } }) => n + p.scanned.count, 0);
      assert.equal(seriesTotal, r.scanned.count);
      // Without a domain: a row per domain, each the domain's own report's figures, each link exact.
      const all = (await op.get(`/api/report?${PERIOD}`)).json();
      assert.deepEqual(all.byDomain.map((d: { domain: string }) => d.domain).sort(), ['a.example', 'b.example']);
      assert.deepEqual(r.byDomain, [], 'none for a one-domain report');
      for (const row of all.byDomain) {
        const own = (await op.get(`/api/report?${PERIOD}&domain=${row.domain}`)).json();
        assert.deepEqual([row.scanned.count, row.blocked.count, row.quarantined.count, row.delivered.count], [own.scanned.count, own.blocked.atData.count, own.quarantined.count, own.delivered.count], row.domain);
        for (const f of [row.scanned, row.blocked, row.quarantined, row.delivered]) {
          assert.equal((await op.get(`/api/messages?${new URLSearchParams({ ...f.filter, limit: '500' })}`)).json().items.length, f.count, JSON.stringify(f.filter));
        }
      }
      const page = await op.get(`/report?${PERIOD}`);
      assert.match(page.body, /<tr data-domain="a\.example"><th scope="row"><a href="\/report\?since=2026-11-17&amp;until=2026-11-20&amp;domain=a\.example">a\.example<\/a><\/th><td class="num"><a href="[^"]+" data-figure="domain-scanned-a\.example">18<\/a>/);
    });

    it('pages through the trace with a keyset cursor, without gaps or repeats', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string; received_at: string }[]; next: string | null } = (await op.get(`/api/messages?limit=4${cursor ? `&cursor=${cursor}` : ''}`)).json();
        seen.push(...page.items.map((m) => m.id));
        cursor = page.next;
      } while (cursor);
      const total = await store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(seen.length, Number(total.n));
      assert.equal(new Set(seen).size, seen.length);
      const bySubject = (await op.get('/api/messages?subject=QUARANTINED%20FOR%20alice')).json();
      assert.deepEqual(bySubject.items.map((m: { id: string }) => m.id), [s.quarantined.a[0]]);
      const byRcpt = (await op.get('/api/messages?rcpt=dave@b.example')).json();
      assert.ok(byRcpt.items.length >= 4 && byRcpt.items.every((m: { recipients: string[] }) => m.recipients.includes('dave@b.example')));
      const byMid = (await op.get('/api/messages?message_id=%3Cq-bob@a.example@evil.test%3E')).json();
      assert.deepEqual(byMid.items.map((m: { id: string }) => m.id), [s.quarantined.a[1]]);
      const byIp = (await op.get('/api/messages?client_ip=198.51.100.7')).json();
      assert.equal(byIp.items.length, 4);
    });

    it('shows one message with verdict, symbols and delivery attempts', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const id = s.byDomain.a[0]!;
      const d = (await op.get(`/api/messages/${id}`)).json();
      assert.deepEqual(d.symbols.map((x: { name: string }) => x.name), ['R_SPF_FAIL', 'BAYES_HAM']);
      assert.equal(d.attempts[0].reply, '250 2.0.0 Ok: queued as ABC');
      const page = await op.get(`/messages/${s.quarantined.a[0]}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /BAYES_SPAM/);
      assert.match(page.body, /spf=fail smtp.mailfrom=evil.test/);
    });

    it("a split message's page links its other copies, those the viewer may see", async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const copy = (rcpt: string, domainId: number, status: 'queued' | 'quarantined', category: string, n: number) =>
        s.spool.accept({
          envelope: { clientIp: '198.51.100.4', clientHostname: null, helo: 'lists.test', tls: false, mailFrom: 'news@lists.test', rcptTo: ['alice@a.example', 'dave@b.example'] },
          recipients: [{ address: rcpt, domainId }],
          chunks: [htmlMessage('Conference call for papers', rcpt)],
          messageId: '<cfp@lists.test>',
          subject: 'Conference call for papers',
          status,
          verdict: { category, score: 3, action: status === 'queued' ? 'deliver' : 'quarantine', symbols: JSON.stringify([{ name: 'POLICY_SPLIT', score: 0, detail: `copy ${n} of 2, for ${rcpt}` }]) },
          receivedAt: NOW,
        });
      const a = await copy('alice@a.example', s.domains.a, 'queued', 'graymail', 1);
      const b = await copy('dave@b.example', s.domains.b, 'quarantined', 'graymail', 2);
      assert.deepEqual((await op.get(`/api/messages/${a}`)).json().copies, [{ id: b, status: 'quarantined', category: 'graymail', action: 'quarantine' }]);
      assert.match((await op.get(`/messages/${a}`)).body, new RegExp(`Other copies \\(its recipients' policies differed\\): <a href="/messages/${b}">${b}</a> \\(graymail, quarantine, quarantined\\)`));
      assert.deepEqual((await adminA.get(`/api/messages/${a}`)).json().copies, [], "b.example's copy is not a.example's admin's to see");
      assert.doesNotMatch((await adminA.get(`/messages/${a}`)).body, /Other copies/);
      // The later tests count each domain's messages.
      await store.db.deleteFrom('message_recipients').where('message_id', 'in', [a, b]).execute();
      await store.db.deleteFrom('messages').where('id', 'in', [a, b]).execute();
    });

    it('safe view: sanitised HTML runs no script and loads nothing remote', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const v = (await adminA.get(`/api/quarantine/${s.quarantined.a[0]}`)).json();
      assert.doesNotMatch(v.previewSrcdoc, /<script|onclick|tracker\.evil\.test\/p\.gif"|url\(|href=/i);
      assert.match(v.previewSrcdoc, /Hello <b>friend<\/b>/);
      assert.match(v.previewSrcdoc, /\[https:\/\/evil\.test\/login\]/, 'the link target is shown as text');
      assert.deepEqual(v.attachments.map((a: { filename: string }) => a.filename), ['invoice.pdf.exe']);
      const page = await adminA.get(`/quarantine/${s.quarantined.a[0]}`);
      assert.match(page.body, /<iframe class="preview"[^>]* sandbox=""/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    });

    it('releasing twice releases once; delete and report-as-spam are audited', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const id = s.quarantined.a[1]!;
      const [r1, r2] = await Promise.all([adminA.post(`/api/quarantine/${id}/release`), adminA.post(`/api/quarantine/${id}/release`)]);
      const released = [r1.json().released, r2.json().released].filter((x: string[]) => x.length);
      assert.equal(released.length, 1, 'only one of two concurrent releases moved the recipient');
      assert.deepEqual(released[0], ['bob@a.example']);
      const again = (await adminA.post(`/api/quarantine/${id}/release`)).json();
      assert.deepEqual(again.released, []);
      const rows = await store.db.selectFrom('message_recipients').select(['status']).where('message_id', '=', id).execute();
      assert.deepEqual(rows.map((r) => r.status), ['queued']);
      assert.equal((await store.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'queued');
      const del = await op.post('/api/quarantine/bulk', { action: 'report_spam', ids: [s.quarantined.b[0], 'NOSUCHID'] });
      assert.deepEqual(del.json().results.map((r: { ok: boolean }) => r.ok), [true, false]);
      const gone = await store.db.selectFrom('messages').select(['status', 'spool_path']).where('id', '=', s.quarantined.b[0]!).executeTakeFirstOrThrow();
      assert.equal(gone.status, 'deleted');
      assert.equal(existsSync(gone.spool_path), false, 'the body is removed with the message');
      const goneRcpts = await store.db.selectFrom('message_recipients').select(['status', 'last_reply']).where('message_id', '=', s.quarantined.b[0]!).execute();
      assert.deepEqual(goneRcpts.map((r) => [r.status, r.last_reply]), goneRcpts.map(() => ['expired', 'reported as spam by op']), 'the trace says who discarded it');
      const audit = await store.db.selectFrom('audit_log').select(['actor', 'action', 'target']).where('action', 'like', 'quarantine.%').execute();
      assert.ok(audit.some((a) => a.actor === 'admin-a' && a.action === 'quarantine.release' && a.target === id));
      assert.ok(audit.some((a) => a.actor === 'op' && a.action === 'quarantine.report_spam' && a.target === s.quarantined.b[0]));
    });

    it('isolation: a domain admin gets 404 for every object of another domain, on every route', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const foreign = [...s.byDomain.b, ...s.quarantined.b];
      const guessed = ['M999999a', 'NOPE', s.byDomain.a[0]!.replace(/a$/, 'b') + 'x'];
      const ids = [...foreign, ...guessed];
      const routes: [string, (id: string) => Promise<{ statusCode: number; body: string }>][] = [
        ['GET /api/messages/:id', (id) => adminA.get(`/api/messages/${id}`)],
        ['GET /api/quarantine/:id', (id) => adminA.get(`/api/quarantine/${id}`)],
        ['POST /api/quarantine/:id/release', (id) => adminA.post(`/api/quarantine/${id}/release`)],
        ['POST /api/quarantine/:id/release_learn', (id) => adminA.post(`/api/quarantine/${id}/release_learn`)],
        ['POST /api/quarantine/:id/delete', (id) => adminA.post(`/api/quarantine/${id}/delete`)],
        ['POST /api/quarantine/:id/report_spam', (id) => adminA.post(`/api/quarantine/${id}/report_spam`)],
        ['GET /messages/:id', (id) => adminA.get(`/messages/${id}`)],
        ['GET /quarantine/:id', (id) => adminA.get(`/quarantine/${id}`)],
        ['POST /quarantine/:id/action', (id) => adminA.post(`/quarantine/${id}/action`, { action: 'release' }, { form: true })],
      ];
      for (const [name, call] of routes) for (const id of ids) assert.equal((await call(id)).statusCode, 404, `${name} ${id}`);
      const bulk = (await adminA.post('/api/quarantine/bulk', { action: 'release', ids: foreign })).json();
      assert.ok(bulk.results.every((r: { ok: boolean; error: string }) => !r.ok && r.error === 'not_found'));
      // Filters naming the other domain are "not found" too, whether the domain exists or not.
      for (const url of [`/api/report?domain=b.example`, `/api/messages?domain=b.example`, `/api/quarantine?domain=b.example`, `/api/connections?domain=b.example`, `/api/export/messages.csv?domain=b.example`, `/api/domains/b.example`, `/api/domains/zzz.example`, `/report?domain=b.example`, `/trace?domain=b.example`, `/quarantine?domain=b.example`, `/trace/connections?domain=b.example`, `/domains/b.example`]) {
        const r = await adminA.get(url);
        assert.equal(r.statusCode, 404, url);
      }
      // Unfiltered listings hold only the admin's domain.
      const all = (await adminA.get('/api/messages?limit=500')).json();
      assert.equal(all.items.length, s.byDomain.a.length + s.quarantined.a.length);
      assert.ok(all.items.every((m: { id: string; recipients: string[] }) => m.recipients.every((r) => r.endsWith('@a.example'))));
      const csv = (await adminA.get('/api/export/messages.csv')).body;
      for (const id of foreign) assert.ok(!csv.includes(id), `export leaks ${id}`);
      assert.ok(csv.includes(s.byDomain.a[0]!));
      const conns = (await adminA.get('/api/connections')).json();
      assert.ok(conns.items.length === 3 && conns.items.every((c: { domain: string }) => c.domain === 'a.example'));
      const rep = (await adminA.get(`/api/report?${PERIOD}`)).json();
      assert.equal(rep.addresses, 3);
      assert.deepEqual(rep.byDomain.map((d: { domain: string }) => d.domain), ['a.example'], 'only their own domains, row by row');
      assert.equal(rep.blocked.atConnection.count, 3);
      assert.deepEqual((await adminA.get('/api/domains')).json().map((d: { name: string }) => d.name), ['a.example']);
      const trace = await adminA.get('/trace?limit=500');
      for (const id of foreign) assert.ok(!trace.body.includes(id), `trace page leaks ${id}`);
      // Operator-only routes.
      assert.equal((await adminA.get('/api/audit')).statusCode, 403);
      assert.equal((await adminA.post('/api/domains/import', { csv: 'domain\nx.example\n' })).json().error.code, 'forbidden');
      assert.equal((await adminA.get('/audit')).statusCode, 403);
    });

    it('a mailbox owner sees only mail to their own address', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const mine = (await alice.get('/api/messages?limit=500')).json();
      assert.ok(mine.items.length > 0);
      assert.ok(mine.items.every((m: { recipients: string[] }) => m.recipients.length === 1 && m.recipients[0] === 'alice@a.example'));
      const bobs = await store.db.selectFrom('message_recipients').select('message_id').where('address', '=', 'bob@a.example').execute();
      for (const { message_id } of bobs.slice(0, 5)) assert.equal((await alice.get(`/api/messages/${message_id}`)).statusCode, 404);
      assert.equal((await alice.get('/api/report?domain=a.example')).statusCode, 404);
    });

    it('a mailbox owner releases a held message and always allows its sender; no other role may', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const id = await s.spool.accept({
        envelope: { clientIp: '203.0.113.9', clientHostname: null, helo: 'news.test', tls: false, mailFrom: 'bounce-77@mailer.news.test', rcptTo: ['alice@a.example'] },
        recipients: [{ address: 'alice@a.example', domainId: s.domains.a }],
        chunks: [Buffer.from(htmlMessage('Weekly digest for alice', 'alice@a.example').toString('latin1').replace('"Mallory" <mallory@evil.test>', '"The News" <Editor@News.Test>'), 'latin1')],
        messageId: '<digest-alice@news.test>',
        subject: 'Weekly digest for alice',
        status: 'quarantined',
        verdict: { category: 'spam', score: 7, action: 'quarantine', symbols: '[]' },
        receivedAt: NOW,
      });
      // Offered to the owner only: an operator or a domain admin has no personal list to add to.
      assert.equal((await op.post(`/api/quarantine/${id}/release_allow`)).statusCode, 403);
      assert.equal((await adminA.post(`/api/quarantine/${id}/release_allow`)).statusCode, 403);
      assert.doesNotMatch((await op.get(`/quarantine/${id}`)).body, /data-action="release_allow"/);
      assert.match((await alice.get(`/quarantine/${id}`)).body, /data-action="release_allow"[^>]*>Release and always allow the sender</);
      const r = (await alice.post(`/api/quarantine/${id}/release_allow`)).json();
      assert.deepEqual([r.released, r.allowed], [['alice@a.example'], 'editor@news.test'], 'the header From, as the owner saw it');
      const entries = await store.db.selectFrom('scan_lists').select(['domain', 'list', 'kind', 'value']).where('domain', '=', 'alice@a.example').execute();
      assert.deepEqual(entries, [{ domain: 'alice@a.example', list: 'allow', kind: 'address', value: 'editor@news.test' }]);
      const audited = await store.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'quarantine.release_allow').executeTakeFirstOrThrow();
      assert.equal(audited.actor, 'alice');
      assert.match(String(audited.detail), /editor@news\.test/);
      await store.db.deleteFrom('scan_lists').where('domain', '=', 'alice@a.example').execute();
    });

    it("a threat held for a mailbox owner is released by the domain's IT contacts, not by the owner", async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const id = await s.spool.accept({
        envelope: { clientIp: '203.0.113.9', clientHostname: null, helo: 'evil.test', tls: false, mailFrom: 'mallory@evil.test', rcptTo: ['alice@a.example'] },
        recipients: [{ address: 'alice@a.example', domainId: s.domains.a }],
        chunks: [htmlMessage('Your account is suspended', 'alice@a.example')],
        messageId: '<threat-alice@evil.test>',
        subject: 'Your account is suspended',
        status: 'quarantined',
        verdict: { category: 'phishing', score: 12, action: 'quarantine', symbols: '[]' },
        receivedAt: NOW,
      });
      for (const action of ['release', 'release_learn', 'release_allow']) {
        const r = await alice.post(`/api/quarantine/${id}/${action}`);
        assert.equal(r.statusCode, 403, action);
        assert.equal(r.json().error.message, `${action}: a message held as phishing is released by your IT contact (a domain admin or an operator), not by its recipient`);
      }
      const page = (await alice.get(`/quarantine/${id}`)).body;
      assert.match(page, /Held as phishing: only your IT contact can release it/);
      assert.match(page, /action="\/quarantine\/[^"]+\/request"[^]*Ask IT to release it/);
      assert.doesNotMatch(page, /data-action="release/);
      assert.match(page, /data-action="delete"/, 'the owner may still delete it');
      assert.equal((await store.db.selectFrom('message_recipients').select('status').where('message_id', '=', id).executeTakeFirstOrThrow()).status, 'held');
      assert.deepEqual((await adminA.post(`/api/quarantine/${id}/release`)).json().released, ['alice@a.example']);
    });

    it("a mailbox owner's quarantine holds the mail of their sub-addresses and of the directory's aliases of their mailbox, and nobody else's", async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      await new Directory(store.db).addRecipient('a.smith@a.example', { alias: 'alice@a.example' });
      const hold = (rcpt: string, domainId: number) =>
        s.spool.accept({
          envelope: { clientIp: '203.0.113.9', clientHostname: null, helo: 'shop.test', tls: false, mailFrom: 'offers@shop.test', rcptTo: [rcpt] },
          recipients: [{ address: rcpt, domainId }],
          chunks: [htmlMessage(`Offers for ${rcpt}`, rcpt)],
          messageId: `<offers-${rcpt}@shop.test>`,
          subject: `Offers for ${rcpt}`,
          status: 'quarantined',
          verdict: { category: 'spam', score: 7, action: 'quarantine', symbols: '[]' },
          receivedAt: NOW,
        });
      const sub = await hold('alice+news@a.example', s.domains.a);
      const alias = await hold('a.smith@a.example', s.domains.a);
      const aliasSub = await hold('a.smith+shop@a.example', s.domains.a);
      const others = [await hold('alicex@a.example', s.domains.a), await hold('alice.smith@a.example', s.domains.a), await hold('alice+news@b.example', s.domains.b), await hold('a.smith@b.example', s.domains.b)];
      const listed = (await alice.get('/api/quarantine?limit=500')).json().items.map((m: { id: string }) => m.id);
      for (const id of [sub, alias, aliasSub]) assert.ok(listed.includes(id), `her sub-address, her alias and its sub-address: ${id}`);
      for (const id of others) {
        assert.ok(!listed.includes(id), id);
        assert.equal((await alice.get(`/api/messages/${id}`)).statusCode, 404);
        assert.equal((await alice.post(`/api/quarantine/${id}/release`)).statusCode, 404);
      }
      assert.deepEqual((await alice.post(`/api/quarantine/${alias}/release`)).json().released, ['a.smith@a.example']);
      const ids = [sub, alias, aliasSub, ...others];
      await store.db.deleteFrom('message_recipients').where('message_id', 'in', ids).execute();
      await store.db.deleteFrom('messages').where('id', 'in', ids).execute();
      await store.db.deleteFrom('recipients').where('address', '=', 'a.smith@a.example').execute();
    });

    it('policy: operators set actions, lists and monitor mode; a domain admin reads only their own', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const before = (await adminA.get('/api/policy/a.example')).json();
      assert.equal(before.actions.find((a: { category: string }) => a.category === 'spam').source, 'default');
      const set = await op.post('/api/policy/a.example/action', { category: 'spam', action: 'quarantine' });
      assert.equal(set.statusCode, 200, set.body);
      await op.post('/api/policy/global/action', { category: 'graymail', action: 'tag' });
      await op.post('/api/policy/a.example/list', { list: 'block', value: 'bad@spam.test' });
      await op.post('/api/policy/a.example/monitor', { family: 'malware', until: '2026-11-28T08:00:00Z' });
      const v = (await adminA.get('/api/policy/a.example')).json();
      const act = (c: string) => v.actions.find((a: { category: string }) => a.category === c);
      assert.deepEqual([act('spam').action, act('spam').source], ['quarantine', 'a.example']);
      assert.deepEqual([act('graymail').action, act('graymail').source], ['tag', '*']);
      assert.deepEqual(v.lists.map((e: { list: string; value: string }) => [e.list, e.value]), [['block', 'bad@spam.test']]);
      assert.equal(v.monitors.find((m: { family: string }) => m.family === 'malware').until, '2026-11-28T08:00:00.000Z');
      const bad = await op.post('/api/policy/a.example/list', { list: 'allow', value: 'not an address' });
      assert.equal(bad.json().error.code, 'validation_failed');
      // Domain admins: read their own, 404 for others and for the global defaults, 403 on changes.
      assert.equal((await adminA.get('/api/policy/b.example')).statusCode, 404);
      assert.equal((await adminA.get('/api/policy/global')).statusCode, 404);
      assert.equal((await adminA.get('/policy/b.example')).statusCode, 404);
      assert.equal((await adminA.post('/api/policy/a.example/action', { category: 'spam', action: 'deliver' })).statusCode, 403);
      assert.equal((await adminA.post('/policy/a.example/action', { category: 'spam', action: 'deliver' }, { form: true })).statusCode, 403);
      const page = await adminA.get('/policy/a.example');
      assert.match(page.body, /data-action="spam">quarantine</);
      assert.doesNotMatch(page.body, /<select id="act-spam"/, 'no edit controls for a domain admin');
      // The form path, as the page posts it.
      const form = await op.post('/policy/a.example/action', { category: 'spam', action: '' }, { form: true });
      assert.equal(form.statusCode, 303);
      assert.equal((await op.get('/api/policy/a.example')).json().actions.find((a: { category: string }) => a.category === 'spam').source, 'default');
      const audit = await store.db.selectFrom('audit_log').select(['action', 'target']).where('actor', '=', 'op').where('action', 'like', 'policy.%').execute();
      assert.ok(audit.length >= 5);
    });

    it('imports CSV with a preview first, and serves OpenAPI, metrics and health', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const csv = 'domain,host,port\nc.example,mx.c.example,25\na.example,127.0.0.1,2525\n';
      const preview = (await op.post('/api/domains/import', { csv })).json();
      assert.deepEqual([preview.applied, preview.added, preview.unchanged], [false, ['c.example'], ['a.example']]);
      assert.equal((await op.get('/api/domains/c.example')).statusCode, 404, 'a preview writes nothing');
      const bad = (await op.post('/api/domains/import', { csv: 'domain,host,port\nc.example,mx.c.example,99999\n' })).json();
      assert.match(bad.error.issues[0], /line 2: port/);
      await op.post('/api/domains/import', { csv, apply: true });
      assert.equal((await op.get('/api/domains/c.example')).statusCode, 200);
      const form = await op.post('/domains/import', { kind: 'recipients', csv: 'address\nnew@c.example\n', apply: '0' }, { form: true });
      assert.match(form.body, /data-import="preview"/);
      assert.match(form.body, /\+ new@c.example/);

      const doc = (await app.inject({ url: '/api/openapi.json' })).json();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/api/messages'].get.parameters.some((p: { name: string }) => p.name === 'category'));
      assert.ok(doc.paths['/api/quarantine/{id}/{action}'].post);
      assert.ok(doc.components.schemas.Error.properties.error.properties.code.enum.includes('not_found'));

      const metrics = (await app.inject({ url: '/metrics' })).body;
      assert.match(metrics, /rampart_messages\{category="clean",action="deliver"\} 6/);
      assert.match(metrics, /rampart_connection_blocks\{reason="dnsbl"\} 2/);
      assert.match(metrics, /rampart_queue_depth\{status="held"\} \d/);
      assert.match(metrics, /rampart_delivery_attempts\{outcome="delivered"\} \d+/);
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
      assert.deepEqual((await op.get('/plugin/whoami')).json(), { operator: true });
      assert.deepEqual((await adminA.get('/plugin/whoami')).json(), { operator: false });
      const echo = await op.post('/plugin/echo', {}, { csrf: null });
      assert.equal(echo.statusCode, 200);
      assert.equal(echo.headers['content-security-policy'], undefined);
      assert.equal((await app.inject({ url: '/readyz' })).json().database, 'ok');
    });

    // Last: it prunes the seeded trace.
    it('past the trace retention the report keeps its figures and says which part its links no longer list', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const strip = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'rolledUp' ? undefined : x)));
      const urls = [`/api/report?${PERIOD}&domain=a.example`, `/api/report?${PERIOD}`];
      const before_ = await Promise.all(urls.map(async (u) => strip((await op.get(u)).json())));
      const beforeAdmin = strip((await adminA.get(`/api/report?${PERIOD}`)).json());
      // The all-time counters Prometheus reads must not fall when records go.
      const counters = async () => ((await app.inject({ url: '/metrics' })).body.match(/^rampart_(messages|connection_blocks)\{.*$/gm) ?? []).sort();
      const countersBefore = await counters();
      assert.ok(countersBefore.length > 5);
      // A day's retention, two days on: every settled record of the seeded days goes.
      const r = await pruneTrace(store.db, { retentionMs: 86_400_000, now: new Date(NOW.getTime() + 2 * 86_400_000) });
      assert.ok(r.messages > 10 && r.connections > 0);
      const after_ = await Promise.all(urls.map(async (u) => (await op.get(u)).json()));
      assert.deepEqual(after_.map(strip), before_);
      assert.deepEqual(strip((await adminA.get(`/api/report?${PERIOD}`)).json()), beforeAdmin);
      assert.deepEqual(await counters(), countersBefore);
      const rep = after_[0];
      assert.ok(rep.rolledUp.messages > 0 && rep.rolledUp.messages <= rep.scanned.count);
      // Each figure's link lists what is left of it: the count less the rolled-up part.
      const figures = [rep.scanned, rep.blocked.atData, rep.quarantined, rep.delivered, ...rep.delivered.byCategory.map((c: { figure: unknown }) => c.figure)];
      for (const f of figures) {
        const page = (await op.get(`/api/messages?${new URLSearchParams({ ...f.filter, limit: '500' })}`)).json();
        assert.equal(page.items.length, f.count - (f.rolledUp ?? 0), JSON.stringify(f.filter));
      }
      assert.ok(rep.quarantined.count > (rep.quarantined.rolledUp ?? 0), 'held messages are not settled: they stay in the trace');
      const html = await op.get(`/report?${PERIOD}&domain=a.example`);
      assert.match(html.body, new RegExp(`data-rolled-up-note>Includes ${rep.rolledUp.messages} messages and ${rep.rolledUp.connections} connection refusals whose records are past the trace's retention`));
      assert.match(html.body, new RegExp(`data-figure="scanned" data-rolled-up="${rep.scanned.rolledUp}" title="${rep.scanned.rolledUp} of these are past the trace&#39;s retention: counted, no longer listed">${rep.scanned.count}</a>`));
      // The trace and the refusals say how far back they go (retention.trace, 90 days by default).
      for (const [url, what] of [['/trace', 'Message records'], ['/trace/connections', 'Refused connections']]) {
        assert.match((await op.get(url!)).body, new RegExp(`data-kept-since="2026-08-22T12:00:00.000Z">${what} are kept for 90d, from 2026-08-22 12:00 UTC on; older ones still count in the report`));
      }
    });
  });
}
