import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Drawer, Empty, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, theme, Typography, type ButtonProps } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { formatDateTime } from '../../shell/time.js';
import { accountsApi, type AdminUser, type Role } from './api.js';
import { parseScopeValue, ScopePicker, type ScopeValue } from './ScopePicker.js';

/** Props that put a data-testid on a component whose props type does not list data attributes. */
const testId = (id: string) => ({ 'data-testid': id }) as ButtonProps;

const isLocked = (u: AdminUser) => u.lockedUntil !== null && Date.parse(u.lockedUntil) > Date.now();

/** 用户管理: find users in the admin's scope, create them, and manage their state and role assignments. */
export default function UsersPage() {
  const { t, pick } = useI18n();
  const { message } = App.useApp();
  const { me } = useAuth();
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [data, setData] = useState<{ items: AdminUser[]; total: number }>({ items: [], total: 0 });
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [roles, setRoles] = useState<Role[]>([]);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<AdminUser | null>(null);
  const [assigning, setAssigning] = useState<AdminUser | null>(null);
  const [generated, setGenerated] = useState<{ username: string; password: string } | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await accountsApi.listUsers({ q: query, page, pageSize }));
      setLoadError(null);
    } catch (err) {
      setLoadError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, [query, page, pageSize]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    accountsApi
      .listRoles()
      .then((r) => setRoles(r.items))
      .catch((err: unknown) => void message.error(errorMessage(err)));
  }, [message]);

  /** Puts a changed user into the table (and the open drawer) without a reload. */
  const replace = (user: AdminUser) => {
    setData((d) => ({ ...d, items: d.items.map((u) => (u.id === user.id ? user : u)) }));
    setAssigning((a) => (a && a.id === user.id ? user : a));
  };

  const run = async (action: () => Promise<AdminUser | void>, success: string) => {
    try {
      const user = await action();
      if (user) replace(user);
      void message.success(success);
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };

  const resetPassword = async (user: AdminUser) => {
    try {
      const { generatedPassword } = await accountsApi.resetPassword(user.id);
      setGenerated({ username: user.username, password: generatedPassword });
      void load();
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };

  const columns: ColumnsType<AdminUser> = [
    { title: t('users.username'), dataIndex: 'username', key: 'username', width: 140 },
    { title: t('users.displayName'), dataIndex: 'displayName', key: 'displayName', width: 160 },
    {
      title: t('users.roles'),
      key: 'roles',
      width: 300,
      render: (_, u) =>
        u.assignments.length === 0 ? (
          <Typography.Text type="secondary">{t('common.none')}</Typography.Text>
        ) : (
          <Space size={[4, 4]} wrap>
            {u.assignments.map((a) => (
              <Tag key={a.id} color="blue">
                {pick(a.roleName, a.roleNameEn)} · {a.scope.name}
              </Tag>
            ))}
          </Space>
        ),
    },
    {
      title: t('users.status'),
      key: 'status',
      width: 200,
      render: (_, u) => (
        <Space size={[4, 4]} wrap>
          {u.status === 'active' ? <Tag color="green">{t('users.status.active')}</Tag> : <Tag>{t('users.status.disabled')}</Tag>}
          {isLocked(u) && <Tag color="red">{t('users.locked', { time: formatDateTime(u.lockedUntil) })}</Tag>}
          {u.mustChangePassword && <Tag color="orange">{t('users.mustChange')}</Tag>}
        </Space>
      ),
    },
    { title: t('users.lastLoginAt'), key: 'lastLoginAt', width: 180, render: (_, u) => formatDateTime(u.lastLoginAt) },
    { title: t('users.createdAt'), key: 'createdAt', width: 180, render: (_, u) => formatDateTime(u.createdAt) },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 320,
      fixed: 'right',
      render: (_, u) => (
        <Space size={0} wrap>
          <Button type="link" size="small" onClick={() => setEditing(u)} data-testid={`user-edit-${u.username}`}>
            {t('common.edit')}
          </Button>
          <Button type="link" size="small" onClick={() => setAssigning(u)} data-testid={`user-roles-${u.username}`}>
            {t('users.manageRoles')}
          </Button>
          {u.status === 'active' ? (
            <Popconfirm
              title={`${t('users.disable')} ${u.username}?`}
              onConfirm={() => run(() => accountsApi.updateUser(u.id, { status: 'disabled' }), t('users.updated'))}
              okButtonProps={testId('user-disable-confirm')}
            >
              <Button type="link" size="small" danger disabled={u.id === me?.id} data-testid={`user-disable-${u.username}`}>
                {t('users.disable')}
              </Button>
            </Popconfirm>
          ) : (
            <Button type="link" size="small" onClick={() => void run(() => accountsApi.updateUser(u.id, { status: 'active' }), t('users.updated'))} data-testid={`user-enable-${u.username}`}>
              {t('users.enable')}
            </Button>
          )}
          {isLocked(u) && (
            <Button type="link" size="small" onClick={() => void run(() => accountsApi.unlockUser(u.id), t('users.updated'))} data-testid={`user-unlock-${u.username}`}>
              {t('users.unlock')}
            </Button>
          )}
          <Popconfirm title={t('users.resetConfirm')} onConfirm={() => resetPassword(u)} okButtonProps={testId('user-reset-confirm')}>
            <Button type="link" size="small" data-testid={`user-reset-${u.username}`}>
              {t('users.resetPassword')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <Card
      data-testid="page-users"
      title={t('users.title')}
      extra={
        <Space>
          <Input.Search
            allowClear
            placeholder={t('users.searchPlaceholder')}
            style={{ width: 240 }}
            data-testid="users-search"
            onSearch={(v) => {
              setPage(1);
              setQuery(v.trim());
            }}
          />
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="users-create">
            {t('users.create')}
          </Button>
        </Space>
      }
    >
      {loadError && <Alert type="error" showIcon title={loadError} style={{ marginBottom: 16 }} />}
      <Table<AdminUser>
        rowKey="id"
        data-testid="users-table"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={data.items}
        scroll={{ x: 1560 }}
        onRow={(u) => ({ 'data-testid': `user-row-${u.username}` }) as HTMLAttributes<HTMLElement>}
        pagination={{
          current: page,
          pageSize,
          total: data.total,
          showSizeChanger: true,
          showTotal: (total) => t('common.total', { total }),
          onChange: (p, s) => {
            setPage(s !== pageSize ? 1 : p);
            setPageSize(s);
          },
        }}
      />
      <CreateUserModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(user, password) => {
          setCreating(false);
          void message.success(t('users.created'));
          if (password) setGenerated({ username: user.username, password });
          void load();
        }}
      />
      <EditUserModal
        user={editing}
        onClose={() => setEditing(null)}
        onSaved={(user) => {
          setEditing(null);
          replace(user);
          void message.success(t('users.updated'));
        }}
      />
      <AssignmentsDrawer user={assigning} roles={roles} onClose={() => setAssigning(null)} onChange={replace} />
      <Modal
        open={generated !== null}
        title={t('users.generatedTitle')}
        onCancel={() => setGenerated(null)}
        footer={
          <Button type="primary" onClick={() => setGenerated(null)} data-testid="generated-password-ok">
            {t('common.ok')}
          </Button>
        }
        mask={{ closable: false }}
      >
        {generated && (
          <>
            <Typography.Paragraph>{t('users.generatedText', { username: generated.username })}</Typography.Paragraph>
            <Typography.Paragraph copyable={{ text: generated.password }} style={{ fontSize: 20 }}>
              <Typography.Text code data-testid="generated-password">
                {generated.password}
              </Typography.Text>
            </Typography.Paragraph>
          </>
        )}
      </Modal>
    </Card>
  );
}

function CreateUserModal({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(user: AdminUser, generatedPassword?: string): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ username: string; displayName: string; password?: string }>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    setError(null);
    try {
      const created = await accountsApi.createUser({
        username: v.username.trim(),
        displayName: v.displayName.trim(),
        ...(v.password ? { password: v.password } : {}),
      });
      form.resetFields();
      onCreated(created.user, created.generatedPassword);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('users.create')}
      okText={t('common.create')}
      confirmLoading={saving}
      onOk={() => void submit().catch(() => undefined)}
      onCancel={() => {
        setError(null);
        onClose();
      }}
      destroyOnHidden
      forceRender
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="user-create-error" />}
      <Form form={form} layout="vertical">
        <Form.Item name="username" label={t('users.username')} rules={[{ required: true, whitespace: true, message: t('users.required') }]}>
          <Input autoComplete="off" data-testid="user-create-username" />
        </Form.Item>
        <Form.Item name="displayName" label={t('users.displayName')} rules={[{ required: true, whitespace: true, message: t('users.required') }]}>
          <Input autoComplete="off" data-testid="user-create-display-name" />
        </Form.Item>
        <Form.Item name="password" label={t('users.password')} extra={t('users.passwordHint')}>
          <Input.Password autoComplete="new-password" data-testid="user-create-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function EditUserModal({ user, onClose, onSaved }: { user: AdminUser | null; onClose(): void; onSaved(user: AdminUser): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ displayName: string }>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (user) form.setFieldsValue({ displayName: user.displayName });
    setError(null);
  }, [user, form]);

  const submit = async () => {
    if (!user) return;
    const v = await form.validateFields();
    setSaving(true);
    try {
      onSaved(await accountsApi.updateUser(user.id, { displayName: v.displayName.trim() }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={user !== null}
      title={`${t('users.editTitle')} · ${user?.username ?? ''}`}
      okText={t('common.save')}
      confirmLoading={saving}
      onOk={() => void submit().catch(() => undefined)}
      onCancel={onClose}
      forceRender
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical">
        <Form.Item name="displayName" label={t('users.displayName')} rules={[{ required: true, whitespace: true, message: t('users.required') }]}>
          <Input />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function AssignmentsDrawer({ user, roles, onClose, onChange }: { user: AdminUser | null; roles: Role[]; onClose(): void; onChange(user: AdminUser): void }) {
  const { t, pick } = useI18n();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const [form] = Form.useForm<{ role: string; scope: ScopeValue }>();
  const [saving, setSaving] = useState(false);

  const add = async () => {
    if (!user) return;
    const v = await form.validateFields();
    const scope = parseScopeValue(v.scope);
    setSaving(true);
    try {
      onChange(await accountsApi.addAssignment(user.id, { role: v.role, scopeKind: scope.kind, scopeCode: scope.code }));
      form.resetFields();
      void message.success(t('common.saved'));
    } catch (err) {
      void message.error(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const remove = async (assignmentId: number) => {
    if (!user) return;
    try {
      onChange(await accountsApi.removeAssignment(user.id, assignmentId));
      void message.success(t('common.saved'));
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };

  return (
    <Drawer
      open={user !== null}
      size={520}
      title={user ? t('users.assignmentsOf', { name: `${user.displayName} (${user.username})` }) : ''}
      onClose={() => {
        form.resetFields();
        onClose();
      }}
      data-testid="assignments-drawer"
    >
      {user && (
        <>
          <Typography.Title level={5}>{t('users.assignments')}</Typography.Title>
          {user.assignments.length === 0 ? (
            <Empty description={t('users.noAssignments')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
          ) : (
            <div data-testid="assignments-list">
              {user.assignments.map((a) => (
                <div
                  key={a.id}
                  style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', padding: '8px 12px', border: `1px solid ${token.colorBorderSecondary}`, borderRadius: token.borderRadius, marginBottom: 8 }}
                >
                  <Space orientation="vertical" size={0}>
                    <Typography.Text strong>{pick(a.roleName, a.roleNameEn)}</Typography.Text>
                    <Typography.Text type="secondary">{t('common.scopeOf', { name: a.scope.name, code: a.scope.code })}</Typography.Text>
                  </Space>
                  <Popconfirm title={t('users.removeConfirm')} onConfirm={() => remove(a.id)}>
                    <Button type="link" danger size="small">
                      {t('users.removeAssignment')}
                    </Button>
                  </Popconfirm>
                </div>
              ))}
            </div>
          )}
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t('users.addAssignment')}
          </Typography.Title>
          <Form form={form} layout="vertical" onFinish={() => void add()}>
            <Form.Item name="role" label={t('users.role')} rules={[{ required: true, message: t('users.roleRequired') }]}>
              <Select
                data-testid="assignment-role"
                options={roles.map((r) => ({ value: r.code, label: `${pick(r.name, r.nameEn)} (${r.code})` }))}
              />
            </Form.Item>
            <Form.Item name="scope" label={t('users.scope')} rules={[{ required: true, message: t('users.scopeRequired') }]}>
              <ScopePicker />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={saving} icon={<PlusOutlined />} data-testid="assignment-add">
              {t('users.addAssignment')}
            </Button>
          </Form>
        </>
      )}
    </Drawer>
  );
}
