import { Alert, App, AutoComplete, Button, Form, Input, InputNumber, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { basedataApi, type CityComponent, type ComponentInput, type ComponentStatus } from './api.js';
import { COMPONENT_STATUSES, componentMajorLabel, isKnown } from './codes.js';
import { FormActions, GridCodeInput } from './common.js';
import { changedFields, usePagedList, useSubmit } from './hooks.js';
import { useBasedataText, type BasedataText } from './messages.js';

const STATUS_COLORS: Record<(typeof COMPONENT_STATUSES)[number], string> = { ok: 'green', damaged: 'orange', missing: 'red' };

/** Department names by code, when the user may read them (incidents.read); otherwise codes are shown as they are. */
function useDepartments(): { code: string; name: string }[] {
  const { can } = useAuth();
  const { pick } = useI18n();
  const allowed = can('incidents.read');
  const [items, setItems] = useState<{ code: string; name: string }[]>([]);
  useEffect(() => {
    if (!allowed) return;
    basedataApi.departments().then((r) => setItems(r.items.map((d) => ({ code: d.code, name: pick(d.name, d.nameEn) })))).catch(() => undefined);
  }, [allowed, pick]);
  return items;
}

/** City components (部件): manholes, lamps, bins…, by grid and class code; registering one. */
export default function ComponentsPanel() {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { can } = useAuth();
  const list = usePagedList(basedataApi.components, {} as { gridCode?: string; classCode?: string });
  const departments = useDepartments();
  const departmentName = new Map(departments.map((d) => [d.code, d.name]));
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState<CityComponent | null>(null);
  const manage = can('residents.manage');
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Form layout="inline" onFinish={list.search} data-testid="component-filter">
          <Form.Item name="gridCode"><GridCodeInput placeholder={t('f.gridCode')} /></Form.Item>
          <Form.Item name="classCode" rules={[{ pattern: /^\d{0,16}$/, message: t('component.classPattern') }]}>
            <Input placeholder={t('component.class')} allowClear style={{ width: 160 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit">{tt('common.search')}</Button>
        </Form>
        {manage && <Button onClick={() => setOpen(true)} data-testid="component-register">{t('component.register')}</Button>}
      </Space>
      {list.error && <Alert type="error" message={list.error} />}
      <Table<CityComponent>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.items}
        pagination={list.pagination}
        data-testid="component-list"
        columns={[
          {
            title: t('component.class'), dataIndex: 'classCode',
            render: (v: string) => <span><Typography.Text code>{v}</Typography.Text> {componentMajorLabel(t, v)}</span>,
          },
          { title: t('component.name'), dataIndex: 'name' },
          { title: t('f.position'), render: (_: unknown, c) => `${c.lng.toFixed(6)}, ${c.lat.toFixed(6)}` },
          { title: t('component.owner'), dataIndex: 'ownerDepartment', render: (v: string | null) => (v ? departmentName.get(v) ?? v : '') },
          { title: t('component.status'), dataIndex: 'status', render: (v: string) => (isKnown(COMPONENT_STATUSES, v) ? <Tag color={STATUS_COLORS[v]}>{t(`componentStatus.${v}`)}</Tag> : v) },
          { title: t('col.grid'), dataIndex: 'gridCode' },
          ...(manage ? [{
            title: tt('common.actions'), key: 'actions',
            render: (_: unknown, c: CityComponent) => <Button type="link" size="small" onClick={() => setEditing(c)} data-testid="component-edit">{tt('common.edit')}</Button>,
          }] : []),
        ]}
      />
      <ComponentForm open={open} departments={departments} onClose={() => setOpen(false)} onSaved={() => { setOpen(false); list.reloadFirst(); }} />
      {editing && (
        <ComponentEdit key={editing.id} component={editing} departments={departments} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); list.reload(); }} />
      )}
    </Space>
  );
}

const COMPONENT_FIELDS = ['gridCode', 'classCode', 'name', 'lng', 'lat', 'ownerDepartment', 'status'] as const;
const GRID_ERRORS = { BASEDATA_UNKNOWN_GRID: 'gridCode', BASEDATA_OUT_OF_SCOPE: 'gridCode' };

type ComponentValues = ComponentInput & { status?: ComponentStatus };

/** The fields of a component, for registering and editing; `prefix` names the test ids. */
function ComponentFields({ prefix, departments, t }: { prefix: string; departments: { code: string; name: string }[]; t: BasedataText }) {
  return (
    <>
      <Form.Item name="gridCode" label={t('f.unitGrid')} rules={[{ required: true }, { pattern: /^\d{15}$/, message: t('f.unitGridPattern') }]}>
        <GridCodeInput unit testId={`${prefix}-grid`} />
      </Form.Item>
      <Form.Item name="classCode" label={t('component.class')} extra={t('component.classHint')} rules={[{ required: true }, { pattern: /^\d{4,6}$/, message: t('component.classPattern') }]}>
        <Input maxLength={6} data-testid={`${prefix}-class`} />
      </Form.Item>
      <Form.Item name="name" label={t('component.name')} rules={[{ required: true, whitespace: true }, { max: 100 }]}><Input data-testid={`${prefix}-name`} /></Form.Item>
      <Space>
        <Form.Item name="lng" label={t('f.lng')} rules={[{ required: true }]}>
          <InputNumber min={-180} max={180} step={0.000001} style={{ width: 180 }} data-testid={`${prefix}-lng`} />
        </Form.Item>
        <Form.Item name="lat" label={t('f.lat')} rules={[{ required: true }]}>
          <InputNumber min={-90} max={90} step={0.000001} style={{ width: 180 }} data-testid={`${prefix}-lat`} />
        </Form.Item>
      </Space>
      <Form.Item name="ownerDepartment" label={t('component.owner')} rules={[{ max: 32 }]}>
        <AutoComplete
          allowClear
          options={departments.map((d) => ({ value: d.code, label: `${d.code} ${d.name}` }))}
          showSearch={{ filterOption: (input, option) => String(option?.label ?? '').toLowerCase().includes(input.toLowerCase()) }}
        />
      </Form.Item>
    </>
  );
}

function ComponentForm({ open, departments, onClose, onSaved }: { open: boolean; departments: { code: string; name: string }[]; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { message } = App.useApp();
  const [form] = Form.useForm<ComponentInput>();
  const { busy, error, submit } = useSubmit<ComponentInput>(form, COMPONENT_FIELDS, GRID_ERRORS, async (v) => {
    await basedataApi.createComponent({ ...v, ownerDepartment: v.ownerDepartment?.trim() || null });
    message.success(t('component.registered'));
    form.resetFields();
    onSaved();
  });
  return (
    <Modal title={t('component.register')} open={open} onCancel={onClose} footer={null} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit} data-testid="component-form">
        <ComponentFields prefix="component" departments={departments} t={t} />
        <FormActions error={error} busy={busy} submitLabel={t('component.register')} onCancel={onClose} testId="component" />
      </Form>
    </Modal>
  );
}

/** Edits one component, its status included; mounted per edit, so the form starts from the row's values. */
function ComponentEdit({ component, departments, onClose, onSaved }: { component: CityComponent; departments: { code: string; name: string }[]; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ComponentValues>();
  // A status written by another tool stays selectable as it is.
  const statuses: string[] = [...COMPONENT_STATUSES];
  if (!statuses.includes(component.status)) statuses.push(component.status);
  const { busy, error, submit } = useSubmit<ComponentValues>(form, COMPONENT_FIELDS, GRID_ERRORS, async (v) => {
    const patch = changedFields({ ...v, ownerDepartment: v.ownerDepartment?.trim() || null }, component);
    if (Object.keys(patch).length > 0) await basedataApi.updateComponent(component.id, patch);
    message.success(tt('common.saved'));
    onSaved();
  });
  return (
    <Modal title={t('component.edit')} open onCancel={onClose} footer={null}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={component} data-testid="component-edit-form">
        <ComponentFields prefix="component-edit" departments={departments} t={t} />
        <Form.Item name="status" label={t('component.status')} rules={[{ required: true }]}>
          <Select
            options={statuses.map((value) => ({ value, label: isKnown(COMPONENT_STATUSES, value) ? t(`componentStatus.${value}`) : value }))}
            data-testid="component-edit-status"
          />
        </Form.Item>
        <FormActions error={error} busy={busy} submitLabel={tt('common.save')} onCancel={onClose} testId="component-edit" />
      </Form>
    </Modal>
  );
}
