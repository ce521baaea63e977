// The audit log: every sensitive action (login, release, delete, user and domain changes) with who
// did it, to what, and when.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  detail?: unknown;
  ip?: string | null;
}

export async function audit(db: Kysely<Database>, e: AuditEntry, now: Date = new Date()): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: now.toISOString(),
      actor: e.actor,
      action: e.action,
      target: e.target ?? null,
      detail: e.detail === undefined ? null : typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail),
      ip: e.ip ?? null,
    })
    .execute();
}
