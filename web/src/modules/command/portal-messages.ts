/** The work portal's words (bell, notices, hot spots, dispatch from the map): zh-CN is the reference, English has every key. */
import { useCallback } from 'react';
import { useI18n } from '../../shell/i18n.js';

const zhCN = {
  'bell': '消息提醒',
  'bell.empty': '暂无消息',
  'bell.readAll': '全部已读',
  'bell.more': '查看全部',
  'kind.dispatched': '案件派遣到本部门',
  'kind.escalated': '街道吹哨，请本部门协同',
  'kind.urged': '案件被督办',
  'kind.assigned': '案件指派给您',
  'kind.returned': '案件被退回',
  'kind.rework': '核查未通过，案件返工',
  'kind.overdue': '案件已超期',
  'kind.field_task': '指挥中心派您到现场',
  'notices': '最新消息',
  'notices.unread': '{n} 条未读',
  'hot.title': '高发点位',
  'hot.minCases': '不少于（件）',
  'hot.radius': '半径（米）',
  'hot.days': '天数',
  'hot.category': '小类',
  'hot.area': '街道 社区',
  'hot.count': '案件数',
  'hot.open': '未办结',
  'hot.first': '首次上报',
  'hot.last': '最近上报',
  'hot.cases': '案件',
  'hot.rule': '同一小类 {days} 天内在 {radius} 米范围内不少于 {n} 件，共 {total} 处',
  'hot.truncated': '案件过多，只统计了最新的部分',
  'hot.map': '高发点位分布',
  'field.title': '就近派人',
  'field.worker': '网格员',
  'field.grid': '巡查网格',
  'field.distance': '距离',
  'field.at': '定位时间',
  'field.verify': '派去核查',
  'field.inspect': '派去巡查',
  'field.sent': '已派 {name} 到现场',
  'field.none': '附近没有在岗的网格员（最近两小时无定位）',
  'field.open': '进行中的派遣：{name}（{kind}）',
  'field.kind.verify': '核查',
  'field.kind.inspect': '巡查',
  'field.noVerify': '不负责该网格，只能巡查',
} as const;

type Key = keyof typeof zhCN;

const en: Record<Key, string> = {
  'bell': 'Notifications',
  'bell.empty': 'No notifications',
  'bell.readAll': 'Mark all read',
  'bell.more': 'See all',
  'kind.dispatched': 'Case dispatched to your department',
  'kind.escalated': 'The street calls your department in',
  'kind.urged': 'Case urged',
  'kind.assigned': 'Case assigned to you',
  'kind.returned': 'Case returned',
  'kind.rework': 'Verification failed: rework',
  'kind.overdue': 'Case overdue',
  'kind.field_task': 'The command centre sends you on site',
  'notices': 'Latest notices',
  'notices.unread': '{n} unread',
  'hot.title': 'Hot spots',
  'hot.minCases': 'At least (cases)',
  'hot.radius': 'Radius (m)',
  'hot.days': 'Days',
  'hot.category': 'Category',
  'hot.area': 'Street, community',
  'hot.count': 'Cases',
  'hot.open': 'Open',
  'hot.first': 'First reported',
  'hot.last': 'Last reported',
  'hot.cases': 'Cases',
  'hot.rule': 'At least {n} cases of one category within {radius} m in {days} days: {total} spots',
  'hot.truncated': 'Too many cases: only the newest were counted',
  'hot.map': 'Hot spots on the map',
  'field.title': 'Send the nearest worker',
  'field.worker': 'Grid worker',
  'field.grid': 'Patrol grid',
  'field.distance': 'Distance',
  'field.at': 'Fix taken',
  'field.verify': 'Send to verify',
  'field.inspect': 'Send to inspect',
  'field.sent': '{name} is sent on site',
  'field.none': 'No on-duty grid worker nearby (no fix in the last two hours)',
  'field.open': 'Sent already: {name} ({kind})',
  'field.kind.verify': 'verify',
  'field.kind.inspect': 'inspect',
  'field.noVerify': 'Not his grid: inspect only',
};

const MESSAGES = { 'zh-CN': zhCN, en } as const;

export type PortalKey = Key;

/** The words in a language without the console's context (the worker app has its own language switch). */
export function portalText(lang: keyof typeof MESSAGES, key: Key, params: Record<string, string | number> = {}): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function usePortalText(): (key: Key, params?: Record<string, string | number>) => string {
  const { lang } = useI18n();
  return useCallback((key, params = {}) => portalText(lang, key, params), [lang]);
}
