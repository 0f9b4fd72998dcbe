import { Alert, App, Button, Descriptions, Form, Input, Modal, Select, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useMaybeText } from '../incidents/messages.js';
import { cascadeApi, type CascadeLink, type PeerRole } from './api.js';
import { useCascadeText } from './messages.js';

const STATE_COLOURS: Record<CascadeLink['status'], string> = { pending: 'gold', linked: 'blue', closed: 'green', returned: 'orange', failed: 'red' };

/**
 * The case's link with another platform (the other side's code and status),
 * and 上报市级 / 下派区级 for those who may send it. `loaded` is the page's
 * last load of the case: the card reads the link again with each, since the
 * other side's answers change the link and not the case.
 */
export function CascadeCard({ incidentId, version, loaded, onSent }: { incidentId: number; version: number; loaded: object; onSent: () => void }) {
  const ct = useCascadeText();
  const mt = useMaybeText();
  const { message } = App.useApp();
  const [state, setState] = useState<{ link: CascadeLink | null; canSend: boolean; targets: { id: number; name: string; role: PeerRole }[] } | null>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ peerId: number; note?: string }>();

  const load = useCallback(() => {
    cascadeApi.ofIncident(incidentId).then(setState).catch(() => setState(null));
  }, [incidentId]);
  useEffect(load, [load, loaded]);

  if (!state || (!state.link && !state.canSend)) return null;
  const { link } = state;
  const label = link
    ? ct(link.role === 'sender' ? (link.peerRole === 'parent' ? 'link.sentUp' : 'link.sentDown') : (link.peerRole === 'child' ? 'link.receivedUp' : 'link.receivedDown'), { peer: link.peerName })
    : null;
  const upward = state.targets.some((t) => t.role === 'parent');

  const submit = async () => {
    const values = await form.validateFields();
    setBusy(true);
    try {
      await cascadeApi.send(incidentId, { version, peerId: values.peerId, ...(values.note ? { note: values.note } : {}) });
      message.success(ct('send.ok', { peer: state.targets.find((t) => t.id === values.peerId)?.name ?? '' }));
      setOpen(false);
      onSent();
      load();
    } catch (err) {
      message.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="incident-cascade" style={{ marginTop: 16 }}>
      <Typography.Title level={5}>{ct('link.title')}</Typography.Title>
      {link ? (
        <Descriptions size="small" bordered column={1}>
          <Descriptions.Item label={label}>
            <Tag color={STATE_COLOURS[link.status]} data-testid="cascade-link-state">{ct(`link.state.${link.status}`)}</Tag>
          </Descriptions.Item>
          <Descriptions.Item label={ct('link.peerCode')}>
            <Typography.Text code data-testid="cascade-peer-code">{link.peerCode ?? '—'}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={ct('link.peerStatus')}>
            <span data-testid="cascade-peer-status">{link.peerStatus ? mt('status', link.peerStatus) : '—'}</span>
          </Descriptions.Item>
        </Descriptions>
      ) : null}
      {link && link.pendingMessages > 0 && <Typography.Text type="secondary">{ct('link.waiting', { n: link.pendingMessages })}</Typography.Text>}
      {link?.lastError && <Alert type="warning" showIcon style={{ marginTop: 8 }} title={ct('link.error', { error: link.lastError })} />}
      {state.canSend && (
        <Space>
          <Button type="primary" ghost data-testid="cascade-send" onClick={() => {
            form.setFieldsValue({ peerId: (state.targets.find((t) => t.role === 'parent') ?? state.targets[0])?.id });
            setOpen(true);
          }}>{ct(upward ? 'send.up' : 'send.down')}</Button>
        </Space>
      )}
      <Modal open={open} title={ct(upward ? 'send.up' : 'send.down')} onOk={() => void submit()} confirmLoading={busy} onCancel={() => setOpen(false)} destroyOnHidden>
        <Form form={form} layout="vertical">
          <Form.Item name="peerId" label={ct('send.target')} rules={[{ required: true }]}>
            <Select options={state.targets.map((t) => ({ value: t.id, label: `${t.name}（${ct(t.role === 'parent' ? 'role.parent' : 'role.child')}）` }))} />
          </Form.Item>
          <Form.Item name="note" label={ct('send.note')}>
            <Input.TextArea rows={3} maxLength={1000} data-testid="cascade-note" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
