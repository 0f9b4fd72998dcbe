/** The special-group tags the grid serves (特殊人群); codes are stored, labels shown. */
export const RESIDENT_TAGS: Readonly<Record<string, { zh: string; en: string }>> = {
  elderly_alone: { zh: '独居老人', en: 'Elderly living alone' },
  elderly: { zh: '高龄老人', en: 'Very old' },
  disabled: { zh: '残疾人', en: 'Disabled' },
  low_income: { zh: '低保', en: 'Low income' },
  veteran: { zh: '退役军人', en: 'Veteran' },
  left_behind_child: { zh: '留守儿童', en: 'Left-behind child' },
  extreme_poverty: { zh: '特困供养', en: 'Extreme poverty support' },
  party_member: { zh: '党员', en: 'Party member' },
  volunteer: { zh: '志愿者', en: 'Volunteer' },
};

const BY_LABEL = new Map<string, string>(Object.entries(RESIDENT_TAGS).flatMap(([code, l]) => [[l.zh, code], [l.en.toLowerCase(), code], [code, code]]));

/** Tag code from a code or a Chinese/English label; undefined when unknown. */
export function tagCode(raw: string): string | undefined {
  return BY_LABEL.get(raw.trim()) ?? BY_LABEL.get(raw.trim().toLowerCase());
}

/** Splits "独居老人、低保" / "a,b" / "a;b" into tag codes; unknown labels are returned separately. */
export function parseTags(raw: string | null | undefined): { tags: string[]; unknown: string[] } {
  const tags = new Set<string>();
  const unknown: string[] = [];
  for (const part of (raw ?? '').split(/[,，、;；|]/)) {
    const p = part.trim();
    if (p === '') continue;
    const code = tagCode(p);
    if (code) tags.add(code);
    else unknown.push(p);
  }
  return { tags: [...tags].sort(), unknown };
}

export const POPULATION_LABELS: Readonly<Record<string, 'registered' | 'floating'>> = {
  registered: 'registered', floating: 'floating', 户籍: 'registered', 户籍人口: 'registered', 流动: 'floating', 流动人口: 'floating',
};

export const RELATION_LABELS: Readonly<Record<string, 'owner' | 'tenant' | 'occupant'>> = {
  owner: 'owner', tenant: 'tenant', occupant: 'occupant', 产权人: 'owner', 业主: 'owner', 租户: 'tenant', 承租人: 'tenant', 居住: 'occupant', 借住: 'occupant',
};
