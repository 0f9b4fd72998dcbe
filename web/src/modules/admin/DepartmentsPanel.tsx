import { Alert, App, Button, Checkbox, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { api } from '../../shell/api.js';
import { adminApi, type Department } from './api.js';
import { useAdminText } from './messages.js';

/** 处置部门: create, rename, retire (no new dispatch; history stays) and restore. */
export default function DepartmentsPanel() {
  const at = useAdminText();
  const { pick } = useI18n();
  const { message } = App.useApp();
  const [items, setItems] = useState<Department[]>([]);
  const [showRetired, setShowRetired] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<Department | 'new' | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setItems((await adminApi.departments()).items);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const setStatus = async (d: Department, status: Department['status']) => {
    try {
      await adminApi.setDepartmentStatus(d.code, status);
      void message.success(at('common.saved'));
      await load();
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };

  const [streets, setStreets] = useState<{ code: string; name: string }[]>([]);
  useEffect(() => {
    api.get<{ items: { code: string; name: string }[] }>('/api/grids', { level: 'street', pageSize: 500 }).then((r) => setStreets(r.items)).catch(() => setStreets([]));
  }, []);
  const streetName = (code: string) => streets.find((s) => s.code === code)?.name ?? code;

  const columns: ColumnsType<Department> = [
    { title: at('common.code'), dataIndex: 'code', width: 120 },
    { title: at('common.name'), key: 'name', render: (_, d) => pick(d.name, d.nameEn) },
    { title: at('common.nameEn'), dataIndex: 'nameEn' },
    { title: at('dept.street'), key: 'street', width: 160, render: (_, d) => (d.streetCode ? streetName(d.streetCode) : <Tag>{at('dept.district')}</Tag>) },
    { title: at('common.status'), key: 'status', width: 120, render: (_, d) => (d.status === 'active' ? <Tag color="green">{at('common.active')}</Tag> : <Tag>{at('common.retired')}</Tag>) },
    {
      title: '',
      key: 'actions',
      width: 200,
      render: (_, d) => (
        <Space>
          <Button size="small" type="link" onClick={() => setEditing(d)} data-testid={`dept-edit-${d.code}`}>{at('common.edit')}</Button>
          {d.status === 'active' ? (
            <Popconfirm title={at('dept.retireConfirm', { name: pick(d.name, d.nameEn) })} onConfirm={() => setStatus(d, 'retired')} okButtonProps={{ 'data-testid': 'dept-retire-ok' }}>
              <Button size="small" type="link" danger data-testid={`dept-retire-${d.code}`}>{at('dept.retire')}</Button>
            </Popconfirm>
          ) : (
            <Button size="small" type="link" onClick={() => setStatus(d, 'active')} data-testid={`dept-restore-${d.code}`}>{at('dept.restore')}</Button>
          )}
        </Space>
      ),
    },
  ];

  const shown = showRetired ? items : items.filter((d) => d.status === 'active');
  return (
    <div data-testid="panel-departments">
      <Space style={{ marginBottom: 12 }}>
        <Button type="primary" onClick={() => setEditing('new')} data-testid="dept-new">{at('dept.new')}</Button>
        <Checkbox checked={showRetired} onChange={(e) => setShowRetired(e.target.checked)} data-testid="dept-show-retired">{at('dept.showRetired')}</Checkbox>
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Table<Department> rowKey="code" size="middle" loading={loading} columns={columns} dataSource={shown} pagination={false} data-testid="dept-table"
        onRow={(d) => ({ 'data-testid': `dept-row-${d.code}` }) as HTMLAttributes<HTMLElement>} />
      {editing && <DepartmentModal department={editing === 'new' ? null : editing} streets={streets} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); void load(); }} />}
    </div>
  );
}

function DepartmentModal({ department, streets, onClose, onSaved }: { department: Department | null; streets: { code: string; name: string }[]; onClose: () => void; onSaved: () => void }) {
  const at = useAdminText();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ code: string; name: string; nameEn: string; streetCode?: string | null }>();
  const [saving, setSaving] = useState(false);
  const save = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      const streetCode = v.streetCode ?? null;
      if (department) await adminApi.updateDepartment(department.code, { name: v.name.trim(), nameEn: v.nameEn.trim(), streetCode });
      else await adminApi.createDepartment({ code: v.code.trim(), name: v.name.trim(), nameEn: v.nameEn.trim(), streetCode });
      void message.success(at('common.saved'));
      onSaved();
    } catch (err) {
      void message.error(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={department ? at('dept.edit') : at('dept.new')} onCancel={onClose} onOk={() => void save()} confirmLoading={saving}
      okText={at('common.save')} cancelText={at('common.cancel')} okButtonProps={{ 'data-testid': 'dept-save' }} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={department ?? { code: '', name: '', nameEn: '' }}>
        <Form.Item name="code" label={at('common.code')} extra={at('dept.codeHint')} rules={[{ required: true, pattern: /^[A-Z][A-Z0-9_-]{1,15}$/, message: at('dept.codeHint') }]}>
          <Input disabled={department !== null} data-testid="dept-code" />
        </Form.Item>
        <Form.Item name="name" label={at('common.name')} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input data-testid="dept-name" />
        </Form.Item>
        <Form.Item name="nameEn" label={at('common.nameEn')} rules={[{ required: true, whitespace: true, max: 150 }]}>
          <Input data-testid="dept-name-en" />
        </Form.Item>
        <Form.Item name="streetCode" label={at('dept.street')} extra={at('dept.streetHint')}>
          <Select allowClear placeholder={at('dept.district')} options={streets.map((s) => ({ value: s.code, label: s.name }))} data-testid="dept-street" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
