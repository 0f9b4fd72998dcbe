import type { ApiClientScope } from './rules/keys.js';

/**
 * The catalogue of shared datasets (数据目录, docs/data-sharing.md): what the
 * platform hands to other systems, through which interface, with which
 * fields and masking. Kept in code: a dataset exists when its interface
 * does, so the list changes with the code, not with configuration.
 */
export interface SharedDataset {
  key: string;
  name: { 'zh-CN': string; en: string };
  description: { 'zh-CN': string; en: string };
  /** `api_key`: external systems with the scope; `session`: staff accounts holding the permission (no API-key access yet). */
  access: { kind: 'api_key'; scope: ApiClientScope } | { kind: 'session'; permission: string };
  interfaces: { method: 'GET' | 'POST'; path: string; note: { 'zh-CN': string; en: string } }[];
  fields: { name: string; label: { 'zh-CN': string; en: string }; masking: { 'zh-CN': string; en: string } | null }[];
  formats: string[];
}

const NONE = null;

export const SHARED_DATASETS: readonly SharedDataset[] = [
  {
    key: 'residents.verify',
    name: { 'zh-CN': '实有人口身份核验', en: 'Resident verification' },
    description: {
      'zh-CN': '按身份证号核验是否为接入方授权网格范围内的实有人口，可选返回所属社区；不返回姓名、住址等任何其他信息。适用于社保核查等部门。',
      en: 'Checks by ID number whether a person is a resident within the client\'s grid scope, optionally with the community; nothing else (no name, no address) leaves. For departments such as the social-security bureau.',
    },
    access: { kind: 'api_key', scope: 'share.residents.verify' },
    interfaces: [
      { method: 'POST', path: '/api/share/residents/verify', note: { 'zh-CN': '实时核验，每次最多 1000 个号码', en: 'online check, up to 1,000 numbers a call' } },
      { method: 'POST', path: '/api/share/verify-jobs', note: { 'zh-CN': '批量核验：上传 CSV/XLSX（最多 100,000 行），后台处理', en: 'bulk check: upload CSV/XLSX (up to 100,000 rows), run in the background' } },
      { method: 'GET', path: '/api/share/verify-jobs/:id/result.csv', note: { 'zh-CN': '批量核验结果文件', en: 'the bulk result file' } },
    ],
    fields: [
      { name: 'idNumber', label: { 'zh-CN': '身份证号', en: 'ID number' }, masking: { 'zh-CN': '结果文件中脱敏：保留前 6 位与后 4 位（430111********0011）', en: 'masked in result files: first 6 and last 4 kept (430111********0011)' } },
      { name: 'found', label: { 'zh-CN': '是否在册', en: 'Found' }, masking: NONE },
      { name: 'valid', label: { 'zh-CN': '号码是否有效', en: 'Valid number' }, masking: NONE },
      { name: 'community', label: { 'zh-CN': '所属社区（需授权字段）', en: 'Community (when the fields allow)' }, masking: NONE },
    ],
    formats: ['JSON', 'CSV'],
  },
  {
    key: 'hotline.orders',
    name: { 'zh-CN': '12345 工单办理状态', en: '12345 order status' },
    description: {
      'zh-CN': '12345 热线系统推送的工单所生成案件的编号与办理状态（通俗表述）；来电人信息只以脱敏形式出现。',
      en: 'The case code and plain-words status of the cases made from orders the 12345 system pushed; the caller appears masked only.',
    },
    access: { kind: 'api_key', scope: 'hotline.push' },
    interfaces: [
      { method: 'POST', path: '/api/hotline/orders', note: { 'zh-CN': '推送工单（重复推送返回同一案件）', en: 'push an order (a duplicate push answers the same case)' } },
      { method: 'GET', path: '/api/hotline/orders/:externalNo', note: { 'zh-CN': '查询工单对应案件与状态', en: 'the order\'s case and status' } },
    ],
    fields: [
      { name: 'caseCode', label: { 'zh-CN': '案件编号', en: 'Case code' }, masking: NONE },
      { name: 'status', label: { 'zh-CN': '办理状态', en: 'Status' }, masking: NONE },
      { name: 'deadline', label: { 'zh-CN': '工单时限', en: 'Order deadline' }, masking: NONE },
    ],
    formats: ['JSON'],
  },
  {
    key: 'grids.geojson',
    name: { 'zh-CN': '网格边界', en: 'Grid boundaries' },
    description: {
      'zh-CN': '区、街道、社区、单元网格的编码、名称与边界（WGS84）。目前通过平台账号导出，尚未向 API 客户端开放。',
      en: 'Codes, names and boundaries (WGS84) of the district, streets, communities and unit grids. Exported with a platform account today; not yet open to API clients.',
    },
    access: { kind: 'session', permission: 'grid.read' },
    interfaces: [
      { method: 'GET', path: '/api/grids/geojson', note: { 'zh-CN': 'GeoJSON 要素集合', en: 'GeoJSON feature collection' } },
      { method: 'GET', path: '/api/grids/export', note: { 'zh-CN': '网格导出文件', en: 'grid export file' } },
    ],
    fields: [
      { name: 'code', label: { 'zh-CN': '网格编码', en: 'Grid code' }, masking: NONE },
      { name: 'name', label: { 'zh-CN': '名称', en: 'Name' }, masking: NONE },
      { name: 'geometry', label: { 'zh-CN': '边界', en: 'Boundary' }, masking: NONE },
    ],
    formats: ['GeoJSON'],
  },
  {
    key: 'incidents.statistics',
    name: { 'zh-CN': '案件统计指标', en: 'Case statistics' },
    description: {
      'zh-CN': '按区域、部门、时段汇总的案件量、结案率、按期结案率等指标；不含个人信息。目前通过平台账号读取，尚未向 API 客户端开放。',
      en: 'Case volumes, closure and on-time rates by area, department and period; no personal data. Read with a platform account today; not yet open to API clients.',
    },
    access: { kind: 'session', permission: 'evaluation.read' },
    interfaces: [
      { method: 'GET', path: '/api/evaluation/kpis', note: { 'zh-CN': '指标', en: 'KPIs' } },
      { method: 'GET', path: '/api/evaluation/breakdown', note: { 'zh-CN': '分区域/分类分解', en: 'breakdown by area or category' } },
    ],
    fields: [
      { name: 'reported', label: { 'zh-CN': '上报量', en: 'Reported' }, masking: NONE },
      { name: 'closedRate', label: { 'zh-CN': '结案率', en: 'Closure rate' }, masking: NONE },
      { name: 'onTimeRate', label: { 'zh-CN': '按期结案率', en: 'On-time rate' }, masking: NONE },
    ],
    formats: ['JSON'],
  },
];
