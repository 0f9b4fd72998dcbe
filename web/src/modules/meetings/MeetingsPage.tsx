import { Alert, App, Button, Card, Empty, Form, Input, List, Modal, Popconfirm, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router-dom';
import { api, errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { beijingWallClockToIso, formatDateTime } from '../../shell/time.js';
import { incidentApi, type Category } from '../incidents/api.js';
import { useLivelihoodText } from '../livelihood/messages.js';
import { meetingApi, type Candidate, type DecisionBody, type Meeting, type MeetingDetail, type MeetingItem } from './api.js';
import { useMeetingText } from './messages.js';

const LEVEL_COLOR = { community: 'green', street: 'blue', district: 'purple' } as const;

/** 三级联席会议: the list, and one meeting's agenda, candidates and decisions. */
export default function MeetingsPage() {
  return (
    <div data-testid="page-meetings">
      <Routes>
        <Route index element={<MeetingList />} />
        <Route path=":id" element={<MeetingView />} />
      </Routes>
    </div>
  );
}

/** The grid nodes the caller may hold a meeting for: their own scopes and the communities under a street scope. */
function useNodes(): { code: string; name: string }[] {
  const { me } = useAuth();
  const [children, setChildren] = useState<{ code: string; name: string }[]>([]);
  const own = useMemo(() => (me?.roles ?? []).filter((r) => r.scope.kind === 'grid' && [6, 9, 12].includes(r.scope.code.length))
    .map((r) => ({ code: r.scope.code, name: r.scope.name })), [me]);
  useEffect(() => {
    let live = true;
    const streets = own.filter((o) => o.code.length <= 9);
    Promise.all(streets.map((s) => api.get<{ items: { code: string; name: string }[] }>('/api/grids', { parent: s.code, pageSize: 500 })))
      .then((pages) => live && setChildren(pages.flatMap((p) => p.items).filter((g) => g.code.length === 9 || g.code.length === 12)))
      .catch(() => live && setChildren([]));
    return () => {
      live = false;
    };
  }, [own]);
  return useMemo(() => {
    const all = [...own, ...children];
    return all.filter((a, i) => all.findIndex((b) => b.code === a.code) === i).sort((a, b) => a.code.localeCompare(b.code));
  }, [own, children]);
}

function MeetingList() {
  const mt = useMeetingText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const nodes = useNodes();
  const [meetings, setMeetings] = useState<Meeting[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ gridCode: string; title: string; heldAt: string; location?: string; attendees?: string }>();

  useEffect(() => {
    meetingApi.list().then((r) => setMeetings(r.items)).catch((err: unknown) => setError(errorMessage(err)));
  }, []);

  const create = async () => {
    const v = await form.validateFields();
    try {
      const attendees = (v.attendees ?? '').split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
        const [name, ...unit] = l.split(/\s+/);
        return unit.length ? { name: name!, unit: unit.join(' ') } : { name: name! };
      });
      const created = await meetingApi.create({ gridCode: v.gridCode, title: v.title, heldAt: beijingWallClockToIso(v.heldAt), ...(v.location ? { location: v.location } : {}), attendees });
      setCreating(false);
      navigate(`/meetings/${created.id}`);
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  return (
    <>
      <Typography.Title level={3}>{mt('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{mt('intro')}</Typography.Paragraph>
      {can('meetings.manage') && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setCreating(true)} data-testid="meeting-new">{mt('new')}</Button>
      )}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Table<Meeting>
        rowKey="id"
        loading={meetings === null && !error}
        dataSource={meetings ?? []}
        pagination={false}
        locale={{ emptyText: mt('empty') }}
        data-testid="meetings-table"
        columns={[
          { title: mt('col.title'), render: (_, m) => <Link to={`/meetings/${m.id}`} data-testid={`meeting-${m.id}`}>{m.title}</Link> },
          { title: mt('col.level'), render: (_, m) => <Tag color={LEVEL_COLOR[m.level]}>{mt(`level.${m.level}`)}</Tag> },
          { title: mt('col.node'), render: (_, m) => <span title={m.grid.code}>{m.grid.name}</span> },
          { title: mt('col.heldAt'), render: (_, m) => formatDateTime(m.heldAt) },
          { title: mt('col.items'), dataIndex: 'itemCount' },
          { title: mt('col.status'), render: (_, m) => <Tag color={m.status === 'planned' ? 'processing' : 'default'}>{mt(`status.${m.status}`)}</Tag> },
        ]}
      />
      <Modal open={creating} title={mt('new')} onCancel={() => setCreating(false)} onOk={() => void create()} okButtonProps={{ 'data-testid': 'meeting-create' }} destroyOnHidden>
        <Form form={form} layout="vertical">
          <Form.Item name="gridCode" label={mt('field.node')} rules={[{ required: true }]}>
            <Select showSearch={{ optionFilterProp: 'label' }} data-testid="meeting-node" options={nodes.map((n) => ({ value: n.code, label: n.name }))} />
          </Form.Item>
          <Form.Item name="title" label={mt('field.title')} rules={[{ required: true }]}><Input data-testid="meeting-title" /></Form.Item>
          <Form.Item name="heldAt" label={mt('field.heldAt')} rules={[{ required: true }]}><Input type="datetime-local" data-testid="meeting-held-at" /></Form.Item>
          <Form.Item name="location" label={mt('field.location')}><Input /></Form.Item>
          <Form.Item name="attendees" label={mt('field.attendees')}><Input.TextArea rows={3} data-testid="meeting-attendees" /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}

function MeetingView() {
  const mt = useMeetingText();
  const lt = useLivelihoodText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const id = Number(useParams().id);
  const [meeting, setMeeting] = useState<MeetingDetail | null>(null);
  const [candidates, setCandidates] = useState<Candidate[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [free, setFree] = useState('');
  const [deciding, setDeciding] = useState<MeetingItem | null>(null);
  const [minutes, setMinutes] = useState<string | null>(null);
  const manage = can('meetings.manage') && meeting?.status === 'planned';

  const load = useCallback(async () => {
    try {
      const m = await meetingApi.get(id);
      setMeeting(m);
      setCandidates(m.status === 'planned' ? (await meetingApi.candidates(id)).items : []);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  if (error) return <Alert type="error" showIcon title={error} />;
  if (!meeting) return null;
  return (
    <>
      <Link to="/meetings">{mt('back')}</Link>
      <Typography.Title level={3} data-testid="meeting-title-view">
        {meeting.title} <Tag color={LEVEL_COLOR[meeting.level]}>{mt(`level.${meeting.level}`)}</Tag>
        <Tag data-testid="meeting-status">{mt(`status.${meeting.status}`)}</Tag>
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {meeting.grid.name} · {formatDateTime(meeting.heldAt)}{meeting.location ? ` · ${meeting.location}` : ''}
        {meeting.attendees.length > 0 && ` · ${meeting.attendees.map((a) => (a.unit ? `${a.name}（${a.unit}）` : a.name)).join('、')}`}
      </Typography.Paragraph>

      <Card title={mt('agenda')} size="small" style={{ marginBottom: 16 }} extra={manage && (
        <Popconfirm title={mt('close.confirm')} onConfirm={() => void run(() => meetingApi.close(id, { version: meeting.version }))} okButtonProps={{ 'data-testid': 'meeting-close-ok' }}>
          <Button danger data-testid="meeting-close">{mt('close')}</Button>
        </Popconfirm>
      )}>
        <List
          dataSource={meeting.items}
          locale={{ emptyText: <Empty description={mt('candidates.empty')} /> }}
          data-testid="meeting-items"
          renderItem={(item) => (
            <List.Item data-testid={`meeting-item-${item.id}`} actions={manage ? [<Button key="d" onClick={() => setDeciding(item)} data-testid={`meeting-decide-${item.id}`}>{mt('decide')}</Button>] : []}>
              <List.Item.Meta
                title={<Space wrap>
                  <Tag>{mt(`source.${item.source}`)}</Tag>
                  {item.incident && <Link to={`/incidents/${item.incident.id}`}>{item.incident.code}</Link>}
                  <span>{item.title}</span>
                  <Tag color={item.outcome === 'decided' ? 'success' : item.outcome === 'unresolved' ? 'warning' : 'default'}>{mt(`outcome.${item.outcome}`)}</Tag>
                  {item.risenFrom?.reason && <Tag color="orange">{mt(item.risenFrom.reason === 'task_overdue' ? 'risen.task_overdue' : 'risen.unresolved')}</Tag>}
                </Space>}
                description={item.decisions.map((d) => (
                  <div key={d.id} data-testid={`decision-${d.id}`}>
                    <Tag color="blue">{mt(`decision.${d.kind}`)}</Tag>
                    {d.content}{d.kind === 'task' ? ` · ${d.owner}` : ''} · {mt('decision.deadline')} {formatDateTime(d.deadline)}{' '}
                    <Tag color={d.status === 'done' ? 'success' : d.overdue ? 'error' : 'processing'}>{d.overdue ? mt('decision.overdue') : mt(`decision.status.${d.status}`)}</Tag>
                    {d.incident && <Link to={`/incidents/${d.incident.id}`} data-testid={`decision-incident-${d.id}`}>{mt('decision.incidentLink', { code: d.incident.code })}</Link>}
                    {d.need && (
                      <Space size={4} data-testid={`decision-need-${d.id}`}>
                        <Link to={`/livelihood?need=${d.need.id}`}>{mt('decision.needLink', { id: d.need.id })}</Link>
                        <Tag>{lt(`status.${d.need.status}`)}</Tag>
                        {d.need.status === 'rejected' && d.need.reason && <Typography.Text type="secondary">{mt('decision.needRejected', { reason: d.need.reason })}</Typography.Text>}
                      </Space>
                    )}
                    {d.kind === 'task' && d.status === 'open' && can('meetings.manage') && (
                      <Button size="small" type="link" onClick={() => void run(() => meetingApi.done(d.id))}>{mt('decision.markDone')}</Button>
                    )}
                  </div>
                ))}
              />
            </List.Item>
          )}
        />
        {manage && (
          <Space.Compact style={{ width: '100%', marginTop: 8 }}>
            <Input value={free} onChange={(e) => setFree(e.target.value)} placeholder={mt('free.placeholder')} data-testid="meeting-free-title" />
            <Button disabled={!free.trim()} onClick={() => void run(async () => {
              await meetingApi.addItem(id, { source: 'free', title: free.trim() });
              setFree('');
            })} data-testid="meeting-add-free">{mt('addFree')}</Button>
          </Space.Compact>
        )}
      </Card>

      <Card title={mt('field.minutes')} size="small" style={{ marginBottom: 16 }}>
        {manage ? (
          <>
            <Input.TextArea rows={4} value={minutes ?? meeting.minutes ?? ''} onChange={(e) => setMinutes(e.target.value)} data-testid="meeting-minutes" />
            <Button style={{ marginTop: 8 }} disabled={minutes === null} onClick={() => void run(async () => {
              await meetingApi.update(id, { version: meeting.version, minutes: minutes || null });
              setMinutes(null);
              message.success(mt('saved'));
            })} data-testid="meeting-minutes-save">{mt('save')}</Button>
          </>
        ) : <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{meeting.minutes ?? ''}</Typography.Paragraph>}
      </Card>

      {manage && (
        <Card title={mt('candidates')} size="small">
          <Table<Candidate>
            rowKey={(c) => `${c.source}-${c.incidentId ?? c.title}`}
            dataSource={candidates}
            pagination={false}
            size="small"
            locale={{ emptyText: mt('candidates.empty') }}
            data-testid="meeting-candidates"
            columns={[
              { title: mt('reasons'), render: (_, c) => c.reasons.map((r) => <Tag key={r} color="red">{mt(`source.${r as 'escalated'}`)}</Tag>) },
              { title: mt('col.case'), render: (_, c) => <>{c.code && <Link to={`/incidents/${c.incidentId}`}>{c.code}</Link>} {c.title}</> },
              {
                title: '', render: (_, c) => (
                  <Button size="small" onClick={() => void run(() => meetingApi.addItem(id, { source: c.source as 'escalated', ...(c.incidentId ? { incidentId: c.incidentId } : { title: c.title }) }))}
                    data-testid={`candidate-add-${c.incidentId ?? c.title}`}>{mt('add')}</Button>
                ),
              },
            ]}
          />
        </Card>
      )}
      {deciding && (
        <DecisionModal item={deciding} onClose={() => setDeciding(null)} onSubmit={(body) => run(async () => {
          await meetingApi.decide(id, deciding.id, body);
          setDeciding(null);
          message.success(mt('saved'));
        })} />
      )}
    </>
  );
}

function DecisionModal({ item, onClose, onSubmit }: { item: MeetingItem; onClose: () => void; onSubmit: (body: DecisionBody) => Promise<void> }) {
  const mt = useMeetingText();
  const { pick } = useI18n();
  const [form] = Form.useForm<{ kind: DecisionBody['kind']; content: string; owner?: string; deadline: string; categoryCode?: string; departmentCode?: string; gridCode?: string; title?: string }>();
  const kind = Form.useWatch('kind', form) ?? 'task';
  const [categories, setCategories] = useState<Category[]>([]);
  const [departments, setDepartments] = useState<{ code: string; name: string; nameEn: string; status: string }[]>([]);
  useEffect(() => {
    incidentApi.categories().then((r) => setCategories(r.categories.filter((c) => c.status === 'active'))).catch(() => setCategories([]));
    api.get<{ items: { code: string; name: string; nameEn: string; status: string }[] }>('/api/departments').then((r) => setDepartments(r.items.filter((d) => d.status === 'active'))).catch(() => setDepartments([]));
  }, []);
  const submit = async () => {
    const v = await form.validateFields();
    const deadline = beijingWallClockToIso(v.deadline);
    const grid = v.gridCode ? { gridCode: v.gridCode } : {};
    await onSubmit(v.kind === 'task'
      ? { kind: 'task', content: v.content, owner: v.owner!, deadline }
      : v.kind === 'need'
        ? { kind: 'need', content: v.content, deadline, ...grid, ...(v.title?.trim() ? { title: v.title.trim() } : {}) }
        : { kind: 'incident', content: v.content, deadline, categoryCode: v.categoryCode!, departmentCode: v.departmentCode!, ...grid });
  };
  return (
    <Modal open title={`${mt('decide')}：${item.title}`} onCancel={onClose} onOk={() => void submit()} okButtonProps={{ 'data-testid': 'decision-submit' }}>
      <Form form={form} layout="vertical" initialValues={{ kind: 'task' }}>
        <Form.Item name="kind" label={mt('decision.kind')}>
          <Radio.Group data-testid="decision-kind" options={(['task', 'incident', 'need'] as const).map((k) => ({ value: k, label: mt(`decision.${k}`) }))} />
        </Form.Item>
        <Form.Item name="content" label={mt('decision.content')} rules={[{ required: true }]}><Input.TextArea rows={2} data-testid="decision-content" /></Form.Item>
        {kind === 'task' && <Form.Item name="owner" label={mt('decision.owner')} rules={[{ required: true }]}><Input data-testid="decision-owner" /></Form.Item>}
        {kind === 'incident' && (
          <>
            <Form.Item name="categoryCode" label={mt('decision.category')} rules={[{ required: true }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} data-testid="decision-category" options={categories.map((c) => ({ value: c.code, label: `${pick(c.nameZh, c.nameEn)}（${c.code}）` }))} />
            </Form.Item>
            <Form.Item name="departmentCode" label={mt('decision.department')} rules={[{ required: true }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} data-testid="decision-department" options={departments.map((d) => ({ value: d.code, label: `${pick(d.name, d.nameEn)}（${d.code}）` }))} />
            </Form.Item>
            {!item.incident && <Form.Item name="gridCode" label={mt('decision.grid')} rules={[{ required: true, pattern: /^\d{15}$/ }]}><Input data-testid="decision-grid" /></Form.Item>}
          </>
        )}
        {kind === 'need' && (
          <>
            <Form.Item name="title" label={mt('decision.needTitle')} rules={[{ max: 200 }]}><Input placeholder={item.title.slice(0, 200)} data-testid="decision-need-title" /></Form.Item>
            <Form.Item name="gridCode" label={mt('decision.needGrid')} rules={[{ required: !item.incident, pattern: /^\d{12}(\d{3})?$/ }]}><Input data-testid="decision-need-grid" /></Form.Item>
          </>
        )}
        <Form.Item name="deadline" label={mt('decision.deadline')} rules={[{ required: true }]}><Input type="datetime-local" data-testid="decision-deadline" /></Form.Item>
      </Form>
    </Modal>
  );
}
