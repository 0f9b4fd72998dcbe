/**
 * The audit log in words: what each action code and object type means, in
 * both languages. A code not listed here (a module added later) shows as is,
 * so nothing is hidden.
 */
import type { Lang } from '../../shell/messages.js';

type Words = Record<string, [zh: string, en: string]>;

const INCIDENT_ACTIONS: Words = {
  report: ['上报事件', 'Report'], accept: ['受理', 'Accept'], register: ['立案', 'Register'], reject: ['不予立案', 'Reject'],
  dispatch: ['派遣', 'Dispatch'], return: ['退回', 'Return'], 'start-handling': ['开始处置', 'Start handling'], reply: ['处置反馈', 'Reply'],
  'start-verify': ['开始核查', 'Start verifying'], 'verify-pass': ['核查通过', 'Verify: fixed'], 'verify-fail': ['核查不通过', 'Verify: not fixed'],
  close: ['结案', 'Close'], 'request-extension': ['申请延期', 'Ask for extension'], 'approve-extension': ['批准延期', 'Approve extension'],
  'refuse-extension': ['驳回延期', 'Refuse extension'], 'request-defer': ['申请缓办', 'Ask to defer'], 'approve-defer': ['批准缓办', 'Approve deferral'],
  'refuse-defer': ['驳回缓办', 'Refuse deferral'], urge: ['督办', 'Urge'], 'self-resolve': ['自行处置', 'Self-resolve'], escalate: ['吹哨', 'Escalate'],
  respond: ['报到响应', 'Respond'], merge: ['合并事件', 'Merge'], warn: ['时限预警', 'Deadline warning'],
};

const ACTIONS: Words = {
  'access.refused': ['访问被拒绝', 'Access refused'],
  'audit.prune': ['清理过期审计记录', 'Prune old audit records'],
  'auth.login': ['登录', 'Log in'],
  'auth.logout': ['退出登录', 'Log out'],
  'auth.lock': ['账号锁定（密码错误过多）', 'Account locked (too many wrong passwords)'],
  'auth.password_change': ['修改密码', 'Change password'],
  'attendance.clock_in': ['上班打卡', 'Clock in'],
  'attendance.clock_out': ['下班打卡', 'Clock out'],
  'backup.create': ['创建备份', 'Create backup'],
  'backup.restore': ['恢复备份', 'Restore backup'],
  'building.create': ['新增楼栋', 'Add building'],
  'component.create': ['新增部件', 'Add component'],
  'component.update': ['修改部件', 'Update component'],
  'demo.incidents': ['生成演示事件', 'Generate demo incidents'],
  'demo.staff': ['生成演示人员', 'Generate demo staff'],
  'demo.teams': ['生成演示队伍', 'Generate demo teams'],
  'demo.workforce': ['生成演示考勤', 'Generate demo workforce'],
  'department.create': ['新增部门', 'Create department'],
  'department.update': ['修改部门', 'Update department'],
  'department.retire': ['停用部门', 'Retire department'],
  'department.restore': ['恢复部门', 'Restore department'],
  'dwelling.create': ['新增房屋', 'Add dwelling'],
  'grid.department_import': ['导入专业网格', 'Import department grids'],
  'grid.import': ['导入网格', 'Import grids'],
  'grid.update': ['修改网格', 'Update grid'],
  'grid.workers': ['调整网格员', 'Assign grid workers'],
  'household.create': ['新增户', 'Add household'],
  'hotline.demo': ['生成演示不满意工单', 'Generate demo hotline orders'],
  'hotline.revisit.create': ['导入不满意工单', 'Import unsatisfied hotline order'],
  'hotline.order.receive': ['接收 12345 工单', 'Receive a 12345 work order'],
  'hotline.order.locate': ['为 12345 工单定位', 'Locate a 12345 work order'],
  'hotline.revisit.update': ['更新不满意工单', 'Update unsatisfied hotline order'],
  'hotline.revisit.assign': ['分派不满意工单', 'Assign unsatisfied hotline order'],
  'hotline.revisit.help': ['登记帮办', 'Record help given'],
  'hotline.revisit.answer': ['登记回访反馈', 'Record revisit answer'],
  'incidents.suggester.train': ['训练事件分类建议模型', 'Train the category suggester'],
  'incident_category.create': ['新增事件小类', 'Create category'],
  'incident_category.update': ['修改事件小类', 'Update category'],
  'incident_category.import': ['导入事件分类', 'Import categories'],
  'incident_workflow.update': ['修改办理流程', 'Update case workflow'],
  'incident_category_major.save': ['保存事件大类', 'Save major category'],
  'keyperson.set': ['设置重点人员', 'Set key person'],
  'keys.rotate': ['轮换加密密钥', 'Rotate encryption keys'],
  'leave.request': ['申请请假', 'Ask for leave'],
  'leave.file': ['登记请假', 'File leave'],
  'leave.approve': ['批准请假', 'Approve leave'],
  'leave.refuse': ['驳回请假', 'Refuse leave'],
  'leave.cancel': ['撤销请假', 'Cancel leave'],
  'organization.create': ['新增组织', 'Add organization'],
  'organization.update': ['修改组织', 'Update organization'],
  'patrol.start': ['开始巡查', 'Start patrol'],
  'patrol.stop': ['结束巡查', 'Stop patrol'],
  'patrol.autostop': ['巡查自动结束', 'Patrol stopped automatically'],
  'patrol.points_late': ['补传巡查轨迹', 'Late patrol points'],
  'permission.grant': ['授予角色', 'Grant role'],
  'permission.revoke': ['撤销角色', 'Revoke role'],
  'place.create': ['新增场所', 'Add place'],
  'place.update': ['修改场所', 'Update place'],
  'place.inspect': ['场所检查', 'Inspect place'],
  'resident.create': ['新增居民', 'Add resident'],
  'resident.update': ['修改居民信息', 'Update resident'],
  'resident.export': ['导出居民信息', 'Export residents'],
  'resident.import': ['导入居民信息', 'Import residents'],
  'resident.move_in': ['居民迁入', 'Resident moves in'],
  'resident.move_out': ['居民迁出', 'Resident moves out'],
  'resident.unmask': ['查看未脱敏信息', 'View unmasked data'],
  'role.create': ['新增角色', 'Create role'],
  'role.update': ['修改角色', 'Update role'],
  'role.delete': ['删除角色', 'Delete role'],
  'share.client.create': ['新增数据共享方', 'Create data-share client'],
  'share.verify': ['数据共享核验', 'Data-share verification'],
  'team.create': ['新建队伍', 'Create team'],
  'team.update': ['修改队伍', 'Update team'],
  'team.member.add': ['队伍添加成员', 'Add team member'],
  'team.member.remove': ['队伍移除成员', 'Remove team member'],
  'team.member.update': ['修改队伍成员', 'Update team member'],
  'team.rota': ['修改排班', 'Update rota'],
  'team.rota_exception.add': ['添加排班调整', 'Add rota exception'],
  'team.rota_exception.remove': ['删除排班调整', 'Remove rota exception'],
  'team_role.create': ['新增队伍角色', 'Create team role'],
  'team_role.update': ['修改队伍角色', 'Update team role'],
  'user.create': ['新增用户', 'Create user'],
  'user.update': ['修改用户', 'Update user'],
  'user.lock': ['停用用户', 'Lock user'],
  'user.unlock': ['启用用户', 'Unlock user'],
  'user.reset_password': ['重置密码', 'Reset password'],
  'visit.create': ['走访登记', 'Record visit'],
  'work_calendar.update': ['修改工作日历', 'Update working calendar'],
  'work_calendar.year': ['修改年度节假日', "Update a year's holidays"],
  'workforce.settings': ['修改考勤设置', 'Update attendance settings'],
  'meeting.create': ['召开联席会议', 'Plan joint meeting'],
  'meeting.update': ['修改联席会议', 'Update joint meeting'],
  'meeting.item.add': ['列入会议议程', 'Add agenda item'],
  'meeting.decide': ['形成会议决议', 'Record meeting decision'],
  'meeting.close': ['结束联席会议', 'Close joint meeting'],
  'meeting.task.done': ['会议决议办结', 'Meeting task done'],
  'meeting.decision.overdue': ['会议决议逾期，议题提交上级', 'Meeting decision overdue, item sent up'],
  'campaign.create': ['新建中心工作', 'Draft campaign'],
  'campaign.push': ['下发中心工作', 'Push campaign'],
  'campaign.close': ['结束中心工作', 'Close campaign'],
  'campaign.respond': ['填报中心工作', 'Fill campaign form'],
  'demo.meetings': ['生成演示联席会议', 'Generate demo meetings'],
  'demo.campaigns': ['生成演示中心工作', 'Generate demo campaigns'],
  ...Object.fromEntries(Object.entries(INCIDENT_ACTIONS).map(([k, v]) => [`incident.${k}`, [`事件${v[0]}`, `Incident: ${v[1]}`]])),
};

const OBJECT_TYPES: Words = {
  backup: ['备份', 'Backup'], building: ['楼栋', 'Building'], clock_record: ['打卡记录', 'Clock record'], component: ['部件', 'Component'],
  department: ['部门', 'Department'], department_grids: ['专业网格', 'Department grids'], dwelling: ['房屋', 'Dwelling'], grid: ['网格', 'Grid'],
  household: ['户', 'Household'], hotline_revisit: ['不满意工单', 'Unsatisfied hotline order'], hotline_order: ['12345 工单', '12345 work order'], suggest_model: ['分类建议模型', 'Category suggester model'], import: ['导入任务', 'Import job'], incident: ['事件', 'Incident'], incident_category: ['事件小类', 'Category'], incident_workflow: ['办理流程', 'Case workflow'],
  incident_category_major: ['事件大类', 'Major category'], leave_request: ['请假', 'Leave request'], organization: ['组织', 'Organization'],
  patrol: ['巡查', 'Patrol'], place: ['场所', 'Place'], resident: ['居民', 'Resident'], residents: ['居民', 'Residents'], role: ['角色', 'Role'],
  share_client: ['数据共享方', 'Data-share client'], team: ['队伍', 'Team'], team_role: ['队伍角色', 'Team role'], user: ['用户', 'User'],
  work_calendar: ['工作日历', 'Working calendar'], workforce_settings: ['考勤设置', 'Attendance settings'],
  meeting: ['联席会议', 'Joint meeting'], campaign: ['中心工作', 'Campaign'],
};

const pickOf = (lang: Lang, w: [string, string] | undefined, fallback: string) => (w ? (lang === 'en' ? w[1] : w[0]) : fallback);

export function actionWords(lang: Lang, code: string): string {
  return pickOf(lang, ACTIONS[code], code);
}

export function objectTypeWords(lang: Lang, type: string): string {
  return pickOf(lang, OBJECT_TYPES[type], type);
}

/** Action filter choices: every known action, by its words. */
export function actionOptions(lang: Lang): { value: string; label: string }[] {
  return Object.keys(ACTIONS).map((code) => ({ value: code, label: actionWords(lang, code) })).sort((a, b) => a.label.localeCompare(b.label, lang));
}

export function objectTypeOptions(lang: Lang): { value: string; label: string }[] {
  return Object.keys(OBJECT_TYPES).filter((x) => x !== 'residents').map((code) => ({ value: code, label: objectTypeWords(lang, code) }));
}
