import { App, Button, Card, Descriptions, Drawer, Form, Image, Input, InputNumber, Modal, Progress, Segmented, Select, Space, Table, Tabs, Tag, Timeline, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { PhotoUpload } from '../incidents/common.js';
import { livelihoodApi, STATUSES, type Figures, type Need, type NeedDetail, type Satisfaction, type Source, type Status } from './api.js';
import { useLivelihoodText } from './messages.js';

const PAGE_SIZE = 20;
const STATUS_COLOR: Record<Status, string> = { collected: 'default', accepted: 'cyan', rejected: 'red', approved: 'blue', in_progress: 'gold', done: 'green' };

type Action = 'accept' | 'reject' | 'approve' | 'progress' | 'complete' | 'feedback';

/** The actions the state machine (src/modules/livelihood/rules/state.ts) allows in each status. */
const ACTIONS: Record<Status, Action[]> = {
  collected: ['accept', 'reject'], accepted: ['approve'], rejected: [], approved: ['progress', 'complete'], in_progress: ['progress', 'complete'], done: ['feedback'],
};

function NeedDrawer({ id, onClose }: { id: number; onClose: () => void }) {
  const lt = useLivelihoodText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [need, setNeed] = useState<NeedDetail | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const load = useCallback(() => livelihoodApi.get(id).then(setNeed, (err: unknown) => message.error(errorMessage(err))), [id, message]);
  useEffect(() => {
    void load();
  }, [load]);
  const set = (key: string) => (v: unknown) => setValues((s) => ({ ...s, [key]: v }));
  const str = (key: string) => String(values[key] ?? '');

  const submit = async () => {
    if (!need || !action) return;
    const version = need.version;
    try {
      if (action === 'accept' || action === 'reject') await livelihoodApi.assess(id, { version, decision: action, reason: str('reason') });
      if (action === 'approve') await livelihoodApi.approve(id, { version, owner: str('owner'), budget: Number(values.budget ?? 0), deadline: str('deadline') });
      if (action === 'progress') await livelihoodApi.progress(id, { version, percent: Number(values.percent ?? need.progress), note: str('note'), photos: (values.photos as string[] | undefined) ?? [] });
      if (action === 'complete') await livelihoodApi.complete(id, { version, note: str('note'), photos: (values.photos as string[] | undefined) ?? [] });
      if (action === 'feedback') await livelihoodApi.feedback(id, { residentName: str('residentName'), satisfaction: (values.satisfaction as Satisfaction | undefined) ?? 'satisfied', comment: str('comment') });
      message.success(lt('saved'));
      setAction(null);
      setValues({});
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };
  const label = (a: Action) => (a === 'accept' || a === 'reject' ? lt(`assess.${a}`) : lt(a));

  return (
    <Drawer open width={760} title={need?.title ?? ''} onClose={onClose} data-testid="livelihood-drawer">
      {need && (
        <>
          <Space style={{ marginBottom: 12 }}>
            <Tag color={STATUS_COLOR[need.status]} data-testid="livelihood-status">{lt(`status.${need.status}`)}</Tag>
            {can('livelihood.manage') && ACTIONS[need.status].map((a) => (
              <Button key={a} size="small" data-testid={`livelihood-action-${a}`} danger={a === 'reject'} onClick={() => setAction(a)}>{label(a)}</Button>
            ))}
          </Space>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={lt('col.grid')}>{need.gridName ?? need.gridCode}</Descriptions.Item>
            <Descriptions.Item label={lt('col.source')}>{lt(`source.${need.source}`)}{need.sourceRef ? `：${need.sourceRef}` : ''}</Descriptions.Item>
            {need.meeting && (
              <Descriptions.Item label={lt('detail.meeting')} span={2}>
                <Link to={`/meetings/${need.meeting.id}`} data-testid="livelihood-meeting-link">{need.meeting.title}</Link>
              </Descriptions.Item>
            )}
            <Descriptions.Item label={lt('field.description')} span={2}>{need.description || '—'}</Descriptions.Item>
            <Descriptions.Item label={lt('detail.reason')} span={2}>{need.reason ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={lt('col.owner')}>{need.owner ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={lt('col.budget')}>{need.budget ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={lt('col.deadline')}>{need.deadline ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={lt('col.progress')}><Progress percent={need.progress} size="small" /></Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5} style={{ marginTop: 16 }}>{lt('detail.updates')}</Typography.Title>
          <Timeline items={need.updates.map((u) => ({
            children: (
              <div>
                <div>{formatDateTime(u.at)} · {u.percent}% · {u.by ?? ''}</div>
                <div>{u.note}</div>
                <Image.PreviewGroup>
                  <Space wrap>{u.photos.map((h) => <Image key={h} width={96} height={72} style={{ objectFit: 'cover' }} src={livelihoodApi.photoUrl(id, h, true)} preview={{ src: livelihoodApi.photoUrl(id, h) }} />)}</Space>
                </Image.PreviewGroup>
              </div>
            ),
          }))} />
          {need.feedback.length > 0 && (
            <>
              <Typography.Title level={5}>{lt('detail.feedback')}</Typography.Title>
              {need.feedback.map((f) => (
                <div key={f.id}><Tag>{lt(`satisfaction.${f.satisfaction}`)}</Tag>{f.residentName}：{f.comment}（{formatDateTime(f.at)}）</div>
              ))}
            </>
          )}
        </>
      )}
      <Modal open={action !== null} title={action ? label(action) : ''} onCancel={() => setAction(null)} onOk={() => void submit()} destroyOnHidden>
        <Form layout="vertical">
          {(action === 'accept' || action === 'reject') && (
            <Form.Item label={lt('field.reason')} required={action === 'reject'}><Input.TextArea data-testid="livelihood-reason" rows={2} onChange={(e) => set('reason')(e.target.value)} /></Form.Item>
          )}
          {action === 'approve' && (
            <>
              <Form.Item label={lt('field.owner')} required><Input data-testid="livelihood-owner" onChange={(e) => set('owner')(e.target.value)} /></Form.Item>
              <Form.Item label={lt('field.budget')} required><InputNumber data-testid="livelihood-budget" min={0} precision={2} style={{ width: '100%' }} onChange={set('budget')} /></Form.Item>
              <Form.Item label={lt('field.deadline')} required><Input type="date" data-testid="livelihood-deadline" onChange={(e) => set('deadline')(e.target.value)} /></Form.Item>
            </>
          )}
          {(action === 'progress' || action === 'complete') && (
            <>
              {action === 'progress' && <Form.Item label={lt('field.percent')} required><InputNumber min={need?.progress ?? 0} max={99} onChange={set('percent')} /></Form.Item>}
              <Form.Item label={lt('field.note')} required><Input.TextArea rows={2} data-testid="livelihood-note" onChange={(e) => set('note')(e.target.value)} /></Form.Item>
              <Form.Item label={lt('field.photos')}>
                <PhotoUpload testId="livelihood-photos" value={(values.photos as string[] | undefined) ?? []} onChange={set('photos')} />
              </Form.Item>
            </>
          )}
          {action === 'feedback' && (
            <>
              <Form.Item label={lt('field.residentName')} required><Input onChange={(e) => set('residentName')(e.target.value)} /></Form.Item>
              <Form.Item label={lt('field.satisfaction')}>
                <Select defaultValue="satisfied" onChange={set('satisfaction')} options={(['satisfied', 'basic', 'unsatisfied'] as const).map((s) => ({ value: s, label: lt(`satisfaction.${s}`) }))} />
              </Form.Item>
              <Form.Item label={lt('field.comment')}><Input.TextArea rows={2} onChange={(e) => set('comment')(e.target.value)} /></Form.Item>
            </>
          )}
        </Form>
      </Modal>
    </Drawer>
  );
}

/** The last twelve months up to today (Asia/Shanghai): the default statistics period. */
function lastYear(): { from: string; to: string } {
  const today = new Date(Date.now() + 8 * 3_600_000);
  const from = new Date(today.getTime() - 364 * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) };
}

function FiguresPanel() {
  const lt = useLivelihoodText();
  const { message } = App.useApp();
  const [range, setRange] = useState(lastYear());
  const [by, setBy] = useState<'street' | 'community'>('street');
  const [figures, setFigures] = useState<Figures | null>(null);
  useEffect(() => {
    livelihoodApi.figures({ ...range, by }).then(setFigures, (err: unknown) => message.error(errorMessage(err)));
  }, [range, by, message]);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        {lt('period')}
        <Input type="date" value={range.from} onChange={(e) => e.target.value && setRange((r) => ({ ...r, from: e.target.value }))} style={{ width: 160 }} />
        <Input type="date" value={range.to} onChange={(e) => e.target.value && setRange((r) => ({ ...r, to: e.target.value }))} style={{ width: 160 }} />
        <Segmented value={by} onChange={(v) => setBy(v as 'street' | 'community')} options={[{ value: 'street', label: lt('by.street') }, { value: 'community', label: lt('by.community') }]} />
      </Space>
      {figures && <Typography.Title level={4} data-testid="livelihood-figures-total">{lt('figures.total', figures.total)}</Typography.Title>}
      <Space align="start" wrap style={{ width: '100%' }}>
        <Table
          size="small" rowKey="code" dataSource={figures?.byArea ?? []} pagination={{ pageSize: 15 }} data-testid="livelihood-by-area" style={{ minWidth: 420 }}
          columns={[{ title: lt('col.area'), dataIndex: 'name' }, { title: lt('col.collected'), dataIndex: 'collected' }, { title: lt('col.done'), dataIndex: 'done' }]}
        />
        <Table
          size="small" rowKey="month" dataSource={figures?.byMonth ?? []} pagination={false} data-testid="livelihood-by-month" style={{ minWidth: 320 }}
          columns={[{ title: lt('col.month'), dataIndex: 'month' }, { title: lt('col.collected'), dataIndex: 'collected' }, { title: lt('col.done'), dataIndex: 'done' }]}
        />
      </Space>
    </Space>
  );
}

/** 民生实事: needs collected and assessed, projects approved, advanced and done, with the period's figures. */
export default function LivelihoodPage() {
  const lt = useLivelihoodText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [status, setStatus] = useState<Status | undefined>();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; items: Need[] } | null>(null);
  // A link from elsewhere (a meeting's decision) opens its need: /livelihood?need=<id>.
  const [params] = useSearchParams();
  const [open, setOpen] = useState<number | null>(() => Number(params.get('need')) || null);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState<{ gridCode?: string; title?: string; description?: string; source?: Source; sourceRef?: string }>({});

  const load = useCallback(() => livelihoodApi.list({ status, page, pageSize: PAGE_SIZE }).then(setData, (err: unknown) => message.error(errorMessage(err))), [status, page, message]);
  useEffect(() => {
    void load();
  }, [load]);

  const collect = async () => {
    try {
      await livelihoodApi.collect({ gridCode: draft.gridCode ?? '', title: draft.title ?? '', description: draft.description ?? '', source: draft.source ?? 'resident', sourceRef: draft.sourceRef ?? null });
      message.success(lt('saved'));
      setCreating(false);
      setDraft({});
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  const list = (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select allowClear placeholder={lt('filter.status')} style={{ width: 160 }} value={status} onChange={(v?: Status) => { setStatus(v); setPage(1); }}
          options={STATUSES.map((s) => ({ value: s, label: lt(`status.${s}`) }))} data-testid="livelihood-status-filter" />
        {can('livelihood.manage') && <Button type="primary" data-testid="livelihood-new" onClick={() => setCreating(true)}>{lt('new')}</Button>}
      </Space>
      <Table
        rowKey="id" size="small" dataSource={data?.items ?? []} data-testid="livelihood-list" data-total={data?.total ?? ''}
        pagination={{ current: page, pageSize: PAGE_SIZE, total: data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: lt('col.title'), dataIndex: 'title' },
          { title: lt('col.grid'), dataIndex: 'gridName', render: (v: string | null, r) => v ?? r.gridCode },
          { title: lt('col.source'), dataIndex: 'source', render: (s: Source) => lt(`source.${s}`) },
          { title: lt('col.status'), dataIndex: 'status', render: (s: Status) => <Tag color={STATUS_COLOR[s]}>{lt(`status.${s}`)}</Tag> },
          { title: lt('col.progress'), dataIndex: 'progress', render: (p: number) => <Progress percent={p} size="small" style={{ width: 100 }} /> },
          { title: lt('col.deadline'), dataIndex: 'deadline' },
          { title: lt('col.collectedAt'), dataIndex: 'collectedAt', render: (v: string) => formatDateTime(v) },
        ]}
      />
    </>
  );

  return (
    <Card title={lt('title')}>
      <Tabs items={[{ key: 'list', label: lt('tab.list'), children: list }, { key: 'figures', label: lt('tab.figures'), children: <FiguresPanel /> }]} />
      {open !== null && <NeedDrawer id={open} onClose={() => { setOpen(null); void load(); }} />}
      <Modal open={creating} title={lt('new')} onCancel={() => setCreating(false)} onOk={() => void collect()} destroyOnHidden>
        <Form layout="vertical">
          <Form.Item label={lt('field.gridCode')} required><Input data-testid="livelihood-new-grid" onChange={(e) => setDraft((d) => ({ ...d, gridCode: e.target.value.trim() }))} /></Form.Item>
          <Form.Item label={lt('field.title')} required><Input data-testid="livelihood-new-title" onChange={(e) => setDraft((d) => ({ ...d, title: e.target.value }))} /></Form.Item>
          <Form.Item label={lt('field.description')}><Input.TextArea rows={2} onChange={(e) => setDraft((d) => ({ ...d, description: e.target.value }))} /></Form.Item>
          <Form.Item label={lt('field.source')}>
            <Select defaultValue="resident" onChange={(v: Source) => setDraft((d) => ({ ...d, source: v }))} options={(['resident', 'visit', 'meeting'] as const).map((s) => ({ value: s, label: lt(`source.${s}`) }))} />
          </Form.Item>
          <Form.Item label={lt('field.sourceRef')}><Input onChange={(e) => setDraft((d) => ({ ...d, sourceRef: e.target.value }))} /></Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
