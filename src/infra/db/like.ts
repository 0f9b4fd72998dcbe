import { sql, type Expression, type SqlBool } from 'kysely';

/**
 * "Contains" for LIKE with the user's text taken literally: `%` and `_` in
 * a search (usernames such as gw_test01) are escaped with `!`, an escape
 * character both dialects accept in an ESCAPE clause (a backslash would need
 * different quoting on MySQL and SQLite).
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** `column LIKE '%text%' ESCAPE '!'`, the text taken literally. */
export function likeContains(column: Expression<unknown>, text: string): Expression<SqlBool> {
  return sql<SqlBool>`${column} like ${containsPattern(text)} escape '!'`;
}
