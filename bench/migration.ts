// Migration programme at the scale of a university: N domains with two contacts each are imported,
// planned into waves of 50 a day, notified (2N real messages into the spool), ticked and reported,
// on a fresh SQLite database. Run: npx tsx bench/migration.ts [N]   (default 600)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Directory } from '../src/directory/repository.js';
import { MigrationConfig } from '../src/migration/config.js';
import type { ProgrammeDeps } from '../src/migration/context.js';
import { importProgramme } from '../src/migration/import.js';
import { LinkSigner } from '../src/migration/links.js';
import { localSubmitter } from '../src/migration/mail.js';
import { sendDueNotices } from '../src/migration/notices.js';
import { programmeReport } from '../src/migration/report.js';
import { MigrationRepository } from '../src/migration/repository.js';
import { planProgramme } from '../src/migration/schedule.js';
import { Templates } from '../src/migration/templates.js';
import { runMigrationTick } from '../src/migration/tick.js';
import { Spool } from '../src/spool/spool.js';
import { openStore } from '../src/store/db.js';

const n = Number(process.argv[2] ?? 600);
const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-bench-mig-'));
const store = await openStore({ url: 'sqlite:rampart.db', dataDir: dir });
const spool = new Spool(store.db, path.join(dir, 'spool'), 'bench');
const clock = { now: new Date('2027-01-04T09:00:00Z') };
const deps: ProgrammeDeps = {
  db: store.db,
  config: MigrationConfig.parse({ min_notice_days: 14 }),
  publicUrl: 'https://gateway.example.org',
  submit: localSubmitter(store, spool),
  templates: new Templates(fileURLToPath(new URL('../templates/migration', import.meta.url))),
  links: new LinkSigner(Buffer.alloc(32, 3)),
  resolver: { mx: async () => ({ ok: true, records: [] }), txt: async () => ({ ok: true, records: [] }) },
  now: () => clock.now,
};
const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  process.stdout.write(`${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms\n`);
  return r;
};

const dirRepo = new Directory(store.db);
for (let i = 0; i < n; i++) await dirRepo.addDomain(`d${i}.example.org`);
const rows = ['domain,contact_name,contact_address,role'];
for (let i = 0; i < n; i++) rows.push(`d${i}.example.org,Primary ${i},it@d${i}.example.org,primary`, `d${i}.example.org,Deputy ${i},deputy@d${i}.example.org,deputy`);
process.stdout.write(`${n} domains, ${2 * n} contacts, SQLite, ${os.cpus().length} cores\n`);
await time(`import CSV (${2 * n} rows)`, () => importProgramme(store.db, rows.join('\n'), { apply: true, actor: 'bench' }));
await new MigrationRepository(store.db).addWave({ name: 'all', startsOn: '2027-01-18', endsOn: '2027-06-30', dailyCapacity: 50, blackout: ['sat', 'sun'] });
const planned = await time('plan (50 a day, weekends off)', () => planProgramme(deps, { apply: true, actor: 'bench' }));
const notified = await time(`notify (${2 * n} messages spooled, fsync'd)`, () => sendDueNotices(deps));
clock.now = new Date('2027-01-12T09:00:00Z');
const tick = await time('tick (reminders for the first wave days)', () => runMigrationTick(deps, clock.now));
await time('report', () => programmeReport(deps));
process.stdout.write(`placed ${planned.assignments.length}, last day ${planned.assignments.at(-1)?.date}; notified ${notified.notified.length}; reminders ${tick.reminders.length}\n`);
await store.close();
rmSync(dir, { recursive: true, force: true });
