import { Alert, App, Button, Card, Checkbox, Descriptions, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Segmented, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { beijingWallClockToIso, formatDateTime } from '../../shell/time.js';
import { ACTIVITY_KINDS, ORG_KINDS, partyApi, type ActivityKind, type AreaCounts, type Member, type MemberDetail, type MemberKind, type OrgKind, type Organization, type OrganizationDetail } from './api.js';
import { usePartyText } from './messages.js';

const PAGE_SIZE = 20;

type DrawerForm = 'member' | 'activity' | 'household' | 'edit' | 'dissolve' | 'memberEdit' | 'transfer' | 'remove';

/** Today in Shanghai (YYYY-MM-DD), the default date of a transfer or removal. */
const shanghaiToday = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

/** The organisations a member may move to (the caller's, by name), loaded when a transfer or dissolve dialog opens. */
function OrganizationPicker({ exclude, onChange, testId }: { exclude: number; onChange: (id: number) => void; testId: string }) {
  const [options, setOptions] = useState<{ value: number; label: string }[]>([]);
  useEffect(() => {
    partyApi.list({ page: 1, pageSize: 500 }).then((r) => setOptions(r.items.filter((o) => o.id !== exclude).map((o) => ({ value: o.id, label: `${o.name}（${o.gridName ?? o.gridCode}）` }))), () => setOptions([]));
  }, [exclude]);
  return <Select showSearch optionFilterProp="label" style={{ width: '100%' }} options={options} onChange={onChange} data-testid={testId} />;
}

/** A member's 组织关系转接 history. */
function MemberHistory({ id, onClose }: { id: number; onClose: () => void }) {
  const pt = usePartyText();
  const [detail, setDetail] = useState<MemberDetail | null>(null);
  useEffect(() => {
    partyApi.member(id).then(setDetail, () => setDetail(null));
  }, [id]);
  return (
    <Modal open footer={null} onCancel={onClose} title={`${detail?.name ?? ''} · ${pt('member.history')}`} width={640}>
      {detail?.endedOn && <Alert type="warning" style={{ marginBottom: 8 }} message={`${pt('member.remove')}：${detail.endedOn} ${detail.endReason ?? ''}`} />}
      <Table size="small" rowKey="id" pagination={false} dataSource={detail?.transfers ?? []} locale={{ emptyText: pt('member.noHistory') }} data-testid="party-member-transfers"
        columns={[
          { title: pt('field.date'), dataIndex: 'transferredOn' },
          { title: pt('col.from'), dataIndex: 'fromOrganizationName' },
          { title: pt('col.to'), dataIndex: 'toOrganizationName' },
          { title: pt('field.reason'), dataIndex: 'reason' },
        ]} />
    </Modal>
  );
}

/** One organisation: children, members (masked ID data), activities; forms to add members, 联户 and activities; edit, delete, dissolve; member edit, transfer and removal. */
function OrganizationDrawer({ id, onClose }: { id: number; onClose: () => void }) {
  const pt = usePartyText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [detail, setDetail] = useState<OrganizationDetail | null>(null);
  const [form, setForm] = useState<DrawerForm | null>(null);
  const [memberId, setMemberId] = useState<number | null>(null);
  const [history, setHistory] = useState<number | null>(null);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const load = useCallback(() => partyApi.get(id).then(setDetail, (err: unknown) => message.error(errorMessage(err))), [id, message]);
  useEffect(() => {
    void load();
  }, [load]);
  const manage = can('party.manage') && !detail?.dissolvedOn;
  const openFor = (f: DrawerForm, m?: Member, initial: Record<string, unknown> = {}) => {
    setMemberId(m?.id ?? null);
    setValues(initial);
    setForm(f);
  };
  const memberVersion = () => detail?.members.find((m) => m.id === memberId)?.version ?? 0;
  const remove = async () => {
    if (!detail) return;
    try {
      await partyApi.remove(id, detail.version);
      message.success(pt('deleted'));
      onClose();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  const submit = async () => {
    try {
      if (form === 'member') {
        await partyApi.addMember(id, { residentId: Number(values.residentId), kind: (values.kind as MemberKind | undefined) ?? 'full', post: (values.post as string | undefined) ?? null, joinedOn: String(values.joinedOn ?? '') });
      } else if (form === 'household' && memberId) {
        await partyApi.linkHousehold(memberId, Number(values.householdId));
      } else if (form === 'edit' && detail) {
        await partyApi.update(id, {
          gridCode: String(values.gridCode ?? detail.gridCode), parentId: values.parentId === undefined ? detail.parentId : (values.parentId as number | null), name: String(values.name ?? detail.name),
          kind: (values.kind as OrgKind | undefined) ?? detail.kind, secretary: values.secretary === undefined ? detail.secretary : String(values.secretary), version: detail.version,
        });
      } else if (form === 'dissolve' && detail) {
        const r = await partyApi.dissolve(id, { version: detail.version, toOrganizationId: Number(values.to), dissolvedOn: String(values.date ?? shanghaiToday()), reason: String(values.reason ?? '') });
        message.info(pt('transferred', { n: r.transferred }));
      } else if (form === 'memberEdit' && memberId) {
        const m = detail?.members.find((x) => x.id === memberId);
        await partyApi.updateMember(memberId, {
          version: memberVersion(), kind: (values.kind as MemberKind | undefined) ?? m?.kind ?? 'full', post: values.post === undefined ? m?.post ?? null : String(values.post), joinedOn: String(values.joinedOn ?? m?.joinedOn ?? ''),
        });
      } else if (form === 'transfer' && memberId) {
        await partyApi.transferMember(memberId, { version: memberVersion(), toOrganizationId: Number(values.to), transferredOn: String(values.date ?? shanghaiToday()), reason: String(values.reason ?? '') });
      } else if (form === 'remove' && memberId) {
        await partyApi.removeMember(memberId, { version: memberVersion(), endedOn: String(values.date ?? shanghaiToday()), reason: String(values.reason ?? '') });
      } else if (form === 'activity') {
        await partyApi.addActivity(id, {
          title: String(values.title ?? ''), kind: (values.kind as ActivityKind | undefined) ?? 'branch_meeting',
          heldAt: beijingWallClockToIso(`${String(values.heldAt ?? '')}:00`), place: String(values.place ?? ''), summary: String(values.summary ?? ''),
          attendeeIds: (values.attendees as number[] | undefined) ?? [],
        });
      }
      message.success(pt('saved'));
      setForm(null);
      setValues({});
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };
  const set = (key: string) => (v: unknown) => setValues((s) => ({ ...s, [key]: v }));

  return (
    <Drawer open width={860} title={detail?.name ?? ''} onClose={onClose} data-testid="party-org-drawer">
      {detail && (
        <>
          {detail.dissolvedOn && <Alert type="warning" style={{ marginBottom: 12 }} data-testid="party-org-dissolved" message={pt('dissolved', { date: detail.dissolvedOn, reason: detail.dissolveReason ?? '' })} />}
          {manage && (
            <Space style={{ marginBottom: 12 }}>
              <Button data-testid="party-org-edit" onClick={() => openFor('edit')}>{pt('edit')}</Button>
              <Button data-testid="party-org-dissolve" onClick={() => openFor('dissolve')}>{pt('dissolve')}</Button>
              <Popconfirm title={pt('delete.confirm')} onConfirm={() => void remove()}>
                <Button danger data-testid="party-org-delete">{pt('delete')}</Button>
              </Popconfirm>
            </Space>
          )}
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={pt('col.kind')}>{pt(`kind.${detail.kind}`)}</Descriptions.Item>
            <Descriptions.Item label={pt('col.grid')}>{detail.gridName ?? detail.gridCode}</Descriptions.Item>
            <Descriptions.Item label={pt('col.secretary')}>{detail.secretary ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={pt('field.parent')}>{detail.parentName ?? '—'}</Descriptions.Item>
          </Descriptions>
          {detail.children.length > 0 && (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>{pt('detail.children')}</Typography.Title>
              <Space wrap>{detail.children.map((c) => <Tag key={c.id}>{c.name}</Tag>)}</Space>
            </>
          )}
          <Space style={{ marginTop: 16, justifyContent: 'space-between', width: '100%' }}>
            <Typography.Title level={5} style={{ margin: 0 }}>{pt('detail.members')}（{detail.members.length}）</Typography.Title>
            {manage && <Button data-testid="party-add-member" onClick={() => setForm('member')}>{pt('addMember')}</Button>}
          </Space>
          <Table
            size="small" rowKey="id" pagination={{ pageSize: 10 }} dataSource={detail.members} data-testid="party-members"
            columns={[
              { title: pt('col.name'), dataIndex: 'name' },
              { title: pt('col.idNumber'), dataIndex: 'idNumber' },
              { title: pt('col.phone'), dataIndex: 'phone' },
              { title: pt('col.kind'), dataIndex: 'kind', render: (k: MemberKind) => pt(`member.${k}`) },
              { title: pt('col.post'), dataIndex: 'post' },
              { title: pt('col.joinedOn'), dataIndex: 'joinedOn' },
              {
                title: pt('col.households'), dataIndex: 'households',
                render: (n: number, m) => (
                  <Space>
                    {n}
                    {manage && <Button size="small" type="link" onClick={() => { setMemberId(m.id); setForm('household'); }}>{pt('linkHousehold')}</Button>}
                  </Space>
                ),
              },
              {
                title: pt('col.actions'), key: 'actions',
                render: (_: unknown, m) => (
                  <Space size={0} wrap>
                    {manage && <Button size="small" type="link" data-testid={`party-member-edit-${m.id}`} onClick={() => openFor('memberEdit', m)}>{pt('edit')}</Button>}
                    {manage && <Button size="small" type="link" data-testid={`party-member-transfer-${m.id}`} onClick={() => openFor('transfer', m)}>{pt('member.transfer')}</Button>}
                    {manage && <Button size="small" type="link" danger data-testid={`party-member-remove-${m.id}`} onClick={() => openFor('remove', m)}>{pt('member.remove')}</Button>}
                    <Button size="small" type="link" data-testid={`party-member-history-${m.id}`} onClick={() => setHistory(m.id)}>{pt('member.history')}</Button>
                  </Space>
                ),
              },
            ]}
          />
          {detail.formerMembers.length > 0 && (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>{pt('former')}</Typography.Title>
              <Table size="small" rowKey="id" pagination={false} dataSource={detail.formerMembers} data-testid="party-former-members"
                onRow={(m) => ({ onClick: () => setHistory(m.id), style: { cursor: 'pointer' } })}
                columns={[
                  { title: pt('col.name'), dataIndex: 'name' },
                  { title: pt('field.date'), dataIndex: 'endedOn' },
                  { title: pt('field.reason'), dataIndex: 'endReason' },
                ]} />
            </>
          )}
          <Space style={{ marginTop: 16, justifyContent: 'space-between', width: '100%' }}>
            <Typography.Title level={5} style={{ margin: 0 }}>{pt('detail.activities')}</Typography.Title>
            {manage && <Button data-testid="party-add-activity" onClick={() => setForm('activity')}>{pt('newActivity')}</Button>}
          </Space>
          <Table
            size="small" rowKey="id" pagination={false} dataSource={detail.activities}
            columns={[
              { title: pt('col.title'), dataIndex: 'title' },
              { title: pt('col.kind'), dataIndex: 'kind', render: (k: ActivityKind) => pt(`activity.${k}`) },
              { title: pt('col.heldAt'), dataIndex: 'heldAt', render: (v: string) => formatDateTime(v) },
              { title: pt('col.attendance'), key: 'att', render: (_: unknown, a) => `${a.present} / ${a.members}` },
            ]}
          />
        </>
      )}
      {history !== null && <MemberHistory id={history} onClose={() => setHistory(null)} />}
      <Modal open={form !== null} onCancel={() => setForm(null)} onOk={() => void submit()} destroyOnHidden
        title={form === 'member' ? pt('addMember') : form === 'household' ? pt('linkHousehold') : form === 'edit' ? pt('edit') : form === 'dissolve' ? pt('dissolve.title')
          : form === 'memberEdit' ? pt('member.edit') : form === 'transfer' ? pt('member.transfer') : form === 'remove' ? pt('member.remove') : pt('newActivity')}>
        <Form layout="vertical">
          {form === 'edit' && detail && (
            <>
              <Form.Item label={pt('field.name')} required><Input defaultValue={detail.name} data-testid="party-edit-name" onChange={(e) => set('name')(e.target.value)} /></Form.Item>
              <Form.Item label={pt('field.kind')}>
                <Select defaultValue={detail.kind} onChange={set('kind')} options={ORG_KINDS.map((k) => ({ value: k, label: pt(`kind.${k}`) }))} />
              </Form.Item>
              <Form.Item label={pt('field.gridCode')} required><Input defaultValue={detail.gridCode} data-testid="party-edit-grid" onChange={(e) => set('gridCode')(e.target.value.trim())} /></Form.Item>
              <Form.Item label={pt('field.parent')}><InputNumber min={1} defaultValue={detail.parentId ?? undefined} style={{ width: '100%' }} onChange={(v) => set('parentId')(v === null ? null : Number(v))} /></Form.Item>
              <Form.Item label={pt('field.secretary')}><Input defaultValue={detail.secretary ?? ''} onChange={(e) => set('secretary')(e.target.value)} /></Form.Item>
            </>
          )}
          {form === 'memberEdit' && detail && (() => {
            const m = detail.members.find((x) => x.id === memberId);
            return (
              <>
                <Form.Item label={pt('field.memberKind')}>
                  <Select defaultValue={m?.kind} onChange={set('kind')} options={(['full', 'probationary'] as const).map((k) => ({ value: k, label: pt(`member.${k}`) }))} />
                </Form.Item>
                <Form.Item label={pt('field.post')}><Input defaultValue={m?.post ?? ''} data-testid="party-member-post" onChange={(e) => set('post')(e.target.value)} /></Form.Item>
                <Form.Item label={pt('field.joinedOn')} required><Input type="date" defaultValue={m?.joinedOn} onChange={(e) => set('joinedOn')(e.target.value)} /></Form.Item>
              </>
            );
          })()}
          {(form === 'transfer' || form === 'dissolve') && (
            <Form.Item label={pt('field.toOrganization')} required><OrganizationPicker exclude={id} onChange={set('to')} testId="party-transfer-to" /></Form.Item>
          )}
          {(form === 'transfer' || form === 'dissolve' || form === 'remove') && (
            <>
              <Form.Item label={pt('field.date')} required><Input type="date" defaultValue={shanghaiToday()} data-testid="party-transfer-date" onChange={(e) => set('date')(e.target.value)} /></Form.Item>
              <Form.Item label={pt('field.reason')} required><Input data-testid="party-transfer-reason" maxLength={200} onChange={(e) => set('reason')(e.target.value)} /></Form.Item>
            </>
          )}
          {form === 'member' && (
            <>
              <Form.Item label={pt('field.residentId')} required><InputNumber data-testid="party-member-resident" min={1} style={{ width: '100%' }} onChange={set('residentId')} /></Form.Item>
              <Form.Item label={pt('field.memberKind')}>
                <Select defaultValue="full" onChange={set('kind')} options={(['full', 'probationary'] as const).map((k) => ({ value: k, label: pt(`member.${k}`) }))} />
              </Form.Item>
              <Form.Item label={pt('field.post')}><Input onChange={(e) => set('post')(e.target.value)} /></Form.Item>
              <Form.Item label={pt('field.joinedOn')} required><Input type="date" data-testid="party-member-joined" onChange={(e) => set('joinedOn')(e.target.value)} /></Form.Item>
            </>
          )}
          {form === 'household' && (
            <Form.Item label={pt('field.householdId')} required><InputNumber min={1} style={{ width: '100%' }} onChange={set('householdId')} /></Form.Item>
          )}
          {form === 'activity' && detail && (
            <>
              <Form.Item label={pt('field.title')} required><Input data-testid="party-activity-title" onChange={(e) => set('title')(e.target.value)} /></Form.Item>
              <Form.Item label={pt('field.activityKind')}>
                <Select defaultValue="branch_meeting" onChange={set('kind')} options={ACTIVITY_KINDS.map((k) => ({ value: k, label: pt(`activity.${k}`) }))} />
              </Form.Item>
              <Form.Item label={pt('field.heldAt')} required><Input type="datetime-local" data-testid="party-activity-held" onChange={(e) => set('heldAt')(e.target.value)} /></Form.Item>
              <Form.Item label={pt('field.place')}><Input onChange={(e) => set('place')(e.target.value)} /></Form.Item>
              <Form.Item label={pt('field.summary')}><Input.TextArea rows={2} onChange={(e) => set('summary')(e.target.value)} /></Form.Item>
              <Form.Item label={pt('field.attendees')}>
                <Checkbox.Group onChange={(v) => set('attendees')(v)} options={detail.members.map((m) => ({ value: m.id, label: m.name }))} />
              </Form.Item>
            </>
          )}
        </Form>
      </Modal>
    </Drawer>
  );
}

function CountsPanel() {
  const pt = usePartyText();
  const [by, setBy] = useState<'street' | 'community'>('street');
  const [counts, setCounts] = useState<AreaCounts | null>(null);
  useEffect(() => {
    partyApi.counts(by).then(setCounts, () => setCounts(null));
  }, [by]);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Segmented value={by} onChange={(v) => setBy(v as 'street' | 'community')} options={[{ value: 'street', label: pt('by.street') }, { value: 'community', label: pt('by.community') }]} />
      {counts && <Typography.Text data-testid="party-counts-total">{pt('total', counts.total)}</Typography.Text>}
      <Table
        size="small" rowKey="code" dataSource={counts?.items ?? []} pagination={{ pageSize: 20 }} data-testid="party-counts"
        columns={[
          { title: pt('col.area'), dataIndex: 'name' },
          { title: pt('col.organizations'), dataIndex: 'organizations', sorter: (a, b) => a.organizations - b.organizations },
          { title: pt('col.members'), dataIndex: 'members', sorter: (a, b) => a.members - b.members },
        ]}
      />
    </Space>
  );
}

/** 基层党建: the party organisations on the grid, their members and activities, and their distribution. */
export default function PartyPage() {
  const pt = usePartyText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [kind, setKind] = useState<OrgKind | undefined>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; items: Organization[] } | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState<{ gridCode?: string; parentId?: number | null; name?: string; kind?: OrgKind; secretary?: string }>({});

  const load = useCallback(() => partyApi.list({ kind, q: q || undefined, page, pageSize: PAGE_SIZE }).then(setData, (err: unknown) => message.error(errorMessage(err))), [kind, q, page, message]);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async () => {
    try {
      await partyApi.create({ gridCode: draft.gridCode ?? '', parentId: draft.parentId ?? null, name: draft.name ?? '', kind: draft.kind ?? 'branch', secretary: draft.secretary ?? null });
      message.success(pt('saved'));
      setCreating(false);
      setDraft({});
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  const organizations = (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={pt('filter.q')} onSearch={(v) => { setQ(v); setPage(1); }} style={{ width: 220 }} data-testid="party-search" />
        <Select allowClear placeholder={pt('filter.kind')} style={{ width: 180 }} value={kind} onChange={(v?: OrgKind) => { setKind(v); setPage(1); }}
          options={ORG_KINDS.map((k) => ({ value: k, label: pt(`kind.${k}`) }))} />
        {can('party.manage') && <Button type="primary" data-testid="party-new" onClick={() => setCreating(true)}>{pt('new')}</Button>}
      </Space>
      <Table
        rowKey="id" size="small" dataSource={data?.items ?? []} data-testid="party-organizations" data-total={data?.total ?? ''}
        pagination={{ current: page, pageSize: PAGE_SIZE, total: data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: pt('col.name'), dataIndex: 'name' },
          { title: pt('col.kind'), dataIndex: 'kind', render: (k: OrgKind) => <Tag color={k === 'committee' ? 'red' : k === 'two_new' ? 'orange' : 'volcano'}>{pt(`kind.${k}`)}</Tag> },
          { title: pt('col.grid'), dataIndex: 'gridName', render: (v: string | null, r) => v ?? r.gridCode },
          { title: pt('col.secretary'), dataIndex: 'secretary' },
          { title: pt('col.members'), dataIndex: 'members' },
        ]}
      />
    </>
  );

  return (
    <Card title={pt('title')}>
      <Tabs items={[
        { key: 'organizations', label: pt('tab.organizations'), children: organizations },
        { key: 'counts', label: pt('tab.counts'), children: <CountsPanel /> },
      ]} />
      {open !== null && <OrganizationDrawer id={open} onClose={() => { setOpen(null); void load(); }} />}
      <Modal open={creating} title={pt('new')} onCancel={() => setCreating(false)} onOk={() => void create()} destroyOnHidden>
        <Form layout="vertical">
          <Form.Item label={pt('field.gridCode')} required><Input data-testid="party-new-grid" onChange={(e) => setDraft((d) => ({ ...d, gridCode: e.target.value.trim() }))} /></Form.Item>
          <Form.Item label={pt('field.parent')}><InputNumber min={1} style={{ width: '100%' }} onChange={(v) => setDraft((d) => ({ ...d, parentId: v === null ? null : Number(v) }))} /></Form.Item>
          <Form.Item label={pt('field.name')} required><Input data-testid="party-new-name" onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))} /></Form.Item>
          <Form.Item label={pt('field.kind')}>
            <Select defaultValue="branch" onChange={(v: OrgKind) => setDraft((d) => ({ ...d, kind: v }))} options={ORG_KINDS.map((k) => ({ value: k, label: pt(`kind.${k}`) }))} />
          </Form.Item>
          <Form.Item label={pt('field.secretary')}><Input onChange={(e) => setDraft((d) => ({ ...d, secretary: e.target.value }))} /></Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
