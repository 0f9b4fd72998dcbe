import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  AUTH_INVALID_CREDENTIALS: {
    'zh-CN': '用户名或密码错误（连续多次错误后账号将被临时锁定）',
    en: 'Wrong username or password (after repeated failures the account is locked for a while)',
  },
  ACCOUNT_DISABLED: { 'zh-CN': '账号已停用', en: 'The account is disabled' },
  PASSWORD_POLICY: {
    'zh-CN': '新密码不符合密码策略：至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，不得包含用户名，不得与最近使用的密码相同',
    en: 'The new password does not meet the policy: at least 8 characters, three of upper case, lower case, digits and symbols, not containing the username, not a recent password',
  },
  USERNAME_TAKEN: { 'zh-CN': '用户名已存在', en: 'That username is taken' },
  USERNAME_INVALID: { 'zh-CN': '用户名只能包含小写字母、数字、点、下划线和连字符（2–64 位）', en: 'Usernames are 2–64 lower-case letters, digits, dots, underscores or hyphens' },
  ROLE_UNKNOWN: { 'zh-CN': '角色不存在', en: 'No such role' },
  ROLE_EXISTS: { 'zh-CN': '角色编码已存在', en: 'A role with that code exists' },
  ROLE_BUILTIN: { 'zh-CN': '内置角色不能删除', en: 'Built-in roles cannot be deleted' },
  ROLE_IN_USE: { 'zh-CN': '角色仍分配给用户，不能删除', en: 'The role is still assigned to users' },
  PERMISSION_UNKNOWN: { 'zh-CN': '权限不存在', en: 'Unknown permission' },
  SCOPE_UNKNOWN: { 'zh-CN': '范围不存在（应为网格编码或部门编码）', en: 'Unknown scope (expected a grid code or a department code)' },
  SCOPE_OUTSIDE_YOURS: { 'zh-CN': '不能授予超出自身管理范围的权限', en: 'You cannot grant a scope outside your own' },
  ASSIGNMENT_EXISTS: { 'zh-CN': '该角色分配已存在', en: 'That assignment exists already' },
  CANNOT_CHANGE_SELF: { 'zh-CN': '不能停用自己的账号或移除自己的管理权限', en: 'You cannot disable yourself or remove your own admin assignment' },
});
