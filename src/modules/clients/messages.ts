import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  CLIENT_KEY_INVALID: { 'zh-CN': 'API 密钥无效或已吊销', en: 'The API key is invalid or revoked' },
  CLIENT_SCOPE_DENIED: { 'zh-CN': '该 API 客户端无权调用此接口', en: 'This API client may not call this interface' },
  CLIENT_RATE_LIMITED: { 'zh-CN': '调用过于频繁，请稍后再试', en: 'Too many calls; try again later' },
  CLIENT_NOT_FOUND: { 'zh-CN': 'API 客户端不存在', en: 'No such API client' },
  CLIENT_REVOKED: { 'zh-CN': 'API 客户端已吊销，不能再修改或轮换密钥', en: 'The API client is revoked; it can no longer be changed or rotated' },
  CLIENT_UNKNOWN_GRID: { 'zh-CN': '授权范围的网格编码不存在', en: 'The scope grid code does not exist' },
});

defineMessages({
  SHARE_JOB_NOT_FOUND: { 'zh-CN': '核验任务不存在', en: 'No such verification job' },
  SHARE_JOB_NOT_DONE: { 'zh-CN': '核验任务尚未完成，结果文件还不能下载', en: 'The verification job has not finished; its result file is not ready' },
  SHARE_JOB_TOO_MANY_ROWS: { 'zh-CN': '文件行数超过上限', en: 'The file has more rows than allowed' },
  SHARE_JOB_EMPTY: { 'zh-CN': '文件中没有身份证号', en: 'The file holds no ID numbers' },
  SHARE_JOB_CLIENT_SCOPE: { 'zh-CN': '该 API 客户端没有数据共享核验权限', en: 'This API client does not have the resident verification scope' },
  SHARE_JOB_FAILED: { 'zh-CN': '核验任务失败', en: 'The verification job failed' },
});
