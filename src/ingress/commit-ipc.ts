// Cluster mode: SMTP workers write spool files themselves and hand the rows to the primary, the
// node's single database writer, which group-commits them for all workers at once (no lock
// contention between processes, bigger batches, no synchronous SQLite commit on an SMTP loop).
import type { Worker } from 'node:cluster';
import type { AcceptInput, Spool } from '../spool/spool.js';
import { SpoolError } from '../spool/spool.js';
import { writeSpoolFiles, type RowCommitter, type SpooledMessage } from './group-commit.js';

type Request = { rampartCommit: number; msgs: SpooledMessage[] };
type Answer = { rampartCommitted: number; error: string | null };

/** Primary side. */
export function serveCommits(worker: Worker, committer: RowCommitter): void {
  worker.on('message', (m: Request) => {
    if (!m || typeof m !== 'object' || !('rampartCommit' in m)) return;
    committer.commit(m.msgs).then(
      () => worker.isConnected() && worker.send({ rampartCommitted: m.rampartCommit, error: null } satisfies Answer),
      (err: Error) => worker.isConnected() && worker.send({ rampartCommitted: m.rampartCommit, error: err.message } satisfies Answer),
    );
  });
}

/** Worker side: the accept function used at the end of DATA. */
export function ipcAccept(spool: Spool): (inputs: AcceptInput[]) => Promise<string[]> {
  let next = 1;
  const pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  process.on('message', (m: Answer) => {
    if (!m || typeof m !== 'object' || !('rampartCommitted' in m)) return;
    const p = pending.get(m.rampartCommitted);
    pending.delete(m.rampartCommitted);
    if (m.error === null) p?.resolve();
    else p?.reject(new SpoolError(m.error));
  });
  process.on('disconnect', () => {
    for (const p of pending.values()) p.reject(new SpoolError('lost the primary process before the commit'));
    pending.clear();
  });
  return async (inputs) => {
    const msgs = await writeSpoolFiles(spool, inputs);
    // On a failed commit the primary removes the file. When the primary is lost the file stays:
    // if its rows made it, delivery needs it; if not, removeOrphans deletes it at the next start.
    await new Promise<void>((resolve, reject) => {
      if (!process.connected) return reject(new SpoolError('not connected to the primary process'));
      const id = next++;
      pending.set(id, { resolve, reject });
      process.send!({ rampartCommit: id, msgs } satisfies Request);
    });
    return msgs.map((m) => m.id);
  };
}
