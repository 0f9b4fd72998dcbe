import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  WEBHOOK_NOT_FOUND: { 'zh-CN': 'Webhook 订阅不存在', en: 'No such webhook subscription' },
  WEBHOOK_BAD_URL: { 'zh-CN': '接收地址无效：{problem}', en: 'The receiver URL is invalid: {problem}' },
  WEBHOOK_CLIENT_NOT_ALLOWED: { 'zh-CN': '该 API 客户端已吊销或没有 webhooks 权限范围', en: 'The API client is revoked or lacks the webhooks scope' },
  WEBHOOK_EVENT_NOT_FOUND: { 'zh-CN': '事件不存在', en: 'No such event' },
  WEBHOOK_EVENT_NOT_WANTED: { 'zh-CN': '该事件不在此订阅的事件类型、渠道或授权范围内', en: 'The event is outside this subscription\'s types, channels or scope' },
});
