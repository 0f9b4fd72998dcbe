import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  CADRE_UNKNOWN_UNIT: { 'zh-CN': '所属单位不存在（部门编码或街道网格编码）', en: 'No such unit (a department code or a street grid code)' },
  CADRE_UNKNOWN_USER: { 'zh-CN': '关联的用户账号不存在', en: 'No such user account' },
  CADRE_UNKNOWN_GRID: { 'zh-CN': '联系点须为社区或单元网格', en: 'A cadre links to a community or unit grid' },
  CADRE_OUT_OF_SCOPE: { 'zh-CN': '所选网格或单位超出您的管辖范围', en: 'The grid or unit is outside your scope' },
  CADRE_NOT_LINKED: { 'zh-CN': '走访网格须在该干部的联系点内', en: 'A visit goes to a grid the cadre is linked to' },
  CADRE_VISIT_NOT_PLANNED: { 'zh-CN': '只能记录尚未完成的走访', en: 'Only a planned visit can be recorded' },
  CADRE_FINDING_HAS_INCIDENT: { 'zh-CN': '该问题已转为事件', en: 'The finding is already an incident' },
  CADRE_INCIDENT_GRID: { 'zh-CN': '请选择走访网格内的一个单元网格', en: 'Choose a unit grid inside the visited grid' },
  CADRE_RETIRED: { 'zh-CN': '该干部已停用（不再联点），不能修改、联点或安排走访', en: 'The cadre is deactivated: no edits, links or visits' },
});
