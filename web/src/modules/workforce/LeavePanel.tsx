import { Alert, App, Button, DatePicker, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { LEAVE_KINDS, LEAVE_STATUSES, workforceApi, type Leave, type LeaveKind, type LeaveStatus, type TeamDetail, type TeamSummary } from './api.js';
import { AreaPicker } from './common.js';
import { useWorkforceText } from './messages.js';

export const LEAVE_COLOR: Record<LeaveStatus, string> = { pending: 'gold', approved: 'green', refused: 'red', cancelled: 'default' };

export function LeaveTag({ status }: { status: LeaveStatus }) {
  const wt = useWorkforceText();
  return <Tag color={LEAVE_COLOR[status]}>{wt(`leave.status.${status}`)}</Tag>;
}

/** 请假: requests in scope, decided here by whoever manages the team; a supervisor may record leave for a member. */
export default function LeavePanel() {
  const wt = useWorkforceText();
  const { can, me } = useAuth();
  const { message, modal } = App.useApp();
  const manage = can('workforce.manage');
  const [status, setStatus] = useState<LeaveStatus | undefined>('pending');
  const [grid, setGrid] = useState<string | undefined>();
  const [items, setItems] = useState<Leave[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [filing, setFiling] = useState(false);

  const load = useCallback(() => {
    setLoading(true);
    workforceApi.leave({ status, grid })
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => setLoading(false));
  }, [status, grid]);
  useEffect(load, [load]);

  const decide = (l: Leave, decision: 'approve' | 'refuse') => {
    let note = '';
    modal.confirm({
      title: `${wt(decision === 'approve' ? 'leave.approve' : 'leave.refuse')}：${l.userName} ${l.fromDate} – ${l.toDate}`,
      content: <Input.TextArea placeholder={wt('leave.note')} onChange={(e) => (note = e.target.value)} data-testid="leave-note" />,
      okButtonProps: { 'data-testid': 'leave-decide-ok' } as never,
      onOk: async () => {
        try {
          await workforceApi.decideLeave(l.id, decision, l.version, note.trim() || undefined);
          load();
        } catch (err) {
          void message.error(errorMessage(err));
        }
      },
    });
  };

  return (
    <div data-testid="workforce-leave">
      <Space wrap style={{ marginBottom: 12 }}>
        <Select
          allowClear
          style={{ minWidth: 140 }}
          placeholder={wt('leave.status')}
          value={status}
          onChange={setStatus}
          options={LEAVE_STATUSES.map((s) => ({ value: s, label: wt(`leave.status.${s}`) }))}
          data-testid="leave-status-filter"
        />
        <AreaPicker value={grid} onChange={setGrid} testId="leave-area" />
        {manage && <Button onClick={() => setFiling(true)} data-testid="leave-file">{wt('leave.file')}</Button>}
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Table<Leave>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={items}
        data-testid="leave-table"
        pagination={{ pageSize: 30, showSizeChanger: false }}
        scroll={{ x: 1100 }}
        columns={[
          { title: wt('leave.worker'), dataIndex: 'userName' },
          { title: wt('leave.team'), render: (_, l) => `${l.teamName}` },
          { title: wt('leave.kind'), render: (_, l) => wt(`leave.kind.${l.kind}`) },
          { title: wt('leave.dates'), render: (_, l) => (l.fromDate === l.toDate ? l.fromDate : `${l.fromDate} – ${l.toDate}`) },
          { title: wt('leave.days'), dataIndex: 'days' },
          { title: wt('leave.reason'), dataIndex: 'reason' },
          { title: wt('leave.status'), render: (_, l) => <LeaveTag status={l.status} /> },
          { title: wt('leave.requestedAt'), render: (_, l) => formatDateTime(l.requestedAt) },
          { title: wt('leave.decision'), render: (_, l) => (l.decidedBy ? `${l.decidedBy}${l.decisionNote ? `：${l.decisionNote}` : ''}` : '') },
          ...(manage
            ? [{
                title: '',
                render: (_: unknown, l: Leave) =>
                  l.status === 'pending' && l.userId !== me?.id ? (
                    <Space>
                      <Button size="small" type="primary" onClick={() => decide(l, 'approve')} data-testid={`leave-approve-${l.id}`}>{wt('leave.approve')}</Button>
                      <Button size="small" danger onClick={() => decide(l, 'refuse')} data-testid={`leave-refuse-${l.id}`}>{wt('leave.refuse')}</Button>
                    </Space>
                  ) : null,
              }]
            : []),
        ]}
      />
      {filing && <FileLeaveModal onClose={() => setFiling(false)} onFiled={() => { setFiling(false); load(); }} />}
    </div>
  );
}

interface LeaveForm {
  teamId?: number;
  userId?: number;
  kind: LeaveKind;
  range: [Dayjs, Dayjs];
  reason: string;
}

/** A leave request: the caller's own, or (with teams) for a member of a team the caller manages. */
export function LeaveModal({ title, teams, onClose, onSubmit }: {
  title: string; teams: TeamSummary[] | null; onClose: () => void; onSubmit: (v: { teamId?: number; userId?: number; kind: LeaveKind; fromDate: string; toDate: string; reason: string }) => Promise<void>;
}) {
  const wt = useWorkforceText();
  const { message } = App.useApp();
  const [form] = Form.useForm<LeaveForm>();
  const teamId = Form.useWatch('teamId', form);
  const [team, setTeam] = useState<TeamDetail | null>(null);
  useEffect(() => {
    if (teamId) void workforceApi.team(teamId).then(setTeam);
  }, [teamId]);
  return (
    <Modal open title={title} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ 'data-testid': 'leave-submit' } as never}>
      <Form<LeaveForm>
        form={form}
        layout="vertical"
        initialValues={{ kind: 'personal' }}
        onFinish={async (v) => {
          try {
            await onSubmit({ teamId: v.teamId, userId: v.userId, kind: v.kind, fromDate: v.range[0].format('YYYY-MM-DD'), toDate: v.range[1].format('YYYY-MM-DD'), reason: v.reason });
          } catch (err) {
            void message.error(errorMessage(err));
          }
        }}
      >
        {teams && (
          <>
            <Form.Item name="teamId" label={wt('leave.team')} rules={[{ required: true }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} options={teams.map((t) => ({ value: t.id, label: t.name }))} />
            </Form.Item>
            <Form.Item name="userId" label={wt('leave.member')} rules={[{ required: true }]}>
              <Select options={(team?.members ?? []).filter((m) => m.userId !== null).map((m) => ({ value: m.userId!, label: m.name }))} />
            </Form.Item>
          </>
        )}
        <Form.Item name="kind" label={wt('leave.kind')} rules={[{ required: true }]}>
          <Select options={LEAVE_KINDS.map((k) => ({ value: k, label: wt(`leave.kind.${k}`) }))} data-testid="leave-kind" />
        </Form.Item>
        <Form.Item name="range" label={wt('leave.dates')} rules={[{ required: true }]}>
          <DatePicker.RangePicker data-testid="leave-range" />
        </Form.Item>
        <Form.Item name="reason" label={wt('leave.reason')} rules={[{ required: true }]}>
          <Input.TextArea maxLength={500} data-testid="leave-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function FileLeaveModal({ onClose, onFiled }: { onClose: () => void; onFiled: () => void }) {
  const wt = useWorkforceText();
  const [teams, setTeams] = useState<TeamSummary[]>([]);
  useEffect(() => {
    void workforceApi.teams({}).then((r) => setTeams(r.items));
  }, []);
  return (
    <LeaveModal
      title={wt('leave.file')}
      teams={teams}
      onClose={onClose}
      onSubmit={async (v) => {
        await workforceApi.fileLeave(v.teamId!, { id: crypto.randomUUID(), userId: v.userId!, kind: v.kind, fromDate: v.fromDate, toDate: v.toDate, reason: v.reason });
        onFiled();
      }}
    />
  );
}
