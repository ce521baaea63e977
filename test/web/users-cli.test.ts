// `rampart users` through the real command line: creating the first operator, a domain admin with
// granted domains, listing, password change, removal, and clear errors naming the field.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Directory } from '../../src/directory/repository.js';
import { openStore } from '../../src/store/db.js';
import { verifyPassword } from '../../src/web/passwords.js';
import { tempDir } from '../helpers/tmp.js';

function rampart(cfg: string, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', '-c', cfg, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('rampart users', () => {
  it('adds, grants, lists, changes passwords and removes accounts', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'rampart.yaml');
    writeFileSync(cfg, `data_dir: ${dir}\n`);
    const store = await openStore({ url: 'sqlite:rampart.db', dataDir: dir });
    await new Directory(store.db).addDomain('a.example');
    await new Directory(store.db).addDomain('b.example');
    await store.close();

    const add = await rampart(cfg, ['users', 'add', 'root', '--role', 'operator', '--password-stdin'], 'a long enough password\n');
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /added root \(operator\)/);
    const admin = await rampart(cfg, ['users', 'add', 'it-a', '--role', 'domain_admin', '--domain', 'a.example', '--password-stdin'], 'another long password\n');
    assert.equal(admin.code, 0, admin.stderr);
    const grant = await rampart(cfg, ['users', 'grant', 'it-a', 'b.example']);
    assert.equal(grant.code, 0, grant.stderr);
    const list = await rampart(cfg, ['users', 'list', '--json']);
    assert.deepEqual(list.stdout.trim().split('\n').map((l) => JSON.parse(l)), [
      { username: 'it-a', role: 'domain_admin', domains: ['a.example', 'b.example'], mailbox: null },
      { username: 'root', role: 'operator', domains: [], mailbox: null },
    ]);

    // A bad argument names the field and exits 2 (each spawn costs seconds, so one case here).
    const unknown = await rampart(cfg, ['users', 'grant', 'it-a', 'nope.example']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /domains: nope.example is not a protected domain/);

    const pw = await rampart(cfg, ['users', 'passwd', 'root', '--password-stdin'], 'a brand new password\n');
    assert.equal(pw.code, 0, pw.stderr);
    const rm = await rampart(cfg, ['users', 'remove', 'it-a']);
    assert.equal(rm.code, 0, rm.stderr);

    const check = await openStore({ url: 'sqlite:rampart.db', dataDir: dir });
    const root = await check.db.selectFrom('users').selectAll().where('username', '=', 'root').executeTakeFirstOrThrow();
    assert.ok(await verifyPassword('a brand new password', root.password_hash));
    assert.ok(!(await verifyPassword('a long enough password', root.password_hash)));
    assert.match(root.password_hash, /^scrypt\$16384\$8\$1\$/);
    assert.equal((await check.db.selectFrom('users').select('id').execute()).length, 1);
    const audit = await check.db.selectFrom('audit_log').select(['action', 'target']).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['user.add', 'user.add', 'user.grant', 'user.passwd', 'user.remove']);
    await check.close();
  });
});
