import { Alert, App, Button, Col, Form, Input, InputNumber, Row, Select, Table, TimePicker, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { workforceApi, type Settings, type TeamRole } from './api.js';
import { useWorkforceText, type WorkforceMessageKey } from './messages.js';

type SettingsForm = Omit<Settings, 'defaultShift'> & { shift: [Dayjs, Dayjs] };
const HM = 'HH:mm';

/** 设置: the attendance and track settings, and the team roles (district administrators edit them). */
export default function SettingsPanel({ canEdit }: { canEdit: boolean }) {
  const wt = useWorkforceText();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<SettingsForm>();
  const [version, setVersion] = useState<number | null>(null);
  const [roles, setRoles] = useState<TeamRole[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void workforceApi.settings().then((r) => {
      setVersion(r.version);
      form.setFieldsValue({ ...r.settings, shift: [dayjs(`2000-01-01T${r.settings.defaultShift.start}`), dayjs(`2000-01-01T${r.settings.defaultShift.end}`)] });
    }).catch((err: unknown) => setError(errorMessage(err)));
    void workforceApi.roles().then((r) => setRoles(r.items));
  }, [form]);

  const number = (name: (string | number)[] | string, label: WorkforceMessageKey, min: number, max: number) => (
    <Col xs={24} md={12} xl={8}>
      <Form.Item name={name} label={wt(label)} rules={[{ required: true }]}>
        <InputNumber min={min} max={max} disabled={!canEdit} style={{ width: '100%' }} />
      </Form.Item>
    </Col>
  );

  return (
    <div data-testid="workforce-settings">
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Typography.Title level={5}>{wt('settings.title')}</Typography.Title>
      <Form<SettingsForm>
        form={form}
        layout="vertical"
        onFinish={async (v) => {
          const { shift, ...rest } = v;
          try {
            const saved = await workforceApi.saveSettings({ ...rest, defaultShift: { start: shift[0].format(HM), end: shift[1].format(HM) } }, version!);
            setVersion(saved.version);
            void message.success(wt('settings.saved'));
          } catch (err) {
            void message.error(errorMessage(err));
          }
        }}
      >
        <Row gutter={16}>
          {number('clockToleranceM', 'settings.clockToleranceM', 0, 5000)}
          {number('lateGraceMinutes', 'settings.lateGraceMinutes', 0, 240)}
          {number('earlyLeaveGraceMinutes', 'settings.earlyLeaveGraceMinutes', 0, 240)}
          <Col xs={24} md={12} xl={8}>
            <Form.Item name="shift" label={wt('settings.defaultShift')} rules={[{ required: true }]}>
              <TimePicker.RangePicker format={HM} disabled={!canEdit} allowClear={false} />
            </Form.Item>
          </Col>
          {number(['track', 'maxSpeedMps'], 'settings.maxSpeedMps', 1, 100)}
          {number(['track', 'maxAccuracyM'], 'settings.maxAccuracyM', 1, 10000)}
          {number(['track', 'minStepM'], 'settings.minStepM', 0, 500)}
          {number(['track', 'confirmPoints'], 'settings.confirmPoints', 1, 20)}
          {number('staleAfterHours', 'settings.staleAfterHours', 1, 48)}
          {number(['team', 'fullTime'], 'settings.teamFullTime', 0, 10)}
          {number(['team', 'partTime'], 'settings.teamPartTime', 0, 50)}
        </Row>
        {canEdit && <Button type="primary" htmlType="submit" data-testid="settings-save">{t('common.save')}</Button>}
      </Form>
      <Typography.Title level={5} style={{ marginTop: 24 }}>{wt('settings.roles')}</Typography.Title>
      <RolesTable roles={roles} canEdit={canEdit} onSaved={(r) => setRoles((old) => [...old.filter((x) => x.code !== r.code), r].sort((a, b) => a.sort - b.sort))} />
    </div>
  );
}

function RolesTable({ roles, canEdit, onSaved }: { roles: TeamRole[]; canEdit: boolean; onSaved: (r: TeamRole) => void }) {
  const wt = useWorkforceText();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [draft, setDraft] = useState<TeamRole | null>(null);
  const save = async (r: TeamRole) => {
    try {
      const { code, ...rest } = r;
      onSaved(await workforceApi.saveRole(code, rest));
      setDraft(null);
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };
  const rows = draft && !roles.some((r) => r.code === draft.code) ? [...roles, draft] : roles;
  return (
    <>
      <Table<TeamRole>
        rowKey="code"
        size="small"
        pagination={false}
        dataSource={rows}
        data-testid="team-roles"
        style={{ maxWidth: 900 }}
        columns={[
          { title: wt('settings.role.code'), render: (_, r) => (draft?.code === r.code && !roles.some((x) => x.code === r.code) ? <Input value={draft.code} onChange={(e) => setDraft({ ...draft, code: e.target.value })} /> : r.code) },
          { title: wt('settings.role.name'), render: (_, r) => (draft?.code === r.code ? <Input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} /> : r.name) },
          { title: wt('settings.role.nameEn'), render: (_, r) => (draft?.code === r.code ? <Input value={draft.nameEn} onChange={(e) => setDraft({ ...draft, nameEn: e.target.value })} /> : r.nameEn) },
          {
            title: wt('settings.role.kind'),
            render: (_, r) => (draft?.code === r.code
              ? <Select value={draft.kind} onChange={(kind) => setDraft({ ...draft, kind })} options={(['full_time', 'part_time'] as const).map((k) => ({ value: k, label: wt(`settings.role.kind.${k}`) }))} />
              : wt(`settings.role.kind.${r.kind}`)),
          },
          { title: wt('settings.role.sort'), render: (_, r) => (draft?.code === r.code ? <InputNumber value={draft.sort} onChange={(v) => setDraft({ ...draft, sort: Number(v ?? 0) })} /> : r.sort) },
          {
            title: wt('settings.role.status'),
            render: (_, r) => (draft?.code === r.code
              ? <Select value={draft.status} onChange={(status) => setDraft({ ...draft, status })} options={[{ value: 'active', label: wt('settings.role.active') }, { value: 'retired', label: wt('settings.role.retired') }]} />
              : wt(r.status === 'active' ? 'settings.role.active' : 'settings.role.retired')),
          },
          ...(canEdit
            ? [{
                title: '',
                render: (_: unknown, r: TeamRole) => (draft?.code === r.code
                  ? <Button size="small" type="primary" onClick={() => void save(draft)}>{t('common.save')}</Button>
                  : <Button size="small" onClick={() => setDraft(r)}>{t('common.edit')}</Button>),
              }]
            : []),
        ]}
      />
      {canEdit && !draft && (
        <Button style={{ marginTop: 8 }} onClick={() => setDraft({ code: 'new_role', name: '', nameEn: '', kind: 'part_time', sort: (roles[roles.length - 1]?.sort ?? 0) + 10, status: 'active' })}>
          {wt('settings.role.add')}
        </Button>
      )}
    </>
  );
}
