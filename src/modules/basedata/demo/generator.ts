/**
 * Seeded synthetic residents for demos, tests and benchmarks, shaped like
 * the reference district: at scale 1 about 1.05 million residents in
 * 580,000 households, one dwelling per household, 24 dwellings per building
 * (2 entrances × 6 floors × 2 rooms), spread evenly over the unit grids.
 * Every ID number is valid and distinct; birth dates, relations and tags
 * follow the household roles. Rows come out in the import file's shape
 * (FIELD_KEYS order), so the same rows can go through the real import path
 * or straight into the tables.
 */
import { createRandom, type Random } from '../../grid/demo/random.js';
import { FIELD_KEYS, type ResidentFieldKey } from '../import/fields.js';
import { ID_MAX_SEQ, makeIdNumber, type Sex } from '../rules/id-number.js';

export const REFERENCE_RESIDENTS = 1_050_000;
export const REFERENCE_HOUSEHOLDS = 580_000;

export interface ResidentCounts {
  residents: number;
  households: number;
}

export function residentCounts(scale: number): ResidentCounts {
  return { residents: Math.max(1, Math.round(REFERENCE_RESIDENTS * scale)), households: Math.max(1, Math.round(REFERENCE_HOUSEHOLDS * scale)) };
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强玉兰红梅海燕春梅文斌晓东思雨子轩浩然欣怡梓涵一诺宇航雨桐佳怡俊杰博文嘉怡诗涵梦琪晨阳天宇欣然紫涵子豪昊天雪丽红霞金凤小兵德明新民';
const ETHNIC = ['土家族', '苗族', '回族', '侗族', '瑶族'];
const WORKPLACES = ['长沙市雨花区人民医院', '湖南省交通运输厅', '长沙银行雨花支行', '中联重科', '步步高超市', '个体经营', '长沙市第十一中学', '雨花区城管局', '比亚迪长沙工厂', '无'];
const REGIONS = ['430111', '430102', '430103', '430104', '430105', '430121', '430181', '431021', '430421', '430524', '432501', '360102'];
const SURNAME_LIST = Array.from(SURNAMES);
const GIVEN_LIST = Array.from(GIVEN);
const DAY0 = Date.UTC(1925, 0, 1) / 86_400_000;
const DAYS = Math.round(Date.UTC(2025, 0, 1) / 86_400_000 - DAY0);

function isoOfDay(day: number): string {
  return new Date((DAY0 + day) * 86_400_000).toISOString().slice(0, 10);
}

export interface UnitGridRef {
  code: string;
  name: string;
}

/** Makes distinct valid ID numbers: a sequence counter per (region, birth day, sex). */
class IdMaker {
  private readonly used = new Uint16Array(REGIONS.length * DAYS * 2);
  constructor(private readonly rng: Random) {}

  make(day: number, sex: Sex): string {
    for (let attempt = 0; attempt < 200; attempt++) {
      const r = attempt === 0 ? (this.rng.next() < 0.7 ? 0 : this.rng.int(1, REGIONS.length - 1)) : this.rng.int(0, REGIONS.length - 1);
      const d = Math.min(DAYS - 1, Math.max(0, day + (attempt === 0 ? 0 : this.rng.int(-30 * attempt, 30 * attempt))));
      const slot = (r * DAYS + d) * 2 + (sex === 'male' ? 1 : 0);
      const seq = this.used[slot]!;
      if (seq <= ID_MAX_SEQ) {
        this.used[slot] = seq + 1;
        return makeIdNumber(REGIONS[r]!, isoOfDay(d), seq, sex);
      }
    }
    throw new Error('ran out of ID sequence numbers');
  }
}

/**
 * Households one by one, each as rows of FIELD_KEYS-ordered values. Stops
 * after `counts.residents` residents (the last household may be cut short).
 */
export function* generateHouseholds(options: { seed: number | string; counts: ResidentCounts; grids: readonly UnitGridRef[]; today?: string }): Generator<string[][]> {
  const rng = createRandom(`residents:${options.seed}`);
  const ids = new IdMaker(rng);
  const today = options.today ?? '2025-06-30';
  const todayDay = Math.round(Date.parse(`${today}T00:00:00Z`) / 86_400_000 - DAY0);
  const { residents, households } = options.counts;
  const grids = options.grids;
  if (grids.length === 0) throw new RangeError('no unit grids');
  const perGrid = Math.ceil(households / grids.length);
  const pos = FIELD_KEYS.reduce((m, k, i) => m.set(k, i), new Map<ResidentFieldKey, number>());
  let made = 0;
  for (let h = 0; h < households * 2 && made < residents; h++) {
    const grid = grids[Math.floor(h / perGrid) % grids.length]!;
    const inGrid = h % perGrid;
    const buildingNo = Math.floor(inGrid / 24) + 1;
    const k = inGrid % 24;
    const roomNo = `${Math.floor(k / 12) + 1}单元${Math.floor((k % 12) / 2) + 1}0${(k % 2) + 1}`;
    const cycle = Math.floor(h / (perGrid * grids.length));
    const buildingName = cycle === 0 ? `${buildingNo}栋` : `${cycle + 1}区${buildingNo}栋`;
    const buildingAddress = `${grid.name}${buildingName}`;
    const householdNo = `H${grid.code}${String(h).padStart(7, '0')}`;
    // 1.81 people a household on average.
    const u = rng.next();
    const size = Math.min(residents - made, u < 0.45 ? 1 : u < 0.8 ? 2 : u < 0.94 ? 3 : 4);
    const floating = rng.next() < 0.25;
    const headAge = rng.int(24, 88);
    const headSex: Sex = rng.next() < 0.6 ? 'male' : 'female';
    const surname = rng.pick(SURNAME_LIST);
    const moveInDay = Math.max(todayDay - rng.int(0, 20 * 365), todayDay - (headAge - 18) * 365);
    const rows: string[][] = [];
    for (let m = 0; m < size; m++) {
      const role = m === 0 ? '户主' : m === 1 && size > 1 && rng.next() < 0.8 ? '配偶' : headAge > 55 && rng.next() < 0.3 ? '父母' : '子女';
      const age = role === '户主' ? headAge : role === '配偶' ? Math.max(18, headAge + rng.int(-5, 5)) : role === '父母' ? Math.min(95, headAge + rng.int(22, 32)) : Math.max(0, headAge - rng.int(22, 38));
      const sex: Sex = role === '户主' ? headSex : role === '配偶' ? (headSex === 'male' ? 'female' : 'male') : rng.next() < 0.5 ? 'male' : 'female';
      const birthDay = Math.max(0, Math.min(todayDay - 1, todayDay - age * 365 - rng.int(0, 364)));
      const givenLen = rng.next() < 0.7 ? 2 : 1;
      let name = role === '配偶' || role === '父母' ? rng.pick(SURNAME_LIST) : surname;
      for (let g = 0; g < givenLen; g++) name += rng.pick(GIVEN_LIST);
      const tags: string[] = [];
      if (age >= 65 && size === 1 && rng.next() < 0.6) tags.push('独居老人');
      if (age >= 80 && rng.next() < 0.5) tags.push('高龄老人');
      if (rng.next() < 0.02) tags.push('残疾人');
      if (rng.next() < 0.025) tags.push('低保');
      if (age >= 22 && sex === 'male' && rng.next() < 0.02) tags.push('退役军人');
      if (age < 16 && rng.next() < 0.05) tags.push('留守儿童');
      if (age >= 18 && rng.next() < 0.06) tags.push('党员');
      const row = new Array<string>(FIELD_KEYS.length).fill('');
      const set = (key: ResidentFieldKey, value: string) => {
        row[pos.get(key)!] = value;
      };
      set('name', name);
      set('idNumber', ids.make(birthDay, sex));
      if (age >= 14 && rng.next() < 0.75) set('phone', `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.int(0, 9)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`);
      set('gridCode', grid.code);
      set('population', floating ? '流动' : '户籍');
      set('ethnicity', rng.next() < 0.95 ? '汉族' : rng.pick(ETHNIC));
      set('education', age < 7 ? '' : age < 16 ? '义务教育' : rng.pick(['初中', '高中', '中专', '大专', '本科', '研究生']));
      if (age >= 22 && age < 65 && rng.next() < 0.6) set('workplace', rng.pick(WORKPLACES));
      set('tags', tags.join('、'));
      set('householdNo', householdNo);
      set('relation', role);
      set('building', buildingName);
      set('buildingAddress', buildingAddress);
      set('roomNo', roomNo);
      set('dwellingRelation', floating ? (rng.next() < 0.8 ? '租户' : '居住') : m === 0 ? '产权人' : '居住');
      set('moveInDate', isoOfDay(Math.max(moveInDay, birthDay)));
      rows.push(row);
      made++;
    }
    yield rows;
  }
}
