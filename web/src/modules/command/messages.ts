/** The big screen's words: zh-CN is the reference, English has every key. */
import { useCallback } from 'react';
import { useI18n } from '../../shell/i18n.js';

const zhCN = {
  'title': '网格化综合指挥大屏',
  'title.street': '{name} 指挥中心',
  'today': '今日概况',
  'today.reported': '今日上报',
  'today.closed': '今日结案',
  'today.overdue': '当前超期',
  'open.total': '在办案件',
  'byStatus': '在办案件 · 按状态',
  'byCategory': '在办案件 · 按大类',
  'byStreet': '在办案件 · 按街道',
  'uncategorised': '未分类',
  'unknown': '未知',
  'red': '红灯预警',
  'red.empty': '暂无红灯案件',
  'due': '时限',
  'ranking': '本月部门排名（按期结案率）',
  'ranking.previous': '上期第 {rank} 名',
  'ranking.new': '上期无',
  'ranking.empty': '暂无排名数据',
  'map': '实时案件与在岗网格员',
  'map.cases': '在办案件 {count}',
  'map.workers': '在岗网格员 {count}',
  'map.truncated': '（仅显示最新 {count} 件）',
  'legend.none': '正常',
  'legend.amber': '黄灯',
  'legend.red': '红灯',
  'legend.worker': '网格员',
  'ticker': '最新动态',
  'ticker.empty': '等待新的事件…',
  'live.on': '实时连接',
  'live.off': '正在重连',
  'updated': '数据更新于 {time}',
  'exit': '退出大屏',
  'error': '大屏数据加载失败：{message}',
} as const;

type Key = keyof typeof zhCN;

const en: Record<Key, string> = {
  'title': 'Grid Governance Command Screen',
  'title.street': '{name} command centre',
  'today': 'Today',
  'today.reported': 'Reported today',
  'today.closed': 'Closed today',
  'today.overdue': 'Overdue now',
  'open.total': 'Open cases',
  'byStatus': 'Open cases by status',
  'byCategory': 'Open cases by category',
  'byStreet': 'Open cases by street',
  'uncategorised': 'Not classified',
  'unknown': 'Unknown',
  'red': 'Red warnings',
  'red.empty': 'No red-warning cases',
  'due': 'Due',
  'ranking': 'Departments this month (on-time close rate)',
  'ranking.previous': 'previously #{rank}',
  'ranking.new': 'not ranked before',
  'ranking.empty': 'No ranking yet',
  'map': 'Live cases and on-duty workers',
  'map.cases': '{count} open cases',
  'map.workers': '{count} workers on duty',
  'map.truncated': ' (newest {count} shown)',
  'legend.none': 'Normal',
  'legend.amber': 'Amber',
  'legend.red': 'Red',
  'legend.worker': 'Grid worker',
  'ticker': 'Latest events',
  'ticker.empty': 'Waiting for events…',
  'live.on': 'Live',
  'live.off': 'Reconnecting',
  'updated': 'Updated {time}',
  'exit': 'Leave the screen',
  'error': 'The screen could not load: {message}',
};

const MESSAGES = { 'zh-CN': zhCN, en } as const;

export function useScreenText(): (key: Key, params?: Record<string, string | number>) => string {
  const { lang } = useI18n();
  return useCallback(
    (key, params = {}) => MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)),
    [lang],
  );
}
