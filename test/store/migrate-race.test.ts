// Migrating one PostgreSQL schema while another connection creates and drops schemas: Kysely's
// own introspector scanned every schema and failed with `schema "…" does not exist` whenever one
// vanished under it (a CI run of the suite lost a test file to another file's cleanup so); the
// migration now looks at its own schema only (src/store/schema-introspection.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrateToLatest, openStore, type Store } from '../../src/store/db.js';
import { migrations } from '../../src/store/migrations/index.js';
import { freshPostgresUrl, PG_BASE_URL, postgresReachable } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

describe('migrations beside schemas being dropped (postgres)', () => {
  let reachable = false;
  let drop: () => Promise<void> = async () => {};
  let store: Store | undefined;
  let url = '';
  before(async () => {
    reachable = await postgresReachable();
    if (!reachable) return;
    ({ url, drop } = await freshPostgresUrl());
  });
  after(async () => {
    await store?.close();
    await drop();
  });

  it('never fails because another schema went away meanwhile', async (t) => {
    if (!reachable) return t.skip('PostgreSQL is not reachable');
    const admin = new pg.Client({ connectionString: PG_BASE_URL });
    await admin.connect();
    let stop = false;
    let churned = 0;
    const prefix = `churn_${process.pid}_`;
    const churn = (async () => {
      while (!stop) {
        const s = `${prefix}${churned++}`;
        await admin.query(`create schema ${s}; create table ${s}.t (a int)`);
        await admin.query(`drop schema ${s} cascade`);
      }
    })();
    const failures: string[] = [];
    try {
      // The first run migrates the empty schema, the others find it up to date: both look for
      // the migration tables.
      store = await openStore({ url, dataDir: tempDir() });
      for (let i = 0; i < 150; i++) await migrateToLatest(store.db).catch((err: Error) => failures.push(err.message));
    } catch (err) {
      failures.push((err as Error).message);
    } finally {
      stop = true;
      await churn;
      await admin.end();
    }
    assert.ok(churned > 20, `the other connection dropped only ${churned} schemas`);
    assert.deepEqual(failures.slice(0, 3), []);
    const done = await store!.db.selectFrom('kysely_migration' as never).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    assert.equal(Number((done as { n: unknown }).n), Object.keys(migrations).length);
  });
});
