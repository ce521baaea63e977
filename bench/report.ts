// How long the reports take on a large trace: N message records (default 1,000,000; one or two
// recipients each over 20 domains, 30 days) and N/10 refusals; then `rampart report`'s buildReport
// and the console's (operator for all domains, operator for one, a domain admin of three) over
// the last 7 and the whole 30 days, each timed once cold and once warm.
//   node --import tsx bench/report.ts [N] [sqlite:FILE | postgres://…]   (default: a temp SQLite file)
// A PostgreSQL database given here is emptied of messages and connection events first: use a scratch one.
import { buildReport } from '../src/stats/report.js';
import { scratchTrace, secondsSince } from './scratch-trace.js';
import { buildReport as consoleReport } from '../src/web/report.js';
import type { Principal } from '../src/web/scope.js';

const N = Number(process.argv[2] ?? 1_000_000);
const START = Date.parse('2026-01-01T00:00:00Z');
const DAYS = 30;
const CATEGORIES = ['clean', 'clean', 'clean', 'clean', 'graymail', 'spam', 'spam', 'phishing', 'malware', 'auth_failed'];

async function main(): Promise<void> {
  const scratch = await scratchTrace(process.argv[3], 'report');
  const secs = secondsSince;
  try {
    const db = scratch.db;
    const ids = scratch.domainIds;
    let t = performance.now();
    const at = (n: number) => new Date(START + Math.floor((n * DAYS * 86_400_000) / N)).toISOString();
    for (let i = 0; i < N; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, N - i) }, (_, j) => i + j);
      const id = (n: number) => `Q${String(n).padStart(8, '0')}`;
      await db
        .insertInto('messages')
        .values(batch.map((n) => ({ id: id(n), received_at: at(n), node: 'n1', client_ip: '192.0.2.1', client_hostname: null, helo: null, tls: 0, mail_from: `s${n % 5000}@x.test`, message_id: null, subject: `subject ${n % 997}`, size: 2000, spool_path: '', status: (n % 10 === 0 ? 'rejected' : n % 23 === 0 ? 'quarantined' : 'delivered') as 'delivered', category: CATEGORIES[n % CATEGORIES.length]!, score: 1, action: n % 10 === 0 ? 'reject' : 'deliver', symbols: '[{"name":"BAYES_HAM","score":-3}]', would_action: n % 101 === 0 ? 'reject' : null, would_category: n % 101 === 0 ? 'malware' : null })))
        .execute();
      await db.insertInto('message_recipients').values(batch.flatMap((n) => (n % 7 === 0 ? [n % 20, (n + 3) % 20] : [n % 20]).map((d) => ({ message_id: id(n), address: `u${n % 500}@d${d}.bench.test`, domain_id: ids[d]!, status: 'delivered' as const, attempts: 1, next_attempt_at: null, last_reply: null, updated_at: at(n) })))).execute();
      if (i % 10_000 === 0) await db.insertInto('connection_events').values(Array.from({ length: 1000 }, (_, j) => ({ at: at(i + j * 10), client_ip: '203.0.113.9', helo: null, stage: 'rcpt' as const, reason: j % 3 ? 'unknown_recipient' : 'dnsbl', detail: null, domain: `d${j % 20}.bench.test` }))).execute();
    }
    console.log(`wrote ${N.toLocaleString('en-US')} message records in ${secs(t)}`);

    const operator: Principal = { userId: 1, username: 'op', role: 'operator', domainIds: [], domainNames: [], mailbox: null };
    const admin: Principal = { userId: 2, username: 'admin', role: 'domain_admin', domainIds: ids.slice(0, 3), domainNames: ['d0.bench.test', 'd1.bench.test', 'd2.bench.test'], mailbox: null };
    const end = new Date(START + DAYS * 86_400_000);
    for (const days of [7, DAYS]) {
      const since = new Date(end.getTime() - days * 86_400_000);
      const period = { since: since.toISOString(), until: end.toISOString() };
      const runs: [string, () => Promise<unknown>][] = [
        ['rampart report, all domains', () => buildReport(db, { since, until: end })],
        ['rampart report, one domain', () => buildReport(db, { since, until: end, domain: 'd5.bench.test' })],
        ['console, operator, all domains', () => consoleReport(db, operator, period)],
        ['console, operator, one domain', () => consoleReport(db, operator, { ...period, domain: 'd5.bench.test' })],
        ['console, admin of 3 domains', () => consoleReport(db, admin, period)],
      ];
      for (const [what, run] of runs) {
        const times: string[] = [];
        for (let k = 0; k < 2; k++) {
          t = performance.now();
          await run();
          times.push(secs(t));
        }
        console.log(`${days} days, ${what}: ${times.join(' / ')}`);
      }
    }
  } finally {
    await scratch.close();
  }
}

void main();
