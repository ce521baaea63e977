// The delivery engine of one gateway node: claims due recipients of this node's spooled messages,
// groups them by message and route, relays each group over a pooled SMTP session (at most
// delivery.concurrency at once), and records every outcome. See README "Delivery".
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RampartConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { Store } from '../../store/db.js';
import type { Message } from '../../store/schema.js';
import { onQueued } from '../events.js';
import { Spool } from '../spool.js';
import { finalizeMessage, sweepSettledFiles } from '../status.js';
import { claimDue, dropClaims, LEASE_MS, newToken, recoverStaleClaims, renewClaims, retireToken, type Claimed } from './claims.js';
import { classify, recordResults, type Result } from './outcome.js';
import { createResolver, Router, type Hop, type MxResolver } from './routing.js';
import { SessionPool } from './session.js';

export type { MxResolver } from './routing.js';

export interface DeliveryOptions {
  config: RampartConfig;
  store: Store;
  logger: Logger;
  /** DNS for MX and host lookups; built from config.dns when absent. */
  resolver?: MxResolver;
  /** The node's spool; by default data_dir/spool for this node. */
  spool?: Spool;
  /** This node's name (messages.node); defaults to the host name. */
  node?: string;
  now?: () => Date;
  /** Port for MX-routed hosts (25); tests aim it at a local listener. */
  mxPort?: number;
}

export interface DeliveryHandle {
  /** Stops claiming, gives back unstarted work, waits for sessions in progress, closes connections. */
  stop(): Promise<void>;
  /** Looks for due work now rather than at the next poll. */
  kick(): void;
  readonly token: string;
}

interface Job {
  message: Message;
  rows: Claimed[];
  hops: Hop[];
}

const MAX_RCPTS_PER_TRANSACTION = 100;
const RECOVER_EVERY_MS = 30_000;

export function defaultNodeName(): string {
  return os.hostname();
}

export function defaultSpoolDir(config: RampartConfig): string {
  return path.join(config.data_dir, 'spool');
}

export function startDelivery(opts: DeliveryOptions): DeliveryHandle {
  const { config, store, logger } = opts;
  const db = store.db;
  const log = logger.child({ component: 'delivery' });
  const node = opts.node ?? opts.spool?.node ?? defaultNodeName();
  const spool = opts.spool ?? new Spool(db, defaultSpoolDir(config), node);
  const now = opts.now ?? (() => new Date());
  const token = newToken(node);
  const router = new Router(db, config, opts.resolver ?? createResolver(config.dns), opts.mxPort ?? 25, () => now().getTime());
  const pool = new SessionPool({ helo: config.delivery.helo ?? config.smtp.hostname, timeout: config.delivery.connection_timeout, router, logger: log });
  const concurrency = config.delivery.concurrency;

  let stopped = false;
  let ticking = false;
  let again = false;
  let lastRecover = 0;
  const waiting: Job[] = [];
  const active = new Set<Promise<void>>();

  const pollTimer = setInterval(() => void tick(), config.delivery.poll_interval);
  const renewTimer = setInterval(() => {
    renewClaims(db, token, now()).catch((err) => log.error({ err }, 'renewing delivery claims failed'));
  }, LEASE_MS / 4);
  renewTimer.unref();
  const unsubscribe = onQueued(() => void tick());
  setImmediate(() => void tick());

  async function tick(): Promise<void> {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    try {
      if (now().getTime() - lastRecover >= RECOVER_EVERY_MS) {
        lastRecover = now().getTime();
        const n = await recoverStaleClaims(db, node, now());
        if (n) log.warn({ recipients: n }, 'took back deliveries left in flight by a stopped engine');
        const swept = await sweepSettledFiles(db, spool.queueDir);
        if (swept) log.info({ files: swept }, 'removed spool files of settled messages');
      }
      while (!stopped && waiting.length === 0 && active.size < concurrency) {
        const want = Math.min(500, (concurrency - active.size) * 4);
        const rows = await claimDue(db, node, token, now(), want);
        if (!rows.length) break;
        await plan(rows);
        pump();
        if (rows.length < want) break;
      }
    } catch (err) {
      log.error({ err }, 'delivery scheduling failed');
    } finally {
      ticking = false;
      if (again && !stopped) {
        again = false;
        setImmediate(() => void tick());
      }
    }
  }

  /** Turns claimed rows into jobs (message × route); recipients without a usable route are settled here. */
  async function plan(rows: Claimed[]): Promise<void> {
    const byMessage = new Map<string, Claimed[]>();
    for (const r of rows) byMessage.set(r.message_id, [...(byMessage.get(r.message_id) ?? []), r]);
    const messages = await db.selectFrom('messages').selectAll().where('id', 'in', [...byMessage.keys()]).execute();
    const found = new Map(messages.map((m) => [m.id, m]));
    const routes = await router.resolve(rows.map((r) => domainOf(r.address)));
    for (const [id, mrows] of byMessage) {
      const message = found.get(id);
      if (!message) {
        await dropClaims(db, token, now(), mrows.map((r) => r.id));
        continue;
      }
      const groups = new Map<string, { hops: Hop[]; rows: Claimed[] }>();
      const unroutable = new Map<Claimed, Result>();
      for (const r of mrows) {
        const route = routes.get(domainOf(r.address))!;
        if (route.kind === 'fail') {
          unroutable.set(r, { kind: route.permanent ? 'permanent' : 'temporary', reply: route.reply, host: null });
          continue;
        }
        const g = groups.get(route.key) ?? { hops: route.hops, rows: [] };
        g.rows.push(r);
        groups.set(route.key, g);
      }
      if (unroutable.size) await settle(message, unroutable);
      for (const g of groups.values()) {
        for (let i = 0; i < g.rows.length; i += MAX_RCPTS_PER_TRANSACTION) {
          waiting.push({ message, hops: g.hops, rows: g.rows.slice(i, i + MAX_RCPTS_PER_TRANSACTION) });
        }
      }
    }
  }

  function pump(): void {
    while (!stopped && active.size < concurrency && waiting.length) {
      const job = waiting.shift()!;
      const p: Promise<void> = run(job).finally(() => {
        active.delete(p);
        if (!stopped) {
          pump();
          if (waiting.length === 0) void tick();
        }
      });
      active.add(p);
    }
  }

  async function run(job: Job): Promise<void> {
    const { message, rows } = job;
    try {
      const results = new Map<Claimed, Result>();
      if (!existsSync(message.spool_path)) {
        log.error({ queue_id: message.id, file: message.spool_path }, 'spool file missing');
        for (const r of rows) results.set(r, { kind: 'temporary', reply: '4.3.0 spool file missing on this node', host: null });
      } else {
        const to = [...new Set(rows.map((r) => r.address))];
        const { hop, result } = await pool.deliver(job.hops, message.mail_from, to, message.spool_path, message.size);
        for (const r of rows) {
          const reply = result.replies.get(r.address) ?? { code: 0, reply: '4.4.2 no reply for this recipient' };
          results.set(r, { kind: classify(reply.code), reply: reply.reply, host: hop });
        }
      }
      await settle(message, results);
    } catch (err) {
      log.error({ err, queue_id: message.id }, 'delivery attempt failed');
      await dropClaims(db, token, now(), rows.map((r) => r.id)).catch(() => {});
    }
  }

  async function settle(message: Message, results: Map<Claimed, Result>): Promise<void> {
    await recordResults({ db, spool, config, token, now: now() }, message, results);
    for (const [row, r] of results) log.info({ queue_id: message.id, to: row.address, relay: r.host, status: r.kind, reply: r.reply }, 'delivery attempt');
    await finalizeMessage(db, message.id);
  }

  return {
    token,
    kick: () => void tick(),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(pollTimer);
      clearInterval(renewTimer);
      unsubscribe();
      while (ticking) await new Promise((r) => setTimeout(r, 10));
      waiting.splice(0);
      await Promise.allSettled([...active]);
      // Whatever this engine still holds (unstarted jobs) is due again for the next engine.
      await dropClaims(db, token, now()).catch((err) => log.error({ err }, 'giving back claims failed'));
      pool.close();
      retireToken(token);
    },
  };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
