// `rampart serve` as a real process: starts SMTP workers, offers STARTTLS with a self-signed
// certificate generated once into data_dir (swaks --tls), and on SIGTERM stops accepting while
// the session in flight finishes, then exits 0.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Directory } from '../../src/directory/repository.js';
import { openStore } from '../../src/store/db.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);

async function serve(dir: string): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  // RAMPART_LOG_LEVEL (set by the test runner) would be read as a config override "log_level".
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', '-c', path.join(dir, 'rampart.yaml'), 'serve'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+),"data_dir".*"msg":"smtp ingress listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`serve exited: ${out}`));
    });
  });
  return { child, port, exited };
}

describe('rampart serve', () => {
  it('serves STARTTLS with a reused self-signed certificate and shuts down gracefully on SIGTERM', async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'rampart.yaml'),
      `data_dir: ${dir}/data\nlog: { level: info }\nsmtp: { host: 127.0.0.1, port: 0, workers: 2, hostname: mx.rampart.test, shutdown_grace: 10s }\ndns: { servers: ['127.0.0.1:9'], timeout: 200ms }\nweb: { port: 0 }\n# No clamd in this test: the engine runs every other analyzer (a clamd outage would rightly tempfail).\nscan: { analyzers: { malware: { clamd: { enabled: false } } } }\n`,
    );
    const store = await openStore({ url: 'sqlite:rampart.db', dataDir: `${dir}/data` });
    await new Directory(store.db).addDomain('protected.test', { catchAll: true });
    await store.close();

    const first = await serve(dir);
    const certFile = path.join(dir, 'data', 'tls', 'smtp-cert.pem');
    const cert = readFileSync(certFile, 'utf8');
    assert.match(cert, /BEGIN CERTIFICATE/);
    const { stdout } = await run('swaks', ['--server', `127.0.0.1:${first.port}`, '--tls', '--from', 's@outside.test', '--to', 'u@protected.test', '--timeout', '20'], { timeout: 30_000 });
    assert.match(stdout, /<- +220 2\.0\.0 Ready to start TLS/);
    assert.match(stdout, /TLS started with cipher/);
    assert.match(stdout, /<~ +250 2\.0\.0 queued as [0-9a-z]+/);

    // A session in flight when SIGTERM arrives still gets its message accepted.
    const c = await RawSmtp.connect(first.port);
    await c.envelope('s@outside.test', ['u@protected.test']);
    assert.equal((await c.cmd('DATA')).code, 354);
    first.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    c.write('Subject: in flight\r\n\r\nbody\r\n.\r\n');
    const done = await c.reply();
    assert.equal(done.code, 250, done.text);
    c.write('QUIT\r\n');
    await c.rest();
    assert.equal(await first.exited, 0);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = net.connect(first.port, '127.0.0.1', () => {
          s.destroy();
          resolve(null);
        });
        s.on('error', reject);
      }),
      /ECONNREFUSED/,
    );

    const second = await serve(dir);
    assert.equal(readFileSync(certFile, 'utf8'), cert, 'the certificate is reused');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);

    const check = await openStore({ url: 'sqlite:rampart.db', dataDir: `${dir}/data` });
    const rows = await check.db.selectFrom('messages').select(['subject', 'tls']).orderBy('received_at').execute();
    await check.close();
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.tls, 1, 'the swaks message came over TLS');
    assert.equal(rows[1]!.subject, 'in flight');
  });

  it("stops at start-up, exit 2, naming a mistyped key of an analyzer's section (not a MALWARE_FAIL per message)", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'rampart.yaml'),
      `data_dir: ${dir}/data\nsmtp: { host: 127.0.0.1, port: 0, workers: 1 }\nweb: { port: 0 }\nscan: { analyzers: { malware: { clamd: { socket: /run/clamav/clamd.ctl } } } }\n`,
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
    const err = await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', '-c', path.join(dir, 'rampart.yaml'), 'serve'], { env, timeout: 60_000 }).then(
      () => assert.fail('serve started'),
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    assert.equal(err.code, 2);
    assert.match(err.stderr, /^rampart: invalid scan configuration\n {2}scan\.analyzers\.malware\.clamd: Unrecognized key: "socket"\n$/);
    assert.doesNotMatch(err.stdout + err.stderr, /smtp ingress listening|\bat .*\.ts:\d+/);
  });
});
