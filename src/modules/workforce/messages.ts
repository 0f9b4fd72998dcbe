import { defineMessages } from '../../infra/http/errors.js';

/** The workforce module's error codes, in both languages (registered at import). */
defineMessages({
  IDEMPOTENCY_MISMATCH: {
    'zh-CN': '该编号已用于内容不同的请求',
    en: 'This id was already used for a request with different content',
  },
  WORKFORCE_NOT_GRID_WORKER: {
    'zh-CN': '您没有负责的网格，不能巡查或打卡',
    en: 'You have no grid assigned, so you cannot patrol or clock in',
  },
  WORKFORCE_TIME_OUT_OF_RANGE: {
    'zh-CN': '时间超出允许范围（不早于 72 小时前，不晚于当前时间 5 分钟后）',
    en: 'The time is out of range (at most 72 hours ago and 5 minutes ahead)',
  },
  PATROL_ALREADY_ACTIVE: {
    'zh-CN': '您还有一次巡查尚未结束，请先结束它',
    en: 'You have another patrol that has not ended; stop it first',
  },
  PATROL_ALREADY_STOPPED: {
    'zh-CN': '该巡查已在另一时间结束',
    en: 'This patrol was already stopped at another time',
  },
  PATROL_END_BEFORE_START: {
    'zh-CN': '巡查结束时间不能早于开始时间',
    en: 'A patrol cannot end before it starts',
  },
  CLOCK_OUTSIDE_GRID: {
    'zh-CN': (p) => `不在您负责的网格范围内：距网格 ${String(p.distanceM)} 米（允许 ${String(p.toleranceM)} 米）`,
    en: (p) => `You are outside your grids: ${String(p.distanceM)} m away (${String(p.toleranceM)} m allowed)`,
  },
  TEAM_EXISTS: {
    'zh-CN': '该社区已有网格队伍',
    en: 'This community already has a team',
  },
  TEAM_NOT_COMMUNITY: {
    'zh-CN': '网格队伍只能建在社区网格上',
    en: 'A team belongs to a community grid',
  },
  TEAM_ROLE_UNKNOWN: {
    'zh-CN': '队伍角色不存在或已停用',
    en: 'No such active team role',
  },
  TEAM_FULL_TIME_TAKEN: {
    'zh-CN': (p) => `队伍已有 ${String(p.limit)} 名专职成员`,
    en: (p) => `The team already has ${String(p.limit)} full-time member(s)`,
  },
  TEAM_MEMBER_DUPLICATE: {
    'zh-CN': '该用户已是本队伍成员',
    en: 'This user is already a member of the team',
  },
  TEAM_MEMBER_OTHER_TEAM: {
    'zh-CN': '该用户已是其他网格队伍的成员',
    en: 'This user is already a member of another team',
  },
  TEAM_MEMBER_NAME_REQUIRED: {
    'zh-CN': '没有账号的成员须填写姓名',
    en: 'A member without an account needs a name',
  },
  TEAM_MEMBER_USER_UNKNOWN: {
    'zh-CN': '账号不存在或已停用',
    en: 'No such active account',
  },
  TEAM_MEMBER_GRID_OUTSIDE: {
    'zh-CN': '成员负责的单元网格须属于本社区',
    en: 'A member patrols unit grids of the team community only',
  },
  ROTA_INVALID: {
    'zh-CN': '排班不正确：每天的班次须在当天内、结束晚于开始',
    en: 'The rota is not valid: every shift must end after it starts, within the day',
  },
  LEAVE_DATES_INVALID: {
    'zh-CN': '请假日期不正确：结束日期不能早于开始日期，且最长 60 天',
    en: 'Leave dates are not valid: the end cannot precede the start, and 60 days at most',
  },
  LEAVE_OVERLAPS: {
    'zh-CN': '与已有的请假时间重叠',
    en: 'This overlaps leave already asked for',
  },
  LEAVE_NOT_PENDING: {
    'zh-CN': '该请假申请已处理，不能再更改',
    en: 'This leave request was already decided',
  },
  LEAVE_OWN_DECISION: {
    'zh-CN': '不能审批本人的请假',
    en: 'You cannot decide your own leave',
  },
  LEAVE_NO_TEAM: {
    'zh-CN': '您不在任何网格队伍中，无法请假',
    en: 'You are not in a team, so there is nobody to ask for leave',
  },
  WORKFORCE_MONTH_INVALID: {
    'zh-CN': '月份格式应为 YYYY-MM',
    en: 'The month must be YYYY-MM',
  },
  TEAM_ROLE_IN_USE: {
    'zh-CN': '仍有成员担任该角色，不能停用',
    en: 'Members still hold this role; it cannot be retired',
  },
});
