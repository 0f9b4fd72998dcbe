import { defineMessages } from '../../infra/http/errors.js';

/** The campaigns' error codes, in both languages (registered at import). */
defineMessages({
  CAMPAIGN_FORM_INVALID: { 'zh-CN': '表单设置有误：题目编号重复、选择题选项不足或问题选项不在选项中', en: 'The form is not valid: duplicate keys, a choice without options, or a problem answer that is not an option' },
  CAMPAIGN_UNKNOWN_GRID: { 'zh-CN': '下发的网格不存在或已停用', en: 'A grid it is pushed to does not exist or is retired' },
  CAMPAIGN_GRIDS_NESTED: { 'zh-CN': '下发的网格不能相互包含', en: 'The grids it is pushed to must not contain one another' },
  CAMPAIGN_OUT_OF_SCOPE: { 'zh-CN': '下发范围超出您的管辖范围', en: 'The grids are outside your scope' },
  CAMPAIGN_UNKNOWN_CATEGORY: { 'zh-CN': '事件小类不存在或已停用', en: 'No such active incident category' },
  CAMPAIGN_DEADLINE_PAST: { 'zh-CN': '截止时间须晚于当前时间', en: 'The deadline must be in the future' },
  CAMPAIGN_WRONG_STATUS: { 'zh-CN': '中心工作当前状态不允许此操作', en: 'The campaign\'s status does not allow this' },
  CAMPAIGN_ANSWERS_INVALID: { 'zh-CN': '答案不完整或格式不正确', en: 'The answers are incomplete or not valid' },
  CAMPAIGN_PHOTO_UNKNOWN: { 'zh-CN': '照片尚未上传或无权使用，请重新拍照上传', en: 'A photo has not been uploaded or is not yours to use; take it again' },
  CAMPAIGN_PHOTO_REQUIRED: { 'zh-CN': '必拍照片题未拍照，请拍照后再提交', en: 'A required photo question has no photo; take one before submitting' },
});
