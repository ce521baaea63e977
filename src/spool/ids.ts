// Queue ids: sortable by time, unique across nodes and processes, safe as file names.
import { randomBytes } from 'node:crypto';

export function newQueueId(now = Date.now()): string {
  return now.toString(36).padStart(9, '0') + randomBytes(6).toString('hex');
}
