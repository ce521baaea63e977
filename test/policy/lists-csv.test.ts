// Allow and block lists from CSV (global, per domain, per mailbox): the whole file is checked
// first and every error names its line and field, nothing written; then added in one go, entries
// already listed left alone; `rampart lists export` writes what `import` reads back.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Directory } from '../../src/directory/repository.js';
import { parseListsCsv } from '../../src/policy/lists-csv.js';
import { openStore } from '../../src/store/db.js';
import { rampart } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const DOMAINS = new Set(['chem.example.edu', 'physics.example.edu']);

describe('lists CSV', () => {
  it('reads global, domain and mailbox entries, normalised; names every bad line and field', () => {
    const ok = parseListsCsv('scope,list,value,comment\n*,block,203.0.113.77/24,abuse\nChem.Example.EDU,allow,Partner.Example,\nkim@chem.example.edu,allow,News@Shop.Example,from Trend\n,block,spam.example,\n', DOMAINS);
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.rows.map((r) => [r.line, r.scope, r.list, r.kind, r.value, r.comment]), [
      [2, '*', 'block', 'ip', '203.0.113.0/24', 'abuse'],
      [3, 'chem.example.edu', 'allow', 'domain', 'partner.example', null],
      [4, 'kim@chem.example.edu', 'allow', 'address', 'news@shop.example', 'from Trend'],
      [5, '*', 'block', 'domain', 'spam.example', null],
    ]);
    const bad = parseListsCsv(
      'scope,list,value\nhistory.example.edu,block,x.example\nkim@,allow,y.example\nchem.example.edu,deny,z.example\nchem.example.edu,block,999.1.1.1\nkim@chem.example.edu,block,198.51.100.9\nlee@nowhere.example,allow,a.example\nphysics.example.edu,block,fine.example\n',
      DOMAINS,
    );
    assert.deepEqual(bad.errors, [
      'line 2: scope: history.example.edu is not a protected domain (see rampart domains list)',
      'line 3: scope: kim@ is not a mailbox address',
      'line 4: list: expected allow or block, got "deny"',
      'line 5: value: "999.1.1.1" is not a valid IPv4 address (four numbers 0-255, e.g. 192.0.2.1)',
      "line 6: value: 198.51.100.9: a mailbox's list holds sender addresses and domains, not client IP addresses",
      'line 7: scope: nowhere.example is not a protected domain (see rampart domains list)',
    ]);
    assert.deepEqual(parseListsCsv('domain,list,value\nchem.example.edu,block,x.example\n', DOMAINS).errors, ['line 2: missing column "scope" (columns: scope, list, value, comment)']);
    assert.match(parseListsCsv('scope,list,value\n"unclosed,block,x\n', DOMAINS).errors[0]!, /^not valid CSV: /);
  });

  it('rampart lists import / export: all or nothing, then added once; the export reads back', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(config, `data_dir: ${dir}\ndatabase:\n  url: sqlite:rampart.db\nlog:\n  level: silent\n`);
    const store = await openStore({ url: 'sqlite:rampart.db', dataDir: dir });
    try {
      for (const d of DOMAINS) await new Directory(store.db).addDomain(d);
      const entries = async () => (await store.db.selectFrom('scan_lists').select(['domain', 'list', 'value']).orderBy('id').execute()).map((e) => `${e.domain} ${e.list} ${e.value}`);
      const file = (name: string, text: string) => {
        const p = path.join(dir, name);
        writeFileSync(p, text);
        return p;
      };
      const broken = await rampart(config, 'lists', 'import', file('broken.csv', 'scope,list,value\n*,block,spam.example\nchem.example.edu,block,10.0.0.0/40\n'));
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, /broken\.csv: nothing imported:\n {2}line 3: value: "10\.0\.0\.0\/40" is not a valid CIDR network/);
      assert.deepEqual(await entries(), [], 'the good line 2 was not written either');
      const good = file('good.csv', 'scope,list,value,comment\n*,block,spam.example,\nchem.example.edu,allow,partner.example,agreed\nkim@chem.example.edu,allow,news@shop.example,\n');
      assert.equal((await rampart(config, 'lists', 'import', '--dry-run', good)).stdout, '3 would be added, 0 already listed\n  + global block spam.example\n  + chem.example.edu allow partner.example\n  + kim@chem.example.edu allow news@shop.example\n');
      assert.deepEqual(await entries(), []);
      assert.equal((await rampart(config, 'lists', 'import', good)).stdout.split('\n')[0], '3 added, 0 already listed');
      assert.equal((await rampart(config, 'lists', 'import', good)).stdout, '0 added, 3 already listed\n');
      const exported = await rampart(config, 'lists', 'export');
      assert.equal(exported.stdout, 'scope,list,value,comment\n*,block,spam.example,\nchem.example.edu,allow,partner.example,agreed\nkim@chem.example.edu,allow,news@shop.example,\n');
      assert.equal((await rampart(config, 'lists', 'import', file('again.csv', exported.stdout))).stdout, '0 added, 3 already listed\n');
      assert.deepEqual(await entries(), ['* block spam.example', 'chem.example.edu allow partner.example', 'kim@chem.example.edu allow news@shop.example']);
    } finally {
      await store.close();
    }
  });
});
