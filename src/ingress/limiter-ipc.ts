// The limiter across processes: SMTP workers ask the cluster primary, which owns the one
// LimitTable of the node. Requests and answers are small IPC messages tagged with an id.
import type { Worker } from 'node:cluster';
import type { LimitRefusal, LimitTable, Limiter } from './limits.js';

type Request = { rampartLimit: 'acquire' | 'message'; id: number; ip: string } | { rampartLimit: 'release'; ip: string };
type Answer = { rampartLimitAnswer: number; refusal: LimitRefusal | null };

/** Primary side: answers one worker's requests; its slots are freed when it exits. */
export function serveLimits(worker: Worker, table: LimitTable): void {
  const owner = `worker-${worker.id}`;
  worker.on('message', (msg: Request) => {
    if (!msg || typeof msg !== 'object' || !('rampartLimit' in msg)) return;
    if (msg.rampartLimit === 'release') return table.release(msg.ip, owner);
    const refusal = msg.rampartLimit === 'acquire' ? table.acquire(msg.ip, owner) : table.message(msg.ip);
    if (worker.isConnected()) worker.send({ rampartLimitAnswer: msg.id, refusal } satisfies Answer);
  });
  worker.on('exit', () => table.releaseOwner(owner));
}

/** Worker side. If the primary does not answer in time the connection is refused (fail closed). */
export function ipcLimiter(timeoutMs = 5000): Limiter {
  let next = 1;
  const pending = new Map<number, (r: LimitRefusal | null) => void>();
  process.on('message', (msg: Answer) => {
    if (!msg || typeof msg !== 'object' || !('rampartLimitAnswer' in msg)) return;
    const resolve = pending.get(msg.rampartLimitAnswer);
    pending.delete(msg.rampartLimitAnswer);
    resolve?.(msg.refusal);
  });
  const ask = (kind: 'acquire' | 'message', ip: string) =>
    new Promise<LimitRefusal | null>((resolve) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(kind === 'acquire' ? 'too_many_connections' : 'rate_limit');
      }, timeoutMs);
      pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      process.send!({ rampartLimit: kind, id, ip } satisfies Request);
    });
  return {
    acquire: (ip) => ask('acquire', ip),
    message: (ip) => ask('message', ip),
    release: (ip) => {
      if (process.connected) process.send!({ rampartLimit: 'release', ip } satisfies Request);
    },
  };
}
