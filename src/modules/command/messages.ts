import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  LIVE_CURSOR_INVALID: { 'zh-CN': '实时推送的续传位置无效，请刷新页面', en: 'The live feed cursor is not valid; reload the page' },
});

defineMessages({
  FIELD_CASE_NO_POSITION: { 'zh-CN': '该案件没有位置，无法按距离派人', en: 'The case has no position, so nobody can be sent by distance' },
  FIELD_CASE_NOT_OPEN: { 'zh-CN': '该案件已办结，不能再派人', en: 'The case is no longer open; nobody can be sent' },
  FIELD_CASE_NOT_VERIFIABLE: { 'zh-CN': '该案件当前不在待核查状态', en: 'The case is not awaiting verification' },
  FIELD_WORKER_NOT_ON_DUTY: { 'zh-CN': '该网格员不在岗或不在您的调度范围内', en: 'This grid worker is not on duty or not in your dispatch area' },
  FIELD_WORKER_CANNOT_VERIFY: { 'zh-CN': '该网格员不负责案件所在网格，只能派去巡查，不能核查', en: 'This grid worker does not cover the case\'s grid: send him to inspect, not to verify' },
  FIELD_VERIFICATION_STARTED: { 'zh-CN': '已有网格员开始核查该案件', en: 'Another grid worker has already started verifying this case' },
});
