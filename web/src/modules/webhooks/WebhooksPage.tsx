import { Alert, App, Button, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { WEBHOOK_EVENT_TYPES } from '../../../../src/modules/webhooks/rules/match.js';
import { errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { CHANNELS } from '../incidents/api.js';
import { useMaybeText } from '../incidents/messages.js';
import { webhookApi, type ClientSummary, type Delivery, type Subscription, type SubscriptionInput } from './api.js';
import { useWebhookText } from './messages.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const STATUS_COLOR = { active: 'success', failing: 'warning', paused: 'default' } as const;

/** The delivery log of one subscription, with re-send and replay from an event id. */
function Deliveries({ subscription, onChanged }: { subscription: Subscription; onChanged(): void }) {
  const wt = useWebhookText();
  const { message } = App.useApp();
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [from, setFrom] = useState<number | null>(null);
  const load = useCallback(() => webhookApi.deliveries(subscription).then((r) => setItems(r.items)).catch((err: unknown) => message.error(errorMessage(err))), [subscription, message]);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      message.success(done);
      onChanged();
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };
  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        <span>{wt('replay.from')}</span>
        <InputNumber min={1} value={from} onChange={setFrom} data-testid="webhook-replay-from" />
        <Button disabled={!from} onClick={() => from && void act(() => webhookApi.replayFrom(subscription, from), wt('replay.done'))} data-testid="webhook-replay">{wt('replay.submit')}</Button>
      </Space>
      <Table<Delivery>
        rowKey="id" size="small" loading={items === null} dataSource={items ?? []} pagination={{ pageSize: 20 }} data-testid="webhook-deliveries"
        columns={[
          { title: wt('deliveries.at'), render: (_, d) => formatDateTime(iso(d.at)) },
          { title: wt('deliveries.kind'), render: (_, d) => wt(`deliveries.kind.${d.kind}`) },
          { title: wt('deliveries.events'), render: (_, d) => (d.eventIds.length > 3 ? `${d.eventIds[0]} … ${d.eventIds[d.eventIds.length - 1]} (${d.eventIds.length})` : d.eventIds.join(', ')) },
          { title: wt('deliveries.attempt'), dataIndex: 'attempt' },
          { title: wt('deliveries.status'), render: (_, d) => <Tag color={d.status === 'delivered' ? 'success' : 'error'}>{wt(`deliveries.status.${d.status}`)}</Tag> },
          { title: wt('deliveries.response'), render: (_, d) => d.responseStatus ?? '—' },
          { title: wt('deliveries.latency'), dataIndex: 'latencyMs' },
          { title: wt('deliveries.error'), render: (_, d) => d.error ?? '' },
          { title: '', render: (_, d) => <Button size="small" onClick={() => void act(() => webhookApi.resend(subscription, d.eventIds[0]!), wt('resent'))}>{wt('deliveries.resend')}</Button> },
        ]}
      />
    </>
  );
}

/** Webhook 订阅: every API client's subscriptions, their state, deliveries and replay (clients.manage). */
export default function WebhooksPage() {
  const wt = useWebhookText();
  const label = useMaybeText();
  const { message, modal } = App.useApp();
  const [items, setItems] = useState<Subscription[] | null>(null);
  const [clients, setClients] = useState<ClientSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<Subscription | null>(null);
  const [form] = Form.useForm<SubscriptionInput & { clientId: number }>();

  const load = useCallback(() => webhookApi.list().then((r) => setItems(r.items)).catch((err: unknown) => setError(errorMessage(err))), []);
  useEffect(() => {
    void load();
    webhookApi.clients().then((r) => setClients(r.items.filter((c) => c.status === 'active' && c.scopes.includes('webhooks')))).catch(() => setClients([]));
  }, [load]);

  const showSecret = (secret: string) => modal.info({
    title: wt('secret.title'), width: 560,
    content: <><Typography.Paragraph>{wt('secret.hint')}</Typography.Paragraph><Typography.Text code copyable data-testid="webhook-secret">{secret}</Typography.Text></>,
  });
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };
  const create = async () => {
    const { clientId, ...body } = await form.validateFields();
    try {
      const made = await webhookApi.create(clientId, { ...body, channels: body.channels ?? [] });
      setCreating(false);
      form.resetFields();
      showSecret(made.secret);
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  return (
    <div data-testid="page-webhooks">
      <Typography.Title level={3}>{wt('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{wt('intro')}</Typography.Paragraph>
      <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setCreating(true)} data-testid="webhook-new">{wt('new')}</Button>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Table<Subscription>
        rowKey="id" loading={items === null && !error} dataSource={items ?? []} pagination={false} locale={{ emptyText: wt('empty') }} data-testid="webhooks-table"
        columns={[
          { title: wt('col.client'), dataIndex: 'clientName' },
          { title: wt('col.url'), dataIndex: 'url' },
          { title: wt('col.events'), render: (_, s) => <>{s.eventTypes.map((e) => label('action', e)).join('、')}{s.channels.length > 0 && <Typography.Text type="secondary"> · {s.channels.map((c) => label('channel', c)).join('、')}</Typography.Text>}</> },
          { title: wt('col.status'), render: (_, s) => <Tag color={STATUS_COLOR[s.status]}>{wt(`status.${s.status}`)}{s.failures > 0 ? ` (${s.failures})` : ''}</Tag> },
          { title: wt('col.position'), dataIndex: 'position' },
          { title: wt('col.lastError'), render: (_, s) => s.lastError ?? '' },
          {
            title: wt('col.actions'),
            render: (_, s) => (
              <Space size="small" wrap>
                <Button size="small" onClick={() => setOpen(s)}>{wt('action.deliveries')}</Button>
                {s.status === 'paused'
                  ? <Button size="small" onClick={() => void act(() => webhookApi.resume(s))}>{wt('action.resume')}</Button>
                  : <Button size="small" onClick={() => void act(() => webhookApi.pause(s))}>{wt('action.pause')}</Button>}
                <Button size="small" onClick={() => void act(async () => showSecret((await webhookApi.rotate(s)).secret))}>{wt('action.rotate')}</Button>
                <Popconfirm title={wt('confirm.delete')} onConfirm={() => void act(() => webhookApi.remove(s))}>
                  <Button size="small" danger>{wt('action.delete')}</Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Modal open={creating} title={wt('new')} onCancel={() => setCreating(false)} onOk={() => void create()} destroyOnHidden>
        <Form form={form} layout="vertical" initialValues={{ eventTypes: ['report', 'dispatch', 'reply', 'close'], channels: [] }}>
          <Form.Item name="clientId" label={wt('field.client')} rules={[{ required: true }]}>
            <Select options={clients.map((c) => ({ value: c.id, label: c.name }))} data-testid="webhook-client" />
          </Form.Item>
          <Form.Item name="url" label={wt('field.url')} rules={[{ required: true }]}>
            <Input placeholder="https://" data-testid="webhook-url" />
          </Form.Item>
          <Form.Item name="eventTypes" label={wt('field.eventTypes')} rules={[{ required: true }]}>
            <Select mode="multiple" options={WEBHOOK_EVENT_TYPES.map((e) => ({ value: e, label: `${label('action', e)} (${e})` }))} />
          </Form.Item>
          <Form.Item name="channels" label={wt('field.channels')}>
            <Select mode="multiple" placeholder={wt('field.channels.all')} options={CHANNELS.map((c) => ({ value: c, label: label('channel', c) }))} />
          </Form.Item>
        </Form>
      </Modal>
      <Drawer open={open !== null} title={`${wt('deliveries.title')} · ${open?.url ?? ''}`} width={900} onClose={() => setOpen(null)} destroyOnHidden>
        {open && <Deliveries subscription={open} onChanged={() => void load()} />}
      </Drawer>
    </div>
  );
}
