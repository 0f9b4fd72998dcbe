import { Alert, App, Button, Card, DatePicker, Form, Input, InputNumber, Modal, Popconfirm, Segmented, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { PhotoStrip, PhotoUpload } from '../incidents/common.js';
import { assessmentApi, type AssessmentResults, type AssessmentSubject, type AssessmentUnit } from './api.js';
import { percent, useEvaluationText } from './messages.js';
import { SchemeEditor } from './SchemeEditor.js';

type PeriodKind = 'month' | 'quarter';

/** 'YYYY-MM' or 'YYYY-Qn' of a picked day. */
function periodKey(kind: PeriodKind, d: Dayjs): string {
  return kind === 'month' ? d.format('YYYY-MM') : `${d.year()}-Q${Math.floor(d.month() / 3) + 1}`;
}

/** 督查考核: scores and ranks of a month or quarter, the indicator breakdown of each unit, manual scores with evidence, closing, the scheme. */
export default function AssessmentPage() {
  const et = useEvaluationText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [subject, setSubject] = useState<AssessmentSubject>('department');
  const [kind, setKind] = useState<PeriodKind>('month');
  // The last finished month: the one usually being assessed.
  const [day, setDay] = useState<Dayjs>(() => dayjs().subtract(1, 'month'));
  const [results, setResults] = useState<AssessmentResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [entering, setEntering] = useState<AssessmentUnit | null>(null);
  const period = periodKey(kind, day);

  const load = useCallback(() => {
    assessmentApi.results(subject, period).then((r) => {
      setResults(r);
      setError(null);
    }).catch((err: unknown) => setError(errorMessage(err)));
  }, [subject, period]);
  useEffect(load, [load]);

  const closed = results?.status === 'closed';
  const close = async () => {
    try {
      setResults(await assessmentApi.close(subject, period));
      void message.success(et('assess.closed'));
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };

  const resultsTab = (
    <>
      <Space wrap size="large" style={{ marginBottom: 12 }}>
        <Segmented value={kind} onChange={(v) => setKind(v as PeriodKind)} options={[{ value: 'month', label: et('assess.month') }, { value: 'quarter', label: et('assess.quarter') }]} data-testid="assessment-kind" />
        <DatePicker picker={kind} value={day} allowClear={false} onChange={(d) => d && setDay(d)} disabledDate={(d) => d.isAfter(dayjs())} data-testid="assessment-period" />
        {results && (
          <>
            <Tag color={closed ? 'green' : results.status === 'open' ? 'blue' : 'default'} data-testid="assessment-status">{et(`assess.status.${results.status}`)}</Tag>
            <Typography.Text type="secondary">{results.from} ~ {results.to}；{et('assess.scheme', { version: results.schemeVersion })}</Typography.Text>
            {closed && results.closedAt && <Typography.Text type="secondary">{et('assess.closedBy', { name: results.closedBy ?? '—', at: formatDateTime(results.closedAt) })}</Typography.Text>}
          </>
        )}
        {can('evaluation.assess.manage') && results && !closed && (
          <Popconfirm title={et('assess.closeConfirm')} onConfirm={close} okButtonProps={{ 'data-testid': 'assessment-close-confirm' } as never}>
            <Button danger data-testid="assessment-close">{et('assess.close')}</Button>
          </Popconfirm>
        )}
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Table<AssessmentUnit>
        size="small"
        rowKey="code"
        data-testid="assessment-results"
        pagination={false}
        dataSource={results?.units ?? []}
        expandable={{ expandedRowRender: (u) => <Breakdown unit={u} />, expandRowByClick: true }}
        columns={[
          { title: et('rank'), dataIndex: 'rank', width: 64 },
          { title: et('assess.unit'), dataIndex: 'name', render: (n: string | null, u) => <Tooltip title={u.code}><span data-testid={`assessment-unit-${u.code}`}>{n ?? u.code}</span></Tooltip> },
          { title: et('assess.score'), dataIndex: 'score', width: 90, render: (s: number) => <b data-testid="assessment-score">{s.toFixed(2)}</b> },
          ...(can('evaluation.assess') && !closed ? [{
            title: '', key: 'enter', width: 110,
            render: (_: unknown, u: AssessmentUnit) => (
              <Button size="small" data-testid={`assessment-enter-${u.code}`} onClick={(e) => { e.stopPropagation(); setEntering(u); }}>{et('assess.enter')}</Button>
            ),
          }] : []),
        ]}
      />
      {entering && results && (
        <ScoreModal unit={entering} subject={subject} period={period} onClose={() => setEntering(null)}
          onSaved={(r) => { setResults(r); setEntering(null); void message.success(et('assess.saved')); }} />
      )}
    </>
  );

  return (
    <Card data-testid="page-assessment" title={et('assess.title')}
      extra={<Segmented value={subject} onChange={(v) => setSubject(v as AssessmentSubject)} data-testid="assessment-subject"
        options={[{ value: 'department', label: et('assess.subject.department') }, { value: 'street', label: et('assess.subject.street') }]} />}>
      <Tabs items={[
        { key: 'results', label: et('assess.resultsTab'), children: resultsTab },
        { key: 'scheme', label: et('assess.schemeTab'), children: <SchemeEditor subject={subject} editable={can('evaluation.assess.manage')} /> },
      ]} />
    </Card>
  );
}

/** One unit's indicators (weight, value, mark, points, evidence) and deductions. */
function Breakdown({ unit }: { unit: AssessmentUnit }) {
  const et = useEvaluationText();
  const shownValue = (i: AssessmentUnit['indicators'][number]) => (i.value === null ? '—' : i.kind === 'manual' ? String(i.value) : i.value <= 1 ? percent(i.value) : i.value.toFixed(2));
  return (
    <div data-testid={`assessment-breakdown-${unit.code}`}>
      <Table
        size="small"
        rowKey="key"
        pagination={false}
        dataSource={unit.indicators}
        columns={[
          { title: et('assess.item'), dataIndex: 'name', render: (n: string, i) => <>{n} <Tag>{et(`assess.kind.${i.kind}`)}</Tag></> },
          { title: et('assess.weight'), dataIndex: 'weight', width: 70 },
          { title: et('assess.value'), key: 'value', width: 100, render: (_: unknown, i) => (i.missing ? <Tag color="orange">{et('assess.missing')}</Tag> : shownValue(i)) },
          { title: et('assess.mark'), dataIndex: 'mark', width: 90, render: (m: number) => percent(m) },
          { title: et('assess.points'), dataIndex: 'points', width: 80, render: (p: number) => p.toFixed(2) },
          {
            title: et('assess.evidence'), key: 'evidence',
            render: (_: unknown, i) => i.evidence && (
              <span data-testid={`assessment-evidence-${i.key}`}>
                {i.evidence.note}（{i.evidence.enteredBy ?? '—'}，{formatDateTime(i.evidence.enteredAt)}）
                {i.evidence.attachments.length > 0 && <div style={{ marginTop: 4 }}><PhotoStrip hashes={i.evidence.attachments} testId={`assessment-photos-${i.key}`} /></div>}
              </span>
            ),
          },
        ]}
      />
      {unit.deductions.length > 0 && (
        <Table
          size="small"
          rowKey="key"
          pagination={false}
          style={{ marginTop: 8 }}
          dataSource={unit.deductions}
          columns={[
            { title: et('assess.deduction'), dataIndex: 'name' },
            { title: et('assess.count'), dataIndex: 'count', width: 80 },
            { title: et('assess.points'), dataIndex: 'points', width: 80, render: (p: number) => `−${p.toFixed(2)}` },
          ]}
        />
      )}
    </div>
  );
}

/** A supervisor's score of one manual item, with a note and photos as evidence. */
function ScoreModal({ unit, subject, period, onClose, onSaved }: {
  unit: AssessmentUnit; subject: AssessmentSubject; period: string; onClose: () => void; onSaved: (r: AssessmentResults) => void;
}) {
  const et = useEvaluationText();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ indicatorKey: string; score: number; note: string; attachments?: string[] }>();
  const manual = unit.indicators.filter((i) => i.kind === 'manual');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      onSaved(await assessmentApi.enterScore({ subject, period, unitCode: unit.code, indicatorKey: v.indicatorKey, score: v.score, note: v.note, attachments: v.attachments ?? [] }));
    } catch (err) {
      void message.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={`${et('assess.enter')}：${unit.name ?? unit.code}`} onCancel={onClose} onOk={submit} confirmLoading={busy} okButtonProps={{ disabled: manual.length === 0, 'data-testid': 'assessment-score-ok' } as never}>
      {manual.length === 0 ? <Alert type="info" showIcon title={et('assess.noManual')} /> : (
        <Form form={form} layout="vertical" initialValues={{ indicatorKey: manual[0]!.key }}>
          <Form.Item name="indicatorKey" label={et('assess.item')} rules={[{ required: true }]}>
            <Select data-testid="assessment-score-item" options={manual.map((i) => ({ value: i.key, label: i.name }))} />
          </Form.Item>
          <Form.Item name="score" label={et('assess.score')} rules={[{ required: true }]}>
            <InputNumber min={0} style={{ width: 160 }} data-testid="assessment-score-value" />
          </Form.Item>
          <Form.Item name="note" label={et('assess.note')} rules={[{ required: true, whitespace: true }]}>
            <Input.TextArea rows={3} maxLength={2000} data-testid="assessment-score-note" />
          </Form.Item>
          <Form.Item name="attachments" label={et('assess.attachments')}>
            <PhotoUpload testId="assessment-score-photos" />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
