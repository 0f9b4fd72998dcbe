/**
 * Phone numbers as residents give them: mobile (11 digits from 13–19) or a
 * landline with its area code (0 + 2–3 digits + 7–8 digits). Full-width
 * digits, spaces, dashes, brackets and a +86 / 0086 prefix are normalized
 * away; the normalized form is what is encrypted and blind-indexed.
 */
export type PhoneResult = { ok: true; value: string } | { ok: false; code: 'PHONE_INVALID' };

export function normalizePhone(raw: string): string {
  let v = raw.normalize('NFKC').replace(/[\s\-()（）]/g, '');
  if (v.startsWith('+86')) v = v.slice(3);
  else if (v.startsWith('0086')) v = v.slice(4);
  return v;
}

export function parsePhone(raw: string): PhoneResult {
  const value = normalizePhone(raw);
  if (/^1[3-9][0-9]{9}$/.test(value) || /^0[1-9][0-9]{1,2}[0-9]{7,8}$/.test(value)) return { ok: true, value };
  return { ok: false, code: 'PHONE_INVALID' };
}
