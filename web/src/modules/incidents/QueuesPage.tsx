import { Alert, Badge, Card, Empty, Table, Tabs, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState, type HTMLAttributes } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { incidentApi, type Incident, type Page, type QueueName } from './api.js';
import { useIncidentColumns, useReference, WARNING_HEX, pageTotal } from './common.js';
import { useIncidentText } from './messages.js';
import { AwaitingLocation } from '../clients/AwaitingLocation.js';

/** Which queue makes sense for which permission (the server scopes each queue by it too). */
const QUEUE_PERMISSION: [QueueName, string][] = [
  ['to-register', 'incidents.register'],
  ['to-dispatch', 'incidents.dispatch'],
  ['my-department', 'incidents.handle'],
  ['to-verify', 'incidents.verify'],
  ['to-close', 'incidents.close'],
  ['to-approve', 'incidents.supervise'],
  ['overdue', 'incidents.supervise'],
  ['urged', 'incidents.supervise'],
];

/** Light row tint for amber and red incidents. */
export function warningRowStyle(r: Incident): React.CSSProperties | undefined {
  if (r.overdue || r.warning === 'red') return { background: '#fff1f0', boxShadow: `inset 3px 0 0 ${WARNING_HEX.red}` };
  if (r.warning === 'amber') return { background: '#fff7e6', boxShadow: `inset 3px 0 0 ${WARNING_HEX.amber}` };
  return undefined;
}

/** 待办队列: what waits on the user, one tab per queue their permissions make sense for. */
export default function QueuesPage() {
  const it = useIncidentText();
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  // A notice carried from the page the user left (e.g. a case that left their scope after an action).
  const carried = (useLocation().state as { notice?: string } | null)?.notice ?? null;
  const [notice, setNotice] = useState<string | null>(carried);
  const ref = useReference();
  const columns = useIncidentColumns(ref);
  const queues = useMemo(() => QUEUE_PERMISSION.filter(([, p]) => can(p)).map(([q]) => q), [can]);
  const [params, setParams] = useSearchParams();
  const active = (queues.includes(params.get('q') as QueueName) ? params.get('q') : queues[0]) as QueueName | undefined;
  const [counts, setCounts] = useState<Partial<Record<QueueName, number>>>({});
  const [data, setData] = useState<Page<Incident> | null>(null);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const loadCounts = useCallback(async () => {
    const entries = await Promise.all(queues.map(async (q) => [q, (await incidentApi.queue(q, 1, 1)).total] as const));
    setCounts(Object.fromEntries(entries));
  }, [queues]);

  useEffect(() => {
    loadCounts().catch((err: unknown) => setError(errorMessage(err)));
  }, [loadCounts]);

  useEffect(() => {
    if (!active) return;
    let live = true;
    setLoading(true);
    incidentApi
      .queue(active, page, pageSize)
      .then((d) => {
        if (!live) return;
        setData(d);
        setCounts((c) => ({ ...c, [active]: d.total }));
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [active, page, pageSize]);

  if (queues.length === 0) {
    return (
      <Card title={it('queues.title')} data-testid="page-incident-queues">
        <Empty description={it('queues.none')} />
      </Card>
    );
  }

  return (
    <Card title={it('queues.title')} data-testid="page-incident-queues">
      <Tabs
        activeKey={active}
        onChange={(k) => {
          setPage(1);
          setData(null);
          setParams({ q: k });
        }}
        items={queues.map((q) => ({
          key: q,
          label: (
            <span data-testid={`queue-tab-${q}`}>
              {it(`queue.${q}`)}{' '}
              <Badge
                count={counts[q] ?? 0}
                showZero
                overflowCount={9999}
                color={q === 'overdue' ? WARNING_HEX.red : q === 'urged' ? WARNING_HEX.amber : (counts[q] ?? 0) > 0 ? '#1677ff' : '#bfbfbf'}
                data-testid={`queue-count-${q}`}
              />
            </span>
          ),
        }))}
      />
      {notice && <Alert type="success" showIcon closable title={notice} style={{ marginBottom: 16 }} data-testid="queue-notice" onClose={() => setNotice(null)} />}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Table<Incident>
        rowKey="id"
        size="middle"
        data-testid="queue-table"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={{ x: 1000 }}
        locale={{ emptyText: <Typography.Text type="secondary">{it('queues.empty')}</Typography.Text> }}
        onRow={(r) =>
          ({
            'data-testid': `queue-row-${r.id}`,
            style: { cursor: 'pointer', ...warningRowStyle(r) },
            onClick: (e: React.MouseEvent) => {
              if ((e.target as HTMLElement).closest('a')) return;
              navigate(`/incidents/${r.id}`);
            },
          }) as HTMLAttributes<HTMLElement>
        }
        pagination={{
          current: page,
          pageSize,
          ...pageTotal(data, t),
          showSizeChanger: true,
          onChange: (p, s) => {
            setPage(s !== pageSize ? 1 : p);
            setPageSize(s);
          },
        }}
      />
      {active === 'to-register' && <AwaitingLocation />}
    </Card>
  );
}
