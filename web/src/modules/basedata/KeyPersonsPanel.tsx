import { Alert, App, Button, Descriptions, Form, Input, Modal, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { basedataApi, type KeyPerson, type KeyPersonInput, type KeyPersonLevel } from './api.js';
import { KEY_PERSON_CATEGORIES, KEY_PERSON_LEVELS, keyPersonCategoryLabel } from './codes.js';
import { BASE, FormActions, GridCodeInput } from './common.js';
import { usePagedList } from './hooks.js';
import { useBasedataText } from './messages.js';

/** Who may see and keep key persons: a permission of its own, apart from residents.read. */
export const KEYPERSONS = 'keypersons.read';

const LEVEL_COLORS: Record<KeyPersonLevel, string> = { low: 'blue', medium: 'orange', high: 'red' };

function LevelTag({ level }: { level: string }) {
  const t = useBasedataText();
  return (KEY_PERSON_LEVELS as readonly string[]).includes(level)
    ? <Tag color={LEVEL_COLORS[level as KeyPersonLevel]}>{t(`keyPersonLevel.${level as KeyPersonLevel}`)}</Tag>
    : <Tag>{level}</Tag>;
}

/** Key persons (重点人员) in the caller's scope, by grid. */
export default function KeyPersonsPanel() {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const list = usePagedList(basedataApi.keyPersons, {} as { gridCode?: string });
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Form layout="inline" onFinish={list.search} data-testid="keyperson-filter">
        <Form.Item name="gridCode"><GridCodeInput placeholder={t('f.gridCode')} /></Form.Item>
        <Button type="primary" htmlType="submit">{tt('common.search')}</Button>
      </Form>
      <Typography.Text type="secondary">{t('keyPerson.hint')}</Typography.Text>
      {list.error && <Alert type="error" message={list.error} />}
      <Table<KeyPerson>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.items}
        pagination={list.pagination}
        data-testid="keyperson-list"
        columns={[
          { title: t('col.name'), render: (_: unknown, k) => <Link to={`${BASE}/residents/${k.resident.id}`} data-testid="keyperson-link">{k.resident.name}</Link> },
          { title: t('col.idNumber'), render: (_: unknown, k) => <Typography.Text code>{k.resident.idNumber}</Typography.Text> },
          { title: t('keyPerson.category'), dataIndex: 'category', render: (v: string) => keyPersonCategoryLabel(t, v) },
          { title: t('keyPerson.level'), dataIndex: 'level', render: (v: string) => <LevelTag level={v} /> },
          { title: t('keyPerson.notes'), dataIndex: 'notes' },
          { title: t('col.grid'), render: (_: unknown, k) => k.resident.gridCode },
        ]}
      />
    </Space>
  );
}

/**
 * The key-person record on a resident's page, for a user with keypersons.read
 * in the resident's scope: shows it (or that there is none) and sets or updates it.
 */
export function KeyPersonSection({ residentId, record, onSaved }: { residentId: number; record: KeyPersonInput | null; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<KeyPersonInput>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A category set through the API or an import may not be one of ours; keep it selectable.
  const categories: string[] = [...KEY_PERSON_CATEGORIES];
  if (record && !categories.includes(record.category)) categories.push(record.category);
  const save = async (v: KeyPersonInput) => {
    setBusy(true);
    try {
      await basedataApi.setKeyPerson(residentId, { ...v, notes: v.notes?.trim() ?? '' });
      message.success(tt('common.saved'));
      setError(null);
      setOpen(false);
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ marginTop: 16 }} data-testid="keyperson-section">
      <Space style={{ marginBottom: 8 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>{t('resident.keyPerson')}</Typography.Title>
        <Button size="small" onClick={() => { form.setFieldsValue(record ?? { category: undefined, level: 'low', notes: '' }); setOpen(true); }} data-testid="keyperson-edit">
          {record ? t('keyPerson.update') : t('keyPerson.set')}
        </Button>
      </Space>
      {record ? (
        <Descriptions bordered size="small" column={3}>
          <Descriptions.Item label={t('keyPerson.category')}><span data-testid="keyperson-category">{keyPersonCategoryLabel(t, record.category)}</span></Descriptions.Item>
          <Descriptions.Item label={t('keyPerson.level')}><LevelTag level={record.level} /></Descriptions.Item>
          <Descriptions.Item label={t('keyPerson.notes')}>{record.notes}</Descriptions.Item>
        </Descriptions>
      ) : (
        <Typography.Text type="secondary">{t('keyPerson.none')}</Typography.Text>
      )}
      <Modal title={record ? t('keyPerson.update') : t('keyPerson.set')} open={open} onCancel={() => setOpen(false)} footer={null} forceRender>
        <Form form={form} layout="vertical" onFinish={(v) => void save(v)} data-testid="keyperson-form">
          <Form.Item name="category" label={t('keyPerson.category')} rules={[{ required: true }]}>
            <Select options={categories.map((value) => ({ value, label: keyPersonCategoryLabel(t, value) }))} data-testid="keyperson-category-select" />
          </Form.Item>
          <Form.Item name="level" label={t('keyPerson.level')} rules={[{ required: true }]}>
            <Radio.Group optionType="button" buttonStyle="solid" options={KEY_PERSON_LEVELS.map((value) => ({ value, label: t(`keyPersonLevel.${value}`) }))} />
          </Form.Item>
          <Form.Item name="notes" label={t('keyPerson.notes')} rules={[{ max: 2000 }]}><Input.TextArea rows={3} maxLength={2000} /></Form.Item>
          <FormActions error={error} busy={busy} submitLabel={tt('common.save')} onCancel={() => setOpen(false)} testId="keyperson" />
        </Form>
      </Modal>
    </div>
  );
}
