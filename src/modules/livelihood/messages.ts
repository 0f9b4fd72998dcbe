import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  LIVELIHOOD_WRONG_STATUS: { 'zh-CN': '当前状态下不能执行此操作', en: 'Not possible in the current status' },
  LIVELIHOOD_REASON_REQUIRED: { 'zh-CN': '不予采纳须填写理由', en: 'A rejection needs a reason' },
  LIVELIHOOD_OWNER_REQUIRED: { 'zh-CN': '请填写项目责任人', en: 'The project needs an owner' },
  LIVELIHOOD_BUDGET_INVALID: { 'zh-CN': '预算须为不小于 0 的金额（元，最多两位小数）', en: 'The budget must be an amount of at least 0 (yuan, two decimals at most)' },
  LIVELIHOOD_DEADLINE_INVALID: { 'zh-CN': '完成时限须为有效日期且不早于今天', en: 'The deadline must be a valid date, today or later' },
  LIVELIHOOD_PERCENT_INVALID: { 'zh-CN': '进度须不低于当前进度且小于 100（完成请用“办结”）', en: 'Progress must not go back and stays below 100 (use complete)' },
  LIVELIHOOD_NOTE_REQUIRED: { 'zh-CN': '请填写进展说明', en: 'Describe the progress' },
  LIVELIHOOD_UNKNOWN_GRID: { 'zh-CN': '网格不存在或不是社区、单元网格', en: 'No such community or unit grid' },
  LIVELIHOOD_OUT_OF_SCOPE: { 'zh-CN': '所选网格超出您的管辖范围', en: 'The grid is outside your scope' },
  LIVELIHOOD_UNKNOWN_SOURCE: { 'zh-CN': '来源对象不存在或不在您的管辖范围（居民或走访）', en: 'The source (resident or visit) does not exist in your scope' },
  LIVELIHOOD_UNKNOWN_DEPARTMENT: { 'zh-CN': '责任部门不存在', en: 'No such department' },
  LIVELIHOOD_FILE_UNKNOWN: { 'zh-CN': '照片不存在或不是您上传的', en: 'Unknown photo, or not uploaded by you' },
  LIVELIHOOD_PERIOD_INVALID: { 'zh-CN': '统计区间无效（起止日期，起不晚于止，最长 3 年）', en: 'Invalid period (from ≤ to, at most 3 years)' },
});
