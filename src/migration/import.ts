// CSV import of programme domains and their IT contacts (one row per contact), validated as a
// whole: a preview of what would change, every bad row named with its line and field, and nothing
// written when any row is bad.
import { csvRecords } from '../csv.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { canonicalAddress, canonicalDomain } from '../directory/names.js';
import { MigrationRepository, type ContactRole } from './repository.js';

export const PROGRAMME_COLUMNS = ['domain', 'contact_name', 'contact_address', 'role', 'pin_wave'] as const;

export interface ProgrammeRow {
  line: number;
  domain: string;
  contact: { name: string; address: string; role: ContactRole } | null;
  pinWave: string | null;
}

export interface ImportPreview {
  errors: string[];
  /** Human-readable lines: "+ domain a.example (new in the programme)", "+ contact …", "~ contact …". */
  changes: string[];
  domainsAdded: string[];
  contactsAdded: number;
  contactsChanged: number;
}

export function parseProgrammeCsv(text: string): { rows: ProgrammeRow[]; errors: string[] } {
  const csv = csvRecords(text);
  if ('error' in csv) return { rows: [], errors: [csv.error] };
  const rows: ProgrammeRow[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const { line, rec } of csv.records) {
    if (!('domain' in rec)) {
      errors.push(`line ${line}: missing column "domain" (columns: ${PROGRAMME_COLUMNS.join(', ')})`);
      break;
    }
    const rowErrors: string[] = [];
    const domain = canonicalDomain(rec.domain ?? '');
    if (!domain) rowErrors.push(`domain: not a valid domain name: ${JSON.stringify(rec.domain ?? '')}`);
    let contact: ProgrammeRow['contact'] = null;
    const hasContact = Boolean(rec.contact_address || rec.contact_name || rec.role);
    if (hasContact) {
      const address = canonicalAddress(rec.contact_address ?? '');
      if (!address) rowErrors.push(`contact_address: not a valid address: ${JSON.stringify(rec.contact_address ?? '')}`);
      const name = (rec.contact_name ?? '').trim();
      if (!name) rowErrors.push('contact_name: must not be empty');
      const role = (rec.role || 'primary').toLowerCase();
      if (role !== 'primary' && role !== 'deputy') rowErrors.push(`role: must be primary or deputy, got ${JSON.stringify(rec.role)}`);
      if (address && domain) {
        const key = `${domain} ${address}`;
        if (seen.has(key)) rowErrors.push(`contact_address: ${address} is listed twice for ${domain}`);
        seen.add(key);
      }
      if (address && name && (role === 'primary' || role === 'deputy')) contact = { name, address, role };
    }
    for (const e of rowErrors) errors.push(`line ${line}: ${e}`);
    if (rowErrors.length === 0) rows.push({ line, domain: domain!, contact, pinWave: rec.pin_wave ? rec.pin_wave.trim() : null });
  }
  return { rows, errors };
}

/** Checks the rows against the database and, when apply and nothing is wrong, writes them in one transaction. */
export async function importProgramme(db: Kysely<Database>, text: string, opts: { apply: boolean; actor: string }): Promise<ImportPreview> {
  const { rows, errors } = parseProgrammeCsv(text);
  const preview: ImportPreview = { errors, changes: [], domainsAdded: [], contactsAdded: 0, contactsChanged: 0 };
  const repo = new MigrationRepository(db);
  const protectedDomains = new Set((await db.selectFrom('domains').select('name').execute()).map((d) => d.name));
  const programme = new Map((await repo.listDomains()).map((d) => [d.name, d]));
  const waves = new Map((await repo.waves()).map((w) => [w.name, w]));
  const contacts = await repo.contacts();
  for (const row of rows) {
    if (!protectedDomains.has(row.domain)) {
      preview.errors.push(`line ${row.line}: domain: ${row.domain} is not a protected domain (add it with rampart domains add or import first)`);
      continue;
    }
    if (row.pinWave && !waves.has(row.pinWave)) preview.errors.push(`line ${row.line}: pin_wave: no such wave ${JSON.stringify(row.pinWave)}`);
    if (!programme.has(row.domain) && !preview.domainsAdded.includes(row.domain)) {
      preview.domainsAdded.push(row.domain);
      preview.changes.push(`+ domain ${row.domain} (new in the programme, pending)`);
    }
    if (row.contact) {
      const old = contacts.find((c) => c.domainId === programme.get(row.domain)?.domainId && c.address === row.contact!.address);
      if (!old) {
        preview.contactsAdded++;
        preview.changes.push(`+ contact ${row.contact.role} ${row.contact.name} <${row.contact.address}> for ${row.domain}`);
      } else if (old.name !== row.contact.name || old.role !== row.contact.role) {
        preview.contactsChanged++;
        preview.changes.push(`~ contact <${row.contact.address}> for ${row.domain}: ${old.role} ${old.name} → ${row.contact.role} ${row.contact.name}`);
      }
    }
  }
  preview.errors.sort((a, b) => Number(/^line (\d+)/.exec(a)?.[1] ?? 0) - Number(/^line (\d+)/.exec(b)?.[1] ?? 0));
  if (!opts.apply || preview.errors.length) return preview;
  await db.transaction().execute(async (trx) => {
    const r = new MigrationRepository(trx);
    for (const row of rows) {
      const domainId = await r.enrol(row.domain, opts.actor);
      if (row.contact) await r.upsertContact(domainId, row.contact);
      if (row.pinWave) await r.pin(domainId, waves.get(row.pinWave)!.id);
    }
  });
  return preview;
}
