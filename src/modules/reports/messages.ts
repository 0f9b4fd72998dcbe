import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  REPORT_PERIOD_INVALID: { 'zh-CN': '报表周期无效（周报如 2026-W48，月报如 2026-11，季报如 2026-Q4）', en: 'Invalid report period (weekly 2026-W48, monthly 2026-11, quarterly 2026-Q4)' },
  REPORT_PERIOD_NOT_STARTED: { 'zh-CN': '报表周期尚未开始', en: 'The report period has not started yet' },
  REPORT_SCOPE_INVALID: { 'zh-CN': '报表范围须为全区或一个街道', en: 'A report covers the district or one street' },
  REPORT_OUT_OF_SCOPE: { 'zh-CN': '所选范围超出您的管辖范围', en: 'The chosen area is outside your scope' },
  REPORT_NOT_READY: { 'zh-CN': '报表尚未生成完成', en: 'The report is not ready yet' },
  REPORT_FONT_MISSING: {
    'zh-CN': '未找到中文字体，无法生成 PDF：请安装 fonts-wqy-microhei 或 fonts-noto-cjk，或设置 CIVICGRID_REPORT_FONT',
    en: 'No Chinese font found for the PDF: install fonts-wqy-microhei or fonts-noto-cjk, or set CIVICGRID_REPORT_FONT',
  },
  REPORT_STATISTICS_UNAVAILABLE: { 'zh-CN': '统计库暂不可用，报表生成失败', en: 'The statistics store was unavailable; the report failed' },
  REPORT_FAILED: { 'zh-CN': '报表生成失败，请重试', en: 'The report failed; try again' },
});
