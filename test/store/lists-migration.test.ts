// Migration 410 on SQLite and PostgreSQL: the old ip_list_entries rows arrive in scan_lists as
// global IP entries, normalised and de-duplicated (also against entries already there), the old
// table is gone, and `down` brings it back with the global IP entries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../../src/store/db.js';
import { isPostgres } from '../../src/store/dialect.js';
import { DATABASES } from '../helpers/db.js';
import { atMigration } from '../helpers/migrator.js';

// Looked up by name in this test's own schema: kysely's introspection reads every schema in the
// catalogue, and fails when a test running beside this one drops its schema in the middle of it.
async function tableExists(db: Kysely<any>, name: string): Promise<boolean> {
  if (isPostgres(db)) {
    const { rows } = await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(db);
    return rows[0]?.t != null;
  }
  const { rows } = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(db);
  return Number(rows[0]?.n) > 0;
}

for (const kind of DATABASES) {
  describe(`migration 410_unified_lists (${kind})`, () => {
    it('moves ip_list_entries into scan_lists, normalised and de-duplicated; down restores the table', async (t) => {
      await atMigration(t, kind, '400_migration', async (db, m) => {
        assert.equal(await tableExists(db, 'ip_list_entries'), true);
        const at = '2026-01-02T03:04:05.000Z';
        await db.insertInto('ip_list_entries').values([
          { network: '203.0.113.0/24', list: 'block', note: 'abuse', created_at: at },
          { network: '203.0.113.77/24', list: 'block', note: 'same network, host bits set', created_at: at },
          { network: '192.0.2.1/32', list: 'block', note: null, created_at: at },
          { network: '192.0.2.1', list: 'allow', note: 'partner', created_at: at },
          { network: '::ffff:198.51.100.4', list: 'block', note: null, created_at: at },
          { network: '2001:0DB8:0000::/32', list: 'block', note: null, created_at: at },
          { network: ' 2001:db8::/32 ', list: 'block', note: 'dup', created_at: at },
          { network: 'not-an-ip', list: 'block', note: null, created_at: at },
          { network: '10.0.0.0/8', list: 'block', note: 'from ip list', created_at: at },
        ]).execute();
        // Already on the global list (added with `rampart lists`), and an old-style unmasked network.
        await db.insertInto('scan_lists').values([
          { domain: '*', list: 'block', kind: 'ip', value: '10.0.0.0/8', comment: 'from lists', created_at: at },
          { domain: 'dest.test', list: 'block', kind: 'ip', value: '172.16.5.5/12', comment: null, created_at: at },
          { domain: 'dest.test', list: 'block', kind: 'ip', value: '172.16.0.0/12', comment: null, created_at: at },
          { domain: 'dest.test', list: 'allow', kind: 'domain', value: 'partner.test', comment: null, created_at: at },
        ]).execute();

        const warnings: string[] = [];
        const onWarning = (w: Error) => warnings.push(w.message);
        process.on('warning', onWarning);
        await migrateToLatest(db);
        await new Promise((r) => setImmediate(r));
        process.off('warning', onWarning);

        assert.equal(await tableExists(db, 'ip_list_entries'), false);
        const rows = await db.selectFrom('scan_lists').select(['domain', 'list', 'kind', 'value', 'comment']).orderBy('domain').orderBy('list').orderBy('value').execute();
        assert.deepEqual(rows.map((r) => [r.domain, r.list, r.kind, r.value, r.comment]), [
          ['*', 'allow', 'ip', '192.0.2.1', 'partner'],
          ['*', 'block', 'ip', '10.0.0.0/8', 'from lists'],
          ['*', 'block', 'ip', '192.0.2.1', null],
          ['*', 'block', 'ip', '198.51.100.4', null],
          ['*', 'block', 'ip', '2001:db8::/32', null],
          ['*', 'block', 'ip', '203.0.113.0/24', 'abuse'],
          ['dest.test', 'allow', 'domain', 'partner.test', null],
          ['dest.test', 'block', 'ip', '172.16.0.0/12', null],
        ]);
        assert.ok(warnings.some((w) => /dropped 1 ip_list_entries row.*block not-an-ip/.test(w)), warnings.join('\n'));

        const down = await m.migrateTo('400_migration');
        assert.equal(down.error, undefined);
        const restored = await db.selectFrom('ip_list_entries').select(['network', 'list', 'note']).orderBy('list').orderBy('network').execute();
        assert.deepEqual(restored.map((r) => [r.list, r.network, r.note]), [
          ['allow', '192.0.2.1', 'partner'],
          ['block', '10.0.0.0/8', 'from lists'],
          ['block', '192.0.2.1', null],
          ['block', '198.51.100.4', null],
          ['block', '2001:db8::/32', null],
          ['block', '203.0.113.0/24', 'abuse'],
        ]);
        // And up again is clean (the entries are already there).
        await migrateToLatest(db);
        assert.equal(await tableExists(db, 'ip_list_entries'), false);
        assert.equal((await db.selectFrom('scan_lists').select('id').where('domain', '=', '*').execute()).length, 6);
      });
    });
  });
}
