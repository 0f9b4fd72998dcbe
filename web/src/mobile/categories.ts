import type { Category, Major } from '../modules/incidents/api.js';

/**
 * Which active categories match a search: Chinese name as a substring, English name case-insensitively,
 * the code or the major category's name. (Pinyin initials would need pinyin-pro's dictionary in the
 * bundle, 324 kB or 143 kB compressed, half as much again as the whole app; the category names are short
 * and typed in Chinese, so they are left out.)
 */
export function matchCategories(categories: readonly Category[], majors: readonly Major[], query: string): Category[] {
  const q = query.trim().toLowerCase();
  const active = categories.filter((c) => c.status === 'active');
  if (!q) return active;
  const majorName = new Map(majors.map((m) => [m.code, `${m.nameZh} ${m.nameEn.toLowerCase()}`]));
  return active.filter(
    (c) => c.nameZh.includes(q) || c.nameEn.toLowerCase().includes(q) || c.code.startsWith(q) || (majorName.get(c.majorCode) ?? '').includes(q),
  );
}
