// `rampart migrate …` as an operator runs it, with a configuration file: one real child process
// (exit code and stderr of the binary), the rest through the same commander program in-process
// (a tsx child costs seconds on a loaded machine).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { registerDomainCommands } from '../../src/cli/commands/domains.js';
import { registerMigrateCommands } from '../../src/cli/commands/migrate.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('rampart migrate (CLI)', () => {
  const dir = tempDir();
  const config = path.join(dir, 'rampart.yaml');
  writeFileSync(config, `data_dir: ${dir}/data\nmigration:\n  min_notice_days: 7\n`);
  const spawn = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), '-c', config, ...args], { cwd: ROOT, encoding: 'utf8', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_'))) });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  /** Runs the command in this process, capturing what it prints and its exit code. */
  const run = async (...args: string[]) => {
    const program = new Command().option('-c, --config <file>').exitOverride();
    registerDomainCommands(program);
    registerMigrateCommands(program);
    let out = '';
    let err = '';
    const stdout = process.stdout.write.bind(process.stdout);
    const stderr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((c: string) => ((out += c), true)) as typeof process.stdout.write;
    process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write;
    const before = process.exitCode;
    process.exitCode = 0;
    // The test runner sets RAMPART_LOG_LEVEL, which the config loader would read as a key "log_level".
    const env = Object.entries(process.env).filter(([k]) => k.startsWith('RAMPART_'));
    for (const [k] of env) delete process.env[k];
    try {
      await program.parseAsync(['node', 'rampart', '-c', config, ...args]);
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
      Object.assign(process.env, Object.fromEntries(env));
    }
    const code = process.exitCode ?? 0;
    process.exitCode = before;
    return { code, out, err };
  };

  it('imports with per-row errors, plans with --dry-run, refuses bad overrides and reports as JSON', async () => {
    const domains = path.join(dir, 'domains.csv');
    writeFileSync(domains, 'domain\na.test\nb.test\nc.test\n');
    const added = await run('domains', 'import', domains);
    assert.equal(added.code, 0, added.err);
    const csv = path.join(dir, 'programme.csv');
    writeFileSync(csv, 'domain,contact_name,contact_address,role\na.test,Ann,ann@a.test,primary\nb.test,Bob,bob@b.test,deputy\nc.test,Cy,cy@c.test,primary\nz.test,Zed,zed@z.test,primary\n');
    const bad = spawn('migrate', 'import', csv);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /nothing imported:\n {2}line 5: domain: z\.test is not a protected domain/);
    writeFileSync(csv, 'domain,contact_name,contact_address,role\na.test,Ann,ann@a.test,primary\nb.test,Bob,bob@b.test,deputy\nc.test,Cy,cy@c.test,primary\n');
    const ok = await run('migrate', 'import', csv);
    assert.equal(ok.code, 0, ok.err);
    const wave = await run('migrate', 'waves', 'add', 'w1', '--from', '2030-03-04', '--to', '2030-03-08', '--capacity', '1', '--blackout', '2030-03-05');
    assert.equal(wave.code, 0, wave.err);
    const dry = await run('migrate', 'plan', '--dry-run');
    assert.equal(dry.out, '3 domain(s) would be scheduled\n  2030-03-04  w1  a.test\n  2030-03-06  w1  b.test\n  2030-03-07  w1  c.test\n');
    // The real run places the same three: the dry run wrote nothing.
    assert.equal((await run('migrate', 'plan')).out, dry.out.replace('would be ', ''));
    const move = await run('migrate', 'move', 'a.test', '2030-03-05', '--reason', 'asked');
    assert.equal(move.code, 2);
    assert.equal(move.err, 'rampart: cannot move a.test to 2030-03-05: 2030-03-05 is a blackout day of wave w1 (--force only waives the minimum notice)\n');
    assert.equal((await run('migrate', 'move', 'a.test', '2030-03-08', '--reason', 'asked', '--actor', 'cli-test')).code, 0);
    const report = JSON.parse((await run('migrate', 'report', '--json')).out);
    assert.equal(report.byStatus.scheduled.domains, 3);
    assert.deepEqual(report.domains.map((d: { domain: string; date: string; lastReason: string }) => `${d.domain} ${d.date} ${d.lastReason}`), ['a.test 2030-03-08 moved from 2030-03-04 to 2030-03-08: asked', 'b.test 2030-03-06 planned into wave w1 on 2030-03-06', 'c.test 2030-03-07 planned into wave w1 on 2030-03-07']);
  });
});
