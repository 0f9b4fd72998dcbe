import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  EVALUATION_CODE_LEVEL: { 'zh-CN': '网格编码与所选层级不符', en: 'The grid code does not match the chosen level' },
  EVALUATION_OUT_OF_SCOPE: { 'zh-CN': '所选范围超出您的管辖范围', en: 'The chosen unit is outside your scope' },
  EVALUATION_PERIOD_INVALID: { 'zh-CN': '统计周期无效（结束日期不能早于开始日期，且不超过三年）', en: 'Invalid period (the end may not precede the start, and at most three years)' },
  EVALUATION_STORE_UNAVAILABLE: { 'zh-CN': '统计库暂不可用，请稍后再试', en: 'The statistics store is unavailable; try again later' },
});
