// Builds the migration programme's dependencies for a test: a store, the gateway's local submission,
// the real templates, a link signer and a settable clock.
import path from 'node:path';
import type { Store } from '../../src/store/db.js';
import { Spool } from '../../src/spool/spool.js';
import { MigrationConfig } from '../../src/migration/config.js';
import type { ProgrammeDeps } from '../../src/migration/context.js';
import { LinkSigner } from '../../src/migration/links.js';
import { localSubmitter, type MailSubmitter } from '../../src/migration/mail.js';
import { Templates } from '../../src/migration/templates.js';
import type { MigrationResolver } from '../../src/migration/checks/resolver.js';
import { tempDir } from '../helpers/tmp.js';

export const TEMPLATES_DIR = path.resolve(import.meta.dirname, '../../templates/migration');

export interface Clock {
  now: Date;
}

const noDns: MigrationResolver = {
  mx: async () => ({ ok: false, error: 'no DNS in this test' }),
  txt: async () => ({ ok: false, error: 'no DNS in this test' }),
};

/** Call at describe level or in a test (tempDir cleans up after the enclosing suite or test), or pass spoolDir. */
export function programmeDeps(store: Store, opts: { config?: unknown; clock: Clock; submit?: MailSubmitter; resolver?: MigrationResolver; spoolDir?: string }): ProgrammeDeps & { spool: Spool } {
  const spool = new Spool(store.db, opts.spoolDir ?? tempDir('rampart-mig-spool-'), 'test');
  return {
    db: store.db,
    config: MigrationConfig.parse(opts.config ?? {}),
    publicUrl: 'http://gateway.test',
    submit: opts.submit ?? localSubmitter(store, spool),
    templates: new Templates(TEMPLATES_DIR),
    links: new LinkSigner(Buffer.alloc(32, 7)),
    resolver: opts.resolver ?? noDns,
    now: () => opts.clock.now,
    spool,
  };
}
