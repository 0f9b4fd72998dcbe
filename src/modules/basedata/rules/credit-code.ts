/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015, 18 characters
 * from a 31-character set (digits and capitals without I O Z S V):
 *   1     registration authority (登记管理部门)
 *   2     organization type within that authority (机构类别)
 *   3-8   administrative division of the registering office (GB/T 2260), digits
 *   9-17  subject identifier: the GB 11714 organization code, 8 characters + its own check
 *   18    check character, weights 3^(i-1) mod 31 (GB/T 17710 style)
 */

export type CreditCodeError =
  | 'CREDIT_CODE_LENGTH'
  | 'CREDIT_CODE_CHARS'
  | 'CREDIT_CODE_AUTHORITY'
  | 'CREDIT_CODE_ORG_TYPE'
  | 'CREDIT_CODE_REGION'
  | 'CREDIT_CODE_CHECKSUM';

export interface ParsedCreditCode {
  /** Normalized: ASCII upper case, no spaces. */
  value: string;
  authority: string;
  orgType: string;
  regionCode: string;
  /** Positions 9-17, the GB 11714 organization code. */
  subjectCode: string;
  /**
   * Whether the subject code carries a correct GB 11714 check character.
   * Informational only: every issued code we have seen satisfies it, but the
   * national standard does not make the outer code depend on it, and an
   * import must not reject a code the registry itself issued.
   */
  subjectCheckValid: boolean;
}

export type CreditCodeResult = ({ ok: true } & ParsedCreditCode) | { ok: false; code: CreditCodeError };

export interface RegistrationAuthority {
  name: string;
  /** Organization type code → name. */
  orgTypes: Readonly<Record<string, string>>;
}

/**
 * GB 32100-2015 with the later national additions (外交 … 工会, 军队, 农业).
 * Names are display labels for the console, which speaks Chinese first.
 */
export const CREDIT_CODE_AUTHORITIES: Readonly<Record<string, RegistrationAuthority>> = {
  '1': { name: '机构编制', orgTypes: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', orgTypes: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': {
    name: '司法行政',
    orgTypes: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' },
  },
  '4': { name: '文化', orgTypes: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', orgTypes: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': {
    name: '旅游',
    orgTypes: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' },
  },
  '7': { name: '宗教', orgTypes: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', orgTypes: { '1': '基层工会', '9': '其他' } },
  '9': { name: '工商', orgTypes: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', orgTypes: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业', orgTypes: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { name: '其他', orgTypes: { '1': '其他' } },
};

/** Value of a character is its index. */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CHAR_VALUE = new Map<string, number>([...CHARSET].map((c, i) => [c, i]));
const WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < i; k++) w = (w * 3) % 31;
  return w;
});

/** 10 is central-level registration (100000); the rest are GB/T 2260 provinces. */
const REGION_PREFIXES: ReadonlySet<string> = new Set([
  '10',
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82',
]);

const SHAPE = /^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$/;
const FIRST17 = /^[0-9A-HJ-NP-RTUWXY]{17}$/;
const ORG_BODY = /^[0-9A-Z]{8}$/;
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/** Check character for the first 17 characters. Throws RangeError on other input. */
export function creditCodeCheckChar(first17: string): string {
  if (!FIRST17.test(first17)) throw new RangeError('creditCodeCheckChar expects 17 characters of the credit code set');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHAR_VALUE.get(first17[i]!)! * WEIGHTS[i]!;
  return CHARSET[(31 - (sum % 31)) % 31]!;
}

/** GB 11714 organization code check character for its 8-character body (letters count A=10 … Z=35). */
export function organizationCodeCheckChar(body: string): string {
  if (!ORG_BODY.test(body)) throw new RangeError('organizationCodeCheckChar expects 8 digits or capitals');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(body[i]!, 36) * ORG_WEIGHTS[i]!;
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

export function normalizeCreditCode(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/** Validates structure, authority, organization type, region prefix and checksum, in that order. */
export function parseCreditCode(raw: string): CreditCodeResult {
  const value = normalizeCreditCode(raw);
  if (value.length !== 18) return { ok: false, code: 'CREDIT_CODE_LENGTH' };
  if (!SHAPE.test(value)) return { ok: false, code: 'CREDIT_CODE_CHARS' };
  const authority = value[0]!;
  const orgType = value[1]!;
  const entry = CREDIT_CODE_AUTHORITIES[authority];
  if (!entry) return { ok: false, code: 'CREDIT_CODE_AUTHORITY' };
  if (!Object.hasOwn(entry.orgTypes, orgType)) return { ok: false, code: 'CREDIT_CODE_ORG_TYPE' };
  const regionCode = value.slice(2, 8);
  if (!REGION_PREFIXES.has(regionCode.slice(0, 2))) return { ok: false, code: 'CREDIT_CODE_REGION' };
  if (creditCodeCheckChar(value.slice(0, 17)) !== value[17]) return { ok: false, code: 'CREDIT_CODE_CHECKSUM' };
  const subjectCode = value.slice(8, 17);
  const body = subjectCode.slice(0, 8);
  return {
    ok: true,
    value,
    authority,
    orgType,
    regionCode,
    subjectCode,
    subjectCheckValid: organizationCodeCheckChar(body) === subjectCode[8],
  };
}

export interface MakeCreditCodeInput {
  /** Default '9' (market regulator). */
  authority?: string;
  /** Default '1' (enterprise). */
  orgType?: string;
  region: string;
  /** 0 .. 99,999,999; becomes the 8-digit organization code body. */
  serial: number;
}

/**
 * A valid credit code for demo and test data, deterministic in its input so
 * seeded generators reproduce their organizations. The subject code gets a
 * correct GB 11714 check character too.
 */
export function makeCreditCode(input: MakeCreditCodeInput): string {
  const authority = input.authority ?? '9';
  const orgType = input.orgType ?? '1';
  const entry = CREDIT_CODE_AUTHORITIES[authority];
  if (!entry || !Object.hasOwn(entry.orgTypes, orgType)) {
    throw new RangeError(`unknown authority/organization type: ${authority}${orgType}`);
  }
  if (!/^[0-9]{6}$/.test(input.region) || !REGION_PREFIXES.has(input.region.slice(0, 2))) {
    throw new RangeError(`not a plausible region code: ${input.region}`);
  }
  if (!Number.isInteger(input.serial) || input.serial < 0 || input.serial > 99_999_999) {
    throw new RangeError('serial must be an integer in 0..99999999');
  }
  const body = String(input.serial).padStart(8, '0');
  const first17 = `${authority}${orgType}${input.region}${body}${organizationCodeCheckChar(body)}`;
  return first17 + creditCodeCheckChar(first17);
}
