import { Alert, App, Button, Input, InputNumber, Select, Space, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { assessmentApi, type AssessmentSubject, type Kpis, type SchemeAnswer, type SchemeDeduction, type SchemeDefinition, type SchemeIndicator } from './api.js';
import { useEvaluationText, type EvaluationMessageKey } from './messages.js';

const KPIS: (keyof Kpis)[] = ['closeRate', 'onTimeCloseRate', 'reworkRate', 'returnRate', 'overdueRate', 'immediateRate', 'averageHandlingHours', 'coHandlingOnTimeRate'];
const COUNTS: SchemeDeduction['count'][] = ['overdue', 'returned', 'reworked', 'urged'];
const COUNT_LABEL: Record<SchemeDeduction['count'], EvaluationMessageKey> = { overdue: 'kpi.overdue', returned: 'kpi.returned', reworked: 'kpi.reworked', urged: 'kpi.urged' };

/** A key no item of the scheme has yet. */
function freshKey(d: SchemeDefinition, prefix: string): string {
  const keys = new Set([...d.indicators.map((i) => i.key), ...d.deductions.map((x) => x.key)]);
  let n = 1;
  while (keys.has(`${prefix}_${n}`)) n++;
  return `${prefix}_${n}`;
}

/** 考核方案: the active version's items, edited and saved as the next version. */
export function SchemeEditor({ subject, editable }: { subject: AssessmentSubject; editable: boolean }) {
  const et = useEvaluationText();
  const { message } = App.useApp();
  const [answer, setAnswer] = useState<SchemeAnswer | null>(null);
  const [draft, setDraft] = useState<SchemeDefinition | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    assessmentApi.scheme(subject).then((a) => {
      setAnswer(a);
      setDraft(a.active.definition);
    }).catch((err: unknown) => setError(errorMessage(err)));
  }, [subject]);

  if (error) return <Alert type="error" showIcon title={error} />;
  if (!answer || !draft) return null;

  const setIndicator = (i: number, patch: Partial<SchemeIndicator>) =>
    setDraft({ ...draft, indicators: draft.indicators.map((x, j) => (j === i ? ({ ...x, ...patch } as SchemeIndicator) : x)) });
  const setDeduction = (i: number, patch: Partial<SchemeDeduction>) =>
    setDraft({ ...draft, deductions: draft.deductions.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
  const total = draft.indicators.reduce((s, i) => s + i.weight, 0);
  const num = (v: number | null, fallback: number) => (v === null ? fallback : v);
  const save = async () => {
    try {
      const saved = await assessmentApi.saveScheme(subject, draft);
      const fresh = await assessmentApi.scheme(subject);
      setAnswer(fresh);
      setDraft(fresh.active.definition);
      void message.success(et('assess.schemeSaved', { version: saved.version }));
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };

  return (
    <div data-testid="assessment-scheme">
      <Typography.Paragraph type="secondary">
        {et('assess.scheme', { version: answer.active.version })}（{answer.active.createdBy ?? '—'}，{formatDateTime(answer.active.createdAt)}）。{et('assess.schemeHint')}
      </Typography.Paragraph>
      <Table<SchemeIndicator>
        size="small"
        rowKey="key"
        pagination={false}
        dataSource={draft.indicators}
        columns={[
          { title: et('assess.name'), key: 'name', render: (_: unknown, r, i) => <Input disabled={!editable} value={r.name} maxLength={40} onChange={(e) => setIndicator(i, { name: e.target.value })} /> },
          {
            title: et('assess.kpi'), key: 'kind', width: 170,
            render: (_: unknown, r, i) => (r.kind === 'kpi'
              ? <Select disabled={!editable} style={{ width: 150 }} value={r.kpi} onChange={(v) => setIndicator(i, { kpi: v })} options={KPIS.map((k) => ({ value: k, label: et(`kpi.${k}`) }))} />
              : et('assess.kind.manual')),
          },
          { title: et('assess.weight'), key: 'weight', width: 90, render: (_: unknown, r, i) => <InputNumber disabled={!editable} min={0} max={100} value={r.weight} onChange={(v) => setIndicator(i, { weight: num(v, 0) })} /> },
          {
            title: `${et('assess.target')} / ${et('assess.floor')} / ${et('assess.maxScore')}`, key: 'rule', width: 220,
            render: (_: unknown, r, i) => (r.kind === 'kpi'
              ? <Space><InputNumber disabled={!editable} min={0} step={0.01} value={r.target} onChange={(v) => setIndicator(i, { target: num(v, 0) })} /><InputNumber disabled={!editable} min={0} step={0.01} value={r.floor} onChange={(v) => setIndicator(i, { floor: num(v, 0) })} /></Space>
              : <InputNumber disabled={!editable} min={1} value={r.maxScore} onChange={(v) => setIndicator(i, { maxScore: num(v, 100) })} />),
          },
          ...(editable ? [{ title: '', key: 'remove', width: 60, render: (_: unknown, __: SchemeIndicator, i: number) => <Button size="small" type="link" danger onClick={() => setDraft({ ...draft, indicators: draft.indicators.filter((_x, j) => j !== i) })}>×</Button> }] : []),
        ]}
      />
      <Typography.Text type={Math.abs(total - 100) > 1e-9 ? 'danger' : 'secondary'}>{et('assess.weightTotal', { total })}</Typography.Text>
      <Table<SchemeDeduction>
        size="small"
        rowKey="key"
        pagination={false}
        style={{ marginTop: 12 }}
        dataSource={draft.deductions}
        columns={[
          { title: et('assess.deduction'), key: 'name', render: (_: unknown, r, i) => <Input disabled={!editable} value={r.name} maxLength={40} onChange={(e) => setDeduction(i, { name: e.target.value })} /> },
          { title: et('assess.count'), key: 'count', width: 150, render: (_: unknown, r, i) => <Select disabled={!editable} style={{ width: 130 }} value={r.count} onChange={(v) => setDeduction(i, { count: v })} options={COUNTS.map((c) => ({ value: c, label: et(COUNT_LABEL[c]) }))} /> },
          { title: et('assess.pointsEach'), key: 'points', width: 110, render: (_: unknown, r, i) => <InputNumber disabled={!editable} min={0} step={0.1} value={r.points} onChange={(v) => setDeduction(i, { points: num(v, 0) })} /> },
          { title: et('assess.cap'), key: 'cap', width: 110, render: (_: unknown, r, i) => <InputNumber disabled={!editable} min={0} value={r.cap} onChange={(v) => setDeduction(i, { cap: num(v, 0) })} /> },
          ...(editable ? [{ title: '', key: 'remove', width: 60, render: (_: unknown, __: SchemeDeduction, i: number) => <Button size="small" type="link" danger onClick={() => setDraft({ ...draft, deductions: draft.deductions.filter((_x, j) => j !== i) })}>×</Button> }] : []),
        ]}
      />
      {editable && (
        <Space style={{ marginTop: 12 }} wrap>
          <Button onClick={() => setDraft({ ...draft, indicators: [...draft.indicators, { key: freshKey(draft, 'kpi'), name: et('kpi.onTimeCloseRate'), kind: 'kpi', kpi: 'onTimeCloseRate', weight: 0, target: 0.9, floor: 0.5 }] })}>+ {et('assess.kind.kpi')}</Button>
          <Button onClick={() => setDraft({ ...draft, indicators: [...draft.indicators, { key: freshKey(draft, 'manual'), name: et('assess.kind.manual'), kind: 'manual', weight: 0, maxScore: 100 }] })}>+ {et('assess.kind.manual')}</Button>
          <Button onClick={() => setDraft({ ...draft, deductions: [...draft.deductions, { key: freshKey(draft, 'deduct'), name: et('assess.deduction'), count: 'overdue', points: 0.5, cap: 10 }] })}>+ {et('assess.deduction')}</Button>
          <Button type="primary" data-testid="assessment-scheme-save" onClick={save}>{et('assess.saveScheme')}</Button>
        </Space>
      )}
    </div>
  );
}
