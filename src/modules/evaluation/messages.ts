import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  EVALUATION_CODE_LEVEL: { 'zh-CN': '网格编码与所选层级不符', en: 'The grid code does not match the chosen level' },
  EVALUATION_OUT_OF_SCOPE: { 'zh-CN': '所选范围超出您的管辖范围', en: 'The chosen unit is outside your scope' },
  EVALUATION_PERIOD_INVALID: { 'zh-CN': '统计周期无效（结束日期不能早于开始日期，且不超过三年）', en: 'Invalid period (the end may not precede the start, and at most three years)' },
  ASSESSMENT_DISTRICT_ONLY: { 'zh-CN': '考核方案与关闭考核周期须由区级人员操作', en: 'Only district staff may edit the scheme or close a period' },
  ASSESSMENT_FILE_UNKNOWN: { 'zh-CN': '佐证材料中有未找到或非本人上传的文件', en: 'An evidence file was not found or not uploaded by you' },
  ASSESSMENT_NOT_MANUAL: { 'zh-CN': '该考核项不是人工评分项', en: 'This item is not scored by hand' },
  ASSESSMENT_PERIOD_CHANGED: { 'zh-CN': '关闭期间有新的评分录入，请刷新后重试', en: 'A score was entered while closing; reload and try again' },
  ASSESSMENT_PERIOD_CLOSED: { 'zh-CN': '考核周期已关闭，成绩已锁定，不能再修改', en: 'The period is closed and its scores are frozen' },
  ASSESSMENT_PERIOD_INVALID: { 'zh-CN': '考核周期无效（月份为 YYYY-MM，季度为 YYYY-Qn）', en: 'Invalid period (a month is YYYY-MM, a quarter YYYY-Qn)' },
  ASSESSMENT_PERIOD_NOT_OVER: { 'zh-CN': '考核周期尚未结束，不能关闭', en: 'The period has not ended yet and cannot be closed' },
  ASSESSMENT_SCHEME_INVALID: { 'zh-CN': '考核方案无效（权重合计须为 100，目标与底线方向须正确，编码不可重复）', en: 'Invalid scheme (weights must total 100, each floor must be on the worse side of its target, keys unique)' },
  ASSESSMENT_SCORE_RANGE: { 'zh-CN': '评分超出该项的分值范围', en: 'The score is outside the range of this item' },
  EVALUATION_STORE_UNAVAILABLE: { 'zh-CN': '统计库暂不可用，请稍后再试', en: 'The statistics store is unavailable; try again later' },
});
