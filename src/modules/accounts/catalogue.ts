/**
 * The permissions the platform knows and the built-in roles that bundle them.
 * Roles are data (editable in the console); this catalogue seeds them and
 * names every permission a route may require.
 */
export interface PermissionDef {
  code: string;
  group: string;
  name: string;
  nameEn: string;
}

const p = (code: string, group: string, name: string, nameEn: string): PermissionDef => ({ code, group, name, nameEn });

export const PERMISSIONS: readonly PermissionDef[] = [
  p('users.manage', 'admin', '管理用户与角色分配', 'Manage users and role assignments'),
  p('roles.manage', 'admin', '管理角色与权限', 'Manage roles and permissions'),
  p('audit.read', 'admin', '查阅审计日志', 'Read the audit log'),
  p('system.read', 'admin', '查看系统运行状态（版本、数据库、迁移）', 'See the system state (version, database, migrations)'),
  p('clients.manage', 'admin', '管理外部系统 API 客户端（密钥、授权与用量）', 'Manage API clients of external systems (keys, scopes, usage)'),
  p('exchange.import', 'admin', '从交换文件导入案件（GeoJSON、JSON、CSV）', 'Import cases from exchange files (GeoJSON, JSON, CSV)'),
  p('grid.read', 'grid', '查看网格', 'View grids'),
  p('grid.manage', 'grid', '维护网格与网格员分配', 'Maintain grids and grid worker assignments'),
  p('incidents.read', 'incidents', '查看事件', 'View incidents'),
  p('incidents.report', 'incidents', '上报事件', 'Report incidents'),
  p('incidents.register', 'incidents', '受理与立案', 'Accept and register incidents'),
  p('incidents.dispatch', 'incidents', '派遣事件', 'Dispatch incidents'),
  p('incidents.handle', 'incidents', '处置与反馈', 'Handle and reply'),
  p('incidents.verify', 'incidents', '核查与自处置', 'Verify and self-resolve'),
  p('incidents.close', 'incidents', '结案', 'Close incidents'),
  p('incidents.supervise', 'incidents', '延期审批、缓办与督办', 'Approve extensions, deferrals and urge'),
  p('incidents.escalate', 'incidents', '街道吹哨', 'Street escalation (吹哨)'),
  p('incidents.configure', 'incidents', '维护事件分类、时限与工作日历', 'Maintain categories, limits and calendar'),
  p('residents.read', 'basedata', '查看基础数据', 'View base data'),
  p('residents.manage', 'basedata', '维护基础数据', 'Maintain base data'),
  p('residents.unmask', 'basedata', '查看未脱敏个人信息', 'View unmasked personal data'),
  p('residents.export', 'basedata', '导出个人信息', 'Export personal data'),
  p('keypersons.read', 'basedata', '查看重点人员', 'View key persons'),
  p('dashboard.read', 'overview', '查看指挥大屏与统计', 'View the command screen and statistics'),
  p('evaluation.read', 'evaluation', '查看考核指标与排名', 'View KPIs and rankings'),
  p('evaluation.assess', 'evaluation', '录入督查考核评分', 'Enter inspection scores for the assessment'),
  p('evaluation.assess.manage', 'evaluation', '维护考核方案并关闭考核周期', 'Maintain the assessment scheme and close periods'),
  p('reports.read', 'evaluation', '查看与下载报表', 'View and download reports'),
  p('reports.generate', 'evaluation', '生成报表', 'Generate reports'),
  p('workforce.read', 'workforce', '查看队伍、排班、考勤与巡查轨迹', 'View teams, rota, attendance and patrol tracks'),
  p('workforce.manage', 'workforce', '管理队伍成员、排班并审批请假', 'Manage team members and rota, decide leave'),
  p('workforce.configure', 'workforce', '维护考勤设置与队伍角色', 'Maintain attendance settings and team roles'),
  p('workforce.patrol', 'workforce', '巡查、打卡与请假（本人）', 'Patrol, clock in and ask for leave (own)'),
  p('party.read', 'mechanisms', '查看基层党建（党组织、党员、活动）', 'View party building (organisations, members, activities)'),
  p('party.manage', 'mechanisms', '维护党组织、党员、联户与活动', 'Maintain party organisations, members, household links and activities'),
  p('cadres.read', 'mechanisms', '查看群工联点（联点干部与走访）', 'View linked cadres and their visits'),
  p('cadres.manage', 'mechanisms', '维护联点干部、安排与记录走访', 'Maintain linked cadres, schedule and record visits'),
  p('livelihood.read', 'mechanisms', '查看民生实事', 'View livelihood projects'),
  p('livelihood.manage', 'mechanisms', '收集、评估、立项并推进民生实事', 'Collect, assess, approve and advance livelihood projects'),
  p('hotline.read', 'hotline', '查看不满意工单与回访统计', 'View unsatisfied hotline orders and revisit figures'),
  p('hotline.manage', 'hotline', '导入与分派不满意工单', 'Import and assign unsatisfied hotline orders'),
  p('hotline.revisit', 'hotline', '不满意工单帮办与回访（本人）', 'Help and revisit unsatisfied hotline orders (own)'),
  p('meetings.read', 'meetings', '查看联席会议', 'View joint meetings'),
  p('meetings.manage', 'meetings', '召开联席会议、确定议题与决议', 'Hold joint meetings, set agendas and decisions'),
  p('campaigns.read', 'campaigns', '查看中心工作及进度', 'View campaigns and their progress'),
  p('campaigns.manage', 'campaigns', '制定、下发与结束中心工作', 'Draft, push and close campaigns'),
  p('cascade.manage', 'admin', '维护上下级平台级联（上级/下级平台地址与密钥）', 'Maintain the cascade with the city and district platforms (addresses, keys)'),
  p('cascade.send', 'incidents', '上报市级 / 下派区级', 'Report a case up to the city / send it down to a district'),
  p('campaigns.fill', 'campaigns', '填报中心工作（网格员）', 'Fill campaign forms (grid workers)'),
];

export const PERMISSION_CODES = new Set(PERMISSIONS.map((x) => x.code));

export interface BuiltinRole {
  code: string;
  name: string;
  nameEn: string;
  permissions: string[];
}

export const BUILTIN_ROLES: readonly BuiltinRole[] = [
  {
    code: 'admin',
    name: '系统管理员',
    nameEn: 'Administrator',
    permissions: [
      'users.manage', 'roles.manage', 'system.read', 'clients.manage', 'grid.read', 'grid.manage', 'incidents.read', 'incidents.configure', 'dashboard.read',
      'evaluation.read', 'evaluation.assess', 'evaluation.assess.manage', 'reports.read', 'reports.generate', 'workforce.read', 'workforce.manage', 'workforce.configure',
      'party.read', 'party.manage', 'cadres.read', 'cadres.manage', 'livelihood.read', 'livelihood.manage',
      'hotline.read', 'hotline.manage', 'meetings.read', 'campaigns.read', 'exchange.import', 'cascade.manage',
    ],
  },
  {
    code: 'intake_operator',
    name: '受理员',
    nameEn: 'Intake operator',
    permissions: ['grid.read', 'incidents.read', 'incidents.report', 'incidents.register', 'incidents.close', 'hotline.read', 'hotline.manage'],
  },
  {
    code: 'dispatcher',
    name: '派遣员',
    nameEn: 'Dispatcher',
    permissions: ['grid.read', 'incidents.read', 'incidents.dispatch', 'cascade.send'],
  },
  {
    code: 'shift_supervisor',
    name: '值班长',
    nameEn: 'Shift supervisor',
    permissions: ['grid.read', 'incidents.read', 'incidents.register', 'incidents.dispatch', 'incidents.close', 'incidents.supervise', 'dashboard.read', 'evaluation.read', 'evaluation.assess',
      'reports.read', 'reports.generate', 'workforce.read', 'hotline.read', 'hotline.manage',
      'party.read', 'cadres.read', 'livelihood.read', 'meetings.read', 'meetings.manage', 'campaigns.read', 'campaigns.manage', 'exchange.import', 'cascade.send'],
  },
  {
    code: 'handler',
    name: '处置人员',
    nameEn: 'Department handler',
    permissions: ['grid.read', 'incidents.read', 'incidents.handle'],
  },
  {
    code: 'grid_worker',
    name: '网格员',
    nameEn: 'Grid worker',
    permissions: ['grid.read', 'incidents.read', 'incidents.report', 'incidents.verify', 'residents.read', 'residents.manage', 'workforce.patrol', 'hotline.revisit', 'campaigns.read', 'campaigns.fill'],
  },
  {
    // 网格长: leads a community's "1+4" team, keeps its rota and decides its members' leave.
    code: 'team_leader',
    name: '网格长',
    nameEn: 'Team leader',
    permissions: ['grid.read', 'incidents.read', 'workforce.read', 'workforce.manage', 'meetings.read', 'campaigns.read'],
  },
  {
    code: 'street_operator',
    name: '街道指挥中心操作员',
    nameEn: 'Street command centre operator',
    permissions: [
      'grid.read', 'incidents.read', 'incidents.report', 'incidents.register', 'incidents.dispatch',
      'incidents.close', 'incidents.escalate', 'dashboard.read', 'evaluation.read', 'reports.read', 'reports.generate', 'workforce.read', 'workforce.manage',
      'party.read', 'party.manage', 'cadres.read', 'cadres.manage', 'livelihood.read', 'livelihood.manage',
      'hotline.read', 'hotline.manage', 'meetings.read', 'meetings.manage', 'campaigns.read', 'campaigns.manage',
    ],
  },
  {
    code: 'leader',
    name: '领导',
    nameEn: 'Leader',
    permissions: ['grid.read', 'incidents.read', 'dashboard.read', 'evaluation.read', 'evaluation.assess', 'evaluation.assess.manage', 'reports.read', 'reports.generate', 'workforce.read', 'hotline.read',
      'party.read', 'cadres.read', 'livelihood.read', 'meetings.read', 'meetings.manage', 'campaigns.read', 'campaigns.manage'],
  },
  {
    // 综治专干: the community's social-governance officer who follows the key persons (重点人员). Key-person
    // access is this role's by default, not bundled into base-data roles; like every role it is edited on the Roles page.
    code: 'keyperson_officer',
    name: '综治专干',
    nameEn: 'Key-person officer',
    permissions: ['grid.read', 'residents.read', 'keypersons.read'],
  },
  {
    code: 'auditor',
    name: '审计员',
    nameEn: 'Auditor',
    permissions: ['audit.read'],
  },
];
