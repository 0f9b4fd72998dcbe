/** The reports screens' words: zh-CN is the reference, English has every key. */
import { useCallback } from 'react';
import { useI18n } from '../../shell/i18n.js';

const zhCN = {
  'title': '报表服务',
  'intro': '一周一调度、一月一通报、一季一讲评：每周、每月、每季度结束后自动生成全区报表，也可随时按需生成。',
  'kind.weekly': '一周一调度（周报）',
  'kind.monthly': '一月一通报（月报）',
  'kind.quarterly': '一季一讲评（季报）',
  'field.kind': '报表类型',
  'field.period': '统计周期',
  'field.scope': '范围',
  'generate': '生成报表',
  'generated': '已提交生成，完成后可下载',
  'col.title': '报表',
  'col.period': '周期',
  'col.trigger': '来源',
  'col.status': '状态',
  'col.createdAt': '提交时间',
  'col.download': '下载',
  'trigger.schedule': '定时生成',
  'trigger.demand': '按需生成',
  'status.queued': '排队中',
  'status.running': '生成中',
  'status.done': '已完成',
  'status.failed': '失败',
  'download.xlsx': 'Excel',
  'download.pdf': 'PDF',
  'empty': '暂无报表',
  'home.title': '最新报表',
  'home.all': '全部报表',
  'error.REPORT_FONT_MISSING': '服务器未安装中文字体，无法生成 PDF',
  'error.REPORT_STATISTICS_UNAVAILABLE': '统计库暂不可用',
  'error.REPORT_FAILED': '生成失败，请重试',
};

type Key = keyof typeof zhCN;

const en: Record<Key, string> = {
  'title': 'Reports',
  'intro': 'Weekly dispatch review, monthly bulletin, quarterly appraisal: the district reports are generated after each week, month and quarter ends, and on demand at any time.',
  'kind.weekly': 'Weekly dispatch review',
  'kind.monthly': 'Monthly bulletin',
  'kind.quarterly': 'Quarterly appraisal',
  'field.kind': 'Kind',
  'field.period': 'Period',
  'field.scope': 'Area',
  'generate': 'Generate',
  'generated': 'Submitted; download it when it is done',
  'col.title': 'Report',
  'col.period': 'Period',
  'col.trigger': 'Source',
  'col.status': 'Status',
  'col.createdAt': 'Submitted',
  'col.download': 'Download',
  'trigger.schedule': 'Scheduled',
  'trigger.demand': 'On demand',
  'status.queued': 'Queued',
  'status.running': 'Running',
  'status.done': 'Done',
  'status.failed': 'Failed',
  'download.xlsx': 'Excel',
  'download.pdf': 'PDF',
  'empty': 'No reports yet',
  'home.title': 'Latest reports',
  'home.all': 'All reports',
  'error.REPORT_FONT_MISSING': 'No Chinese font on the server: the PDF cannot be made',
  'error.REPORT_STATISTICS_UNAVAILABLE': 'The statistics store was unavailable',
  'error.REPORT_FAILED': 'Failed; try again',
};

export const REPORT_MESSAGES = { 'zh-CN': zhCN, en } as const;
export type ReportMessageKey = Key;

export function useReportText(): (key: Key, params?: Record<string, string | number>) => string {
  const { lang } = useI18n();
  return useCallback(
    (key, params = {}) => REPORT_MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)),
    [lang],
  );
}

/** A failure's message code as words; an unknown code falls back to the generic failure. */
export function errorKey(code: string | null): Key {
  const key = `error.${code ?? 'REPORT_FAILED'}`;
  return (key in zhCN ? key : 'error.REPORT_FAILED') as Key;
}
