/** The statistics screens' words: zh-CN is the reference, English has every key. */
import { useCallback } from 'react';
import { useI18n } from '../../shell/i18n.js';

const zhCN = {
  'title': '统计分析',
  'period': '统计周期',
  'period.week': '本周',
  'period.month': '本月',
  'period.quarter': '本季度',
  'period.custom': '自定义',
  'area': '统计范围',
  'area.hint': '街道 / 社区',
  'previous': '上期',
  'previousHint': '上期为此前等长周期：{from} 至 {to}',
  'cohort': '按上报日统计：计入周期内上报的案件及其至今的办理情况',
  'kpi.reported': '上报数',
  'kpi.closed': '结案数',
  'kpi.closeRate': '结案率',
  'kpi.onTimeCloseRate': '按期结案率',
  'kpi.overdueRate': '超期率',
  'kpi.averageHandlingHours': '平均处置时长',
  'kpi.hours': '{value} 工时',
  'trend': '每日上报与结案',
  'byCategory': '按大类',
  'byStreet': '按街道',
  'byCommunity': '按社区',
  'ranking': '部门排名（按期结案率）',
  'ranking.scope': '范围：您的全部管辖范围',
  'rank': '排名',
  'previousRank': '上期排名',
  'department': '部门',
  'overdueList': '超期案件（当前）',
  'overdueAll': '查看全部超期案件',
  'uncategorised': '未分类',
  'drillHint': '点击图表或数字查看对应案件',
  'noData': '暂无数据',
  'home.title': '本期关键指标（本月）',
  'home.open': '进入统计分析',
  'drill.title': '来自统计分析的筛选：',
  'drill.clear': '清除',
  'col.code': '案件编号',
  'col.reportedAt': '上报时间',
  'col.due': '办理期限',
  'col.description': '问题描述',
  'workers': '网格员排名',
  'workers.by.reported': '上报数',
  'workers.by.selfResolved': '即办数',
  'workers.by.verified': '核查数',
  'workers.by.verifyOnTimeRate': '按时核查率',
  'workers.by.averageVerifyHours': '平均核查时长',
  'workers.name': '网格员',
  'workers.unknown': '（账号已不存在）',
  'workers.hint': '按上报日统计本范围内案件中网格员的上报、即办与核查',
};

type Key = keyof typeof zhCN;

const en: Record<Key, string> = {
  'title': 'Statistics',
  'period': 'Period',
  'period.week': 'This week',
  'period.month': 'This month',
  'period.quarter': 'This quarter',
  'period.custom': 'Custom',
  'area': 'Area',
  'area.hint': 'Street / community',
  'previous': 'Previous',
  'previousHint': 'Previous period of equal length: {from} to {to}',
  'cohort': 'By report day: the cases reported in the period, with what has happened to them so far',
  'kpi.reported': 'Reported',
  'kpi.closed': 'Closed',
  'kpi.closeRate': 'Close rate',
  'kpi.onTimeCloseRate': 'On-time close rate',
  'kpi.overdueRate': 'Overdue rate',
  'kpi.averageHandlingHours': 'Average handling time',
  'kpi.hours': '{value} working h',
  'trend': 'Reported and closed per day',
  'byCategory': 'By major category',
  'byStreet': 'By street',
  'byCommunity': 'By community',
  'ranking': 'Department ranking (on-time close rate)',
  'ranking.scope': 'Over your whole scope',
  'rank': 'Rank',
  'previousRank': 'Previous rank',
  'department': 'Department',
  'overdueList': 'Overdue cases (now)',
  'overdueAll': 'All overdue cases',
  'uncategorised': 'Not categorised',
  'drillHint': 'Click a chart or a number to see its cases',
  'noData': 'No data',
  'home.title': 'Key figures of this period (this month)',
  'home.open': 'Open statistics',
  'drill.title': 'Filtered from statistics:',
  'drill.clear': 'Clear',
  'col.code': 'Code',
  'col.reportedAt': 'Reported at',
  'col.due': 'Due',
  'col.description': 'Description',
  'workers': 'Grid worker ranking',
  'workers.by.reported': 'Reported',
  'workers.by.selfResolved': 'Self-resolved',
  'workers.by.verified': 'Verifications',
  'workers.by.verifyOnTimeRate': 'Verified on time',
  'workers.by.averageVerifyHours': 'Average verification time',
  'workers.name': 'Grid worker',
  'workers.unknown': '(account no longer exists)',
  'workers.hint': "Workers' reports, self-resolves and verifications on the area's cases, by report day",
};

export const EVALUATION_MESSAGES = { 'zh-CN': zhCN, en } as const;
export type EvaluationMessageKey = Key;

export function useEvaluationText(): (key: Key, params?: Record<string, string | number>) => string {
  const { lang } = useI18n();
  return useCallback(
    (key, params = {}) => EVALUATION_MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)),
    [lang],
  );
}

/** A rate as a percentage with one decimal; '—' for no value (a zero denominator). */
export function percent(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(1)}%`;
}
