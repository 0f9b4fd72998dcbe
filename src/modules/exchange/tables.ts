import type { Generated } from 'kysely';

/**
 * A case brought in from another system's exchange file (docs/exchange.md):
 * one row per source system and source code, unique, so importing the same
 * file again finds its cases instead of making them twice.
 */
export interface ExchangeCaseImportTable {
  id: Generated<number>;
  /** The partner system's short name, as the importer named it (e.g. the district platform it came from). */
  source_system: string;
  /** The case's code in that system (the record's `code`); our case keeps it as its external reference. */
  source_code: string;
  incident_id: number;
  /** intake: an open case entered our intake queue; history: a closed case kept with its own times. */
  kind: 'intake' | 'history';
  imported_by: number | null;
  imported_at: number;
}

export interface ExchangeTables {
  exchange_case_imports: ExchangeCaseImportTable;
}
