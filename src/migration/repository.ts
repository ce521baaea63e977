// The programme's records: programme domains (each a protected domain), their contacts, their
// state with its full history, and waves. Every status change goes through transition().
import type { Kysely } from 'kysely';
import type { Database, MigContactsTable } from '../store/schema.js';
import { inTransaction, nowIso } from '../store/dialect.js';
import { canonicalDomain } from '../directory/names.js';
import { checkTransition, isMigrationStatus, MigrationError, type MigrationStatus } from './states.js';
import { isDay, isWeekday, type Day } from './dates.js';

export type ContactRole = MigContactsTable['role'];

export interface ProgrammeDomain {
  domainId: number;
  name: string;
  status: MigrationStatus;
  waveId: number | null;
  waveName: string | null;
  pinnedWaveId: number | null;
  date: Day | null;
  holdOverride: boolean;
  heldBackAt: string | null;
}

export interface Contact {
  id: number;
  domainId: number;
  name: string;
  address: string;
  role: ContactRole;
}

export interface Wave {
  id: number;
  name: string;
  startsOn: Day;
  endsOn: Day;
  dailyCapacity: number;
  /** YYYY-MM-DD dates and weekday names. */
  blackout: string[];
}

export interface TransitionRecord {
  from: MigrationStatus | null;
  to: MigrationStatus;
  at: string;
  actor: string;
  reason: string;
}

export class MigrationRepository {
  constructor(readonly db: Kysely<Database>) {}

  async listDomains(filter: { name?: string; domainId?: number } = {}): Promise<ProgrammeDomain[]> {
    let q = this.db
      .selectFrom('mig_domains')
      .innerJoin('domains', 'domains.id', 'mig_domains.domain_id')
      .leftJoin('mig_waves', 'mig_waves.id', 'mig_domains.wave_id')
      .select(['mig_domains.domain_id', 'domains.name', 'mig_domains.status', 'mig_domains.wave_id', 'mig_waves.name as wave_name', 'mig_domains.pinned_wave_id', 'mig_domains.migration_date', 'mig_domains.hold_override', 'mig_domains.held_back_at'])
      .orderBy('domains.name');
    if (filter.name !== undefined) q = q.where('domains.name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('mig_domains.domain_id', '=', filter.domainId);
    const rows = await q.execute();
    return rows.map((r) => ({
      domainId: r.domain_id,
      name: r.name,
      status: toStatus(r.status),
      waveId: r.wave_id,
      waveName: r.wave_name ?? null,
      pinnedWaveId: r.pinned_wave_id,
      date: r.migration_date,
      holdOverride: r.hold_override === 1,
      heldBackAt: r.held_back_at,
    }));
  }

  async getDomain(name: string): Promise<ProgrammeDomain | undefined> {
    const canonical = canonicalDomain(name);
    if (!canonical) return undefined;
    return (await this.listDomains({ name: canonical }))[0];
  }

  async requireDomain(name: string): Promise<ProgrammeDomain> {
    const d = await this.getDomain(name);
    if (!d) throw new MigrationError(`${name} is not in the migration programme`);
    return d;
  }

  /** Adds a protected domain to the programme as pending (no-op when it is already in it). */
  async enrol(domainName: string, actor: string, at = new Date()): Promise<number> {
    const canonical = canonicalDomain(domainName);
    const domain = canonical ? await this.db.selectFrom('domains').select('id').where('name', '=', canonical).executeTakeFirst() : undefined;
    if (!domain) throw new MigrationError(`${domainName} is not a protected domain (add it with rampart domains add first)`);
    const existing = await this.db.selectFrom('mig_domains').select('domain_id').where('domain_id', '=', domain.id).executeTakeFirst();
    if (existing) return domain.id;
    await inTransaction(this.db, async (trx) => {
      await trx.insertInto('mig_domains').values({ domain_id: domain.id, status: 'pending', wave_id: null, pinned_wave_id: null, migration_date: null, hold_override: 0, held_back_at: null, updated_at: nowIso(at) }).execute();
      await trx.insertInto('mig_transitions').values({ domain_id: domain.id, from_status: null, to_status: 'pending', at: nowIso(at), actor, reason: 'added to the programme' }).execute();
    });
    return domain.id;
  }

  /**
   * Moves a domain to another state, recording who, when and why. Fails when the state is not
   * the expected one any more (a concurrent change) or the transition is not legal.
   */
  async transition(
    domainId: number,
    to: MigrationStatus,
    who: { actor: string; reason: string; at?: Date },
    changes: { date?: Day | null; waveId?: number | null; heldBackAt?: string | null; holdOverride?: boolean } = {},
  ): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const row = await trx.selectFrom('mig_domains').select('status').where('domain_id', '=', domainId).executeTakeFirstOrThrow();
      const from = toStatus(row.status);
      checkTransition(from, to);
      const at = nowIso(who.at);
      const res = await trx
        .updateTable('mig_domains')
        .set({
          status: to,
          updated_at: at,
          ...(changes.date !== undefined ? { migration_date: changes.date } : {}),
          ...(changes.waveId !== undefined ? { wave_id: changes.waveId } : {}),
          ...(changes.heldBackAt !== undefined ? { held_back_at: changes.heldBackAt } : {}),
          ...(changes.holdOverride !== undefined ? { hold_override: changes.holdOverride ? 1 : 0 } : {}),
        })
        .where('domain_id', '=', domainId)
        .where('status', '=', from)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new MigrationError(`domain ${domainId} changed state concurrently`);
      await trx.insertInto('mig_transitions').values({ domain_id: domainId, from_status: from, to_status: to, at, actor: who.actor, reason: who.reason }).execute();
    });
  }

  /** Changes the date or wave without a state change (a move within the calendar), recorded in the history. */
  async reschedule(domainId: number, date: Day | null, waveId: number | null, who: { actor: string; reason: string; at?: Date }): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const row = await trx.selectFrom('mig_domains').select('status').where('domain_id', '=', domainId).executeTakeFirstOrThrow();
      const at = nowIso(who.at);
      await trx.updateTable('mig_domains').set({ migration_date: date, wave_id: waveId, updated_at: at }).where('domain_id', '=', domainId).execute();
      await trx.insertInto('mig_transitions').values({ domain_id: domainId, from_status: row.status, to_status: row.status, at, actor: who.actor, reason: who.reason }).execute();
    });
  }

  async setHoldOverride(domainId: number, on: boolean, who: { actor: string; reason: string; at?: Date }): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const row = await trx.selectFrom('mig_domains').select('status').where('domain_id', '=', domainId).executeTakeFirstOrThrow();
      const at = nowIso(who.at);
      await trx.updateTable('mig_domains').set({ hold_override: on ? 1 : 0, updated_at: at }).where('domain_id', '=', domainId).execute();
      await trx.insertInto('mig_transitions').values({ domain_id: domainId, from_status: row.status, to_status: row.status, at, actor: who.actor, reason: `${on ? 'hold-back overridden' : 'hold-back override removed'}: ${who.reason}` }).execute();
    });
  }

  async pin(domainId: number, waveId: number | null): Promise<void> {
    await this.db.updateTable('mig_domains').set({ pinned_wave_id: waveId }).where('domain_id', '=', domainId).execute();
  }

  async history(domainId: number): Promise<TransitionRecord[]> {
    const rows = await this.db.selectFrom('mig_transitions').selectAll().where('domain_id', '=', domainId).orderBy('id').execute();
    return rows.map((r) => ({ from: r.from_status === null ? null : toStatus(r.from_status), to: toStatus(r.to_status), at: r.at, actor: r.actor, reason: r.reason }));
  }

  async contacts(domainId?: number): Promise<Contact[]> {
    let q = this.db.selectFrom('mig_contacts').selectAll().orderBy('domain_id').orderBy('role', 'desc').orderBy('id');
    if (domainId !== undefined) q = q.where('domain_id', '=', domainId);
    return (await q.execute()).map((c) => ({ id: c.id, domainId: c.domain_id, name: c.name, address: c.address, role: c.role }));
  }

  async upsertContact(domainId: number, c: { name: string; address: string; role: ContactRole }, at = new Date()): Promise<'added' | 'changed' | 'unchanged'> {
    const existing = await this.db.selectFrom('mig_contacts').selectAll().where('domain_id', '=', domainId).where('address', '=', c.address).executeTakeFirst();
    if (!existing) {
      await this.db.insertInto('mig_contacts').values({ domain_id: domainId, name: c.name, address: c.address, role: c.role, created_at: nowIso(at) }).execute();
      return 'added';
    }
    if (existing.name === c.name && existing.role === c.role) return 'unchanged';
    await this.db.updateTable('mig_contacts').set({ name: c.name, role: c.role }).where('id', '=', existing.id).execute();
    return 'changed';
  }

  async addWave(w: Omit<Wave, 'id'>, at = new Date()): Promise<Wave> {
    validateWave(w);
    const exists = await this.db.selectFrom('mig_waves').select('id').where('name', '=', w.name).executeTakeFirst();
    if (exists) throw new MigrationError(`wave ${w.name} already exists`);
    const row = await this.db
      .insertInto('mig_waves')
      .values({ name: w.name, starts_on: w.startsOn, ends_on: w.endsOn, daily_capacity: w.dailyCapacity, blackout: JSON.stringify(w.blackout), created_at: nowIso(at) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ...w, id: row.id };
  }

  async waves(): Promise<Wave[]> {
    const rows = await this.db.selectFrom('mig_waves').selectAll().orderBy('starts_on').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, startsOn: r.starts_on, endsOn: r.ends_on, dailyCapacity: r.daily_capacity, blackout: JSON.parse(r.blackout) as string[] }));
  }

  async requireWave(name: string): Promise<Wave> {
    const w = (await this.waves()).find((x) => x.name === name);
    if (!w) throw new MigrationError(`no such wave: ${name}`);
    return w;
  }
}

export function validateWave(w: Omit<Wave, 'id'>): void {
  if (!w.name.trim()) throw new MigrationError('wave name: must not be empty');
  if (!isDay(w.startsOn)) throw new MigrationError(`wave ${w.name}: start: expected YYYY-MM-DD, got ${JSON.stringify(w.startsOn)}`);
  if (!isDay(w.endsOn)) throw new MigrationError(`wave ${w.name}: end: expected YYYY-MM-DD, got ${JSON.stringify(w.endsOn)}`);
  if (w.endsOn < w.startsOn) throw new MigrationError(`wave ${w.name}: ends (${w.endsOn}) before it starts (${w.startsOn})`);
  if (!Number.isInteger(w.dailyCapacity) || w.dailyCapacity < 1) throw new MigrationError(`wave ${w.name}: capacity: expected a positive whole number of domains a day, got ${w.dailyCapacity}`);
  for (const b of w.blackout) {
    if (!isDay(b) && !isWeekday(b)) throw new MigrationError(`wave ${w.name}: blackout: expected YYYY-MM-DD or a weekday (mon…sun), got ${JSON.stringify(b)}`);
  }
}

function toStatus(s: string): MigrationStatus {
  if (!isMigrationStatus(s)) throw new MigrationError(`unknown migration status in the database: ${s}`);
  return s;
}
