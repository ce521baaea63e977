// Bayes: learning (idempotent, relearning flips), the min-learns gate, separation of toy corpora,
// one model seen by two store connections, and feedback learning from the spool — on SQLite and
// PostgreSQL.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseMessage } from '../../src/message/parse.js';
import { bayes } from '../../src/scan/analyzers/bayes/index.js';
import { learn, learnBatch, modelFor } from '../../src/scan/analyzers/bayes/model.js';
import { hashToken, tokenize } from '../../src/scan/analyzers/bayes/tokenize.js';
import { runAnalyzer } from '../../src/scan/run-one.js';
import { teachSpooled } from '../../src/scan/feedback.js';
import { parseConfig } from '../../src/config/load.js';
import { DATABASES, makeDatabase } from '../helpers/db.js';
import { toyMessage } from './toy.js';

const parse = (s: string) => parseMessage(Buffer.from(s));
const config = { min_learns: 10, refresh_interval: 0 };

async function meta(db: Parameters<typeof learn>[0]) {
  return db.selectFrom('bayes_meta').selectAll().executeTakeFirstOrThrow();
}

for (const kind of DATABASES) {
  describe(`bayes (${kind})`, () => {
    it('separates toy spam from toy ham once trained, and abstains below min_learns', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        const items = [];
        for (let i = 0; i < 8; i++) items.push({ message: await parse(toyMessage('spam', i)), class: 'spam' as const }, { message: await parse(toyMessage('ham', i)), class: 'ham' as const });
        await learnBatch(store.db, items);
        // 8 of each is below min_learns 10: no vote.
        const early = await runAnalyzer(bayes, await parse(toyMessage('spam', 100)), { db: store.db, config });
        assert.deepEqual(early.symbols, []);
        const more = [];
        for (let i = 8; i < 30; i++) more.push({ message: await parse(toyMessage('spam', i)), class: 'spam' as const }, { message: await parse(toyMessage('ham', i)), class: 'ham' as const });
        const s = await learnBatch(store.db, more);
        assert.equal(s.learned, 44);
        for (let i = 100; i < 105; i++) {
          const sp = await runAnalyzer(bayes, await parse(toyMessage('spam', i)), { db: store.db, config });
          assert.equal(sp.symbols[0]?.name, 'BAYES_SPAM', `spam ${i}: ${JSON.stringify(sp.symbols)}`);
          assert.ok(Number(/^p=([\d.]+)/.exec(sp.symbols[0]!.detail!)![1]) >= 0.9, sp.symbols[0]!.detail);
          assert.ok(sp.symbols[0]!.weight! > 0.8 && sp.symbols[0]!.weight! <= 1);
          const hm = await runAnalyzer(bayes, await parse(toyMessage('ham', i)), { db: store.db, config });
          assert.equal(hm.symbols[0]?.name, 'BAYES_HAM', `ham ${i}: ${JSON.stringify(hm.symbols)}`);
        }
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });

    it('learns a message once, and relearning moves it to the other class', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        const msg = await parse(toyMessage('spam', 1));
        const tok = tokenize(msg)[0]!;
        assert.deepEqual(await learn(store.db, msg, 'spam'), { learned: 1, relearned: 0, skipped: 0 });
        assert.deepEqual(await learn(store.db, msg, 'spam'), { learned: 0, relearned: 0, skipped: 1 });
        let m = await meta(store.db);
        assert.equal(Number(m.spam_count), 1);
        assert.equal(Number(m.ham_count), 0);
        let row = await store.db.selectFrom('bayes_tokens').selectAll().where('token', '=', tok).executeTakeFirstOrThrow();
        assert.equal(Number(row.spam), 1);
        assert.deepEqual(await learn(store.db, msg, 'ham'), { learned: 0, relearned: 1, skipped: 0 });
        m = await meta(store.db);
        assert.equal(Number(m.spam_count), 0);
        assert.equal(Number(m.ham_count), 1);
        row = await store.db.selectFrom('bayes_tokens').selectAll().where('token', '=', tok).executeTakeFirstOrThrow();
        assert.equal(Number(row.spam), 0);
        assert.equal(Number(row.ham), 1);
        const learned = await store.db.selectFrom('bayes_learned').selectAll().execute();
        assert.equal(learned.length, 1);
        assert.equal(learned[0]!.class, 'ham');
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });

    it('a second store connection sees what the first one learned (cached, refreshed by version)', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const a = await tdb.open();
      const b = await tdb.open();
      try {
        const cacheB = modelFor(b.db);
        await cacheB.ensureFresh(0, 60_000);
        assert.equal(cacheB.spamCount, 0);
        const msg = await parse(toyMessage('spam', 7));
        await learn(a.db, msg, 'spam');
        // Within the refresh interval the cached copy is not re-read…
        await cacheB.ensureFresh(1000, 60_000);
        assert.equal(cacheB.spamCount, 0);
        // …after it, only the changed tokens are fetched.
        await cacheB.ensureFresh(120_000, 60_000);
        assert.equal(cacheB.spamCount, 1);
        const tok = tokenize(msg)[3]!;
        assert.ok(cacheB.get(tok) !== undefined);
        assert.equal(cacheB.get(hashToken('never-seen-token')), undefined);
        await learn(a.db, msg, 'ham');
        await cacheB.ensureFresh(240_000, 60_000);
        assert.equal(cacheB.spamCount, 0);
        assert.equal(cacheB.hamCount, 1);
      } finally {
        await a.close();
        await b.close();
        await tdb.cleanup();
      }
    });

    it('learns an operator\'s judgement by reading the spooled message', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        const file = path.join(tdb.dataDir, 'Q1.eml');
        writeFileSync(file, toyMessage('ham', 3));
        await store.db
          .insertInto('messages')
          .values({ id: 'Q1', received_at: new Date().toISOString(), node: 'n1', client_ip: '192.0.2.1', client_hostname: null, helo: null, tls: 0, mail_from: 'a@b.example', message_id: '<ham-3@test.example>', subject: 's', size: 10, spool_path: file, status: 'quarantined', category: 'spam', score: 7, action: 'quarantine', symbols: null, would_action: null, would_category: null })
          .execute();
        const config = parseConfig({ data_dir: tdb.dataDir });
        assert.deepEqual((await teachSpooled(store.db, config, 'Q1', 'ham', 'test')).bayes, { learned: 1, relearned: 0, skipped: 0 });
        // Phishing is spam to Bayes.
        assert.deepEqual((await teachSpooled(store.db, config, 'Q1', 'phishing', 'test')).bayes, { learned: 0, relearned: 1, skipped: 0 });
        assert.equal(Number((await meta(store.db)).spam_count), 1);
        await assert.rejects(teachSpooled(store.db, config, 'nope', 'spam', 'test'), /no message with id nope/);
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });
  });
}

describe('bayes tokenizer', () => {
  it('cuts Chinese, Japanese and Korean runs into overlapping character pairs', async () => {
    const msg = await parse('From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n出会いの広場 hello 안녕하세요\r\n');
    const toks = new Set(tokenize(msg));
    for (const pair of ['出会', '会い', 'いの', 'の広', '広場', '안녕', '하세', 'hello']) assert.ok(toks.has(hashToken(pair)), pair);
    // The whole run is not one token: it would never repeat in another message.
    assert.ok(!toks.has(hashToken('出会いの広場')));
  });

  it('hashes words and word pairs as hashToken does, each once, in first-seen order, however many a message has', async () => {
    const msg = await parse('From: a@example.org\r\nSubject: x\r\n\r\nThe cat, the Cat and the dog.\r\n');
    const toks = tokenize(msg);
    const body = ['the', 'cat', 'the cat', 'cat the', 'and', 'cat and', 'and the', 'dog', 'the dog'].map(hashToken);
    assert.deepEqual(toks.slice(0, body.length), body);
    assert.equal(new Set(toks).size, toks.length);
    // Thousands of distinct words (the table that drops repeats grows past its first size), then
    // a message of two words: nothing of the first is taken for a repeat in the second.
    const many = Array.from({ length: 6000 }, (_, i) => `w${i.toString(36)}x`).join(' ');
    const big = tokenize(await parse(`From: a@example.org\r\nSubject: x\r\n\r\n${many} ${many}\r\n`));
    assert.equal(new Set(big).size, big.length);
    for (const w of ['w0x', 'w0x w1x', `w${(5999).toString(36)}x`, `w${(5999).toString(36)}x w0x`]) assert.ok(big.includes(hashToken(w)), w);
    const small = tokenize(await parse('From: a@example.org\r\nSubject: x\r\n\r\nw0x w1x\r\n'));
    assert.deepEqual(small.slice(0, 3), ['w0x', 'w1x', 'w0x w1x'].map(hashToken));
  });

  it('does not make features of which header names are present', async () => {
    const a = tokenize(await parse('From: a@example.org\r\nSubject: x\r\n\r\nsame body\r\n'));
    const b = tokenize(await parse('From: a@example.org\r\nSubject: x\r\nX-Beenthere: list@example.org\r\n\r\nsame body\r\n'));
    assert.deepEqual(new Set(a), new Set(b));
  });
});
