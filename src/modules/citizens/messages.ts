import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  CITIZEN_RATE_LIMITED: { 'zh-CN': '提交过于频繁，请稍后再试', en: 'Too many reports; please try again later' },
  CITIZEN_CHALLENGE_REQUIRED: { 'zh-CN': '请完成安全验证后再提交', en: 'Please complete the security check and submit again' },
  CITIZEN_CHALLENGE_INVALID: { 'zh-CN': '安全验证未通过或已过期，请重新提交', en: 'The security check failed or expired; please submit again' },
  CITIZEN_TOO_MANY_PHOTOS: { 'zh-CN': '照片数量超过上限（最多 {max} 张）', en: 'Too many photos (at most {max})' },
  CITIZEN_FOLLOW_UNKNOWN: { 'zh-CN': '查询链接无效', en: 'This follow-up link is not valid' },
  CITIZEN_NOT_CLOSED: { 'zh-CN': '案件办结后才能评价', en: 'A case can be rated once it is closed' },
  CITIZEN_ALREADY_RATED: { 'zh-CN': '该案件已评价，不能重复评价', en: 'This case has already been rated' },
  CITIZEN_OUTSIDE_AREA: { 'zh-CN': '所选位置不在本区范围内，请重新定位或在地图上选择', en: 'The position is outside the district; locate again or pick it on the map' },
});
