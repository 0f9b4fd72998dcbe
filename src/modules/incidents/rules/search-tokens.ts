/**
 * Tokens for the incident text index. Chinese has no spaces, and neither
 * SQLite's FTS5 nor InnoDB's FULLTEXT splits it usefully (InnoDB also drops
 * tokens under three characters), so the text is tokenized here, the same
 * way on both databases, into plain ASCII tokens both engines index as-is:
 *
 * - a run of non-ASCII letters or digits (Chinese) gives its overlapping
 *   character pairs in order, `b` + two 5-hex-digit code points, then `u` +
 *   the run's last character (so a one-character query finds run ends too);
 * - a run of ASCII letters and digits gives `wd` + the lowercased word
 *   (two letters, so even a one-letter word clears InnoDB's three-character
 *   minimum and no token spells one of its stopwords);
 * - the grid code gives `g` + each level's prefix (district, street,
 *   community, unit), so the index itself narrows a search to a scope.
 *
 * A query matches when every part occurs: a Chinese part as a phrase of its
 * pairs (which is exactly "occurs as a substring"), a one-character part as
 * any pair starting with it or a run ending with it, an ASCII part as a word
 * prefix.
 */

const hex = (cp: number) => cp.toString(16).padStart(5, '0');
const ASCII_WORD = /^[a-z0-9]+$/i;

/** Splits text into runs of ASCII words and runs of other letters/digits; everything else separates. */
function runs(text: string): { ascii: boolean; chars: number[] }[] {
  const out: { ascii: boolean; chars: number[] }[] = [];
  let current: { ascii: boolean; chars: number[] } | null = null;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const ascii = cp < 0x80;
    const wordy = ascii ? ASCII_WORD.test(ch) : /[\p{L}\p{N}]/u.test(ch);
    if (!wordy) {
      current = null;
      continue;
    }
    if (!current || current.ascii !== ascii) {
      current = { ascii, chars: [] };
      out.push(current);
    }
    current.chars.push(ascii ? ch.toLowerCase().codePointAt(0)! : cp);
  }
  return out;
}

const GRID_LEVELS = [6, 9, 12, 15];

/** The index tokens of an incident's text (code, description, address) and unit grid code. */
export function indexTokens(text: string, gridCode: string): string {
  const tokens: string[] = [];
  for (const run of runs(text)) {
    if (run.ascii) {
      tokens.push(`wd${String.fromCodePoint(...run.chars)}`);
      continue;
    }
    for (let i = 0; i + 1 < run.chars.length; i++) tokens.push(`b${hex(run.chars[i]!)}${hex(run.chars[i + 1]!)}`);
    tokens.push(`u${hex(run.chars[run.chars.length - 1]!)}`);
  }
  for (const n of GRID_LEVELS) if (gridCode.length >= n) tokens.push(scopeToken(gridCode.slice(0, n)));
  return tokens.join(' ');
}

export function scopeToken(gridPrefix: string): string {
  if (!/^\d{1,20}$/.test(gridPrefix)) throw new Error(`invalid grid prefix: ${gridPrefix}`);
  return `g${gridPrefix}`;
}

/** One part of a query: every alternative is a phrase of tokens, a trailing `*` marking a prefix. */
export type QueryPart = string[][];

/**
 * The parts of a text query; each must match. Empty when the query has no
 * letters or digits (it then matches nothing).
 */
export function queryParts(q: string): QueryPart[] {
  const parts: QueryPart[] = [];
  for (const run of runs(q)) {
    if (run.ascii) {
      parts.push([[`wd${String.fromCodePoint(...run.chars)}*`]]);
    } else if (run.chars.length === 1) {
      const c = hex(run.chars[0]!);
      parts.push([[`b${c}*`], [`u${c}`]]);
    } else {
      const pairs: string[] = [];
      for (let i = 0; i + 1 < run.chars.length; i++) pairs.push(`b${hex(run.chars[i]!)}${hex(run.chars[i + 1]!)}`);
      parts.push([pairs]);
    }
  }
  return parts;
}

/** The query's runs as plain text, for a LIKE prefilter (each run must occur as a substring of a match). */
export function queryRuns(q: string): string[] {
  return runs(q).map((r) => String.fromCodePoint(...r.chars));
}

/** Whether indexed tokens match the query's parts: the same test both engines make (phrases in order, `*` as prefix). */
export function tokensMatch(tokens: string, parts: readonly QueryPart[]): boolean {
  if (parts.length === 0) return false;
  const list = tokens.split(' ');
  const at = (phrase: readonly string[], i: number) =>
    phrase.every((t, j) => {
      const token = list[i + j];
      return token !== undefined && (t.endsWith('*') ? token.startsWith(t.slice(0, -1)) : token === t);
    });
  return parts.every((alts) => alts.some((phrase) => list.some((_, i) => at(phrase, i))));
}

/** The parts as an FTS5 MATCH expression, with the scope as one more part (any of the grid prefixes). */
export function fts5Match(parts: readonly QueryPart[], scopePrefixes: readonly string[]): string {
  const phrase = (p: string[]) => (p.length === 1 ? p[0]! : `"${p.join(' ')}"`);
  const all = parts.map((alts) => (alts.length === 1 ? phrase(alts[0]!) : `(${alts.map(phrase).join(' OR ')})`));
  if (scopePrefixes.length > 0) all.push(scopePrefixes.length === 1 ? scopeToken(scopePrefixes[0]!) : `(${scopePrefixes.map(scopeToken).join(' OR ')})`);
  return all.join(' AND ');
}

/** The same as an InnoDB boolean-mode AGAINST expression. */
export function booleanModeMatch(parts: readonly QueryPart[], scopePrefixes: readonly string[]): string {
  const term = (p: string[]) => (p.length === 1 ? p[0]! : `"${p.join(' ')}"`);
  const all = parts.map((alts) => (alts.length === 1 ? `+${term(alts[0]!)}` : `+(${alts.map(term).join(' ')})`));
  if (scopePrefixes.length > 0) all.push(`+(${scopePrefixes.map(scopeToken).join(' ')})`);
  return all.join(' ');
}
