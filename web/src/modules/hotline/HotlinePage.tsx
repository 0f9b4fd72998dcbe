import { Alert, App, Button, Card, Checkbox, Descriptions, Drawer, Form, Input, Radio, Select, Space, Table, Tag, Typography, Upload } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { hotlineApi, type FiguresRow, type HotlineOrder, type ImportAnswer, type OrderState, type Verdict } from './api.js';
import { useHotlineText } from './messages.js';

type PeriodKey = 'last30' | 'thisMonth' | 'lastMonth' | 'all';

/** 'YYYY-MM-DD' in Asia/Shanghai, `days` from today. */
function shanghaiDay(offsetDays = 0): string {
  return new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

function periodRange(key: PeriodKey): { from?: string; to?: string } {
  const today = shanghaiDay();
  if (key === 'all') return {};
  if (key === 'last30') return { from: shanghaiDay(-29), to: today };
  const [y, m] = today.split('-').map(Number) as [number, number];
  const first = (yy: number, mm: number) => `${yy}-${String(mm).padStart(2, '0')}-01`;
  if (key === 'thisMonth') return { from: first(y, m), to: today };
  const [py, pm] = m === 1 ? [y - 1, 12] : [y, m - 1];
  const last = new Date(Date.UTC(y, m - 1, 0)).toISOString().slice(0, 10);
  return { from: first(py, pm), to: last };
}

const STATE_COLOR: Record<OrderState, string> = { unassigned: 'red', assigned: 'orange', helped: 'blue', answered: 'green' };

/** 不满意工单督促回访: the figures per street, the order list, import and assignment, and the revisit record. */
export default function HotlinePage() {
  const ht = useHotlineText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [period, setPeriod] = useState<PeriodKey>('last30');
  const [state, setState] = useState<OrderState | 'all'>('all');
  const [page, setPage] = useState(1);
  const [figures, setFigures] = useState<{ streets: FiguresRow[]; unlocated: FiguresRow | null; total: FiguresRow } | null>(null);
  const [orders, setOrders] = useState<{ items: HotlineOrder[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [imported, setImported] = useState<ImportAnswer | null>(null);
  const [partial, setPartial] = useState(false);
  const [open, setOpen] = useState<HotlineOrder | null>(null);

  const load = useCallback(async () => {
    const range = periodRange(period);
    try {
      const [f, o] = await Promise.all([
        hotlineApi.figures(range),
        hotlineApi.list({ ...range, ...(state === 'all' ? {} : { state }), page, pageSize: 20 }),
      ]);
      setFigures(f);
      setOrders(o);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [period, state, page]);
  useEffect(() => {
    void load();
  }, [load]);

  const upload = async (file: File) => {
    try {
      const r = await hotlineApi.importXlsx(file, partial);
      setImported(r);
      message.success(ht('import.done', { created: r.created, updated: r.updated, assigned: r.assigned, unassigned: r.unassigned }));
      await load();
    } catch (err) {
      message.error(errorMessage(err));
      const problems = (err as { details?: { problems?: ImportAnswer['problems'] } }).details?.problems;
      setImported(problems ? { created: 0, updated: 0, assigned: 0, unassigned: 0, problems } : null);
    }
  };

  const rows: (FiguresRow & { key: string; label: string })[] = figures
    ? [
      ...figures.streets.map((s) => ({ ...s, key: s.code!, label: s.name ?? s.code! })),
      ...(figures.unlocated && figures.unlocated.orders > 0 ? [{ ...figures.unlocated, key: 'unlocated', label: ht('unlocated') }] : []),
      { ...figures.total, key: 'total', label: ht('total') },
    ]
    : [];

  return (
    <div data-testid="page-hotline">
      <Typography.Title level={3}>{ht('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{ht('intro')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Card size="small" title={ht('figures')} style={{ marginBottom: 16 }}
        extra={(
          <Space>
            <span>{ht('period')}</span>
            <Select<PeriodKey> value={period} onChange={(v) => { setPeriod(v); setPage(1); }} style={{ width: 140 }} data-testid="hotline-period"
              options={(['last30', 'thisMonth', 'lastMonth', 'all'] as const).map((k) => ({ value: k, label: ht(`period.${k}`) }))} />
          </Space>
        )}>
        <Table rowKey="key" size="small" pagination={false} dataSource={rows} data-testid="hotline-figures" loading={figures === null && !error}
          columns={[
            { title: ht('col.street'), dataIndex: 'label', render: (v: string, r) => (r.key === 'total' ? <strong>{v}</strong> : v) },
            { title: ht('col.orders'), dataIndex: 'orders', align: 'right' },
            { title: ht('col.helped'), dataIndex: 'helped', align: 'right' },
            { title: ht('col.answered'), dataIndex: 'answered', align: 'right' },
            { title: ht('col.satisfied'), dataIndex: 'satisfiedAgain', align: 'right' },
            { title: ht('col.rate'), dataIndex: 'ratePercent', align: 'right', render: (v: number | null) => (v === null ? '—' : `${v.toFixed(1)}%`) },
          ]} />
      </Card>
      <Card size="small" title={ht('orders')}
        extra={(
          <Space wrap>
            <Radio.Group value={state} onChange={(e) => { setState(e.target.value as OrderState | 'all'); setPage(1); }} size="small" data-testid="hotline-state">
              {(['all', 'unassigned', 'assigned', 'helped', 'answered'] as const).map((s) => <Radio.Button key={s} value={s}>{ht(`state.${s}`)}</Radio.Button>)}
            </Radio.Group>
            {can('hotline.manage') && (
              <>
                <Checkbox checked={partial} onChange={(e) => setPartial(e.target.checked)}>{ht('import.partial')}</Checkbox>
                <Upload accept=".xlsx" showUploadList={false} beforeUpload={(file) => { void upload(file); return false; }}>
                  <Button data-testid="hotline-import">{ht('import')}</Button>
                </Upload>
              </>
            )}
          </Space>
        )}>
        {imported && imported.problems.length > 0 && (
          <Alert type="warning" showIcon style={{ marginBottom: 12 }} closable onClose={() => setImported(null)} data-testid="hotline-import-problems"
            title={ht('import.problems')}
            description={<ul style={{ margin: 0 }}>{imported.problems.slice(0, 20).map((p, i) => <li key={i}>{`#${p.row}${p.orderNo ? ` ${p.orderNo}` : ''}: ${p.message}`}</li>)}</ul>} />
        )}
        <Table<HotlineOrder> rowKey="id" size="small" dataSource={orders?.items ?? []} data-testid="hotline-orders" locale={{ emptyText: ht('empty') }}
          loading={orders === null && !error}
          pagination={{ current: page, pageSize: 20, total: orders?.total ?? 0, onChange: setPage, showSizeChanger: false }}
          onRow={(r) => ({ onClick: () => setOpen(r), style: { cursor: 'pointer' } })}
          columns={[
            { title: ht('col.orderNo'), dataIndex: 'orderNo' },
            { title: ht('col.receivedAt'), dataIndex: 'receivedAt', render: (v: string) => formatDateTime(v) },
            { title: ht('col.content'), dataIndex: 'content', ellipsis: true },
            { title: ht('col.grid'), render: (_, r) => (r.grid ? <span title={r.grid.code}>{`${r.grid.streetName} ${r.grid.communityName}`}</span> : '—') },
            { title: ht('col.worker'), render: (_, r) => r.worker?.displayName ?? '—' },
            { title: ht('state'), render: (_, r) => <Tag color={STATE_COLOR[r.state]}>{ht(`state.${r.state}`)}</Tag> },
            { title: ht('col.verdict'), render: (_, r) => (r.verdict ? <Tag color={r.verdict === 'satisfied' ? 'green' : 'red'}>{ht(`verdict.${r.verdict}`)}</Tag> : '—') },
          ]} />
      </Card>
      <OrderDrawer order={open} onClose={() => setOpen(null)} onChanged={(o) => { setOpen(o); void load(); }} />
    </div>
  );
}

/** One order: its facts, and the forms its state allows (assign, help, answer). */
function OrderDrawer(props: { order: HotlineOrder | null; onClose(): void; onChanged(o: HotlineOrder): void }) {
  const ht = useHotlineText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const o = props.order;
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<HotlineOrder>) => {
    setBusy(true);
    try {
      props.onChanged(await fn());
      message.success(ht('saved'));
    } catch (err) {
      message.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Drawer open={o !== null} onClose={props.onClose} title={o ? `${ht('detail')} ${o.orderNo}` : ''} size={640} data-testid="hotline-drawer">
      {o && (
        <Space orientation="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={ht('col.receivedAt')}>{formatDateTime(o.receivedAt)}</Descriptions.Item>
            <Descriptions.Item label={ht('col.caller')}>{[o.callerName, o.callerPhone].filter(Boolean).join(' ') || '—'}</Descriptions.Item>
            <Descriptions.Item label={ht('col.address')}>{o.address}</Descriptions.Item>
            <Descriptions.Item label={ht('col.content')}>{o.content}</Descriptions.Item>
            <Descriptions.Item label={ht('col.grid')}>{o.grid ? `${o.grid.streetName} ${o.grid.communityName} ${o.grid.name}` : '—'}</Descriptions.Item>
            <Descriptions.Item label={ht('col.worker')}>{o.worker?.displayName ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={ht('help.note')}>{o.helpNote ? `${o.helpNote}（${formatDateTime(o.helpedAt)}）` : '—'}</Descriptions.Item>
            <Descriptions.Item label={ht('answer.note')}>{o.answerNote ? `${o.answerNote}（${formatDateTime(o.answeredAt)}）` : '—'}</Descriptions.Item>
            <Descriptions.Item label={ht('col.verdict')}>{o.verdict ? ht(`verdict.${o.verdict}`) : '—'}</Descriptions.Item>
          </Descriptions>
          {can('hotline.manage') && o.helpedAt === null && (
            <Form key={`assign-${o.id}-${o.version}`} layout="inline" onFinish={(v: { gridCode: string }) => void run(() => hotlineApi.assign(o.id, { gridCode: v.gridCode.trim(), version: o.version }))}>
              <Form.Item name="gridCode" label={ht('assign.grid')} rules={[{ required: true, pattern: /^\s*\d{15}\s*$/ }]} initialValue={o.grid?.code}>
                <Input style={{ width: 200 }} data-testid="hotline-assign-grid" />
              </Form.Item>
              <Button htmlType="submit" loading={busy} data-testid="hotline-assign">{ht('assign')}</Button>
            </Form>
          )}
          {can('hotline.manage') && o.worker && (
            <Form key={`help-${o.id}-${o.version}`} layout="vertical" onFinish={(v: { note: string }) => void run(() => hotlineApi.help(o.id, { note: v.note, version: o.version }))}>
              <Form.Item name="note" label={ht('help.note')} rules={[{ required: true, whitespace: true }]} initialValue={o.helpNote ?? ''}>
                <Input.TextArea rows={2} maxLength={2000} data-testid="hotline-help-note" />
              </Form.Item>
              <Button htmlType="submit" loading={busy} data-testid="hotline-help">{ht('help')}</Button>
            </Form>
          )}
          {can('hotline.manage') && o.helpedAt !== null && (
            <Form key={`answer-${o.id}-${o.version}`} layout="vertical" onFinish={(v: { note: string; verdict: Verdict }) => void run(() => hotlineApi.answer(o.id, { ...v, version: o.version }))}>
              <Form.Item name="note" label={ht('answer.note')} rules={[{ required: true, whitespace: true }]} initialValue={o.answerNote ?? ''}>
                <Input.TextArea rows={2} maxLength={2000} data-testid="hotline-answer-note" />
              </Form.Item>
              <Form.Item name="verdict" label={ht('answer.verdict')} rules={[{ required: true }]} initialValue={o.verdict ?? undefined}>
                <Radio.Group data-testid="hotline-answer-verdict">
                  <Radio value="satisfied">{ht('verdict.satisfied')}</Radio>
                  <Radio value="unsatisfied">{ht('verdict.unsatisfied')}</Radio>
                </Radio.Group>
              </Form.Item>
              <Button htmlType="submit" loading={busy} data-testid="hotline-answer">{ht('answer')}</Button>
            </Form>
          )}
        </Space>
      )}
    </Drawer>
  );
}
