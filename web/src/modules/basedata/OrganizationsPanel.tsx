import { Alert, App, Button, Form, Input, Modal, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { basedataApi, type Organization, type OrganizationInput } from './api.js';
import { ORG_KINDS, orgKindLabel } from './codes.js';
import { FormActions, GridCodeInput } from './common.js';
import { changedFields, usePagedList, useSubmit } from './hooks.js';
import { useBasedataText, type BasedataText } from './messages.js';

/** Organizations (组织): enterprises, social organizations, institutions…, by grid and name; registering one. */
export default function OrganizationsPanel() {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { can } = useAuth();
  const list = usePagedList(basedataApi.organizations, {} as { gridCode?: string; q?: string });
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState<Organization | null>(null);
  const manage = can('residents.manage');
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Form layout="inline" onFinish={list.search} data-testid="org-filter">
          <Form.Item name="gridCode"><GridCodeInput placeholder={t('f.gridCode')} /></Form.Item>
          <Form.Item name="q" rules={[{ max: 64 }]}><Input placeholder={t('org.nameQuery')} allowClear data-testid="org-query" /></Form.Item>
          <Button type="primary" htmlType="submit" data-testid="org-search">{tt('common.search')}</Button>
        </Form>
        {manage && <Button onClick={() => setOpen(true)} data-testid="org-register">{t('org.register')}</Button>}
      </Space>
      {list.error && <Alert type="error" message={list.error} />}
      <Table<Organization>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.items}
        pagination={list.pagination}
        data-testid="org-list"
        columns={[
          { title: t('org.name'), dataIndex: 'name' },
          { title: t('org.creditCode'), dataIndex: 'creditCode', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
          { title: t('org.kind'), dataIndex: 'kind', render: (v: string) => orgKindLabel(t, v) },
          { title: t('col.address'), dataIndex: 'address' },
          { title: t('org.legalPerson'), dataIndex: 'legalPerson', render: (v: string | null) => v ?? '' },
          { title: t('col.grid'), dataIndex: 'gridCode' },
          ...(manage ? [{
            title: tt('common.actions'), key: 'actions',
            render: (_: unknown, o: Organization) => <Button type="link" size="small" onClick={() => setEditing(o)} data-testid="org-edit">{tt('common.edit')}</Button>,
          }] : []),
        ]}
      />
      <OrganizationForm open={open} onClose={() => setOpen(false)} onSaved={() => { setOpen(false); list.reloadFirst(); }} />
      {editing && <OrganizationEdit key={editing.id} organization={editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); list.reload(); }} />}
    </Space>
  );
}

const ORG_FIELDS = ['gridCode', 'name', 'creditCode', 'kind', 'address', 'legalPerson'] as const;
const ORG_ERRORS = { BASEDATA_UNKNOWN_GRID: 'gridCode', BASEDATA_OUT_OF_SCOPE: 'gridCode', ORGANIZATION_EXISTS: 'creditCode' };

/** The form's values as the API takes them: trimmed, an empty legal person is null. */
function organizationValues(v: OrganizationInput): OrganizationInput {
  return { ...v, creditCode: v.creditCode.trim(), address: v.address?.trim() ?? '', legalPerson: v.legalPerson?.trim() || null };
}

/** The fields of an organization, for registering and editing; `prefix` names the test ids. */
function OrganizationFields({ prefix, t }: { prefix: string; t: BasedataText }) {
  return (
    <>
      <Form.Item name="gridCode" label={t('f.unitGrid')} rules={[{ required: true }, { pattern: /^\d{15}$/, message: t('f.unitGridPattern') }]}>
        <GridCodeInput unit testId={`${prefix}-grid`} />
      </Form.Item>
      <Form.Item name="name" label={t('org.name')} rules={[{ required: true, whitespace: true }, { max: 200 }]}><Input data-testid={`${prefix}-name`} /></Form.Item>
      <Form.Item name="creditCode" label={t('org.creditCode')} extra={t('org.creditCodeHint')} rules={[{ required: true, whitespace: true }, { max: 40 }]}>
        <Input data-testid={`${prefix}-credit-code`} />
      </Form.Item>
      <Form.Item name="kind" label={t('org.kind')} rules={[{ required: true }]}>
        <Select options={ORG_KINDS.map((value) => ({ value, label: t(`orgKind.${value}`) }))} />
      </Form.Item>
      <Form.Item name="address" label={t('col.address')} rules={[{ max: 300 }]}><Input /></Form.Item>
      <Form.Item name="legalPerson" label={t('org.legalPerson')} rules={[{ max: 64 }]}><Input /></Form.Item>
    </>
  );
}

function OrganizationForm({ open, onClose, onSaved }: { open: boolean; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { message } = App.useApp();
  const [form] = Form.useForm<OrganizationInput>();
  // The credit code is checked on the server only (one rule set); its refusal lands under the field.
  const { busy, error, submit } = useSubmit<OrganizationInput>(form, ORG_FIELDS, ORG_ERRORS, async (v) => {
    await basedataApi.createOrganization(organizationValues(v));
    message.success(t('org.registered'));
    form.resetFields();
    onSaved();
  });
  return (
    <Modal title={t('org.register')} open={open} onCancel={onClose} footer={null} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit} data-testid="org-form" initialValues={{ kind: 'enterprise' }}>
        <OrganizationFields prefix="org" t={t} />
        <FormActions error={error} busy={busy} submitLabel={t('org.register')} onCancel={onClose} testId="org" />
      </Form>
    </Modal>
  );
}

/** Edits one organization; mounted per edit, so the form starts from the row's values. */
function OrganizationEdit({ organization, onClose, onSaved }: { organization: Organization; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<OrganizationInput>();
  const { busy, error, submit } = useSubmit<OrganizationInput>(form, ORG_FIELDS, ORG_ERRORS, async (v) => {
    const patch = changedFields(organizationValues(v), organization);
    if (Object.keys(patch).length > 0) await basedataApi.updateOrganization(organization.id, patch);
    message.success(tt('common.saved'));
    onSaved();
  });
  return (
    <Modal title={t('org.edit')} open onCancel={onClose} footer={null}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={organization} data-testid="org-edit-form">
        <OrganizationFields prefix="org-edit" t={t} />
        <FormActions error={error} busy={busy} submitLabel={tt('common.save')} onCancel={onClose} testId="org-edit" />
      </Form>
    </Modal>
  );
}
