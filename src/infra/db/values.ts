import type { InsertResult } from 'kysely';

/**
 * How values cross the data layer on both dialects (docs/adr/0001-data-layer.md):
 * booleans are SMALLINT 0/1, instants are BIGINT epoch milliseconds (UTC),
 * calendar dates are 'YYYY-MM-DD' strings, JSON is TEXT parsed by the
 * application, ids come from auto-increment via insertId (no RETURNING).
 */
export type Flag = 0 | 1;

export function toFlag(value: boolean): Flag {
  return value ? 1 : 0;
}

export function fromFlag(value: number | null | undefined): boolean {
  return Number(value) === 1;
}

export function toIso(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(Number(ms)).toISOString();
}

export function insertedId(result: InsertResult): number {
  if (result.insertId === undefined) throw new Error('insert returned no id');
  return Number(result.insertId);
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text == null || text === '') return fallback;
  return JSON.parse(text) as T;
}

/** A LIKE pattern matching `text` literally anywhere, on both dialects; use it with `escape '!'`. */
export function likeContains(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}
