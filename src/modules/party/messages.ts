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
});
