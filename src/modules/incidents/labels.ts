import type { IncidentStatus } from './rules/state-machine.js';
import type { IncidentChannel } from './tables.js';

/**
 * The Chinese words of statuses, channels and warning levels for what the
 * server itself writes for people (exports); the console has its own
 * dictionary with English too (web/src/modules/incidents/messages.ts).
 */
export const STATUS_ZH: Readonly<Record<IncidentStatus, string>> = {
  reported: '待受理',
  registered: '已立案',
  dispatched: '已派遣',
  handling: '处置中',
  replied: '已反馈',
  verifying: '核查中',
  verified: '待结案',
  closed: '已结案',
  rejected: '不予立案',
  deferred: '缓办',
  merged: '已合并',
};

export const CHANNEL_ZH: Readonly<Record<IncidentChannel, string>> = {
  grid_worker: '网格员上报',
  citizen: '市民上报',
  hotline_12345: '12345 热线',
  operator_phone: '电话受理',
  operator_walk_in: '来访受理',
  api: '系统接入',
  exchange_import: '交换导入',
  cascade_district: '区级平台上报',
  cascade_city: '市级平台下派',
};

export const WARNING_ZH: Readonly<Record<'none' | 'amber' | 'red', string>> = { none: '正常', amber: '黄灯预警', red: '红灯超期' };
