import { Alert, Card, List, Space, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import type { Incident } from '../incidents/api.js';
import { StatusTag } from '../incidents/common.js';
import { evaluationApi } from './api.js';
import { useEvaluationText, type EvaluationMessageKey } from './messages.js';

const PAGE_SIZE = 20;

/** The cases one figure counts (按期结案数, 超期数, 已处置数…), from the statistics store: its total is the figure. */
export default function CasesPage() {
  const et = useEvaluationText();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const q = { level: params.get('level') ?? '', code: params.get('code') ?? '', measure: params.get('measure') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '' };
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; items: Incident[]; archived: { id: number; code: string }[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(q);

  useEffect(() => {
    let live = true;
    evaluationApi.cases(q, page, PAGE_SIZE)
      .then((d) => { if (live) { setData(d); setError(null); } })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => { live = false; };
  }, [key, page]);

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="figure-cases">
      <Link to="/statistics">{et('cases.back')}</Link>
      <Typography.Title level={4}>{et('cases.title', { figure: et(`kpi.${q.measure}` as EvaluationMessageKey), from: q.from, to: q.to })}</Typography.Title>
      <Typography.Text type="secondary">{et('cases.hint')}</Typography.Text>
      {error && <Alert type="error" message={error} />}
      {data && (
        <>
          <Typography.Text data-testid="figure-cases-total">{et('cases.total', { total: data.total })}</Typography.Text>
          <Table<Incident>
            size="small"
            rowKey="id"
            dataSource={data.items}
            onRow={(r) => ({ onClick: () => navigate(`/incidents/${r.id}`), style: { cursor: 'pointer' } })}
            pagination={{ current: page, pageSize: PAGE_SIZE, total: data.total, showSizeChanger: false, onChange: setPage }}
            columns={[
              { title: et('col.code'), dataIndex: 'code', width: 170 },
              { title: et('col.reportedAt'), dataIndex: 'reportedAt', width: 170, render: (v: string) => formatDateTime(v) },
              { title: '', dataIndex: 'status', width: 110, render: (s: Incident['status']) => <StatusTag status={s} /> },
              { title: et('col.description'), dataIndex: 'description', ellipsis: true },
            ]}
          />
          {data.archived.length > 0 && (
            <Card size="small" title={et('cases.archived')}>
              <List size="small" dataSource={data.archived} renderItem={(a) => <List.Item><Link to={`/incidents/archived/${a.code}`}>{a.code}</Link></List.Item>} />
            </Card>
          )}
        </>
      )}
    </Space>
  );
}
