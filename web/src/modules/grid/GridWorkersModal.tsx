import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Modal, Select, Space, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { gridApi, type GridCard, type GridWorker, type WorkerCandidate } from './api.js';
import { useGridText } from './messages.js';

interface Row {
  userId: number | null;
  role: GridWorker['role'];
}

/**
 * Sets the current grid workers of a unit or community grid (grid.manage):
 * candidates are users with the grid worker role in the manager's scope
 * (GET /api/grids/worker-candidates); saving is one PUT of the whole set.
 */
export function GridWorkersModal({ card, onClose, onSaved }: { card: GridCard; onClose(): void; onSaved(workers: GridWorker[]): void }) {
  const gt = useGridText();
  const [rows, setRows] = useState<Row[]>(card.workers.map((w) => ({ userId: w.userId, role: w.role })));
  const [candidates, setCandidates] = useState<WorkerCandidate[]>([]);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    gridApi.workerCandidates().then((r) => setCandidates(r.items), (err: unknown) => setError(errorMessage(err)));
  }, []);

  const options = useMemo(() => {
    // Current workers stay choosable even when outside the candidate list.
    const known = new Map<number, { label: string }>();
    for (const w of card.workers) known.set(w.userId, { label: `${w.displayName}（${w.username}）` });
    for (const c of candidates) known.set(c.userId, { label: `${c.displayName}（${c.username}）` });
    return [...known.entries()].map(([value, { label }]) => ({ value, label }));
  }, [candidates, card.workers]);

  async function save() {
    const chosen = rows.filter((r): r is { userId: number; role: GridWorker['role'] } => r.userId !== null);
    setSaving(true);
    try {
      const { items } = await gridApi.setWorkers(card.code, chosen);
      onSaved(items);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }

  const update = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Modal
      open
      width={560}
      title={`${gt('workers.title')} ${card.name}`}
      onCancel={onClose}
      onOk={() => void save()}
      confirmLoading={saving}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'grid-workers-save' } as never}
    >
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Typography.Paragraph type="secondary">{gt('workers.hint')}</Typography.Paragraph>
      <Space direction="vertical" style={{ width: '100%' }} data-testid="grid-workers-rows">
        {rows.map((r, i) => (
          <Space key={i} style={{ display: 'flex' }}>
            <Select
              data-testid={`grid-workers-user-${i}`}
              style={{ width: 300 }}
              showSearch
              optionFilterProp="label"
              placeholder={gt('workers.pick')}
              value={r.userId ?? undefined}
              onChange={(userId: number) => update(i, { userId })}
              options={options.map((o) => ({ ...o, disabled: rows.some((x, j) => j !== i && x.userId === o.value) }))}
              optionRender={(o) => <span data-testid={`grid-workers-option-${String(o.value)}`}>{o.label}</span>}
            />
            <Select
              data-testid={`grid-workers-role-${i}`}
              style={{ width: 120 }}
              value={r.role}
              onChange={(role: GridWorker['role']) => update(i, { role })}
              options={(['full_time', 'part_time'] as const).map((role) => ({ value: role, label: gt(`role.${role}`) }))}
            />
            <Button type="text" icon={<DeleteOutlined />} aria-label="remove" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))} />
          </Space>
        ))}
        <Button
          type="dashed"
          icon={<PlusOutlined />}
          data-testid="grid-workers-add"
          onClick={() => setRows((rs) => [...rs, { userId: null, role: rs.some((x) => x.role === 'full_time') ? 'part_time' : 'full_time' }])}
        >
          {gt('workers.add')}
        </Button>
      </Space>
    </Modal>
  );
}
