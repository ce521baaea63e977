// The no-loss contract under crashes: `rampart serve` (a real process) takes a load of ~2,000
// messages with unique Message-IDs while it is killed with SIGKILL three times and restarted.
// Afterwards every message that was answered 250 must have arrived downstream exactly once.
// Duplicates are reported separately: they can only come from the window between a downstream's
// 250 and our commit, so there can be at most delivery.concurrency of them per crash.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { SMTPServer } from 'smtp-server';
import { Directory } from '../../src/directory/repository.js';
import { openStore } from '../../src/store/db.js';
import { freePort } from '../helpers/ports.js';

const TOTAL = 2000;
const SENDERS = 8;
const KILLS = 3;
const CONCURRENCY = 10;


/** Counts every Message-ID the downstream accepts. */
async function startSink(): Promise<{ port: number; seen: Map<string, number>; close(): Promise<void> }> {
  const seen = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    maxClients: 200,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 4096) head += c.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^message-id:\s*(\S+)/im.exec(head)?.[1] ?? 'none';
        seen.set(id, (seen.get(id) ?? 0) + 1);
        cb(null, 'Ok');
      });
    },
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return { port: (server.server.address() as AddressInfo).port, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** `rampart serve` in its own process group, so SIGKILL takes the primary and its workers at once. */
async function serve(cfg: string, port: number): Promise<ChildProcess> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/index.ts'), '-c', cfg, 'serve'], { stdio: ['ignore', 'ignore', 'pipe'], env, detached: true });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  // Ready when the port answers with a 220 greeting.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rampart serve exited: ${err}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection(port, '127.0.0.1');
      s.setTimeout(2000);
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('220'));
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return child;
    if (Date.now() > deadline) throw new Error(`rampart serve did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    /* already gone */
  }
}

describe('crash test: kill -9 under load (SQLite)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-crash-'));
  let gateway: ChildProcess | undefined;
  let sink: Awaited<ReturnType<typeof startSink>> | undefined;
  after(async () => {
    if (gateway) {
      killGroup(gateway, 'SIGKILL');
      if (gateway.exitCode === null && gateway.signalCode === null) await once(gateway, 'exit');
    }
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`every message answered 250 arrives exactly once across ${KILLS} SIGKILLs`, { timeout: 240_000 }, async (t) => {
    sink = await startSink();
    const port = await freePort();
    const cfg = path.join(dir, 'rampart.yaml');
    writeFileSync(
      cfg,
      [
        `data_dir: ${dir}/data`,
        'log: { level: warn }',
        `smtp: { host: 127.0.0.1, port: ${port}, workers: 1, hostname: crash.rampart.test, max_messages_per_ip_per_minute: 1000000, max_connections_per_ip: 500, shutdown_grace: 2s }`,
        `delivery: { poll_interval: 100ms, retry_schedule: [300ms], concurrency: ${CONCURRENCY}, connection_timeout: 5s }`,
        "dns: { servers: ['127.0.0.1:9'], timeout: 200ms }",
        // This test is about the spool's no-loss contract; the scan engine and console are tested elsewhere.
        'scan: { enabled: false }',
        'web: { enabled: false }',
        '',
      ].join('\n'),
    );
    const store = await openStore({ url: 'sqlite:rampart.db', dataDir: `${dir}/data` });
    await new Directory(store.db).addDomain('crash.test', { catchAll: true, routes: [{ host: '127.0.0.1', port: sink.port, tls: 'none' }] });

    gateway = await serve(cfg, port);
    const acked = new Set<string>();
    let next = 0;
    let failures = 0;
    let stopLoad = false;
    let down = false;

    // SENDERS parallel SMTP clients; each message has a fresh id, so a failed attempt is never resent.
    const sender = async (n: number) => {
      while (!stopLoad && acked.size < TOTAL) {
        const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10_000, logger: false });
        conn.on('error', () => {});
        const ok = await new Promise<boolean>((resolve) => {
          conn.once('error', () => resolve(false));
          conn.connect((err) => resolve(!err));
        });
        if (!ok) {
          failures++;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        while (!stopLoad && acked.size < TOTAL) {
          const id = `<crash-${n}-${next++}@load.test>`;
          const raw = `From: <load@sender.test>\r\nTo: <u${next % 50}@crash.test>\r\nSubject: crash ${id}\r\nMessage-ID: ${id}\r\n\r\n${'body line\r\n'.repeat(20)}`;
          const sent = await new Promise<boolean>((resolve) => conn.send({ from: 'load@sender.test', to: [`u${next % 50}@crash.test`] }, raw, (err) => resolve(!err)));
          if (!sent) {
            failures++;
            break;
          }
          acked.add(id);
        }
        conn.close();
      }
    };
    const load = Promise.all(Array.from({ length: SENDERS }, (_, i) => sender(i)));

    // Kill the whole gateway (primary and SMTP worker) at 25 %, 50 % and 75 % of the load.
    for (let k = 1; k <= KILLS; k++) {
      const at = (TOTAL * k) / (KILLS + 1);
      while (acked.size < at) await new Promise((r) => setTimeout(r, 20));
      down = true;
      killGroup(gateway, 'SIGKILL');
      await once(gateway, 'exit');
      t.diagnostic(`kill ${k} at ${acked.size} acknowledged`);
      gateway = await serve(cfg, port);
      down = false;
    }
    await load;
    assert.equal(down, false);

    // Wait for the queue to drain into the sink.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const pending = await store.db.selectFrom('message_recipients').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['queued', 'deferred']).executeTakeFirstOrThrow();
      const missing = [...acked].filter((id) => !sink!.seen.has(id)).length;
      if (Number(pending.n) === 0 && missing === 0) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1000));
    killGroup(gateway, 'SIGTERM');
    await once(gateway, 'exit');
    gateway = undefined;

    const missing = [...acked].filter((id) => !sink!.seen.has(id));
    const duplicates = [...sink.seen].filter(([, n]) => n > 1);
    const rows = await store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const undelivered = await store.db.selectFrom('message_recipients').select(['status']).where('status', '!=', 'delivered').execute();
    await store.close();
    t.diagnostic(`acknowledged ${acked.size}, client-side failures ${failures}, spooled rows ${rows.n}, arrived ${sink.seen.size} unique, duplicates ${duplicates.length}${duplicates.length ? ` (${duplicates.map(([id, n]) => `${id}×${n}`).join(', ')})` : ''}`);
    assert.ok(acked.size >= TOTAL, `the load completed (${acked.size})`);
    assert.deepEqual(missing, [], 'every message answered 250 arrived downstream');
    assert.deepEqual(undelivered, [], 'no recipient left undelivered');
    // A duplicate needs a crash between the downstream's 250 and our commit: at most one per session in flight.
    assert.ok(duplicates.length <= KILLS * CONCURRENCY, `duplicates ${duplicates.length} exceed what ${KILLS} crashes can cause`);
    const strays = [...sink.seen.keys()].filter((id) => !acked.has(id));
    t.diagnostic(`arrived without a 250 seen by the client (committed, reply lost in the crash): ${strays.length}`);
  });
});
