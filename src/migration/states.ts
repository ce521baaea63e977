// The migration states of a programme domain and the only transitions allowed between them,
// as types (a transition the table does not list does not compile) and as a runtime check.

export const MIGRATION_STATUSES = ['pending', 'scheduled', 'notified', 'ready', 'migrated', 'paused', 'rolled-back'] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];

/** For each state, the states it may move to. */
export const TRANSITIONS = {
  pending: ['scheduled', 'paused'],
  // Back to pending when the plan drops it (its date was cleared); ready when the checks pass early.
  scheduled: ['notified', 'ready', 'paused', 'pending'],
  notified: ['ready', 'paused', 'scheduled'],
  ready: ['migrated', 'paused', 'notified'],
  migrated: ['rolled-back'],
  paused: ['pending', 'scheduled'],
  'rolled-back': ['pending', 'scheduled', 'paused'],
} as const satisfies Record<MigrationStatus, readonly MigrationStatus[]>;

export type AllowedFrom<F extends MigrationStatus> = (typeof TRANSITIONS)[F][number];

/** A transition that the table allows, e.g. { from: 'notified', to: 'ready' }. */
export type LegalTransition = { [F in MigrationStatus]: { from: F; to: AllowedFrom<F> } }[MigrationStatus];

export function isMigrationStatus(s: string): s is MigrationStatus {
  return (MIGRATION_STATUSES as readonly string[]).includes(s);
}

export function canTransition(from: MigrationStatus, to: MigrationStatus): boolean {
  return (TRANSITIONS[from] as readonly MigrationStatus[]).includes(to);
}

/** Narrows an untyped pair to a legal transition, or explains why it is not one. */
export function checkTransition(from: MigrationStatus, to: MigrationStatus): LegalTransition {
  if (!canTransition(from, to)) {
    throw new MigrationError(`illegal transition ${from} → ${to} (from ${from} only ${TRANSITIONS[from].join(', ')})`);
  }
  return { from, to } as LegalTransition;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** States in which a domain holds a date in the calendar. */
export const DATED_STATUSES: readonly MigrationStatus[] = ['scheduled', 'notified', 'ready'];
