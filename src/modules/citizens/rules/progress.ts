/**
 * What a reporter sees of a case: milestones in plain words, with their
 * times, and nothing else from the timeline (no people, no departments, no
 * notes, no internal ids). Actions that change no status (urge, assign,
 * warnings) are the centre's business and are left out.
 */
export type Milestone =
  | 'received' | 'registered' | 'dispatched' | 'handling' | 'handled' | 'checking' | 'checked'
  | 'rework' | 'closed' | 'rejected' | 'deferred' | 'merged' | 'returned';

export const MILESTONE_WORDS: Readonly<Record<Milestone, { 'zh-CN': string; en: string }>> = {
  received: { 'zh-CN': '已收到您的反映，等待受理', en: 'Your report was received and awaits review' },
  registered: { 'zh-CN': '已受理立案', en: 'Accepted as a case' },
  dispatched: { 'zh-CN': '已交办处置部门', en: 'Passed to the department responsible' },
  handling: { 'zh-CN': '正在处置', en: 'Being dealt with' },
  handled: { 'zh-CN': '处置完毕，等待现场核查', en: 'Dealt with; awaiting an on-site check' },
  checking: { 'zh-CN': '正在现场核查', en: 'Being checked on site' },
  checked: { 'zh-CN': '现场核查通过', en: 'Checked on site' },
  rework: { 'zh-CN': '核查未通过，重新处置', en: 'The check failed; being dealt with again' },
  closed: { 'zh-CN': '已办结', en: 'Closed' },
  rejected: { 'zh-CN': '经核实不予立案', en: 'Not taken up after review' },
  deferred: { 'zh-CN': '暂缓办理（需统筹解决）', en: 'Deferred (needs a longer-term solution)' },
  merged: { 'zh-CN': '与同一问题的其他反映合并办理', en: 'Handled together with another report of the same problem' },
  returned: { 'zh-CN': '重新确定处置部门', en: 'Being passed to another department' },
};

export interface TimelineEntry {
  action: string;
  fromStatus: string | null;
  toStatus: string;
  at: number;
}

/** The milestone an event marks, or null when the reporter need not know of it. */
export function milestoneOf(e: TimelineEntry): Milestone | null {
  if (e.action === 'report') return 'received';
  if (e.action === 'verify-fail') return 'rework';
  if (e.action === 'return') return 'returned';
  if (e.fromStatus === e.toStatus) return null;
  switch (e.toStatus) {
    case 'registered': return 'registered';
    case 'dispatched': return 'dispatched';
    case 'handling': return 'handling';
    case 'replied': return 'handled';
    case 'verifying': return 'checking';
    case 'verified': return 'checked';
    case 'closed': return 'closed';
    case 'rejected': return 'rejected';
    case 'deferred': return 'deferred';
    case 'merged': return 'merged';
    default: return null;
  }
}

export interface PublicStep {
  milestone: Milestone;
  text: string;
  at: number;
}

/** The reporter's view of a timeline, oldest first; a milestone repeated back to back shows once. */
export function publicSteps(events: readonly TimelineEntry[], locale: 'zh-CN' | 'en'): PublicStep[] {
  const steps: PublicStep[] = [];
  for (const e of events) {
    const m = milestoneOf(e);
    if (!m || steps.at(-1)?.milestone === m) continue;
    steps.push({ milestone: m, text: MILESTONE_WORDS[m][locale], at: e.at });
  }
  return steps;
}
