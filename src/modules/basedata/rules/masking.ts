/**
 * Display masking of personal data. Masking happens on the server, so these
 * are the only way an ID number, phone or name reaches a list screen.
 *
 * All functions count Unicode code points, not UTF-16 units, accept null or
 * undefined from nullable columns (→ ''), and trim the input. When an input
 * is too short for the usual pattern to hide anything, everything is masked:
 * a masking function must never return its input unchanged.
 */

const MASK = '*';

function chars(value: string | null | undefined): string[] {
  return value == null ? [] : Array.from(value.trim());
}

/** Keeps `head` leading and `tail` trailing characters, or masks all when that would leave nothing hidden. */
function maskMiddle(value: string | null | undefined, head: number, tail: number): string {
  const cs = chars(value);
  if (cs.length <= head + tail) return MASK.repeat(cs.length);
  return cs.slice(0, head).join('') + MASK.repeat(cs.length - head - tail) + cs.slice(cs.length - tail).join('');
}

/** 430111199001010011 → 430111********0011 (first 6 and last 4 visible). */
export function maskIdNumber(value: string | null | undefined): string {
  return maskMiddle(value, 6, 4);
}

/** 13812345678 → 138****5678 (first 3 and last 4 visible). */
export function maskPhone(value: string | null | undefined): string {
  return maskMiddle(value, 3, 4);
}

/** Separators in minority and foreign names, kept so the masked name keeps its shape. */
const NAME_SEPARATORS = new Set([' ', '·', '•', '・', '.', '-']);

/**
 * 张三 → 张*, 张三丰 → 张**, 欧阳修 → 欧**, 买买提·艾力 → 买**·**.
 * Only the first character stays: recognising compound surnames would need
 * a list and would reveal more for them than for everyone else. The length
 * is kept, which users expect (张** reads as a three-character name). A
 * one-character "name" is masked entirely, since its first character is all
 * of it.
 */
export function maskName(value: string | null | undefined): string {
  const cs = chars(value);
  if (cs.length <= 1) return MASK.repeat(cs.length);
  return cs.map((c, i) => (i === 0 || NAME_SEPARATORS.has(c) ? c : MASK)).join('');
}
