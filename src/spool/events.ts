// In-process signal that new work is due, so a delivery engine in the same process picks a message
// up at once instead of at its next poll. Other processes are found by polling.
import { EventEmitter } from 'node:events';

const emitter = new EventEmitter();
emitter.setMaxListeners(0);

export function notifyQueued(): void {
  emitter.emit('queued');
}

/** Calls fn whenever something is queued in this process; returns the unsubscribe function. */
export function onQueued(fn: () => void): () => void {
  emitter.on('queued', fn);
  return () => emitter.off('queued', fn);
}
