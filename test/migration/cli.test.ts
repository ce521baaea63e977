// `rampart migrate …` as an operator runs it: a real child process with a configuration file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('rampart migrate (CLI)', () => {
  const dir = tempDir();
  const config = path.join(dir, 'rampart.yaml');
  writeFileSync(config, `data_dir: ${dir}/data\nmigration:\n  min_notice_days: 7\n`);
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), '-c', config, ...args], { cwd: ROOT, encoding: 'utf8', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_'))) });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('imports with per-row errors, plans with --dry-run, refuses bad overrides and reports as JSON', () => {
    const domains = path.join(dir, 'domains.csv');
    writeFileSync(domains, 'domain\na.test\nb.test\nc.test\n');
    const added = run('domains', 'import', domains);
    assert.equal(added.code, 0, added.err);
    const csv = path.join(dir, 'programme.csv');
    writeFileSync(csv, 'domain,contact_name,contact_address,role\na.test,Ann,ann@a.test,primary\nb.test,Bob,bob@b.test,deputy\nc.test,Cy,cy@c.test,primary\nz.test,Zed,zed@z.test,primary\n');
    const bad = run('migrate', 'import', csv);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /nothing imported:\n {2}line 5: domain: z\.test is not a protected domain/);
    writeFileSync(csv, 'domain,contact_name,contact_address,role\na.test,Ann,ann@a.test,primary\nb.test,Bob,bob@b.test,deputy\nc.test,Cy,cy@c.test,primary\n');
    const ok = run('migrate', 'import', csv);
    assert.equal(ok.code, 0, ok.err);
    const wave = run('migrate', 'waves', 'add', 'w1', '--from', '2030-03-04', '--to', '2030-03-08', '--capacity', '1', '--blackout', '2030-03-05');
    assert.equal(wave.code, 0, wave.err);
    const dry = run('migrate', 'plan', '--dry-run');
    assert.equal(dry.out, '3 domain(s) would be scheduled\n  2030-03-04  w1  a.test\n  2030-03-06  w1  b.test\n  2030-03-07  w1  c.test\n');
    // The real run places the same three: the dry run wrote nothing.
    assert.equal(run('migrate', 'plan').out, dry.out.replace('would be ', ''));
    const move = run('migrate', 'move', 'a.test', '2030-03-05', '--reason', 'asked');
    assert.equal(move.code, 2);
    assert.equal(move.err, 'rampart: cannot move a.test to 2030-03-05: 2030-03-05 is a blackout day of wave w1 (--force only waives the minimum notice)\n');
    assert.equal(run('migrate', 'move', 'a.test', '2030-03-08', '--reason', 'asked', '--actor', 'cli-test').code, 0);
    const report = JSON.parse(run('migrate', 'report', '--json').out);
    assert.equal(report.byStatus.scheduled.domains, 3);
    assert.deepEqual(report.domains.map((d: { domain: string; date: string; lastReason: string }) => `${d.domain} ${d.date} ${d.lastReason}`), ['a.test 2030-03-08 moved from 2030-03-04 to 2030-03-08: asked', 'b.test 2030-03-06 planned into wave w1 on 2030-03-06', 'c.test 2030-03-07 planned into wave w1 on 2030-03-07']);
  });
});
