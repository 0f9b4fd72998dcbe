import { App, Button, Card, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { portalApi, type NearestWorkers } from './api.js';
import { usePortalText } from './portal-messages.js';

/**
 * 就近派人 on a case's page: the on-duty grid workers nearest the case with
 * their distance, each with a button to send him to verify or to inspect
 * (docs/field-dispatch.md). The server checks who may be sent.
 */
export function FieldDispatchCard({ incidentId, verifiable }: { incidentId: number; verifiable: boolean }) {
  const pt = usePortalText();
  const { message } = App.useApp();
  const [data, setData] = useState<NearestWorkers | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    portalApi.nearest(incidentId).then(setData).catch((err: unknown) => setError(errorMessage(err)));
  }, [incidentId]);
  useEffect(load, [load]);
  const send = async (userId: number, name: string, kind: 'verify' | 'inspect') => {
    try {
      await portalApi.send(incidentId, { userId, kind });
      message.success(pt('field.sent', { name }));
      load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };
  return (
    <Card title={pt('field.title')} size="small" data-testid="field-dispatch" loading={!data && !error}>
      {error && <Typography.Text type="danger">{error}</Typography.Text>}
      {data && data.openTasks.length > 0 && (
        <Space direction="vertical" style={{ marginBottom: 8 }}>
          {data.openTasks.map((t) => (
            <Tag key={t.id} color="processing" data-testid="field-open-task">{pt('field.open', { name: t.userName ?? '—', kind: pt(`field.kind.${t.kind}`) })}</Tag>
          ))}
        </Space>
      )}
      {data && (
        <Table
          size="small"
          rowKey="userId"
          pagination={false}
          dataSource={data.workers}
          locale={{ emptyText: pt('field.none') }}
          columns={[
            { title: pt('field.worker'), dataIndex: 'name', render: (v: string, w) => <span data-testid={`field-worker-${w.userId}`}>{v}</span> },
            { title: pt('field.grid'), dataIndex: 'gridName', render: (v: string | null) => v ?? '—' },
            { title: pt('field.distance'), dataIndex: 'distanceM', align: 'right', render: (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} km` : `${v} m`) },
            { title: pt('field.at'), dataIndex: 'at', render: (v: string) => formatDateTime(v) },
            {
              title: '', key: 'send',
              render: (_: unknown, w) => (
                <Space size={4}>
                  {verifiable && (
                    <Button size="small" type="primary" disabled={!w.canVerify} title={w.canVerify ? undefined : pt('field.noVerify')} onClick={() => void send(w.userId, w.name, 'verify')} data-testid={`field-verify-${w.userId}`}>
                      {pt('field.verify')}
                    </Button>
                  )}
                  <Button size="small" onClick={() => void send(w.userId, w.name, 'inspect')} data-testid={`field-inspect-${w.userId}`}>
                    {pt('field.inspect')}
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}
