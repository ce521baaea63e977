// Every schema migration, in order. Each area of the product adds its own file and one line here;
// names sort in the order they must run.
import type { Migration } from 'kysely';
import * as core from './001_core.js';
import * as delivery from './005_delivery.js';
import * as scan from './100_scan.js';
import * as console_ from './300_console.js';

export const migrations: Record<string, Migration> = {
  '001_core': core,
  '005_delivery': delivery,
  '100_scan': scan,
  '300_console': console_,
};
