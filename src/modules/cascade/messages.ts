import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  CASCADE_NOT_A_PEER: { 'zh-CN': '该接入系统不是已登记的上下级平台', en: 'This API client is not a registered cascade peer platform' },
  CASCADE_PEER_NOT_FOUND: { 'zh-CN': '级联平台不存在', en: 'No such cascade peer platform' },
  CASCADE_PEER_REQUIRED: { 'zh-CN': '请选择要转去的平台（下级平台不止一个，或尚未配置上级平台）', en: 'Choose the platform to send to (there is more than one district, or no city platform is configured)' },
  CASCADE_PARENT_EXISTS: { 'zh-CN': '已配置上级平台，只能有一个', en: 'A city platform is already configured; there can be only one' },
  CASCADE_BAD_URL: { 'zh-CN': '平台地址须为 https://（或开发测试时允许的 http://），且不含用户名密码', en: 'The platform address must be https:// (http:// where allowed for tests) without credentials' },
  CASCADE_BAD_CLIENT: { 'zh-CN': '接入系统不存在、已吊销或没有“上下级平台级联”权限', en: 'The API client does not exist, is revoked or lacks the cascade scope' },
  CASCADE_CLIENT_IN_USE: { 'zh-CN': '该接入系统已用于另一个级联平台', en: 'This API client is already used by another cascade peer' },
  CASCADE_NOT_SENDABLE: { 'zh-CN': '案件当前状态不能转上下级平台（须已立案、已派遣或处置中）', en: 'The case cannot be sent in its current status (it must be registered, dispatched or being handled)' },
  CASCADE_ALREADY_SENT: { 'zh-CN': '案件已转上下级平台', en: 'The case has already been sent to another platform' },
  CASCADE_CASE_NOT_FOUND: { 'zh-CN': '没有与该平台关联的此编号案件', en: 'No case of this code is linked with this platform' },
  CASCADE_POSITION_UNRESOLVED: { 'zh-CN': '案件位置不在本平台任何单元网格内', en: 'The case\'s position lies in no unit grid of this platform' },
});
