import type { BasedataText } from './messages.js';

/**
 * Code lists of the base data screens. The server stores codes (places'
 * `type` must match ^[a-z_]+$), the console shows their labels from
 * messages.ts; a code the console does not know is shown as it is.
 */

/** School, market, hospital, and the nine kinds of small premises (九小场所), small_*. */
export const PLACE_TYPES = [
  'school', 'market', 'hospital',
  'small_school', 'small_clinic', 'small_shop', 'small_restaurant', 'small_hotel', 'small_entertainment', 'small_internet_cafe', 'small_beauty_bath', 'small_workshop',
  'other',
] as const;

export const INSPECTION_RESULTS = ['pass', 'issues', 'fail'] as const;

export const ORG_KINDS = ['enterprise', 'individual', 'social_org', 'institution', 'government', 'other'] as const;

/** The usual categories of key persons in social governance work; the server takes any short text. */
export const KEY_PERSON_CATEGORIES = ['released_prisoner', 'community_correction', 'severe_mental_disorder', 'drug_user', 'petitioner', 'at_risk_youth', 'other'] as const;

export const KEY_PERSON_LEVELS = ['low', 'medium', 'high'] as const;

/** Major classes of city components (GB/T 30428.2): the first two digits of the class code. */
export const COMPONENT_MAJORS = ['01', '02', '03', '04', '05', '06'] as const;

export const COMPONENT_STATUSES = ['ok', 'damaged', 'missing'] as const;

export function isKnown<T extends string>(list: readonly T[], code: string): code is T {
  return (list as readonly string[]).includes(code);
}

export function placeTypeLabel(t: BasedataText, type: string): string {
  return isKnown(PLACE_TYPES, type) ? t(`placeType.${type}`) : type;
}

export function orgKindLabel(t: BasedataText, kind: string): string {
  return isKnown(ORG_KINDS, kind) ? t(`orgKind.${kind}`) : kind;
}

export function keyPersonCategoryLabel(t: BasedataText, category: string): string {
  return isKnown(KEY_PERSON_CATEGORIES, category) ? t(`keyPersonCategory.${category}`) : category;
}

/** `0101` → the name of major class 01, or '' when the code names no known major class. */
export function componentMajorLabel(t: BasedataText, classCode: string): string {
  const major = classCode.slice(0, 2);
  return isKnown(COMPONENT_MAJORS, major) ? t(`componentMajor.${major}`) : '';
}
