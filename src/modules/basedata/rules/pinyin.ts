import { pinyin } from 'pinyin-pro';

/**
 * Pinyin initials of a person's name for search: 张三丰 → 'zsf'.
 *
 * pinyin-pro's surname mode, applied to the head of the string only, reads
 * the surname with its surname pronunciation (单 shan, 曾 zeng, 解 xie,
 * 仇 qiu, 区 ou, 朴 piao, 查 zha, compound 尉迟 yuchi) while the given name
 * keeps ordinary readings.
 *
 * Han characters give their first pinyin letter; ASCII letters and digits
 * are kept whole, lower-cased (Tom张 → 'tomz'), since users type Latin names
 * as they are; separators and anything else are dropped (买买提·艾力 → 'mmtal').
 */
export function pinyinInitials(name: string): string {
  const trimmed = name.normalize('NFKC').trim();
  if (trimmed === '') return '';
  const syllables = pinyin(trimmed, { mode: 'surname', surname: 'head', pattern: 'first', toneType: 'none', type: 'all' });
  let out = '';
  for (const s of syllables) {
    if (s.isZh) {
      out += s.first.toLowerCase();
    } else {
      out += s.origin.toLowerCase().replace(/[^a-z0-9]/g, '');
    }
  }
  return out;
}
