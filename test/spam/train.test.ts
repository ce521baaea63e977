// `rampart train` end to end: a directory of .eml files and an mbox, through the real CLI, into a
// SQLite store; a second run learns nothing new; an empty file is skipped; bad arguments get a
// clear error.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '../../src/store/db.js';
import { rampart } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { toyMessage } from './toy.js';

describe('rampart train', () => {
  it('learns a directory of .eml files and an mbox, once', async () => {
    const dir = tempDir();
    const spamDir = path.join(dir, 'spam');
    mkdirSync(spamDir);
    for (let i = 0; i < 5; i++) writeFileSync(path.join(spamDir, `${i}.eml`), toyMessage('spam', i));
    // No message at all: skipped and counted, never learned.
    writeFileSync(path.join(spamDir, 'empty.eml'), '');
    // mbox: three messages, one body line needing ">From " unquoting.
    const mbox = [0, 1, 2]
      .map((i) => `From colleague@uni.example.edu Mon Nov  2 10:00:00 2026\n${toyMessage('ham', i).replace(/\r\n/g, '\n')}\n>From the archive\n`)
      .join('');
    writeFileSync(path.join(dir, 'ham.mbox'), mbox);
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(config, `data_dir: ${dir}\ndatabase:\n  url: sqlite:train.db\n`);

    const first = await rampart(config, 'train', '--spam', spamDir, '--ham', path.join(dir, 'ham.mbox'));
    assert.match(first.stdout, /read 5 spam and 3 ham messages: 8 learned, 0 moved to the other class, 0 already known, 1 empty skipped$/m, first.stderr);
    // Not a TTY: no progress bar on stderr.
    assert.equal(first.stderr, '');
    const again = await rampart(config, 'train', '--json', '--spam', spamDir, '--ham', path.join(dir, 'ham.mbox'));
    assert.deepEqual(JSON.parse(again.stdout), { spam: 5, ham: 3, learned: 0, relearned: 0, skipped: 8, unreadable: 0, empty: 1, pruned: 0 });

    const store = await openStore({ url: 'sqlite:train.db', dataDir: dir });
    try {
      const meta = await store.db.selectFrom('bayes_meta').selectAll().executeTakeFirstOrThrow();
      assert.equal(Number(meta.spam_count), 5);
      assert.equal(Number(meta.ham_count), 3);
      const keys = (await store.db.selectFrom('bayes_learned').select('key').orderBy('key').execute()).map((r) => r.key);
      assert.ok(keys.includes('mid:<ham-2@test.example>'));
    } finally {
      await store.close();
    }
  });

  it('names the bad argument', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(config, `data_dir: ${dir}\n`);
    const none = await rampart(config, 'train');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /at least one --spam or --ham/);
    const missing = await rampart(config, 'train', '--spam', path.join(dir, 'nope'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--spam: .*nope does not exist/);
  });
});
