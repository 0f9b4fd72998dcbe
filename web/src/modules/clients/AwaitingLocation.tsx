import { Alert, Card, Button, Modal, Select, Table, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { hotlineApi, type AwaitingOrder } from './api.js';
import { useClientText } from './messages.js';

/**
 * 12345 orders that came without a position, beside the intake queue: the
 * operator picks the unit grid from the address and the case is created.
 * Shows nothing while no order waits.
 */
export function AwaitingLocation() {
  const ct = useClientText();
  const navigate = useNavigate();
  const [orders, setOrders] = useState<AwaitingOrder[]>([]);
  const [locating, setLocating] = useState<AwaitingOrder | null>(null);
  const [grid, setGrid] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => hotlineApi.awaiting().then((r) => setOrders(r.items)).catch(() => setOrders([])), []);
  useEffect(() => {
    void load();
  }, [load]);
  if (orders.length === 0) return null;

  const locate = async () => {
    if (!locating || !grid) return;
    setBusy(true);
    try {
      const { incident } = await hotlineApi.locate(locating.id, grid);
      navigate(`/incidents/${incident.id}`);
    } catch (err) {
      setError(errorMessage(err));
      await load();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={ct('awaiting.title')} style={{ marginTop: 16 }} data-testid="hotline-awaiting">
      <Table<AwaitingOrder>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={orders}
        columns={[
          { title: ct('hotline.order'), render: (_, o) => <Typography.Text code>{o.externalNo}</Typography.Text> },
          { title: ct('awaiting.content'), dataIndex: 'content', ellipsis: true },
          { title: ct('awaiting.address'), render: (_, o) => o.address ?? '—' },
          { title: ct('hotline.deadline'), render: (_, o) => formatDateTime(o.deadline) || '—' },
          { title: ct('awaiting.caller'), render: (_, o) => [o.callerName, o.callerPhone].filter(Boolean).join(' ') || '—' },
          { title: '', render: (_, o) => <Button size="small" onClick={() => { setLocating(o); setGrid(undefined); setError(null); }} data-testid={`hotline-locate-${o.externalNo}`}>{ct('awaiting.locate')}</Button> },
        ]}
      />
      {locating && (
        <Modal open title={`${ct('awaiting.locate')} · ${locating.externalNo}`} onCancel={() => setLocating(null)} onOk={() => void locate()}
          okButtonProps={{ disabled: !grid, 'data-testid': 'hotline-locate-ok' }} confirmLoading={busy}>
          <Typography.Paragraph>{locating.address ?? '—'}</Typography.Paragraph>
          <Typography.Paragraph type="secondary">{ct('awaiting.pickGrid')}</Typography.Paragraph>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
          <UnitGridPicker value={grid} onChange={setGrid} />
        </Modal>
      )}
    </Card>
  );
}

/** Unit grids in the caller's scope, searched by name or code as the operator types. */
function UnitGridPicker({ value, onChange }: { value: string | undefined; onChange: (code: string) => void }) {
  const [options, setOptions] = useState<{ code: string; name: string }[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const search = (q: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      api.get<{ items: { code: string; name: string }[] }>('/api/grids', { level: 'unit', pageSize: 20, ...(q.trim() ? { q: q.trim() } : {}) })
        .then((r) => setOptions(r.items))
        .catch(() => setOptions([]));
    }, 250);
  };
  useEffect(() => {
    search('');
    return () => clearTimeout(timer.current);
  }, []); // the first page once; later searches follow typing
  return (
    <Select<string>
      style={{ width: '100%' }}
      value={value}
      onChange={onChange}
      showSearch={{ filterOption: false, onSearch: search }}
      data-testid="hotline-grid-picker"
      options={options.map((o) => ({ value: o.code, label: <span>{o.name} <Typography.Text type="secondary">{o.code}</Typography.Text></span> }))}
    />
  );
}
