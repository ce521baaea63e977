// The programme's records on SQLite and PostgreSQL: CSV import (preview, per-row errors, nothing
// written on a bad row), legal transitions with history, planning into waves (capacity, blackout
// days, pins, minimum notice, dry run), manual moves and pauses, and the report.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Directory } from '../../src/directory/repository.js';
import { importProgramme } from '../../src/migration/import.js';
import { MigrationRepository } from '../../src/migration/repository.js';
import { moveDomain, pauseDomain, planProgramme, resumeDomain } from '../../src/migration/schedule.js';
import { programmeReport, reportCsv, reportText } from '../../src/migration/report.js';
import { checkTransition, type LegalTransition } from '../../src/migration/states.js';
import { listNotices, sendDueNotices } from '../../src/migration/notices.js';
import type { Store } from '../../src/store/db.js';
import { DATABASES, makeDatabase, type TestDatabase } from '../helpers/db.js';
import { programmeDeps, type Clock } from './harness.js';

// Compile-time: legal transitions type-check, illegal ones do not.
const legal: LegalTransition = { from: 'notified', to: 'ready' };
// @ts-expect-error a migrated domain cannot go back to pending directly
const illegal: LegalTransition = { from: 'migrated', to: 'pending' };
void legal;
void illegal;

for (const kind of DATABASES) {
  describe(`migration programme on ${kind}`, () => {
    let tdb: TestDatabase | null;
    let store: Store;
    const clock: Clock = { now: new Date('2026-11-02T09:00:00Z') }; // a Monday
    before(async () => {
      tdb = await makeDatabase(kind);
      if (!tdb) return;
      store = await tdb.open();
      const dir = new Directory(store.db);
      for (let i = 1; i <= 12; i++) await dir.addDomain(`d${String(i).padStart(2, '0')}.test`, { routes: [{ host: '127.0.0.1', port: 2500 + i }] });
      for (let i = 1; i <= 3; i++) await dir.addRecipient(`user${i}@d01.test`);
      await dir.addRecipient('user@d02.test');
    });
    after(async () => {
      if (tdb) {
        await store.close();
        await tdb.cleanup();
      }
    });

    it('refuses illegal transitions at run time too', () => {
      assert.throws(() => checkTransition('migrated', 'pending'), /illegal transition migrated → pending/);
      assert.deepEqual(checkTransition('pending', 'scheduled'), { from: 'pending', to: 'scheduled' });
    });

    it('imports domains and contacts: preview, per-row errors, nothing written when a row is bad', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const bad = [
        'domain,contact_name,contact_address,role',
        'd01.test,Ada Admin,ada@d01.test,primary',
        'unknown.test,Nobody,nobody@unknown.test,primary',
        'd02.test,,bob@d02.test,deputy',
        'd03.test,Cy,not-an-address,primary',
        'd04.test,Di,di@d04.test,boss',
      ].join('\n');
      const preview = await importProgramme(store.db, bad, { apply: true, actor: 'test' });
      assert.deepEqual(preview.errors, [
        'line 3: domain: unknown.test is not a protected domain (add it with rampart domains add or import first)',
        'line 4: contact_name: must not be empty',
        'line 5: contact_address: not a valid address: "not-an-address"',
        'line 6: role: must be primary or deputy, got "boss"',
      ]);
      assert.equal((await new MigrationRepository(store.db).listDomains()).length, 0, 'nothing written');

      const rows = ['domain,contact_name,contact_address,role'];
      for (let i = 1; i <= 12; i++) {
        const d = `d${String(i).padStart(2, '0')}.test`;
        rows.push(`${d},Primary ${i},it${i}@${d},primary`, `${d},Deputy ${i},deputy${i}@${d},deputy`);
      }
      const dry = await importProgramme(store.db, rows.join('\n'), { apply: false, actor: 'test' });
      assert.deepEqual(dry.errors, []);
      assert.equal(dry.domainsAdded.length, 12);
      assert.equal(dry.contactsAdded, 24);
      assert.ok(dry.changes.includes('+ contact primary Primary 1 <it1@d01.test> for d01.test'));
      assert.equal((await new MigrationRepository(store.db).listDomains()).length, 0, 'a preview writes nothing');
      await importProgramme(store.db, rows.join('\n'), { apply: true, actor: 'test' });
      const repo = new MigrationRepository(store.db);
      assert.equal((await repo.listDomains()).length, 12);
      assert.equal((await repo.contacts()).length, 24);
      const again = await importProgramme(store.db, rows.join('\n').replace('Deputy 1,', 'Deputy One,'), { apply: false, actor: 'test' });
      assert.deepEqual(again.changes, ['~ contact <deputy1@d01.test> for d01.test: deputy Deputy 1 → deputy Deputy One']);
      const h = await repo.history((await repo.requireDomain('d01.test')).domainId);
      assert.deepEqual(h.map((x) => [x.from, x.to, x.actor]), [[null, 'pending', 'test']]);
    });

    it('plans waves respecting capacity, blackout days, pins and the minimum notice; --dry-run writes nothing', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const repo = new MigrationRepository(store.db);
      // Pilot: 4 pinned domains, 2 a day. Wave 1: 3 a day, weekends and 2026-11-25 blacked out.
      const pilot = await repo.addWave({ name: 'pilot', startsOn: '2026-11-16', endsOn: '2026-11-20', dailyCapacity: 2, blackout: ['2026-11-17'] });
      await repo.addWave({ name: 'wave-1', startsOn: '2026-11-23', endsOn: '2026-12-18', dailyCapacity: 3, blackout: ['sat', 'sun', '2026-11-25'] });
      await assert.rejects(repo.addWave({ name: 'bad', startsOn: '2026-12-01', endsOn: '2026-11-01', dailyCapacity: 1, blackout: [] }), /ends \(2026-11-01\) before it starts/);
      await assert.rejects(repo.addWave({ name: 'bad', startsOn: '2026-12-01', endsOn: '2026-12-02', dailyCapacity: 1, blackout: ['caturday'] }), /blackout: expected YYYY-MM-DD or a weekday/);
      for (const n of ['d09.test', 'd10.test', 'd11.test', 'd12.test']) await repo.pin((await repo.requireDomain(n)).domainId, pilot.id);
      const deps = programmeDeps(store, { clock, config: { min_notice_days: 14 } });

      const dry = await planProgramme(deps, { apply: false, actor: 'test' });
      assert.equal((await repo.listDomains()).filter((d) => d.status === 'scheduled').length, 0, 'dry run writes nothing');
      const byName = Object.fromEntries(dry.assignments.map((a) => [a.name, `${a.waveName} ${a.date}`]));
      // Today 2026-11-02 + 14 days = 2026-11-16. Pilot: 16th ×2, 17th blackout, 18th ×2.
      assert.deepEqual([byName['d09.test'], byName['d10.test'], byName['d11.test'], byName['d12.test']], ['pilot 2026-11-16', 'pilot 2026-11-16', 'pilot 2026-11-18', 'pilot 2026-11-18']);
      // The rest: wave-1 from Monday 23rd, 3 a day, skipping the 25th.
      assert.deepEqual(
        ['d01.test', 'd02.test', 'd03.test', 'd04.test', 'd05.test', 'd06.test', 'd07.test', 'd08.test'].map((n) => byName[n]),
        ['wave-1 2026-11-23', 'wave-1 2026-11-23', 'wave-1 2026-11-23', 'wave-1 2026-11-24', 'wave-1 2026-11-24', 'wave-1 2026-11-24', 'wave-1 2026-11-26', 'wave-1 2026-11-26'],
      );
      assert.deepEqual(dry.unplaced, []);

      const applied = await planProgramme(deps, { apply: true, actor: 'planner' });
      assert.deepEqual(applied.assignments, dry.assignments);
      const d01 = await repo.requireDomain('d01.test');
      assert.equal(d01.status, 'scheduled');
      assert.equal(d01.date, '2026-11-23');
      assert.equal((await repo.history(d01.domainId)).at(-1)?.reason, 'planned into wave wave-1 on 2026-11-23');
      const again = await planProgramme(deps, { apply: false, actor: 'test' });
      assert.deepEqual(again.assignments, [], 'nothing left to plan');
    });

    it('moves and pauses keep the plan valid and tell contacts who knew the date', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const deps = programmeDeps(store, { clock, config: { min_notice_days: 14 } });
      const repo = new MigrationRepository(store.db);
      await assert.rejects(moveDomain(deps, 'd04.test', '2026-11-23', { actor: 'op', reason: 'x' }), /2026-11-23 is full \(capacity 3 a day in wave wave-1\)/);
      await assert.rejects(moveDomain(deps, 'd04.test', '2026-11-28', { actor: 'op', reason: 'x' }), /blackout day of wave wave-1/);
      await assert.rejects(moveDomain(deps, 'd04.test', '2027-03-01', { actor: 'op', reason: 'x' }), /not in any wave/);
      await assert.rejects(moveDomain(deps, 'd04.test', '2026-11-16', { actor: 'op', reason: 'x' }), /is full \(capacity 2 a day in wave pilot\)/);

      // Notify d04 first so that a move must send change-of-date mail.
      const sent = await sendDueNotices(deps, 'test');
      assert.equal(sent.notified.length, 12);
      const before4 = (await listNotices(deps, { domainId: (await repo.requireDomain('d04.test')).domainId })).length;
      assert.equal(before4, 2);
      const moved = await moveDomain(deps, 'd04.test', '2026-11-27', { actor: 'op', reason: 'the college asked for a Friday' });
      assert.equal(moved.domain.date, '2026-11-27');
      assert.equal(moved.domain.status, 'notified');
      assert.equal(moved.told, 2);
      const notices = await listNotices(deps, { domainId: moved.domain.domainId });
      assert.deepEqual(notices.map((n) => [n.kind, n.forDate, n.delivery]), [
        ['notice', '2026-11-24', 'queued'],
        ['notice', '2026-11-24', 'queued'],
        ['change', '2026-11-27', 'queued'],
        ['change', '2026-11-27', 'queued'],
      ]);
      // The change mail is real mail in the spool, with the new date and the three steps.
      const msg = await store.db.selectFrom('messages').select(['subject', 'spool_path']).where('id', '=', notices[2]!.queueId).executeTakeFirstOrThrow();
      assert.equal(msg.subject, 'Changed: d04.test now moves to the Rampart mail gateway on 2026-11-27');

      await pauseDomain(deps, 'd05.test', { actor: 'op', reason: 'server replacement' });
      const p = await repo.requireDomain('d05.test');
      assert.equal(p.status, 'paused');
      assert.equal(p.date, null);
      // The freed day can take another domain now.
      await resumeDomain(deps, 'd05.test', { actor: 'op', reason: 'ready again' });
      assert.equal((await repo.requireDomain('d05.test')).status, 'pending');
      const replan = await planProgramme(deps, { apply: true, actor: 'planner' });
      assert.deepEqual(replan.assignments.map((a) => [a.name, a.date]), [['d05.test', '2026-11-24']]);
      assert.deepEqual((await repo.history(p.domainId)).map((h) => `${h.from ?? ''}→${h.to}`), ['→pending', 'pending→scheduled', 'scheduled→notified', 'notified→paused', 'paused→pending', 'pending→scheduled']);
    });

    it('reports domains and addresses by status and wave, the week, and exports CSV', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const deps = programmeDeps(store, { clock: { now: new Date('2026-11-24T08:00:00Z') } });
      const r = await programmeReport(deps);
      assert.equal(r.totals.domains, 12);
      assert.equal(r.totals.addresses, 4);
      assert.equal(r.byStatus.notified.domains, 11);
      assert.equal(r.byStatus.scheduled.domains, 1);
      assert.equal(r.byStatus.notified.addresses, 4);
      assert.deepEqual(r.week, { from: '2026-11-23', to: '2026-11-29' });
      assert.deepEqual(r.dueThisWeek.map((d) => `${d.date} ${d.domain}`), ['2026-11-23 d01.test', '2026-11-23 d02.test', '2026-11-23 d03.test', '2026-11-24 d05.test', '2026-11-24 d06.test', '2026-11-26 d07.test', '2026-11-26 d08.test', '2026-11-27 d04.test']);
      assert.equal(r.byWave.find((w) => w.wave === 'pilot')?.domains, 4);
      assert.match(reportText(r), /12 domains, 4 addresses; 0 addresses protected \(0%\)/);
      const csv = reportCsv(r).split('\n');
      assert.equal(csv[0], 'domain,status,wave,date,addresses,contacts,acknowledged,bounced,held_back,hold_override,last_reason');
      assert.match(csv[1]!, /^d01\.test,notified,wave-1,2026-11-23,3,2,0,0,no,no,/);
    });
  });
}
