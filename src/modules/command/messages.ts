import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  LIVE_CURSOR_INVALID: { 'zh-CN': '实时推送的续传位置无效，请刷新页面', en: 'The live feed cursor is not valid; reload the page' },
});
