import { Alert, App, Button, Form, Input, Modal, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { basedataApi, type Organization, type OrganizationInput } from './api.js';
import { ORG_KINDS, orgKindLabel } from './codes.js';
import { GridCodeInput } from './common.js';
import { showFieldError, usePagedList } from './hooks.js';
import { useBasedataText } from './messages.js';

/** Organizations (组织): enterprises, social organizations, institutions…, by grid and name; registering one. */
export default function OrganizationsPanel() {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { can } = useAuth();
  const list = usePagedList(basedataApi.organizations, {} as { gridCode?: string; q?: string });
  const [open, setOpen] = useState(false);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Form layout="inline" onFinish={list.search} data-testid="org-filter">
          <Form.Item name="gridCode"><GridCodeInput placeholder={t('f.gridCode')} /></Form.Item>
          <Form.Item name="q" rules={[{ max: 64 }]}><Input placeholder={t('org.nameQuery')} allowClear data-testid="org-query" /></Form.Item>
          <Button type="primary" htmlType="submit" data-testid="org-search">{tt('common.search')}</Button>
        </Form>
        {can('residents.manage') && <Button onClick={() => setOpen(true)} data-testid="org-register">{t('org.register')}</Button>}
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
        ]}
      />
      <OrganizationForm open={open} onClose={() => setOpen(false)} onSaved={() => { setOpen(false); list.reload(); }} />
    </Space>
  );
}

const ORG_FIELDS = ['gridCode', 'name', 'creditCode', 'kind', 'address', 'legalPerson'] as const;
const ORG_ERRORS = { BASEDATA_UNKNOWN_GRID: 'gridCode', BASEDATA_OUT_OF_SCOPE: 'gridCode', ORGANIZATION_EXISTS: 'creditCode' };

function OrganizationForm({ open, onClose, onSaved }: { open: boolean; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<OrganizationInput>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (v: OrganizationInput) => {
    setBusy(true);
    try {
      await basedataApi.createOrganization({ ...v, creditCode: v.creditCode.trim(), address: v.address?.trim() ?? '', legalPerson: v.legalPerson?.trim() || null });
      message.success(t('org.registered'));
      form.resetFields();
      setError(null);
      onSaved();
    } catch (err) {
      // The credit code is checked on the server only (one rule set); its refusal lands under the field.
      setError(showFieldError(form, err, ORG_FIELDS, ORG_ERRORS) ? null : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={t('org.register')} open={open} onCancel={onClose} footer={null} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={(v) => void save(v)} data-testid="org-form" initialValues={{ kind: 'enterprise' }}>
        <Form.Item name="gridCode" label={t('f.unitGrid')} rules={[{ required: true }, { pattern: /^\d{15}$/, message: t('f.unitGridPattern') }]}>
          <GridCodeInput unit testId="org-grid" />
        </Form.Item>
        <Form.Item name="name" label={t('org.name')} rules={[{ required: true, whitespace: true }, { max: 200 }]}><Input data-testid="org-name" /></Form.Item>
        <Form.Item name="creditCode" label={t('org.creditCode')} extra={t('org.creditCodeHint')} rules={[{ required: true, whitespace: true }, { max: 40 }]}>
          <Input data-testid="org-credit-code" />
        </Form.Item>
        <Form.Item name="kind" label={t('org.kind')} rules={[{ required: true }]}>
          <Select options={ORG_KINDS.map((value) => ({ value, label: t(`orgKind.${value}`) }))} />
        </Form.Item>
        <Form.Item name="address" label={t('col.address')} rules={[{ max: 300 }]}><Input /></Form.Item>
        <Form.Item name="legalPerson" label={t('org.legalPerson')} rules={[{ max: 64 }]}><Input /></Form.Item>
        {error && <Alert type="error" message={error} style={{ marginBottom: 12 }} data-testid="org-error" />}
        <Space>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="org-submit">{t('org.register')}</Button>
          <Button onClick={onClose}>{tt('common.cancel')}</Button>
        </Space>
      </Form>
    </Modal>
  );
}
