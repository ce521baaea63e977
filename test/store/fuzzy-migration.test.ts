// Migration 480 on SQLite and PostgreSQL: fuzzy entries made before it were last judged when they
// were added, at revision 0, and the store's own functions work on them after it (judged again,
// taken back: the revision moves).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../../src/message/parse.js';
import { fuzzyWords, shingles } from '../../src/scan/analyzers/fuzzy/fingerprint.js';
import { domainsScope } from '../../src/scan/analyzers/fuzzy/scope.js';
import { addFuzzy, listFuzzy, takeBackFuzzy } from '../../src/scan/analyzers/fuzzy/store.js';
import { migrateToLatest } from '../../src/store/db.js';
import { DATABASES } from '../helpers/db.js';
import { atMigration } from '../helpers/migrator.js';
import { campaign, mail } from '../spam/fuzzy-texts.js';

for (const kind of DATABASES) {
  describe(`migration 480_fuzzy_judged (${kind})`, () => {
    it('an entry made before it was last judged when added; judged again and taken back afterwards', async (t) => {
      await atMigration(t, kind, '470_fuzzy_scope', async (db, _m, store) => {
        const msg = await parseMessage(mail('Draw', campaign('Alice', 500, 24, 'x')));
        // A row as 470 left it, of the same message as the later report below.
        const digest = shingles(fuzzyWords(msg), 24)!.map((v) => v.toString(36)).join(' ');
        await db.insertInto('fuzzy_hashes').values({ class: 'spam', kind: 'text', digest, size: 60, filename: null, subject: 'Draw', source: 'cli', note: null, created_at: '2026-11-01T10:00:00.000Z', expires_at: null, scope: 'a.example,b.example' }).execute();
        await migrateToLatest(db);
        const [old] = await listFuzzy(store.db);
        assert.deepEqual([old!.createdAt, old!.judgedAt], ['2026-11-01T10:00:00.000Z', '2026-11-01T10:00:00.000Z']);
        assert.equal(Number((await db.selectFrom('fuzzy_hashes').select('revision').executeTakeFirstOrThrow()).revision), 0);
        const again = await addFuzzy(store.db, msg, { class: 'spam', scope: domainsScope(['c.example']), source: 'cli', lifetimeDays: 0, minWords: 24, now: new Date('2026-11-05T10:00:00Z') });
        assert.deepEqual(again.text, { status: 'known', id: old!.id, scope: domainsScope(['a.example', 'b.example', 'c.example']) });
        assert.deepEqual(await takeBackFuzzy(store.db, old!.id, ['a.example']), { deleted: false, scope: domainsScope(['b.example', 'c.example']) });
        const [now] = await listFuzzy(store.db);
        assert.deepEqual([now!.judgedAt, now!.expiresAt], ['2026-11-05T10:00:00.000Z', null]);
        assert.equal(Number((await db.selectFrom('fuzzy_hashes').select('revision').executeTakeFirstOrThrow()).revision), 2);
      });
    });
  });
}
