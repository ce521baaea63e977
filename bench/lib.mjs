// Helpers for the SMTP benchmark: free ports, smtp-sink with a live counter, smtp-source timing,
// process RSS, and a private Postfix instance in a temp directory (never on port 25).
import { spawn, execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function waitForPort(port, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port}`);
    await sleep(100);
  }
}

/** smtp-sink on a free port; count() is the number of messages it received ("." seen). */
export async function startSink() {
  const port = await freePort();
  const child = spawn('smtp-sink', ['-c', '-u', 'nobody', `127.0.0.1:${port}`, '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = 0;
  child.stdout.on('data', (d) => {
    const all = [...d.toString().matchAll(/mesg=(\d+)/g)];
    if (all.length) last = Number(all[all.length - 1][1]);
  });
  await waitForPort(port);
  return {
    port,
    count: () => last,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** Runs smtp-source and returns the seconds it took. */
export async function smtpSource(port, { sessions, messages, size }) {
  const t0 = process.hrtime.bigint();
  await run('smtp-source', ['-s', String(sessions), '-m', String(messages), '-l', String(size), '-f', 'sender@example.com', '-t', 'rcpt@bench.test', `127.0.0.1:${port}`], { timeout: 600_000, maxBuffer: 1 << 24 });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Waits until count() reaches n (or stalls for stallMs); returns seconds since t0 or null. */
export async function waitForCount(count, n, t0, stallMs = 15_000) {
  let last = count();
  let lastChange = Date.now();
  for (;;) {
    const c = count();
    if (c >= n) return (Date.now() - t0) / 1000;
    if (c !== last) {
      last = c;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) return null;
    await sleep(50);
  }
}

/** Resident memory (MB) of pid and all its descendants. */
export function rssTreeMb(pid) {
  const children = new Map();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(p));
    } catch {}
  }
  let kb = 0;
  const pids = [];
  const visit = (p) => {
    pids.push(p);
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {}
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return { mb: kb / 1024, pids };
}

/** Opens n SMTP connections and waits for every greeting; returns a close function. */
export async function openIdle(port, n) {
  const sockets = [];
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1');
        sockets.push(s);
        s.once('data', (d) => (d.toString().startsWith('220') ? resolve() : reject(new Error(`no greeting: ${d}`))));
        s.once('error', reject);
      }),
    ),
  );
  return () => sockets.forEach((s) => s.destroy());
}

/** A private Postfix relaying bench.test to the sink; listens on 127.0.0.1:port only. */
export async function startPostfix(dir, port, sinkPort) {
  const conf = path.join(dir, 'etc');
  mkdirSync(conf, { recursive: true });
  mkdirSync(path.join(dir, 'queue'), { recursive: true });
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  chmodSync(dir, 0o755);
  await run('chown', ['postfix', path.join(dir, 'data')]);
  writeFileSync(
    path.join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${dir}/queue`,
      `data_directory = ${dir}/data`,
      'command_directory = /usr/sbin',
      'daemon_directory = /usr/lib/postfix/sbin',
      'shlib_directory = /usr/lib/postfix',
      'meta_directory = /etc/postfix',
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = postfix-bench.localdomain',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mydestination =',
      'local_transport = error:local delivery is disabled',
      'alias_maps =',
      'alias_database =',
      'relay_domains = bench.test',
      `relayhost = [127.0.0.1]:${sinkPort}`,
      'mynetworks = 127.0.0.0/8',
      'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
      'smtp_tls_security_level = none',
      'smtpd_tls_security_level = none',
      'smtp_dns_support_level = disabled',
      'disable_dns_lookups = yes',
      'smtpd_peername_lookup = no',
      `maillog_file = ${dir}/maillog`,
      `maillog_file_prefixes = ${dir}`,
      'default_process_limit = 100',
      '',
    ].join('\n'),
  );
  // The packaged master.cf, with chroot off and the port-25 listener replaced by our high port.
  const master = readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .map((line) => {
      if (/^smtp\s+inet\s/.test(line)) return `127.0.0.1:${port} inet n - n - - smtpd`;
      if (/^\S+\s+inet\s/.test(line)) return `#${line}`;
      const m = /^(\S+\s+(?:unix|fifo|unix-dgram|pass)\s+\S+\s+\S+\s+)(\S+)(.*)$/.exec(line);
      return m ? `${m[1]}n${m[3]}` : line;
    })
    .join('\n');
  writeFileSync(path.join(conf, 'master.cf'), /^postlog\s/m.test(master) ? master : master + '\npostlog unix-dgram n - n 1 - postlogd\n');
  for (const f of ['dynamicmaps.cf', 'postfix-files']) {
    try {
      copyFileSync(`/etc/postfix/${f}`, path.join(conf, f));
    } catch {}
  }
  // Postfix reports fatal errors to syslog or a tty only; `script` gives it a tty to talk to.
  for (const cmd of ['check', 'start']) {
    await run('script', ['-qec', `postfix -c ${conf} ${cmd}`, '/dev/null']).catch((e) => {
      throw new Error(`postfix ${cmd} failed: ${e.stdout || e.stderr || e.message}`);
    });
  }
  await waitForPort(port);
  return { stop: () => run('postfix', ['-c', conf, 'stop']).catch(() => run('postfix', ['-c', conf, 'abort']).catch(() => {})) };
}
