import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Drawer, Form, Input, Modal, Popconfirm, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { workforceApi, type GridNode, type Member, type TeamDetail, type TeamRole, type TeamSummary } from './api.js';
import { AreaPicker } from './common.js';
import { useWorkforceText } from './messages.js';

/** 网格队伍: the teams in scope with their "1+4" shape; a team's members in a drawer. */
export default function TeamsPanel() {
  const wt = useWorkforceText();
  const { can } = useAuth();
  const [grid, setGrid] = useState<string | undefined>();
  const [items, setItems] = useState<TeamSummary[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);

  const load = useCallback(() => {
    setLoading(true);
    workforceApi.teams({ grid })
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => setLoading(false));
  }, [grid]);
  useEffect(load, [load]);

  return (
    <div data-testid="workforce-teams">
      <Space wrap style={{ marginBottom: 12 }}>
        <AreaPicker value={grid} onChange={setGrid} />
        {can('workforce.manage') && (
          <Button icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="team-create">
            {wt('teams.create')}
          </Button>
        )}
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Table<TeamSummary>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={items}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' }, 'data-testid': `team-row-${r.id}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: wt('teams.street'), dataIndex: 'streetName' },
          { title: wt('teams.community'), dataIndex: 'communityName' },
          { title: wt('teams.name'), dataIndex: 'name' },
          { title: wt('teams.fullTimeNames'), render: (_, r) => r.fullTimeNames.join('、') },
          {
            title: wt('teams.shape'),
            render: (_, r) => (
              <Space>
                <span>{r.fullTime}+{r.partTime}</span>
                <Tag color={r.complete ? 'green' : 'orange'}>{wt(r.complete ? 'teams.complete' : 'teams.incomplete')}</Tag>
              </Space>
            ),
          },
        ]}
      />
      {open !== null && <TeamDrawer id={open} onClose={() => setOpen(null)} onChanged={load} />}
      {creating && <CreateTeamModal onClose={() => setCreating(false)} onCreated={(id) => { setCreating(false); load(); setOpen(id); }} />}
    </div>
  );
}

function CreateTeamModal({ onClose, onCreated }: { onClose: () => void; onCreated: (id: number) => void }) {
  const wt = useWorkforceText();
  const { message } = App.useApp();
  const [community, setCommunity] = useState<string | undefined>();
  const [name, setName] = useState('');
  return (
    <Modal
      open
      title={wt('teams.createFor')}
      onCancel={onClose}
      okButtonProps={{ disabled: !community || community.length !== 12, 'data-testid': 'team-create-ok' } as never}
      onOk={async () => {
        try {
          const team = await workforceApi.createTeam(community!, name.trim() || undefined);
          onCreated(team.id);
        } catch (err) {
          void message.error(errorMessage(err));
        }
      }}
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <AreaPicker value={community} onChange={setCommunity} testId="team-create-community" />
        <Input placeholder={wt('teams.name')} value={name} onChange={(e) => setName(e.target.value)} />
      </Space>
    </Modal>
  );
}

function TeamDrawer({ id, onClose, onChanged }: { id: number; onClose: () => void; onChanged: () => void }) {
  const wt = useWorkforceText();
  const { pick } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [team, setTeam] = useState<TeamDetail | null>(null);
  const [units, setUnits] = useState<GridNode[]>([]);
  const [roles, setRoles] = useState<TeamRole[]>([]);
  const [editing, setEditing] = useState<Member | 'new' | null>(null);
  const manage = can('workforce.manage');

  useEffect(() => {
    void workforceApi.team(id).then((t) => {
      setTeam(t);
      void workforceApi.grids('unit', t.communityCode).then((r) => setUnits(r.items));
    }).catch((err: unknown) => void message.error(errorMessage(err)));
    void workforceApi.roles().then((r) => setRoles(r.items));
  }, [id, message]);

  const changed = (t: TeamDetail) => {
    setTeam(t);
    onChanged();
  };

  return (
    <Drawer open width={820} onClose={onClose} title={team ? `${team.name}（${team.communityName}）` : wt('loading')} data-testid="team-drawer">
      {team && (
        <>
          <Typography.Paragraph data-testid="team-shape">
            {wt('teams.shapeValue', { full: team.fullTime, part: team.partTime, targetFull: team.target.fullTime, targetPart: team.target.partTime })}
          </Typography.Paragraph>
          {manage && (
            <Button icon={<PlusOutlined />} style={{ marginBottom: 12 }} onClick={() => setEditing('new')} data-testid="member-add">
              {wt('member.add')}
            </Button>
          )}
          <Table<Member>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={team.members}
            data-testid="member-table"
            columns={[
              { title: wt('member.name'), dataIndex: 'name' },
              { title: wt('member.role'), render: (_, m) => { const r = roles.find((x) => x.code === m.roleCode); return r ? pick(r.name, r.nameEn) : m.roleName; } },
              { title: wt('member.account'), render: (_, m) => (m.username ? m.username : <Typography.Text type="secondary">{wt('member.noAccount')}</Typography.Text>) },
              { title: wt('member.grids'), render: (_, m) => m.grids.map((g) => g.name).join('、') },
              { title: wt('member.from'), dataIndex: 'fromDate' },
              ...(manage
                ? [{
                    title: '',
                    render: (_: unknown, m: Member) => (
                      <Space>
                        <Button size="small" onClick={() => setEditing(m)}>{wt('member.edit')}</Button>
                        <Popconfirm title={wt('member.removeConfirm')} onConfirm={async () => {
                          try {
                            changed(await workforceApi.removeMember(team.id, m.id));
                          } catch (err) {
                            void message.error(errorMessage(err));
                          }
                        }}>
                          <Button size="small" danger>{wt('member.remove')}</Button>
                        </Popconfirm>
                      </Space>
                    ),
                  }]
                : []),
            ]}
          />
          {editing && (
            <MemberModal team={team} member={editing === 'new' ? null : editing} units={units} roles={roles.filter((r) => r.status === 'active')}
              onClose={() => setEditing(null)} onSaved={(t) => { setEditing(null); changed(t); }} />
          )}
        </>
      )}
    </Drawer>
  );
}

interface MemberForm {
  withAccount: boolean;
  userId?: number;
  name?: string;
  roleCode: string;
  gridCodes: string[];
}

function MemberModal({ team, member, units, roles, onClose, onSaved }: {
  team: TeamDetail; member: Member | null; units: GridNode[]; roles: TeamRole[]; onClose: () => void; onSaved: (t: TeamDetail) => void;
}) {
  const wt = useWorkforceText();
  const { pick } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<MemberForm>();
  const [candidates, setCandidates] = useState<{ value: number; label: string }[]>([]);
  const withAccount = Form.useWatch('withAccount', form);
  const search = (q: string) => {
    void workforceApi.candidates(team.id, q).then((r) => setCandidates(r.items.map((c) => ({ value: c.userId, label: `${c.displayName}（${c.username}）` }))));
  };
  // Candidates load once, when the modal opens for a new member.
  const [first] = useState(() => member === null);
  useEffect(() => {
    if (first) search('');
  }, [first]);
  return (
    <Modal
      open
      title={member ? wt('member.edit') : wt('member.add')}
      onCancel={onClose}
      okButtonProps={{ 'data-testid': 'member-save' } as never}
      onOk={() => form.submit()}
    >
      <Form<MemberForm>
        form={form}
        layout="vertical"
        initialValues={member ? { withAccount: member.userId !== null, name: member.name, roleCode: member.roleCode, gridCodes: member.grids.map((g) => g.code) } : { withAccount: false, gridCodes: [] }}
        onFinish={async (v) => {
          try {
            const saved = member
              ? await workforceApi.updateMember(team.id, member.id, { version: member.version, roleCode: v.roleCode, gridCodes: v.gridCodes, ...(member.userId === null ? { name: v.name } : {}) })
              : await workforceApi.addMember(team.id, { ...(v.withAccount ? { userId: v.userId } : { name: v.name }), roleCode: v.roleCode, gridCodes: v.gridCodes });
            onSaved(saved);
          } catch (err) {
            void message.error(errorMessage(err));
          }
        }}
      >
        {!member && (
          <Form.Item name="withAccount">
            <Radio.Group data-testid="member-kind">
              <Radio value={false}>{wt('member.noAccount')}</Radio>
              <Radio value>{wt('member.withAccount')}</Radio>
            </Radio.Group>
          </Form.Item>
        )}
        {!member && withAccount ? (
          <Form.Item name="userId" label={wt('member.account')} rules={[{ required: true, message: wt('member.accountRequired') }]}>
            <Select showSearch={{ filterOption: false, onSearch: search }} placeholder={wt('member.searchAccount')} options={candidates} data-testid="member-account" />
          </Form.Item>
        ) : (
          (member === null || member.userId === null) && (
            <Form.Item name="name" label={wt('member.name')} rules={[{ required: true, message: wt('member.nameRequired') }]}>
              <Input data-testid="member-name" />
            </Form.Item>
          )
        )}
        <Form.Item name="roleCode" label={wt('member.role')} rules={[{ required: true, message: wt('member.roleRequired') }]}>
          <Select data-testid="member-role" options={roles.map((r) => ({ value: r.code, label: pick(r.name, r.nameEn) }))} />
        </Form.Item>
        <Form.Item name="gridCodes" label={wt('member.grids')}>
          <Select mode="multiple" data-testid="member-grids" options={units.map((u) => ({ value: u.code, label: u.name }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
