// Starts a real clamd for one test file, with a locally built signature database (freshclam cannot
// reach its mirrors here): an .ndb body signature for EICAR and an .hdb hash of ClamAV's test file.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { ping, type ClamdAddress } from '../../src/files/clamd.js';
import { tempDir } from './tmp.js';
import { freePort } from './ports.js';

export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
export const TESTFILES = '/usr/share/clamav-testfiles';

export interface RunningClamd {
  address: ClamdAddress;
  spec: string;
  stop(): Promise<void>;
}


/** Writes the test signature database into dir. */
export function writeTestSignatures(dir: string): void {
  writeFileSync(path.join(dir, 'rampart-test.ndb'), `Rampart.Test.EICAR:0:*:${Buffer.from(EICAR).toString('hex')}\n`);
  writeFileSync(path.join(dir, 'rampart-test.hdb'), execFileSync('sigtool', ['--md5', path.join(TESTFILES, 'clam.exe')]));
}

/** Starts clamd on a free TCP port (or a unix socket) and stops it after the test file. */
export async function startClamd(opts: { unix?: boolean } = {}): Promise<RunningClamd> {
  const dir = tempDir('rampart-clamd-');
  const db = path.join(dir, 'db');
  execFileSync('mkdir', ['-p', db]);
  writeTestSignatures(db);
  const port = opts.unix ? 0 : await freePort();
  const sockPath = path.join(dir, 'clamd.sock');
  const conf = [
    `DatabaseDirectory ${db}`,
    opts.unix ? `LocalSocket ${sockPath}` : `TCPSocket ${port}\nTCPAddr 127.0.0.1`,
    'Foreground yes',
    `PidFile ${path.join(dir, 'clamd.pid')}`,
    `TemporaryDirectory ${dir}`,
    'StreamMaxLength 50M',
    'MaxThreads 4',
  ].join('\n');
  const confPath = path.join(dir, 'clamd.conf');
  writeFileSync(confPath, conf + '\n');
  const child: ChildProcess = spawn('clamd', ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const address: ClamdAddress = opts.unix ? { kind: 'unix', path: sockPath } : { kind: 'tcp', host: '127.0.0.1', port };
  const deadline = Date.now() + 30_000;
  while (!(await ping(address, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`clamd did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  after(stop);
  // A test process that dies without running its hooks must not leave clamd behind.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  return { address, spec: opts.unix ? `unix:${sockPath}` : `tcp://127.0.0.1:${port}`, stop };
}
