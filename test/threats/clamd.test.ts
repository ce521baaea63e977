// The clamd INSTREAM client against a real clamd with the locally built signatures: EICAR, every
// file of clamav-testfiles the .hdb covers, TCP and unix socket, and the failure paths (down,
// silent, stream limit) that must never read as clean.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ClamdUnavailableError, parseClamdAddress, parseReply, scanBuffer } from '../../src/files/clamd.js';
import { parseMessage } from '../../src/message/parse.js';
import { malwareAnalyzer, ScanUnavailableError } from '../../src/scan/analyzers/malware/index.js';
import { runAnalyzer } from '../../src/scan/run-one.js';
import { EICAR, startClamd, TESTFILES } from '../helpers/clamd.js';

const tcp = await startClamd();
const unix = await startClamd({ unix: true });
const opts = { address: tcp.address, timeoutMs: 20_000, maxBytes: 50 * 1024 * 1024 };

describe('clamd INSTREAM client', () => {
  test('EICAR is found by the .ndb body signature, over TCP and over the unix socket', async () => {
    assert.deepEqual(await scanBuffer(Buffer.from(EICAR), opts), { kind: 'infected', signature: 'Rampart.Test.EICAR.UNOFFICIAL' });
    assert.deepEqual(await scanBuffer(Buffer.from(EICAR), { ...opts, address: unix.address }), { kind: 'infected', signature: 'Rampart.Test.EICAR.UNOFFICIAL' });
  });

  test('clean data is clean, also when sent in many small chunks', async () => {
    assert.deepEqual(await scanBuffer(Buffer.alloc(300_000, 'a'), { ...opts, chunkBytes: 1000 }), { kind: 'clean' });
    assert.deepEqual(await scanBuffer(Buffer.concat([Buffer.alloc(100_000, 'x'), Buffer.from(EICAR)]), { ...opts, chunkBytes: 4096 }), { kind: 'infected', signature: 'Rampart.Test.EICAR.UNOFFICIAL' });
  });

  test('every file of clamav-testfiles is caught by the clam.exe hash (packed, archived, mailed, embedded)', async () => {
    const files = readdirSync(TESTFILES).sort();
    const caught: string[] = [];
    for (const f of files) {
      const v = await scanBuffer(readFileSync(path.join(TESTFILES, f)), opts);
      if (v.kind === 'infected' && v.signature === 'clam.exe.UNOFFICIAL') caught.push(f);
    }
    // The set the signatures cover: all 44 files of Debian's clamav-testfiles 1.4.
    assert.deepEqual(caught, files);
    assert.ok(files.length >= 40, `only ${files.length} test files`);
  });

  test('an object over the size limit is an error, not clean', async () => {
    const v = await scanBuffer(Buffer.alloc(2048), { ...opts, maxBytes: 1024 });
    assert.equal(v.kind, 'error');
  });

  test('a clamd that is down, or that never answers, throws ClamdUnavailableError', async () => {
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as net.AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    await assert.rejects(scanBuffer(Buffer.from('x'), { address: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 2000, maxBytes: 1024 }), ClamdUnavailableError);
    const silent = net.createServer((s) => s.on('data', () => {}));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    after(() => silent.close());
    const sp = (silent.address() as net.AddressInfo).port;
    await assert.rejects(scanBuffer(Buffer.from('x'), { address: { kind: 'tcp', host: '127.0.0.1', port: sp }, timeoutMs: 300, maxBytes: 1024 }), /did not answer within 300 ms/);
  });

  test('the malware analyzer throws when clamd is down, so the pipeline applies scan.on_failure', async () => {
    const msg = await parseMessage(Buffer.from('From: a@b.example\r\nTo: c@example.edu\r\nSubject: hi\r\n\r\nhello\r\n'));
    await assert.rejects(runAnalyzer(malwareAnalyzer, msg, { config: { clamd: { address: 'tcp://127.0.0.1:1', timeout_ms: 2000 } } }), ScanUnavailableError);
    await assert.rejects(runAnalyzer(malwareAnalyzer, msg, { config: { clamd: { address: 'bogus' } } }), /expected tcp:\/\/host:port/);
    const ok = await runAnalyzer(malwareAnalyzer, msg, { config: { clamd: { address: unix.spec } } });
    assert.deepEqual(ok.symbols, []);
  });

  test('replies and addresses parse', () => {
    assert.deepEqual(parseReply('stream: Eicar-Test FOUND\0'), { kind: 'infected', signature: 'Eicar-Test' });
    assert.deepEqual(parseReply('stream: OK\0'), { kind: 'clean' });
    assert.equal(parseReply('INSTREAM size limit exceeded. ERROR\0').kind, 'error');
    assert.deepEqual(parseClamdAddress('tcp://127.0.0.1:3310'), { kind: 'tcp', host: '127.0.0.1', port: 3310 });
    assert.deepEqual(parseClamdAddress('[::1]:3310'), { kind: 'tcp', host: '::1', port: 3310 });
    assert.deepEqual(parseClamdAddress('unix:/run/clamd.ctl'), { kind: 'unix', path: '/run/clamd.ctl' });
    assert.throws(() => parseClamdAddress('host:99999'), /port/);
  });
});
