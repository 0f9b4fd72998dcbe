import { defineMessages } from '../../infra/http/errors.js';

/** The joint meetings' error codes, in both languages (registered at import). */
defineMessages({
  MEETING_NODE_INVALID: { 'zh-CN': '联席会议须由社区、街道或全区召开（网格编码 12、9 或 6 位）', en: 'A joint meeting is held by a community, a street or the district (grid code of 12, 9 or 6 digits)' },
  MEETING_OUT_OF_SCOPE: { 'zh-CN': '该网格超出您的管辖范围', en: 'That grid node is outside your scope' },
  MEETING_CLOSED: { 'zh-CN': '会议已结束，不能再修改议题或决议', en: 'The meeting is closed; its agenda and decisions can no longer change' },
  MEETING_ITEM_DUPLICATE: { 'zh-CN': '该事件已在本次会议议程中', en: 'That incident is already on this meeting\'s agenda' },
  MEETING_INCIDENT_OUTSIDE: { 'zh-CN': '该事件不在本次会议的辖区内', en: 'That incident lies outside the meeting\'s area' },
  MEETING_DEADLINE_PAST: { 'zh-CN': '办理期限须晚于当前时间', en: 'The deadline must be in the future' },
  MEETING_DECISION_NEEDS_INCIDENT_RIGHTS: {
    'zh-CN': '转为事件须具备上报、立案和派遣权限（如街道指挥中心操作员）',
    en: 'Turning a decision into an incident needs the report, register and dispatch permissions (e.g. a street command centre operator)',
  },
  MEETING_DECISION_NEEDS_LIVELIHOOD_RIGHTS: {
    'zh-CN': '转为民生实事须具备该网格的民生实事管理权限（如街道指挥中心操作员）',
    en: 'Turning a decision into a livelihood need needs the livelihood manage permission over its grid (e.g. a street command centre operator)',
  },
  MEETING_NEED_GRID_REQUIRED: { 'zh-CN': '请选择民生实事所在的社区或单元网格', en: 'Choose the community or unit grid of the livelihood need' },
  MEETING_GRID_OUTSIDE: { 'zh-CN': '所选网格不在本次会议的辖区内', en: 'That grid lies outside the meeting\'s area' },
  MEETING_UNKNOWN_CATEGORY: { 'zh-CN': '事件小类不存在或已停用', en: 'No such active incident category' },
  MEETING_UNKNOWN_DEPARTMENT: { 'zh-CN': '部门不存在或已停用', en: 'No such active department' },
  MEETING_GRID_REQUIRED: { 'zh-CN': '请选择事件所在的单元网格', en: 'Choose the unit grid of the incident' },
  MEETING_TASK_ONLY: {
    'zh-CN': '只有督办任务可由此办结；转为事件的决议随事件结案，转为民生实事的决议随其办结或不予采纳',
    en: 'Only a task is marked done here; an incident decision is done when its incident closes, a need decision when its need is done or rejected',
  },
  MEETING_ITEM_UNKNOWN: { 'zh-CN': '议题不属于本次会议', en: 'That agenda item is not on this meeting' },
  MEETING_TITLE_REQUIRED: { 'zh-CN': '请填写议题内容或选择一个事件', en: 'Give the item a title or pick an incident' },
});
