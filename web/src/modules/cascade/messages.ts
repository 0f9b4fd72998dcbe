/** The cascade screens' words: zh-CN is the reference, English has every key. */
import { useCallback } from 'react';
import { useI18n } from '../../shell/i18n.js';

const zhCN = {
  'title': '上下级平台级联',
  'intro': '本平台与上级（市级）平台、下级（区级）平台交换案件：上报市级、接收下派，状态与办理结果双向回传。每个对方平台需要：对方地址、对方发给本平台的密钥，以及本平台发给对方的接入系统（“外部系统接入”中授权“上下级平台级联”）。',
  'add': '添加平台',
  'edit': '编辑',
  'col.role': '层级',
  'col.name': '名称',
  'col.url': '地址',
  'col.client': '对方使用的本平台接入',
  'col.status': '状态',
  'col.actions': '操作',
  'role.parent': '上级（市级）平台',
  'role.child': '下级（区级）平台',
  'status.active': '启用',
  'status.disabled': '停用',
  'field.apiKey': '对方发给本平台的密钥',
  'field.apiKeyKeep': '留空则保留原密钥',
  'field.client': '本平台发给对方的接入系统',
  'saved': '已保存',
  'link.title': '级联',
  'link.none': '未与其他平台关联',
  'link.sentUp': '已上报至 {peer}',
  'link.sentDown': '已下派至 {peer}',
  'link.receivedUp': '由 {peer} 上报',
  'link.receivedDown': '由 {peer} 下派',
  'link.peerCode': '对方案件编号',
  'link.peerStatus': '对方状态',
  'link.waiting': '等待对方确认（{n} 条消息待送达）',
  'link.error': '最近一次送达失败：{error}',
  'link.state.pending': '待送达',
  'link.state.linked': '已关联',
  'link.state.closed': '已办结',
  'link.state.returned': '已退回',
  'link.state.failed': '对方拒收',
  'send.up': '上报市级',
  'send.down': '下派区级',
  'send.target': '转至',
  'send.note': '说明（为何本级无法处置）',
  'send.ok': '已转至 {peer}，对方办结后本案自动结案',
};

type Key = keyof typeof zhCN;

const en: Record<Key, string> = {
  'title': 'Platform cascade',
  'intro': 'This platform exchanges cases with the city platform above and district platforms below: reports up, cases sent down, and status and results both ways. Each peer needs its address, the key it issued to this platform, and this platform\'s API client it calls with (scope "Platform cascade" under API clients).',
  'add': 'Add a platform',
  'edit': 'Edit',
  'col.role': 'Level',
  'col.name': 'Name',
  'col.url': 'Address',
  'col.client': 'Our API client it uses',
  'col.status': 'Status',
  'col.actions': 'Actions',
  'role.parent': 'City platform (above)',
  'role.child': 'District platform (below)',
  'status.active': 'Active',
  'status.disabled': 'Disabled',
  'field.apiKey': 'The key it issued to this platform',
  'field.apiKeyKeep': 'Leave empty to keep the stored key',
  'field.client': 'Our API client issued to it',
  'saved': 'Saved',
  'link.title': 'Cascade',
  'link.none': 'Not linked with another platform',
  'link.sentUp': 'Reported up to {peer}',
  'link.sentDown': 'Sent down to {peer}',
  'link.receivedUp': 'Reported up by {peer}',
  'link.receivedDown': 'Sent down by {peer}',
  'link.peerCode': 'Their case code',
  'link.peerStatus': 'Their status',
  'link.waiting': 'Waiting for their acknowledgement ({n} messages queued)',
  'link.error': 'Last delivery failed: {error}',
  'link.state.pending': 'Queued',
  'link.state.linked': 'Linked',
  'link.state.closed': 'Done',
  'link.state.returned': 'Returned',
  'link.state.failed': 'Refused by them',
  'send.up': 'Report to the city',
  'send.down': 'Send down to a district',
  'send.target': 'Send to',
  'send.note': 'Note (why this level cannot handle it)',
  'send.ok': 'Sent to {peer}; this case closes when they close theirs',
};

export const CASCADE_MESSAGES = { 'zh-CN': zhCN, en } as const;

export function useCascadeText(): (key: Key, params?: Record<string, string | number>) => string {
  const { lang } = useI18n();
  return useCallback(
    (key, params = {}) => CASCADE_MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)),
    [lang],
  );
}
