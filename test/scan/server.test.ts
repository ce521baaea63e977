// The scan daemon: `rampart scand` as a real process, `rampart scan --server` as its real client,
// and plain HTTP requests for the daemon's answers to bad input.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_LISTEN, parseListen } from '../../src/cli/commands/scand.js';
import { BATCH_BYTES_FLOOR, envelopeOf, MAX_BATCH } from '../../src/scan/server.js';
import { encodeBatch } from '../../src/scan/batch-frames.js';
import { BATCH_MESSAGES } from '../../src/scan/client.js';
import { Directory } from '../../src/directory/repository.js';
import { openStore } from '../../src/store/db.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
const CLI = path.resolve('src/cli/index.ts');
const FIX = path.resolve('test/fixtures/scan');

interface Answer {
  status: number;
  body: string;
}

function request(port: number, method: string, url: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer to a POST that announces `length` bytes and sends none of them, as raw HTTP. */
function headersOnly(port: number, url: string, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`POST ${url} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('rampart scand and rampart scan --server', () => {
  const dir = tempDir();
  const cfg = path.join(dir, 'rampart.yaml');
  const daemons: ChildProcess[] = [];
  const rampart = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', CLI, '-c', cfg, ...args], { env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  /** Starts `rampart scand` on a free port and waits for its /ping. */
  const startDaemon = async (extra: string[] = []): Promise<number> => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '-c', cfg, 'scand', '--listen', `127.0.0.1:${port}`, '--local', ...extra], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    daemons.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`rampart scand exited: ${stderr}`);
      const ok = await request(port, 'GET', '/ping').then((a) => a.status === 200 || a.status === 403, () => false);
      if (ok) return port;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`rampart scand did not answer: ${stderr}`);
  };
  let port = 0;

  before(async () => {
    // Every shipped analyzer (clamd aside: bench:threats and the malware tests run it), a small
    // message size limit for the 413 case.
    writeFileSync(cfg, `data_dir: ${dir}\ndatabase:\n  url: sqlite:d.db\nsmtp:\n  max_message_size: 200000\nscan:\n  threads: 1\n  analyzers:\n    malware:\n      clamd:\n        enabled: false\n`);
    const store = await openStore({ url: 'sqlite:d.db', dataDir: dir });
    await new Directory(store.db).addDomain('example.org', { catchAll: true });
    await store.close();
    port = await startDaemon();
  });

  after(async () => {
    await Promise.all(
      daemons.map((d) => {
        if (d.exitCode !== null) return undefined;
        d.kill('SIGTERM');
        return new Promise((r) => d.once('exit', r));
      }),
    );
  });

  it('gives, message for message and in input order, the verdicts a local scan gives', async () => {
    const remote = await rampart(['scan', '--json', '--rcpt', 'bob@example.org', '--server', `http://127.0.0.1:${port}`, FIX]);
    assert.equal(remote.code, 0, remote.stderr);
    const local = await rampart(['scan', '--json', '--local', '--rcpt', 'bob@example.org', FIX]);
    assert.equal(local.code, 0, local.stderr);
    const lines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; category: string; score: number; action: string; symbols: { name: string }[] });
    const [r, l] = [lines(remote.stdout), lines(local.stdout)];
    assert.equal(r.length, 7);
    assert.deepEqual(
      r.map((x) => [path.basename(x.file), x.category, x.score, x.action, x.symbols.map((s) => s.name).sort()]),
      l.map((x) => [path.basename(x.file), x.category, x.score, x.action, x.symbols.map((s) => s.name).sort()]),
    );
    assert.ok(r.some((x) => x.category !== 'clean'), 'the fixtures are not all clean');
  });

  it('passes the envelope: the recipient domain selects the policy', async () => {
    assert.equal((await rampart(['policy', 'set', 'example.org', 'clean', 'quarantine'])).code, 0);
    const text = await rampart(['scan', '--rcpt', 'bob@example.org', '--server', `http://127.0.0.1:${port}`, path.join(FIX, 'clean.eml')]);
    assert.equal(text.code, 0, text.stderr);
    // The daemon rereads the policy at most every 2 s: the first scan may still see the old one.
    let answer = text.stdout;
    for (let i = 0; i < 30 && !/Action: quarantine/.test(answer); i++) {
      await new Promise((r) => setTimeout(r, 200));
      answer = (await rampart(['scan', '--rcpt', 'bob@example.org', '--server', `http://127.0.0.1:${port}`, path.join(FIX, 'clean.eml')])).stdout;
    }
    assert.match(answer, /^File: .*clean\.eml\nCategory: clean \(clean\)\nScore: \d+\.\d\d\nAction: quarantine\n/);
    const other = await rampart(['scan', '--rcpt', 'bob@elsewhere.test', '--server', `http://127.0.0.1:${port}`, path.join(FIX, 'clean.eml')]);
    assert.match(other.stdout, /\nAction: deliver\n/);
  });

  it('answers bad requests with a precise status and stays up', async () => {
    assert.deepEqual(await request(port, 'GET', '/ping'), { status: 200, body: 'pong\n' });
    assert.equal((await request(port, 'GET', '/scan')).status, 405);
    assert.equal((await request(port, 'POST', '/check', 'Subject: x\r\n\r\nx\r\n')).status, 404);
    const badIp = await request(port, 'POST', '/scan', 'Subject: x\r\n\r\nx\r\n', { 'x-rampart-ip': '999.1.1.1' });
    assert.equal(badIp.status, 400);
    assert.match(JSON.parse(badIp.body).error, /X-Rampart-IP: "999\.1\.1\.1" is not an IP address/);
    assert.equal((await request(port, 'POST', '/scan', '')).status, 400);
    const big = await request(port, 'POST', '/scan', Buffer.alloc(300_000, 'a'));
    assert.equal(big.status, 413);
    assert.match(JSON.parse(big.body).error, /smtp\.max_message_size \(200000 bytes\)/);
    const ok = await request(port, 'POST', '/scan', 'From: a@sender.test\r\nSubject: hello\r\n\r\nhello\r\n', { 'x-rampart-rcpt': 'bob@example.org' });
    assert.equal(ok.status, 200);
    assert.equal(typeof JSON.parse(ok.body).score, 'number');
  });

  it('answers a batch with one line per message, in order: the /scan answer, or why not', async () => {
    const msg = (i: number) => `From: a${i}@sender.test\r\nSubject: batch ${i}\r\n\r\nmessage number ${i} of the batch\r\n`;
    const rcpt = { 'x-rampart-rcpt': 'bob@example.org' };
    // Three different verdicts, so that an answer out of order shows.
    const dated = `Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <b5@sender.test>\r\n${msg(5)}`;
    const money = msg(3).replace('Subject: batch 3', 'Subject: FREE MONEY!!! $$$ Make $5000 a week');
    const messages = [Buffer.from(msg(1)), Buffer.alloc(0), Buffer.from(money), Buffer.alloc(200_001, 'a'), Buffer.from(dated)];
    const answer = await request(port, 'POST', '/scan/batch', Buffer.concat(encodeBatch(messages)), rcpt);
    assert.equal(answer.status, 200, answer.body);
    const lines = answer.body.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 5);
    const got = lines.map((l) => JSON.parse(l) as { error?: string; score?: number; symbols?: { name: string }[] });
    assert.deepEqual(got[1], { error: 'empty message' });
    assert.match(got[3]!.error!, /smtp\.max_message_size \(200000 bytes\)/);
    // Scanned as /scan scans it alone: same score and symbols (BAYES and all).
    const names = (i: number) => got[i]!.symbols!.map((x) => x.name).join(' ');
    assert.notEqual(names(0), names(2));
    assert.notEqual(names(0), names(4));
    for (const i of [0, 2, 4]) {
      const alone = JSON.parse((await request(port, 'POST', '/scan', messages[i], rcpt)).body) as { score: number; symbols: { name: string }[] };
      assert.equal(got[i]!.score, alone.score, `message ${i + 1}`);
      assert.deepEqual(got[i]!.symbols!.map((x) => x.name), alone.symbols.map((x) => x.name));
    }
    const bad = await request(port, 'POST', '/scan/batch', 'Subject: x\r\n\r\nx\r\n');
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /^message 1: expected its length in bytes and a line feed at byte 0/);
    const short = await request(port, 'POST', '/scan/batch', '3\nabc50\nabc');
    assert.equal(short.status, 400);
    assert.match(JSON.parse(short.body).error, /^message 2: 50 bytes announced, 3 left in the body$/);
    const many = await request(port, 'POST', '/scan/batch', Buffer.concat(encodeBatch(Array.from({ length: MAX_BATCH + 1 }, () => Buffer.from('x')))));
    assert.equal(many.status, 400);
    assert.match(JSON.parse(many.body).error, new RegExp(`more than ${MAX_BATCH} messages`));
    // Announced past the limit, answered before any of it is read (a test client writing megabytes
    // would meet the closed connection).
    const huge = await headersOnly(port, '/scan/batch', BATCH_BYTES_FLOOR + MAX_BATCH * 16 + 1);
    assert.match(huge, /^HTTP\/1\.1 413 /);
    assert.match(huge, /"error":"batch larger than \d+ bytes"/);
    const badIp = await request(port, 'POST', '/scan/batch', Buffer.concat(encodeBatch([Buffer.from(msg(1))])), { 'x-rampart-ip': 'nope' });
    assert.equal(badIp.status, 400);
    assert.match(JSON.parse(badIp.body).error, /X-Rampart-IP: "nope" is not an IP address/);
    assert.equal((await request(port, 'GET', '/scan/batch')).status, 405);
    assert.deepEqual(await request(port, 'GET', '/ping'), { status: 200, body: 'pong\n' });
  });

  it('scans a directory of many batches in input order, a message it cannot have scanned reported alone', async () => {
    const many = tempDir();
    const n = 3 * BATCH_MESSAGES + 5;
    for (let i = 0; i < n; i++) writeFileSync(path.join(many, `${String(i).padStart(3, '0')}.eml`), `From: s${i}@sender.test\r\nSubject: number ${i}\r\n\r\nthe body of message ${i}\r\n`);
    // Past the daemon's smtp.max_message_size (200000): its own error line, the others scanned.
    writeFileSync(path.join(many, '020-big.eml'), `Subject: big\r\n\r\n${'a'.repeat(250_000)}\r\n`);
    const r = await rampart(['scan', '--json', '--rcpt', 'bob@example.org', '--server', `http://127.0.0.1:${port}`, many]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /1 message\(s\) could not be scanned/);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; category?: string; error?: string });
    assert.equal(out.length, n + 1);
    assert.deepEqual(out.map((o) => path.basename(o.file)), [...out.map((o) => path.basename(o.file))].sort());
    const big = out.find((o) => o.file.endsWith('020-big.eml'))!;
    assert.match(big.error!, /smtp\.max_message_size \(200000 bytes\)/);
    assert.ok(out.filter((o) => o !== big).every((o) => typeof o.category === 'string' && o.error === undefined));
  });

  it('refuses clients outside its allow list', async () => {
    const closed = await startDaemon(['--allow', '192.0.2.0/24']);
    const refused = await request(closed, 'POST', '/scan', 'Subject: x\r\n\r\nx\r\n');
    assert.equal(refused.status, 403);
    assert.match(JSON.parse(refused.body).error, /127\.0\.0\.1 is not allowed/);
    const typo = await rampart(['scand', '--allow', '10.0.0.0/33']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /--allow: "10\.0\.0\.0\/33" is not an IP address or network/);
  });

  it('reports each message it could not get scanned, and usage errors', async () => {
    const down = await freePort();
    const r = await rampart(['scan', '--json', '--server', `http://127.0.0.1:${down}`, path.join(FIX, 'clean.eml')]);
    assert.equal(r.code, 1);
    assert.match(JSON.parse(r.stdout.trim()).error, /scan daemon at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    const mixed = await rampart(['scan', '--local', '--server', `http://127.0.0.1:${port}`, FIX]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--server: --threads and --local are the daemon's settings/);
    const threads = await rampart(['scand', '--threads', '1e2']);
    assert.equal(threads.code, 2);
    assert.match(threads.stderr, /--threads: expected a non-negative integer/);
    const notUrl = await rampart(['scan', '--server', 'localhost', FIX]);
    assert.equal(notUrl.code, 2);
    assert.match(notUrl.stderr, /--server: "localhost" is not a URL/);
  });

  it('reads its listen address and the envelope headers strictly', () => {
    assert.deepEqual(parseListen(DEFAULT_LISTEN), { host: '127.0.0.1', port: 11340 });
    assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
    assert.deepEqual(parseListen('8080'), { host: '127.0.0.1', port: 8080 });
    assert.throws(() => parseListen('host:99999'), /--listen: expected HOST:PORT/);
    assert.throws(() => parseListen('no-port'), /--listen: expected HOST:PORT/);
    assert.deepEqual(envelopeOf({ 'x-rampart-ip': '::ffff:192.0.2.7', 'x-rampart-from': 'a@x.test', 'x-rampart-helo': 'mx.x.test', 'x-rampart-rcpt': 'Bob@Example.org, c@example.org' }), {
      clientIp: '192.0.2.7',
      clientHostname: null,
      helo: 'mx.x.test',
      tls: false,
      mailFrom: 'a@x.test',
      rcptTo: ['bob@example.org', 'c@example.org'],
    });
    assert.throws(() => envelopeOf({ 'x-rampart-ip': '10.0.0.0/8' }), /is not an IP address/);
    assert.throws(() => envelopeOf({ 'x-rampart-rcpt': 'bob@example.org, lee' }), /X-Rampart-Rcpt: "lee" is not an address/);
    assert.throws(() => envelopeOf({ 'x-rampart-from': 'a@b@c' }), /X-Rampart-From: "a@b@c" is not an address/);
    // The null sender, and addresses in angle brackets as an SMTP client writes them.
    assert.deepEqual(envelopeOf({ 'x-rampart-from': '<>', 'x-rampart-rcpt': '<Bob@Example.org>' }).mailFrom, '');
    assert.deepEqual(envelopeOf({ 'x-rampart-rcpt': '<Bob@Example.org>' }).rcptTo, ['bob@example.org']);
  });
});
