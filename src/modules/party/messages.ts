import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  PARTY_UNKNOWN_GRID: { 'zh-CN': '网格不存在或不是街道、社区、单元网格', en: 'No such street, community or unit grid' },
  PARTY_OUT_OF_SCOPE: { 'zh-CN': '所选网格超出您的管辖范围', en: 'The grid is outside your scope' },
  PARTY_PARENT_KIND: { 'zh-CN': '上级党组织类型不能领导该类型的党组织', en: 'The parent organisation cannot lead one of this kind' },
  PARTY_PARENT_GRID: { 'zh-CN': '上级党组织须位于包含本组织网格的网格', en: 'The parent organisation must sit on a grid containing this one' },
  PARTY_BRANCH_LEVEL: { 'zh-CN': '党委不能设在单元网格', en: 'A party committee does not sit on a unit grid' },
  PARTY_UNKNOWN_RESIDENT: { 'zh-CN': '居民不存在或不在您的管辖范围', en: 'No such resident in your scope' },
  PARTY_ALREADY_MEMBER: { 'zh-CN': '该居民已是党员（组织关系在其他党组织）', en: 'The resident is already a member (of this or another organisation)' },
  PARTY_UNKNOWN_HOUSEHOLD: { 'zh-CN': '户不存在或不在您的管辖范围', en: 'No such household in your scope' },
  PARTY_ATTENDEE_NOT_MEMBER: { 'zh-CN': '参加人员须为本党组织党员', en: 'Attendees must be members of the organisation' },
  PARTY_PARENT_CYCLE: { 'zh-CN': '上级党组织不能是本组织或其下级组织', en: 'The parent cannot be the organisation itself or one under it' },
  PARTY_CHILDREN_DO_NOT_FIT: { 'zh-CN': '修改后，现有下级党组织不再符合隶属规则，请先调整下级组织', en: 'Its child organisations would no longer fit under it; move them first' },
  PARTY_ORG_HAS_MEMBERS: { 'zh-CN': '该党组织有党员或党员组织关系记录，不能删除；请改用撤销并转接党员', en: 'The organisation has members or member history; dissolve it and transfer its members instead' },
  PARTY_ORG_HAS_CHILDREN: { 'zh-CN': '该党组织有下级党组织，请先调整或删除下级组织', en: 'The organisation has child organisations; move or delete them first' },
  PARTY_ORG_HAS_ACTIVITIES: { 'zh-CN': '该党组织有活动记录，不能删除；请改用撤销', en: 'The organisation has recorded activities; dissolve it instead' },
  PARTY_ORG_DISSOLVED: { 'zh-CN': '该党组织已撤销', en: 'The organisation has been dissolved' },
  PARTY_MEMBER_ENDED: { 'zh-CN': '该党员已减少（组织关系已终止）', en: 'The member has been removed' },
  PARTY_TRANSFER_SAME_ORG: { 'zh-CN': '转入党组织不能与当前党组织相同', en: 'The organisation to transfer to must be another one' },
});
