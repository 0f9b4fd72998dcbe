import { Alert, Card, Segmented, Table, Tooltip, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { evaluationApi, WORKER_RANKING_BY, type Period, type WorkerRankingBy, type WorkerRankingItem } from './api.js';
import { percent, useEvaluationText } from './messages.js';

/** 网格员排名: grid workers of an area ranked by one figure, with last period's rank; names, the login name on hover. */
export function WorkerRanking({ area, period }: { area: string; period: Period }) {
  const et = useEvaluationText();
  const [by, setBy] = useState<WorkerRankingBy>('reported');
  const [items, setItems] = useState<WorkerRankingItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    evaluationApi.workers(area, by, period)
      .then((res) => {
        if (!live) return;
        setItems(res.items);
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [area, by, period]);

  const shown = (v: number | null) => {
    if (v === null) return '—';
    if (by === 'verifyOnTimeRate') return percent(v);
    if (by === 'averageVerifyHours') return et('kpi.hours', { value: v.toFixed(1) });
    return String(v);
  };

  return (
    <Card
      title={et('workers')}
      size="small"
      extra={<Segmented size="small" data-testid="worker-ranking-by" value={by} onChange={(v) => setBy(v as WorkerRankingBy)}
        options={WORKER_RANKING_BY.map((b) => ({ value: b, label: et(`workers.by.${b}`) }))} />}
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>{et('workers.hint')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} />}
      <Table<WorkerRankingItem & { key: string }>
        size="small"
        rowKey="key"
        data-testid="worker-ranking"
        loading={items === null && !error}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        // Accounts no longer found have no login name: keyed by position.
        dataSource={(items ?? []).map((r, i) => ({ ...r, key: r.username ?? `unknown-${i}` }))}
        columns={[
          { title: et('rank'), dataIndex: 'rank', width: 64, render: (v: number | null) => v ?? '—' },
          { title: et('previousRank'), dataIndex: 'previousRank', width: 84, render: (v: number | null) => v ?? '—' },
          {
            title: et('workers.name'), key: 'name',
            render: (_: unknown, r) => (r.name ? <Tooltip title={r.username}>{r.name}</Tooltip> : et('workers.unknown')),
          },
          { title: et(`workers.by.${by}`), dataIndex: 'value', width: 130, render: (v: number | null) => shown(v) },
          // The other figures beside the one ranked by (not shown twice).
          ...([
            { title: et('workers.by.reported'), key: 'reported', width: 80, render: (_: unknown, r: WorkerRankingItem) => r.counts.reported },
            { title: et('workers.by.selfResolved'), key: 'selfResolved', width: 80, render: (_: unknown, r: WorkerRankingItem) => r.counts.selfResolved },
            { title: et('workers.by.verified'), key: 'verified', width: 80, render: (_: unknown, r: WorkerRankingItem) => r.counts.verified },
            { title: et('workers.by.verifyOnTimeRate'), key: 'verifyOnTimeRate', width: 100, render: (_: unknown, r: WorkerRankingItem) => percent(r.kpis.verifyOnTimeRate) },
          ].filter((c) => c.key !== by)),
        ]}
      />
    </Card>
  );
}
