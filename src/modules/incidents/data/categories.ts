/**
 * Default classification for the reference district: departments, 8 major
 * and 106 minor categories with their stage time limits. These are seed data;
 * the administrator edits them in the console or imports a spreadsheet.
 */
import type { TimeLimit } from '../rules/calendar.js';

/** 部件 (a located city asset) or 事件 (an occurrence). */
export type CategoryType = 'component' | 'event';

/** 即办 (a grid worker may resolve it at once), 承诺 (committed), 协调 (needs several bodies). */
export type CaseType = 'immediate' | 'committed' | 'coordinated';

/** Working-time limit of each stage of the loop. */
export interface StageLimits {
  register: TimeLimit;
  dispatch: TimeLimit;
  handle: TimeLimit;
  verify: TimeLimit;
}

export interface Department {
  code: string;
  nameZh: string;
  nameEn: string;
}

export interface MajorCategory {
  code: string;
  nameZh: string;
  nameEn: string;
}

export interface MinorCategory {
  /** Major code + two digits, e.g. '0401'. */
  code: string;
  majorCode: string;
  nameZh: string;
  nameEn: string;
  type: CategoryType;
  /** Default departments: the first is the suggested lead, the rest co-handlers. */
  departmentCodes: readonly string[];
  caseType: CaseType;
  limits: StageLimits;
}

export const DEFAULT_DEPARTMENTS: readonly Department[] = [
  { code: 'D01', nameZh: '城市管理和综合执法局', nameEn: 'Urban Management and Comprehensive Law Enforcement Bureau' },
  { code: 'D02', nameZh: '住房和城乡建设局', nameEn: 'Housing and Urban-Rural Development Bureau' },
  { code: 'D03', nameZh: '生态环境分局', nameEn: 'Ecology and Environment Sub-bureau' },
  { code: 'D04', nameZh: '市场监督管理局', nameEn: 'Market Supervision Administration' },
  { code: 'D05', nameZh: '应急管理局', nameEn: 'Emergency Management Bureau' },
  { code: 'D06', nameZh: '公安分局', nameEn: 'Public Security Sub-bureau' },
  { code: 'D07', nameZh: '消防救援大队', nameEn: 'Fire and Rescue Brigade' },
  { code: 'D08', nameZh: '水利局', nameEn: 'Water Resources Bureau' },
  { code: 'D09', nameZh: '交通运输局', nameEn: 'Transport Bureau' },
  { code: 'D10', nameZh: '民政局', nameEn: 'Civil Affairs Bureau' },
  { code: 'D11', nameZh: '卫生健康局', nameEn: 'Health Bureau' },
  { code: 'D12', nameZh: '司法局', nameEn: 'Justice Bureau' },
  { code: 'D13', nameZh: '教育局', nameEn: 'Education Bureau' },
];

export const DEFAULT_MAJOR_CATEGORIES: readonly MajorCategory[] = [
  { code: '01', nameZh: '治安', nameEn: 'Public security' },
  { code: '02', nameZh: '消防', nameEn: 'Fire safety' },
  { code: '03', nameZh: '应急', nameEn: 'Emergency and work safety' },
  { code: '04', nameZh: '城市管理', nameEn: 'Urban management' },
  { code: '05', nameZh: '环境保护', nameEn: 'Environmental protection' },
  { code: '06', nameZh: '市场监管', nameEn: 'Market supervision' },
  { code: '07', nameZh: '矛盾纠纷', nameEn: 'Disputes' },
  { code: '08', nameZh: '民生服务', nameEn: 'Livelihood services' },
];

const hours = (amount: number): TimeLimit => ({ amount, unit: 'hours' });
const days = (amount: number): TimeLimit => ({ amount, unit: 'days' });

/** Hazards to life or property: half-hour intake, four working hours to fix, checked the same day. */
const URGENT: StageLimits = { register: hours(0.5), dispatch: hours(0.5), handle: hours(4), verify: hours(2) };

/** Ordinary intake (one working hour each to register and dispatch) and one working day to verify. */
function standard(handle: TimeLimit): StageLimits {
  return { register: hours(1), dispatch: hours(1), handle, verify: days(1) };
}

type Row = [code: string, nameZh: string, nameEn: string, type: CategoryType, departments: string[], caseType: CaseType, limits: StageLimits];

const C = 'component' as const;
const E = 'event' as const;
const IMM = 'immediate' as const;
const COM = 'committed' as const;
const COO = 'coordinated' as const;

const ROWS: Row[] = [
  ['0101', '治安隐患', 'Public order hazard', E, ['D06'], COM, standard(days(1))],
  ['0102', '可疑人员', 'Suspicious person', E, ['D06'], COM, URGENT],
  ['0103', '非法聚集', 'Illegal gathering', E, ['D06'], COO, URGENT],
  ['0104', '打架斗殴', 'Fighting', E, ['D06'], COM, URGENT],
  ['0105', '盗窃线索', 'Theft lead', E, ['D06'], COM, standard(days(3))],
  ['0106', '涉黄涉赌', 'Prostitution or gambling', E, ['D06'], COM, standard(days(3))],
  ['0107', '出租房屋未登记', 'Unregistered rental housing', E, ['D06', 'D02'], COM, standard(days(5))],
  ['0108', '流动人口未登记', 'Unregistered floating population', E, ['D06'], IMM, standard(days(3))],
  ['0109', '治安监控设施损坏', 'Damaged security camera', C, ['D06'], COM, standard(days(3))],
  ['0110', '校园周边治安', 'Security around schools', E, ['D06', 'D13'], COO, standard(days(5))],
  ['0111', '电信网络诈骗线索', 'Telecom and online fraud lead', E, ['D06'], COM, standard(days(3))],
  ['0112', '涉毒线索', 'Drug lead', E, ['D06'], COM, standard(days(3))],

  ['0201', '消防通道堵塞', 'Blocked fire lane', E, ['D07'], IMM, URGENT],
  ['0202', '消防器材缺失损坏', 'Missing or damaged fire extinguishers', E, ['D07'], COM, standard(days(3))],
  ['0203', '室外消火栓损坏', 'Damaged outdoor fire hydrant', C, ['D07', 'D08'], COM, standard(days(3))],
  ['0204', '电动自行车违规充电', 'Unsafe e-bike charging', E, ['D07'], IMM, URGENT],
  ['0205', '楼道堆放杂物', 'Clutter in stairwells', E, ['D07'], IMM, standard(days(1))],
  ['0206', '安全出口锁闭', 'Locked emergency exit', E, ['D07'], COM, URGENT],
  ['0207', '九小场所消防隐患', 'Fire hazard in small premises', E, ['D07'], COM, standard(days(3))],
  ['0208', '高层建筑消防隐患', 'Fire hazard in a high-rise building', E, ['D07', 'D02'], COO, standard(days(10))],
  ['0209', '违规用火用电', 'Unsafe use of fire or electricity', E, ['D07'], COM, URGENT],
  ['0210', '人员密集场所消防隐患', 'Fire hazard in a crowded venue', E, ['D07'], COM, standard(days(3))],

  ['0301', '燃气泄漏隐患', 'Gas leak hazard', E, ['D05', 'D02'], COM, URGENT],
  ['0302', '危险化学品隐患', 'Hazardous chemicals', E, ['D05'], COM, standard(days(1))],
  ['0303', '建筑施工安全隐患', 'Construction site safety hazard', E, ['D02', 'D05'], COM, standard(days(3))],
  ['0304', '有限空间作业隐患', 'Confined-space work hazard', E, ['D05'], COM, URGENT],
  ['0305', '地质灾害隐患', 'Geological hazard', E, ['D05', 'D08'], COO, standard(days(1))],
  ['0306', '防汛隐患', 'Flood-control hazard', E, ['D08', 'D05'], COM, URGENT],
  ['0307', '道路塌陷', 'Road subsidence', E, ['D02', 'D09'], COM, URGENT],
  ['0308', '危房险情', 'Dangerous building', E, ['D02', 'D05'], COO, URGENT],
  ['0309', '高空坠物隐患', 'Falling-object hazard', E, ['D01', 'D02'], COM, URGENT],
  ['0310', '特种设备安全隐患', 'Special equipment (boiler, pressure vessel) hazard', E, ['D04'], COM, standard(days(1))],
  ['0311', '电梯故障困人', 'Elevator failure or entrapment', C, ['D04'], COM, URGENT],
  ['0312', '应急避难场所设施损坏', 'Damaged emergency shelter facility', C, ['D05'], COM, standard(days(5))],

  ['0401', '井盖缺失破损', 'Missing or broken manhole cover', C, ['D01'], COM, URGENT],
  ['0402', '路灯不亮损坏', 'Street lamp out or damaged', C, ['D01'], COM, standard(days(2))],
  ['0403', '垃圾箱破损', 'Damaged litter bin', C, ['D01'], COM, standard(days(2))],
  ['0404', '公厕设施损坏', 'Damaged public toilet', C, ['D01'], COM, standard(days(2))],
  ['0405', '道路破损', 'Damaged road surface', C, ['D02'], COM, standard(days(5))],
  ['0406', '人行道板破损', 'Broken pavement slabs', C, ['D02'], COM, standard(days(3))],
  ['0407', '交通标志标线损坏', 'Damaged traffic signs or markings', C, ['D09', 'D06'], COM, standard(days(5))],
  ['0408', '护栏隔离栏损坏', 'Damaged railings', C, ['D09'], COM, standard(days(3))],
  ['0409', '公交站亭损坏', 'Damaged bus shelter', C, ['D09'], COM, standard(days(5))],
  ['0410', '行道树倒伏损毁', 'Fallen or damaged street tree', C, ['D01'], COM, standard(days(1))],
  ['0411', '雨水井堵塞', 'Blocked storm drain', C, ['D08'], COM, standard(days(1))],
  ['0412', '暴露垃圾', 'Exposed garbage', E, ['D01'], IMM, standard(hours(4))],
  ['0413', '道路不洁', 'Dirty road', E, ['D01'], IMM, standard(hours(4))],
  ['0414', '乱张贴小广告', 'Illegal posters and flyers', E, ['D01'], IMM, standard(days(1))],
  ['0415', '乱涂写', 'Graffiti', E, ['D01'], IMM, standard(days(1))],
  ['0416', '占道经营', 'Street vending on the roadway', E, ['D01'], COM, standard(hours(4))],
  ['0417', '店外经营', 'Trading outside the shop front', E, ['D01'], IMM, standard(hours(4))],
  ['0418', '违章搭建', 'Illegal construction', E, ['D01', 'D02'], COO, standard(days(10))],
  ['0419', '渣土车撒漏', 'Muck truck spillage', E, ['D01'], COM, standard(hours(4))],
  ['0420', '非机动车乱停放', 'Badly parked bicycles', E, ['D01'], IMM, standard(hours(4))],
  ['0421', '机动车违规停放', 'Illegally parked motor vehicle', E, ['D06'], COM, standard(hours(4))],
  ['0422', '户外广告招牌隐患', 'Unsafe outdoor signboard', E, ['D01'], COM, standard(days(3))],

  ['0501', '工地扬尘', 'Construction dust', E, ['D02', 'D03'], COM, standard(days(1))],
  ['0502', '露天焚烧', 'Open burning', E, ['D03', 'D01'], IMM, standard(hours(4))],
  ['0503', '餐饮油烟污染', 'Restaurant cooking fumes', E, ['D03'], COM, standard(days(5))],
  ['0504', '施工噪声扰民', 'Construction noise', E, ['D03', 'D02'], COM, standard(days(1))],
  ['0505', '社会生活噪声扰民', 'Neighbourhood noise', E, ['D06'], COM, standard(days(1))],
  ['0506', '工业废气排放', 'Industrial air emissions', E, ['D03'], COM, standard(days(3))],
  ['0507', '污水直排', 'Untreated sewage discharge', E, ['D03', 'D08'], COM, standard(days(3))],
  ['0508', '河道水面漂浮物', 'Floating waste on a river', E, ['D08'], COM, standard(days(1))],
  ['0509', '黑臭水体', 'Black and odorous water', E, ['D08', 'D03'], COO, standard(days(10))],
  ['0510', '危险废物非法处置', 'Illegal hazardous waste disposal', E, ['D03'], COM, standard(days(1))],
  ['0511', '医疗废物处置不当', 'Improper medical waste disposal', E, ['D11', 'D03'], COM, standard(days(1))],
  ['0512', '建筑垃圾乱倒', 'Illegal dumping of construction waste', E, ['D01'], COM, standard(days(1))],
  ['0513', '畜禽养殖污染', 'Livestock farming pollution', E, ['D03'], COO, standard(days(10))],
  ['0514', '土壤污染', 'Soil pollution', E, ['D03'], COO, standard(days(10))],

  ['0601', '无证无照经营', 'Unlicensed business', E, ['D04'], COM, standard(days(5))],
  ['0602', '食品安全隐患', 'Food safety hazard', E, ['D04'], COM, standard(days(1))],
  ['0603', '过期变质食品', 'Expired or spoiled food', E, ['D04'], COM, standard(days(1))],
  ['0604', '校园周边食品安全', 'Food safety around schools', E, ['D04', 'D13'], COM, standard(days(2))],
  ['0605', '价格违法', 'Price violation', E, ['D04'], COM, standard(days(5))],
  ['0606', '虚假宣传', 'False advertising', E, ['D04'], COM, standard(days(5))],
  ['0607', '计量器具作弊', 'Rigged weighing or measuring device', E, ['D04'], COM, standard(days(3))],
  ['0608', '药品医疗器械违规', 'Drug or medical device violation', E, ['D04', 'D11'], COM, standard(days(3))],
  ['0609', '非法行医', 'Illegal medical practice', E, ['D11'], COM, standard(days(3))],
  ['0610', '农贸市场秩序', "Farmers' market order", E, ['D04', 'D01'], COM, standard(days(3))],
  ['0611', '消费投诉', 'Consumer complaint', E, ['D04'], COM, standard(days(5))],
  ['0612', '假冒伪劣商品', 'Counterfeit or substandard goods', E, ['D04'], COM, standard(days(5))],

  ['0701', '邻里纠纷', 'Neighbour dispute', E, ['D12'], IMM, standard(days(3))],
  ['0702', '婚姻家庭纠纷', 'Marriage and family dispute', E, ['D12', 'D10'], COM, standard(days(5))],
  ['0703', '劳资纠纷', 'Wage arrears or labour dispute', E, ['D12'], COO, standard(days(10))],
  ['0704', '物业管理纠纷', 'Property management dispute', E, ['D02'], COO, standard(days(10))],
  ['0705', '征地拆迁纠纷', 'Land expropriation or demolition dispute', E, ['D02', 'D12'], COO, standard(days(10))],
  ['0706', '房屋租赁纠纷', 'Tenancy dispute', E, ['D12'], COM, standard(days(5))],
  ['0707', '医疗纠纷', 'Medical dispute', E, ['D11', 'D12'], COO, standard(days(10))],
  ['0708', '交通事故纠纷', 'Traffic accident dispute', E, ['D06', 'D12'], COM, standard(days(5))],
  ['0709', '校园纠纷', 'School dispute', E, ['D13', 'D12'], COM, standard(days(5))],
  ['0710', '群体性矛盾隐患', 'Risk of a group conflict', E, ['D12', 'D06'], COO, standard(days(1))],

  ['0801', '特困救助需求', 'Hardship relief need', E, ['D10'], COM, standard(days(5))],
  ['0802', '独居老人关爱', 'Elderly person living alone needs care', E, ['D10'], COM, standard(days(3))],
  ['0803', '残疾人帮扶', 'Support for a disabled person', E, ['D10'], COM, standard(days(5))],
  ['0804', '流浪乞讨人员救助', 'Help for a homeless person', E, ['D10'], COM, URGENT],
  ['0805', '困境儿童关爱', 'Child in difficulty', E, ['D10', 'D13'], COM, standard(days(3))],
  ['0806', '供水故障', 'Water supply failure', E, ['D08'], COM, URGENT],
  ['0807', '老旧小区设施损坏', 'Damaged facility in an old housing estate', C, ['D02'], COM, standard(days(5))],
  ['0808', '二次供水水质问题', 'Secondary water supply quality', E, ['D08', 'D11'], COM, standard(days(1))],
  ['0809', '公共卫生事件线索', 'Public health incident lead', E, ['D11'], COM, URGENT],
  ['0810', '病媒生物孳生', 'Rodent or mosquito breeding', E, ['D11', 'D01'], COM, standard(days(3))],
  ['0811', '适龄儿童失学辍学', 'School-age child out of school', E, ['D13'], COM, standard(days(5))],
  ['0812', '法律援助需求', 'Legal aid request', E, ['D12'], COM, standard(days(5))],
  ['0813', '违规殡葬', 'Illegal burial or funeral practice', E, ['D10'], COM, standard(days(3))],
  ['0814', '公交线路站点诉求', 'Bus route or stop request', E, ['D09'], COO, standard(days(10))],
];

export const DEFAULT_MINOR_CATEGORIES: readonly MinorCategory[] = ROWS.map(
  ([code, nameZh, nameEn, type, departmentCodes, caseType, limits]) => ({
    code,
    majorCode: code.slice(0, 2),
    nameZh,
    nameEn,
    type,
    departmentCodes,
    caseType,
    limits,
  }),
);

const MINOR_BY_CODE = new Map(DEFAULT_MINOR_CATEGORIES.map((c) => [c.code, c]));

export function findDefaultMinorCategory(code: string): MinorCategory | undefined {
  return MINOR_BY_CODE.get(code);
}
