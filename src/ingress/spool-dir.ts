// Where the node's spool lives: one place, so the primary and the SMTP workers agree.
import path from 'node:path';
import type { RampartConfig } from '../config/schema.js';

export function spoolDir(config: RampartConfig): string {
  return path.join(config.data_dir, 'spool');
}
