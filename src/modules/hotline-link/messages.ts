import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  HOTLINE_OUT_OF_SCOPE: { 'zh-CN': '工单位置不在该接入系统的授权网格范围内', en: 'The order\'s position is outside the client\'s grid scope' },
  HOTLINE_POSITION_UNRESOLVED: { 'zh-CN': '工单位置不在任何单元网格内', en: 'The order\'s position lies in no unit grid' },
  HOTLINE_ORDER_NOT_FOUND: { 'zh-CN': '工单不存在', en: 'No such order' },
  HOTLINE_ORDER_NOT_LOCATED: { 'zh-CN': '工单尚未定位，还没有对应的案件', en: 'The order has not been located yet: it has no case' },
  HOTLINE_ALREADY_LOCATED: { 'zh-CN': '该工单已定位并生成案件', en: 'This order was already located and has its case' },
  HOTLINE_BAD_DEADLINE: { 'zh-CN': '工单时限不是有效的时间', en: 'The order deadline is not a valid time' },
});
