import { App, Button, Card, Form, Input, Modal, Select, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { clientApi, type ApiClient } from '../clients/api.js';
import { cascadeApi, type CascadePeer, type PeerInput } from './api.js';
import { useCascadeText } from './messages.js';

/** 上下级平台级联: the city platform above and the district platforms below, their addresses and keys (keys are write-only). */
export default function CascadePage() {
  const ct = useCascadeText();
  const { message } = App.useApp();
  const [peers, setPeers] = useState<CascadePeer[]>([]);
  const [clients, setClients] = useState<ApiClient[]>([]);
  const [editing, setEditing] = useState<CascadePeer | 'new' | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<PeerInput>();

  const load = useCallback(() => {
    cascadeApi.peers().then((r) => setPeers(r.items)).catch((err: unknown) => message.error(errorMessage(err)));
    clientApi.list().then((r) => setClients(r.items.filter((c) => c.status === 'active' && c.scopes.includes('cascade')))).catch(() => setClients([]));
  }, [message]);
  useEffect(load, [load]);

  const open = (peer: CascadePeer | 'new') => {
    setEditing(peer);
    form.setFieldsValue(peer === 'new' ? { role: 'parent', status: 'active' } : { role: peer.role, name: peer.name, baseUrl: peer.baseUrl, clientId: peer.clientId, status: peer.status });
  };

  const save = async () => {
    const values = await form.validateFields();
    const body: PeerInput = { ...values, ...(values.apiKey ? { apiKey: values.apiKey.trim() } : {}) };
    if (!values.apiKey) delete body.apiKey;
    setBusy(true);
    try {
      if (editing === 'new') await cascadeApi.createPeer(body);
      else if (editing) await cascadeApi.updatePeer(editing.id, body);
      message.success(ct('saved'));
      setEditing(null);
      load();
    } catch (err) {
      message.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={ct('title')} extra={<Button type="primary" onClick={() => open('new')} data-testid="cascade-add">{ct('add')}</Button>}>
      <Typography.Paragraph type="secondary">{ct('intro')}</Typography.Paragraph>
      <Table<CascadePeer>
        rowKey="id" dataSource={peers} pagination={false} data-testid="cascade-peers"
        columns={[
          { title: ct('col.role'), dataIndex: 'role', render: (r: CascadePeer['role']) => ct(r === 'parent' ? 'role.parent' : 'role.child') },
          { title: ct('col.name'), dataIndex: 'name' },
          { title: ct('col.url'), dataIndex: 'baseUrl', render: (u: string) => <Typography.Text code>{u}</Typography.Text> },
          { title: ct('col.client'), dataIndex: 'clientName', render: (n: string | null) => n ?? '—' },
          { title: ct('col.status'), dataIndex: 'status', render: (s: CascadePeer['status']) => <Tag color={s === 'active' ? 'green' : 'default'}>{ct(s === 'active' ? 'status.active' : 'status.disabled')}</Tag> },
          { title: ct('col.actions'), render: (_: unknown, p) => <Button size="small" onClick={() => open(p)}>{ct('edit')}</Button> },
        ]}
      />
      <Modal open={editing !== null} title={editing === 'new' ? ct('add') : ct('edit')} onOk={() => void save()} confirmLoading={busy} onCancel={() => setEditing(null)} destroyOnHidden>
        <Form form={form} layout="vertical">
          <Form.Item name="role" label={ct('col.role')} rules={[{ required: true }]}>
            <Select options={[{ value: 'parent', label: ct('role.parent') }, { value: 'child', label: ct('role.child') }]} />
          </Form.Item>
          <Form.Item name="name" label={ct('col.name')} rules={[{ required: true, max: 100 }]}><Input /></Form.Item>
          <Form.Item name="baseUrl" label={ct('col.url')} rules={[{ required: true, max: 500 }]}><Input placeholder="https://city.example" /></Form.Item>
          <Form.Item name="apiKey" label={ct('field.apiKey')} rules={[{ required: editing === 'new' }]} extra={editing !== 'new' ? ct('field.apiKeyKeep') : undefined}>
            <Input.Password autoComplete="new-password" placeholder="cgk_…" />
          </Form.Item>
          <Form.Item name="clientId" label={ct('field.client')} rules={[{ required: true }]}>
            <Select options={clients.map((c) => ({ value: c.id, label: `${c.name}（${c.keyPrefix}）` }))} />
          </Form.Item>
          <Form.Item name="status" label={ct('col.status')}>
            <Select options={[{ value: 'active', label: ct('status.active') }, { value: 'disabled', label: ct('status.disabled') }]} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
