// Message-trace benchmark: fills a SQLite database with N messages (default 1,000,000) over 30
// days and 20 domains, then times trace pages (first, deep keyset, filtered, domain-admin scoped)
// and a report. Run: node --import tsx bench/trace.ts [N]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { openStore } from '../src/store/db.js';
import { CATEGORIES } from '../src/scan/types.js';
import { searchMessages } from '../src/web/trace.js';
import { buildReport } from '../src/web/report.js';
import type { Principal } from '../src/web/scope.js';

const N = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-bench-trace-'));
const store = await openStore({ url: 'sqlite:bench.db', dataDir: dir });
await store.close();

const raw = new SQLite(path.join(dir, 'bench.db'));
raw.pragma('journal_mode = WAL');
raw.pragma('synchronous = OFF');
const DOMAINS = 20;
const ins = raw.prepare('insert into domains (name, catch_all, created_at) values (?, 0, ?)');
for (let d = 1; d <= DOMAINS; d++) ins.run(`d${d}.example`, new Date().toISOString());
const msg = raw.prepare(`insert into messages (id, received_at, node, client_ip, helo, tls, mail_from, message_id, subject, size, spool_path, status, category, score, action, symbols)
  values (?, ?, 'n1', ?, 'h', 1, ?, ?, ?, 1000, '/x', ?, ?, 1.0, ?, '[]')`);
const rcpt = raw.prepare("insert into message_recipients (message_id, address, domain_id, status, attempts, updated_at) values (?, ?, ?, 'delivered', 1, ?)");
const start = Date.parse('2026-10-01T00:00:00Z');
const span = 30 * 86_400_000;
const t0 = Date.now();
raw.transaction(() => {
  for (let i = 0; i < N; i++) {
    const at = new Date(start + Math.floor((i / N) * span)).toISOString();
    const id = `m${String(i).padStart(9, '0')}`;
    const cat = CATEGORIES[(i * 7) % CATEGORIES.length]!;
    const status = i % 3 === 0 ? 'rejected' : i % 17 === 0 ? 'quarantined' : 'delivered';
    const d = (i % DOMAINS) + 1;
    msg.run(id, at, `10.${i % 250}.${(i >> 8) % 250}.1`, `s${i % 5000}@sender${i % 300}.test`, `<${id}@x>`, `subject ${i % 1000}`, status, cat, status === 'rejected' ? 'reject' : 'deliver');
    rcpt.run(id, `u${i % 900}@d${d}.example`, d, at);
  }
})();
raw.close();
console.log(`seeded ${N.toLocaleString()} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const s2 = await openStore({ url: 'sqlite:bench.db', dataDir: dir });
const op: Principal = { userId: 1, username: 'op', role: 'operator', domainIds: [], domainNames: [], mailbox: null };
const admin: Principal = { userId: 2, username: 'a', role: 'domain_admin', domainIds: [3], domainNames: ['d3.example'], mailbox: null };

async function time(label: string, fn: () => Promise<unknown>, runs = 5): Promise<void> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ts.sort((a, b) => a - b);
  console.log(`${label.padEnd(52)} median ${ts[Math.floor(ts.length / 2)]!.toFixed(1)} ms  max ${ts[ts.length - 1]!.toFixed(1)} ms`);
}

const first = await searchMessages(s2.db, op, {}, { limit: 50 });
let deep = first.next!;
for (let i = 0; i < 200; i++) deep = (await searchMessages(s2.db, op, {}, { cursor: deep, limit: 50 })).next!;
await time('operator, first page (50)', () => searchMessages(s2.db, op, {}, { limit: 50 }));
await time('operator, page 201 by keyset cursor', () => searchMessages(s2.db, op, {}, { cursor: deep, limit: 50 }));
await time('operator, category=phishing', () => searchMessages(s2.db, op, { category: 'phishing' }, { limit: 50 }));
await time('operator, sender contains "s42@"', () => searchMessages(s2.db, op, { sender: 's42@' }, { limit: 50 }));
await time('operator, rcpt = u17@d18.example', () => searchMessages(s2.db, op, { rcpt: 'u17@d18.example' }, { limit: 50 }));
await time('domain admin (1 of 20 domains), first page', () => searchMessages(s2.db, admin, {}, { limit: 50 }));
await time('domain admin, outcome=delivered category=spam, 1 day', () => searchMessages(s2.db, admin, { outcome: 'delivered', category: 'spam', since: '2026-10-15', until: '2026-10-15' }, { limit: 50 }));
await time('report, one domain, 7 days', () => buildReport(s2.db, op, { since: '2026-10-10', until: '2026-10-16', domain: 'd3.example' }), 3);
await time('report, all domains, 7 days', () => buildReport(s2.db, op, { since: '2026-10-10', until: '2026-10-16' }), 3);
await s2.close();
rmSync(dir, { recursive: true, force: true });
