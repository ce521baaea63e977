// The CSV files operators import (domains, recipients, the migration programme, lists): one
// header row whose names are trimmed and lower-cased, blank lines skipped, every record with the
// line it starts on so that an error can name it.
import { parse } from 'csv-parse/sync';

export interface CsvRecord {
  line: number;
  rec: Record<string, string>;
}

/** The records, or why the text is not CSV at all. */
export function csvRecords(text: string): { records: CsvRecord[] } | { error: string } {
  try {
    const rows = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, info: true, relax_column_count: true }) as { record: Record<string, string>; info: { lines: number } }[];
    return { records: rows.map((r) => ({ line: r.info.lines, rec: r.record })) };
  } catch (err) {
    return { error: `not valid CSV: ${(err as Error).message}` };
  }
}
