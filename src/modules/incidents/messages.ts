import { defineMessages } from '../../infra/http/errors.js';
import type { RefusalCode } from './rules/state-machine.js';

/**
 * HTTP status and error code of each state-machine refusal: 403 when the
 * caller may not act, 409 when the incident's state does not allow it now
 * (reload and look again), 422 when the request itself is incomplete.
 */
export const REFUSAL_HTTP: Readonly<Record<RefusalCode, { status: number; code: string; en: string }>> = {
  forbidden: { status: 403, code: 'INCIDENT_ACTION_FORBIDDEN', en: 'None of your roles may take this action' },
  out_of_scope: { status: 403, code: 'INCIDENT_OUT_OF_SCOPE', en: 'This incident is outside the scope of your role for this action' },
  own_fix: { status: 403, code: 'INCIDENT_OWN_FIX', en: 'You may not verify your own fix' },
  invalid_status: { status: 409, code: 'INCIDENT_INVALID_STATUS', en: 'The incident is in a status that does not allow this action' },
  already_accepted: { status: 409, code: 'INCIDENT_ALREADY_ACCEPTED', en: 'The report is already accepted' },
  already_replied: { status: 409, code: 'INCIDENT_ALREADY_REPLIED', en: 'Your department has already replied' },
  extension_pending: { status: 409, code: 'INCIDENT_EXTENSION_PENDING', en: 'An extension request is already pending' },
  no_pending_extension: { status: 409, code: 'INCIDENT_NO_PENDING_EXTENSION', en: 'No extension request is pending' },
  defer_pending: { status: 409, code: 'INCIDENT_DEFER_PENDING', en: 'A defer request is already pending' },
  no_pending_defer: { status: 409, code: 'INCIDENT_NO_PENDING_DEFER', en: 'No defer request is pending' },
  deadline_passed: { status: 409, code: 'INCIDENT_DEADLINE_PASSED', en: 'The handling deadline has passed; an extension can no longer be requested' },
  already_called: { status: 409, code: 'INCIDENT_ALREADY_CALLED', en: 'Every listed department has already been called' },
  already_responded: { status: 409, code: 'INCIDENT_ALREADY_RESPONDED', en: 'Your department has already responded' },
  tasks_open: { status: 409, code: 'INCIDENT_TASKS_OPEN', en: 'Not every co-handling department has replied yet; the lead replies after them' },
  already_assigned: { status: 409, code: 'INCIDENT_ALREADY_ASSIGNED', en: 'The part is already assigned to this person' },
  not_department_handler: { status: 422, code: 'INCIDENT_NOT_DEPARTMENT_HANDLER', en: 'The person chosen is not a handler of that department' },
  invalid_action: { status: 422, code: 'INCIDENT_INVALID_ACTION', en: 'The action parameters are not valid' },
  reason_required: { status: 422, code: 'INCIDENT_REASON_REQUIRED', en: 'A reason is required' },
  result_required: { status: 422, code: 'INCIDENT_RESULT_REQUIRED', en: 'The handling result is required' },
  photos_required: { status: 422, code: 'INCIDENT_PHOTOS_REQUIRED', en: 'Photos are required' },
  unknown_category: { status: 422, code: 'INCIDENT_UNKNOWN_CATEGORY', en: 'No such category' },
  category_required: { status: 422, code: 'INCIDENT_CATEGORY_REQUIRED', en: 'Choose a category first' },
  unknown_department: { status: 422, code: 'INCIDENT_UNKNOWN_DEPARTMENT', en: 'No such department' },
  department_outside_street: { status: 422, code: 'INCIDENT_DEPARTMENT_OUTSIDE_STREET', en: "That department is another street's own handling unit: it takes only its street's cases" },
  verify_by_grid_worker: { status: 403, code: 'INCIDENT_VERIFY_BY_GRID_WORKER', en: "This case type's workflow has a grid worker of the grid verify it" },
  verify_by_reporter: { status: 403, code: 'INCIDENT_VERIFY_BY_REPORTER', en: "This case type's workflow has the grid worker who reported it verify it" },
  verify_by_centre: { status: 403, code: 'INCIDENT_VERIFY_BY_CENTRE', en: "This case type's workflow has the command centre (shift supervisor) verify it" },
  close_by_supervisor: { status: 403, code: 'INCIDENT_CLOSE_BY_SUPERVISOR', en: "This case type's workflow needs the shift supervisor's approval to close" },
  self_resolve_not_allowed: { status: 409, code: 'INCIDENT_SELF_RESOLVE_NOT_ALLOWED', en: "This case type's workflow does not allow self-resolving" },
  coordination_required: { status: 422, code: 'INCIDENT_COORDINATION_REQUIRED', en: "This case type's workflow needs co-handler departments or an escalation before dispatch" },
};

const ZH: Record<RefusalCode, string> = {
  forbidden: '无权执行此操作',
  out_of_scope: '该事件不在您的管辖范围内',
  own_fix: '不能核查本人自处置的事件',
  invalid_status: '事件当前状态不允许此操作',
  already_accepted: '事件已受理',
  already_replied: '本部门已反馈',
  extension_pending: '已有待审批的延期申请',
  no_pending_extension: '没有待审批的延期申请',
  defer_pending: '已有待审批的缓办申请',
  no_pending_defer: '没有待审批的缓办申请',
  deadline_passed: '处置时限已过，不能申请延期',
  already_called: '所选部门均已被吹哨',
  already_responded: '本部门已报到',
  tasks_open: '协办部门尚未全部反馈，主办部门暂不能反馈',
  already_assigned: '已指派给该人员',
  not_department_handler: '所选人员不是该部门的处置人员',
  invalid_action: '操作参数无效',
  reason_required: '请填写原因',
  result_required: '请填写处置结果',
  photos_required: '请上传照片',
  unknown_category: '事件分类不存在',
  category_required: '请先选择事件分类',
  unknown_department: '部门不存在',
  department_outside_street: '该部门是其他街道的处置单位，只办理本街道的事件',
  verify_by_grid_worker: '按本类事件的办理流程，核查由本网格的网格员进行',
  verify_by_reporter: '按本类事件的办理流程，核查由上报的网格员进行',
  verify_by_centre: '按本类事件的办理流程，核查由指挥中心（值班长）进行',
  close_by_supervisor: '按本类事件的办理流程，结案须由值班长审批',
  self_resolve_not_allowed: '按本类事件的办理流程，不允许自处置',
  coordination_required: '按本类事件的办理流程，派遣须指定协办部门或先吹哨',
};

defineMessages(
  Object.fromEntries(
    (Object.keys(REFUSAL_HTTP) as RefusalCode[]).map((k) => [REFUSAL_HTTP[k].code, { 'zh-CN': ZH[k], en: REFUSAL_HTTP[k].en }]),
  ),
);

defineMessages({
  INCIDENT_LOCATION_UNRESOLVED: {
    'zh-CN': '无法确定事件所在网格：请提供辖区内的位置，或地址加网格编码',
    en: 'The unit grid could not be found: give a position inside the district, or an address with a grid code',
  },
  INCIDENT_UNKNOWN_GRID: { 'zh-CN': '网格编码不存在或不是单元网格', en: 'No such unit grid' },
  INCIDENT_REPORT_OUT_OF_SCOPE: { 'zh-CN': '该位置不在您的上报范围内', en: 'That location is outside the area you may report in' },
  INCIDENT_MERGE_TARGET_INVALID: { 'zh-CN': '只能合并到另一件未办结的事件', en: 'An incident can only be merged into another open incident' },
  INCIDENT_EXPORT_TOO_LARGE: {
    'zh-CN': (p) => `导出行数超过上限（${String(p.limit)}），请缩小筛选范围`,
    en: (p) => `Too many rows to export (limit ${String(p.limit)}); narrow the filter`,
  },
  CATEGORY_INVALID: { 'zh-CN': '事件分类内容不正确', en: 'The category is not valid' },
  CATEGORY_EXISTS: { 'zh-CN': '分类编码已存在', en: 'A category with that code exists' },
  CATEGORY_IMPORT_UNREADABLE: { 'zh-CN': '无法读取文件，请上传本平台导出的 XLSX 表格、JSON 或 CSV 文件', en: 'The file could not be read; upload an XLSX workbook, JSON or CSV file as the export writes them' },
  CATEGORY_IMPORT_SCHEMA: { 'zh-CN': (p) => `不支持的数据格式版本：${String(p.schema)}（应为 civicgrid.categories/1）`, en: (p) => `Unknown schema ${String(p.schema)} (expected civicgrid.categories/1)` },
  CATEGORY_IMPORT_INVALID: { 'zh-CN': '导入文件中有错误的行，未导入任何内容', en: 'The file has invalid rows; nothing was imported' },
  CALENDAR_INVALID: { 'zh-CN': '工作日历内容不正确', en: 'The working calendar is not valid' },
});
