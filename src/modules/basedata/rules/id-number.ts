/**
 * Resident identity number (公民身份号码), GB 11643-1999, 18 characters:
 *   1-6   region code (GB/T 2260 county of household registration)
 *   7-14  birth date YYYYMMDD
 *   15-17 sequence code; the 17th digit is odd for men, even for women
 *   18    check character, ISO 7064 MOD 11-2 ('X' stands for 10)
 *
 * Pure functions: `today` is passed in so results do not depend on the clock
 * or the process time zone.
 */

export type Sex = 'male' | 'female';

export type IdNumberError = 'ID_LENGTH' | 'ID_CHARS' | 'ID_REGION' | 'ID_BIRTH_DATE' | 'ID_CHECKSUM';

export interface ParsedIdNumber {
  /** Normalized: ASCII, no spaces, upper-case X. This is the form to store, index and compare. */
  value: string;
  regionCode: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: Sex;
}

export type IdNumberResult = ({ ok: true } & ParsedIdNumber) | { ok: false; code: IdNumberError };

/** Earliest accepted birth year: older numbers in live data are typing errors, not people. */
export const ID_MIN_BIRTH_YEAR = 1900;

/**
 * First two digits of GB/T 2260 provinces, plus 83: residence permits for
 * Taiwan residents (830000) follow GB 11643 like 810000/820000 for Hong Kong
 * and Macao, and such residents live in our grids too.
 */
const PROVINCE_PREFIXES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]);

/** 2^(17-i) mod 11 for positions 1..17. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character indexed by (weighted sum mod 11). */
const CHECK_CHARS = '10X98765432';

const DIGITS_17 = /^[0-9]{17}$/;
const ID_SHAPE = /^[0-9]{17}[0-9X]$/;
const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** The check character for the first 17 digits. Throws RangeError when they are not 17 digits. */
export function idNumberCheckChar(first17: string): string {
  if (!DIGITS_17.test(first17)) throw new RangeError('idNumberCheckChar expects exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/**
 * Full-width digits and 'Ｘ' (common in spreadsheets typed with a Chinese
 * IME), spaces and a lower-case x are accepted and normalized away.
 */
export function normalizeIdNumber(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

export function isPlausibleRegionCode(region: string): boolean {
  return /^[0-9]{6}$/.test(region) && PROVINCE_PREFIXES.has(region.slice(0, 2));
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** True when YYYYMMDD is a real calendar date from ID_MIN_BIRTH_YEAR on. */
function isCalendarDate(ymd: string): boolean {
  if (!/^[0-9]{8}$/.test(ymd)) return false;
  const y = Number(ymd.slice(0, 4));
  const m = Number(ymd.slice(4, 6));
  const d = Number(ymd.slice(6, 8));
  return y >= ID_MIN_BIRTH_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function compactToday(today: string): string {
  const m = ISO_DATE.exec(today);
  if (!m) throw new RangeError('today must be a YYYY-MM-DD date');
  return `${m[1]}${m[2]}${m[3]}`;
}

/**
 * Validates and decodes an identity number. Checks run from structure to
 * checksum, so a number with a well-formed but impossible birth date reports
 * ID_BIRTH_DATE rather than a checksum error.
 *
 * @param today the caller's local date, YYYY-MM-DD (birth dates after it are refused)
 */
export function parseIdNumber(raw: string, today: string): IdNumberResult {
  const todayYmd = compactToday(today);
  const value = normalizeIdNumber(raw);
  if (value.length !== 18) return { ok: false, code: 'ID_LENGTH' };
  if (!ID_SHAPE.test(value)) return { ok: false, code: 'ID_CHARS' };
  const regionCode = value.slice(0, 6);
  if (!isPlausibleRegionCode(regionCode)) return { ok: false, code: 'ID_REGION' };
  const ymd = value.slice(6, 14);
  if (!isCalendarDate(ymd) || ymd > todayYmd) return { ok: false, code: 'ID_BIRTH_DATE' };
  if (idNumberCheckChar(value.slice(0, 17)) !== value[17]) return { ok: false, code: 'ID_CHECKSUM' };
  return {
    ok: true,
    value,
    regionCode,
    birthDate: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`,
    sex: (value.charCodeAt(16) - 48) % 2 === 1 ? 'male' : 'female',
  };
}

/** Largest `seq` for makeIdNumber: 500 odd and 500 even sequence codes per region, day and sex. */
export const ID_MAX_SEQ = 499;

/**
 * A valid identity number for demo and test data; deterministic, so a seeded
 * generator that draws (region, birth date, seq, sex) reproduces its people.
 * `seq` (0..499) numbers the people of one sex born in one region on one day;
 * the sequence code is 2*seq + 1 for men and 2*seq for women, so distinct
 * inputs never collide.
 *
 * @param birthYmd YYYYMMDD or YYYY-MM-DD
 */
export function makeIdNumber(region: string, birthYmd: string, seq: number, sex: Sex): string {
  if (!isPlausibleRegionCode(region)) throw new RangeError(`not a plausible region code: ${region}`);
  const ymd = birthYmd.replaceAll('-', '');
  if (!isCalendarDate(ymd)) throw new RangeError(`not a birth date from ${ID_MIN_BIRTH_YEAR} on: ${birthYmd}`);
  if (!Number.isInteger(seq) || seq < 0 || seq > ID_MAX_SEQ) throw new RangeError(`seq must be an integer in 0..${ID_MAX_SEQ}`);
  const sequence = String(seq * 2 + (sex === 'male' ? 1 : 0)).padStart(3, '0');
  const first17 = `${region}${ymd}${sequence}`;
  return first17 + idNumberCheckChar(first17);
}
