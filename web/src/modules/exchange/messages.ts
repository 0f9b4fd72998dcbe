/** The case import screen's words: zh-CN is the reference, English has every key. */
import { useCallback } from 'react';
import { useI18n } from '../../shell/i18n.js';

const zhCN = {
  'title': '案件交换导入',
  'intro': '导入其他平台按本平台交换格式导出的案件文件（GeoJSON、JSON 或 CSV）。办理中的案件进入受理队列（来源渠道“交换导入”），已结案的案件按原时间保存为历史案件并计入统计。同一来源系统的同一案件编号只导入一次。',
  'source': '来源系统',
  'source.help': '对方平台的简称（字母、数字、点、横线、下划线），与案件编号一起判断是否已导入',
  'partial': '跳过错误行，导入其余',
  'file': '选择文件',
  'check': '检查（不写入）',
  'import': '导入',
  'file.none': '请先选择文件',
  'source.none': '请填写来源系统',
  'report.dry': '检查结果（未写入）',
  'report.done': '导入结果',
  'report.rows': '文件中的案件',
  'report.intake': '进入受理',
  'report.history': '历史案件',
  'report.known': '已导入过（跳过）',
  'report.problems': '有问题的行',
  'col.row': '行',
  'col.sourceCode': '来源编号',
  'col.field': '字段',
  'col.message': '问题',
  'col.code': '本平台编号',
  'col.kind': '导入为',
  'kind.intake': '受理队列',
  'kind.history': '历史案件',
  'refused': '文件有误，未导入任何案件：',
};

const en: Record<keyof typeof zhCN, string> = {
  'title': 'Case exchange import',
  'intro': 'Import a file of cases another platform exported in our exchange format (GeoJSON, JSON or CSV). Open cases enter the intake queue (channel “exchange import”); closed cases are kept as history with their own times and counted in the statistics. A source system\'s case code is imported once.',
  'source': 'Source system',
  'source.help': 'The other platform\'s short name (letters, digits, dot, dash, underscore); with the case code it tells whether a case was imported before',
  'partial': 'Skip bad rows, import the rest',
  'file': 'Choose file',
  'check': 'Check (writes nothing)',
  'import': 'Import',
  'file.none': 'Choose a file first',
  'source.none': 'Name the source system',
  'report.dry': 'Check result (nothing written)',
  'report.done': 'Import result',
  'report.rows': 'Cases in the file',
  'report.intake': 'To intake',
  'report.history': 'History',
  'report.known': 'Imported before (skipped)',
  'report.problems': 'Rows with problems',
  'col.row': 'Row',
  'col.sourceCode': 'Source code',
  'col.field': 'Field',
  'col.message': 'Problem',
  'col.code': 'Our code',
  'col.kind': 'Imported as',
  'kind.intake': 'Intake queue',
  'kind.history': 'History',
  'refused': 'The file has problems; nothing was imported:',
};

type Key = keyof typeof zhCN;
export const EXCHANGE_MESSAGES = { 'zh-CN': zhCN, en } as const;

export function useExchangeText(): (key: Key) => string {
  const { lang } = useI18n();
  return useCallback((key: Key) => EXCHANGE_MESSAGES[lang][key], [lang]);
}
