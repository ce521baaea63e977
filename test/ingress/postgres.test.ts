// The ingress on PostgreSQL: two SMTP workers, group-committed message rows, directory cache and
// connection events, driven by smtp-source. Skipped loudly when PostgreSQL is unreachable.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeDatabase, type TestDatabase } from '../helpers/db.js';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const run = promisify(execFile);

describe('ingress on PostgreSQL', () => {
  let tdb: TestDatabase | null;
  let gw: TestGateway;
  before(async () => {
    tdb = await makeDatabase('postgres');
    if (tdb) gw = await startTestGateway({ workers: 2, database: tdb, domains: [{ name: 'protected.test', recipients: ['rcpt@protected.test'] }] });
  });
  after(async () => {
    if (tdb) {
      await gw.stop();
      await tdb.cleanup();
    }
  });

  it('records 100 messages from 10 parallel sessions exactly once, and refusals as events', async (t) => {
    if (!tdb) return t.skip('PostgreSQL not reachable');
    await run('smtp-source', ['-s', '10', '-m', '100', '-l', '1000', '-f', 'sender@outside.test', '-t', 'rcpt@protected.test', `127.0.0.1:${gw.port}`], { timeout: 60_000 });
    const rcpts = await gw.db.selectFrom('message_recipients').select(['message_id', 'status']).execute();
    assert.equal(rcpts.length, 100);
    assert.equal(new Set(rcpts.map((r) => r.message_id)).size, 100);
    // The gateway's delivery engine may already have tried them (protected.test has no route: deferred).
    assert.ok(rcpts.every((r) => r.status === 'queued' || r.status === 'deferred'));
    await run('smtp-source', ['-A', '-m', '1', '-f', 'sender@outside.test', '-t', 'nobody@protected.test', `127.0.0.1:${gw.port}`], { timeout: 30_000 }).catch(() => {});
    await eventually(async () => {
      const rows = await gw.db.selectFrom('connection_events').select(['reason', 'domain']).execute();
      return rows.some((r) => r.reason === 'unknown_recipient' && r.domain === 'protected.test');
    }, 'unknown_recipient event');
  });
});
