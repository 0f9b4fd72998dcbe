import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Checkbox, Col, Divider, Form, Input, Modal, Popconfirm, Row, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import { useCallback, useEffect, useMemo, useState, type HTMLAttributes } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { isMessageKey } from '../../shell/messages.js';
import { accountsApi, type PermissionDef, type Role } from './api.js';

interface RoleForm {
  code: string;
  name: string;
  nameEn: string;
  permissions: string[];
}

/** 角色管理: roles bundle permissions; built-in roles can be re-tuned but not deleted. */
export default function RolesPage() {
  const { t, pick } = useI18n();
  const { message } = App.useApp();
  const [roles, setRoles] = useState<Role[]>([]);
  const [permissions, setPermissions] = useState<PermissionDef[]>([]);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  /** The role being edited, or 'new'. */
  const [editing, setEditing] = useState<Role | 'new' | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const [r, p] = await Promise.all([accountsApi.listRoles(), accountsApi.listPermissions()]);
      setRoles(r.items);
      setPermissions(p.items);
      setLoadError(null);
    } catch (err) {
      setLoadError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const remove = async (role: Role) => {
    try {
      await accountsApi.deleteRole(role.code);
      void message.success(t('roles.deleted'));
      setRoles((rs) => rs.filter((r) => r.code !== role.code));
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };

  const columns: ColumnsType<Role> = [
    { title: t('roles.code'), dataIndex: 'code', key: 'code', width: 180, render: (code: string) => <Typography.Text code>{code}</Typography.Text> },
    { title: t('roles.name'), dataIndex: 'name', key: 'name', width: 200 },
    { title: t('roles.nameEn'), dataIndex: 'nameEn', key: 'nameEn', width: 220 },
    {
      title: t('roles.type'),
      key: 'builtin',
      width: 100,
      render: (_, r) => (r.builtin ? <Tag color="purple">{t('roles.builtin')}</Tag> : <Tag>{t('roles.custom')}</Tag>),
    },
    {
      title: t('roles.permissions'),
      key: 'permissions',
      render: (_, r) => {
        const byCode = new Map(permissions.map((p) => [p.code, p]));
        return (
          <Tooltip
            title={r.permissions.map((c) => {
              const p = byCode.get(c);
              return <div key={c}>{p ? pick(p.name, p.nameEn) : c}</div>;
            })}
          >
            <span>{t('roles.permissionCount', { count: r.permissions.length })}</span>
          </Tooltip>
        );
      },
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 160,
      render: (_, r) => (
        <Space size={0}>
          <Button type="link" size="small" onClick={() => setEditing(r)} data-testid={`role-edit-${r.code}`}>
            {t('common.edit')}
          </Button>
          {r.builtin ? (
            <Tooltip title={t('roles.builtinNoDelete')}>
              <Button type="link" size="small" danger disabled>
                {t('common.delete')}
              </Button>
            </Tooltip>
          ) : (
            <Popconfirm title={t('common.confirmDelete')} onConfirm={() => remove(r)}>
              <Button type="link" size="small" danger data-testid={`role-delete-${r.code}`}>
                {t('common.delete')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Card
      data-testid="page-roles"
      title={t('roles.title')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="roles-create">
          {t('roles.create')}
        </Button>
      }
    >
      {loadError && <Alert type="error" showIcon title={loadError} style={{ marginBottom: 16 }} />}
      <Table<Role>
        rowKey="code"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={roles}
        pagination={false}
        data-testid="roles-table"
        onRow={(r) => ({ 'data-testid': `role-row-${r.code}` }) as HTMLAttributes<HTMLElement>}
      />
      <RoleModal
        role={editing}
        permissions={permissions}
        onClose={() => setEditing(null)}
        onSaved={(saved) => {
          setEditing(null);
          void message.success(t('common.saved'));
          setRoles((rs) => (rs.some((r) => r.code === saved.code) ? rs.map((r) => (r.code === saved.code ? saved : r)) : [...rs, saved]));
        }}
      />
    </Card>
  );
}

function RoleModal({ role, permissions, onClose, onSaved }: { role: Role | 'new' | null; permissions: PermissionDef[]; onClose(): void; onSaved(role: Role): void }) {
  const { t, pick } = useI18n();
  const [form] = Form.useForm<RoleForm>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const isNew = role === 'new';

  useEffect(() => {
    setError(null);
    if (role === 'new') form.setFieldsValue({ code: '', name: '', nameEn: '', permissions: [] });
    else if (role) form.setFieldsValue({ code: role.code, name: role.name, nameEn: role.nameEn, permissions: role.permissions });
  }, [role, form]);

  /** Permissions grouped by their `group`, in catalogue order. */
  const groups = useMemo(() => {
    const map = new Map<string, PermissionDef[]>();
    for (const p of permissions) map.set(p.group, [...(map.get(p.group) ?? []), p]);
    return [...map.entries()];
  }, [permissions]);

  const groupLabel = (group: string) => {
    const key = `roles.group.${group}`;
    return isMessageKey(key) ? t(key) : group;
  };

  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    setError(null);
    try {
      const body = { name: v.name.trim(), nameEn: v.nameEn.trim(), permissions: v.permissions ?? [] };
      onSaved(isNew ? await accountsApi.createRole({ code: v.code.trim(), ...body }) : await accountsApi.updateRole(v.code, body));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={role !== null}
      width={760}
      title={isNew ? t('roles.create') : `${t('roles.editTitle')} · ${role ? role.code : ''}`}
      okText={t('common.save')}
      confirmLoading={saving}
      onOk={() => void submit().catch(() => undefined)}
      onCancel={onClose}
      forceRender
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="role-error" />}
      <Form form={form} layout="vertical">
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item
              name="code"
              label={t('roles.code')}
              tooltip={t('roles.codeHint')}
              rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{1,63}$/, message: t('roles.codeHint') }]}
            >
              <Input disabled={!isNew} data-testid="role-code" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="name" label={t('roles.name')} rules={[{ required: true, whitespace: true, message: t('users.required') }]}>
              <Input data-testid="role-name" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="nameEn" label={t('roles.nameEn')} rules={[{ required: true, whitespace: true, message: t('users.required') }]}>
              <Input data-testid="role-name-en" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="permissions" label={t('roles.permissions')}>
          <Checkbox.Group style={{ width: '100%', display: 'block' }}>
            {groups.map(([group, items]) => (
              <div key={group} data-testid={`permission-group-${group}`}>
                <Divider titlePlacement="start" plain style={{ margin: '8px 0' }}>
                  <Typography.Text strong>{groupLabel(group)}</Typography.Text>
                </Divider>
                <Row gutter={[8, 4]}>
                  {items.map((p) => (
                    <Col span={12} key={p.code}>
                      <Checkbox value={p.code} data-testid={`permission-${p.code}`}>
                        {pick(p.name, p.nameEn)} <Typography.Text type="secondary" style={{ fontSize: 12 }}>{p.code}</Typography.Text>
                      </Checkbox>
                    </Col>
                  ))}
                </Row>
              </div>
            ))}
          </Checkbox.Group>
        </Form.Item>
      </Form>
    </Modal>
  );
}
