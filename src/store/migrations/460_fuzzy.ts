// Fuzzy hashes (src/scan/analyzers/fuzzy/): the fingerprints of messages an operator reported as
// spam or phishing, or released as not spam, so that their near-copies are recognised on every
// node. A text entry's digest is its 32 min-hashes; a file entry's, an attachment's SHA-256.
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fuzzy_hashes')
    .addColumn('id', idType(db), (c) => c.primaryKey())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('filename', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addUniqueConstraint('fuzzy_hashes_unique', ['class', 'kind', 'digest'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fuzzy_hashes').execute();
}
