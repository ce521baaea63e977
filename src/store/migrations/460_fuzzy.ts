// Fuzzy hashes (src/scan/analyzers/fuzzy/): the fingerprints of messages an operator reported as
// spam or phishing, or released as not spam, so that their near-copies are recognised on every node.
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fuzzy_hashes')
    .addColumn('id', idType(db), (c) => c.primaryKey())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('shingles', 'text', (c) => c.notNull())
    .addColumn('words', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addUniqueConstraint('fuzzy_hashes_unique', ['class', 'shingles'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fuzzy_hashes').execute();
}
