// The scan pool's V8 flags (tier-up budget, inlining cap) are set once, after its workers have
// loaded their modules: flags that differ from the ones Node's built-in code cache was made with
// make V8 refuse that cache, so a worker started after them compiled every Node module from source.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import { parseConfig } from '../../src/config/load.js';
import { ScanPool } from '../../src/scan/pool.js';
import { tempDir } from '../helpers/tmp.js';
import { LOADED_MODULE_URL } from './loaded-module.js';

describe('scan pool V8 flags', () => {
  it('are set once, after every worker has loaded its modules and before the first scan', async () => {
    const dir = tempDir();
    const marks = path.join(dir, 'loaded');
    process.env.SCAN_TEST_LOADED_FILE = marks;
    const calls: { flag: string; loaded: number }[] = [];
    const original = v8.setFlagsFromString;
    v8.setFlagsFromString = (flag: string) => {
      calls.push({ flag, loaded: existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n').length : 0 });
      original(flag);
    };
    try {
      const config = parseConfig({ data_dir: dir });
      const pool = await ScanPool.start({ config, size: 2, analyzersModule: LOADED_MODULE_URL, noStore: true });
      await pool.close();
      assert.deepEqual(
        calls.map((c) => c.flag),
        ['--interrupt-budget=270336', '--max-inlined-bytecode-size-cumulative=300'],
      );
      for (const c of calls) assert.equal(c.loaded, 2, `${c.flag} set when ${c.loaded} of 2 workers had loaded`);
      // A second pool in the same process leaves them as they are.
      const again = await ScanPool.start({ config, size: 1, analyzersModule: LOADED_MODULE_URL, noStore: true });
      await again.close();
      assert.equal(calls.length, 2);
    } finally {
      v8.setFlagsFromString = original;
      delete process.env.SCAN_TEST_LOADED_FILE;
    }
  });
});
