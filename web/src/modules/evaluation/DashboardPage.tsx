import { Alert, Card, Col, DatePicker, Row, Segmented, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { Link, Route, Routes, useNavigate } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { formatDateTime } from '../../shell/time.js';
import { incidentApi, type Incident } from '../incidents/api.js';
import { useReference } from '../incidents/common.js';
import { PlacePicker } from '../incidents/PlacePicker.js';
import { casesPath, drillPath, evaluationApi, levelOf, useTopArea, type BreakdownItem, type KpiAnswer, type RankingItem } from './api.js';
import { EChart, type ChartOption } from './EChart.js';
import CasesPage from './CasesPage.js';
import { KpiFigures } from './KpiFigures.js';
import { WorkerRanking } from './WorkerRanking.js';
import { useEvaluationText } from './messages.js';
import { currentPeriod, daysOf, previousOf, type Period, type PeriodKind } from './periods.js';

interface Data {
  now: KpiAnswer;
  before: KpiAnswer;
  days: BreakdownItem[];
  categories: BreakdownItem[];
  places: BreakdownItem[];
  ranking: RankingItem[];
  overdue: Incident[];
}

/** /statistics: the dashboard; /statistics/cases the cases of one figure. */
export default function StatisticsPage() {
  return (
    <Routes>
      <Route index element={<DashboardPage />} />
      <Route path="cases" element={<CasesPage />} />
    </Routes>
  );
}

/** 统计分析: the figures of a period and an area, each one a way into the cases it counts. */
function DashboardPage() {
  const et = useEvaluationText();
  const { pick } = useI18n();
  const navigate = useNavigate();
  const ref = useReference();
  const top = useTopArea();
  const [kind, setKind] = useState<PeriodKind | 'custom'>('month');
  const [custom, setCustom] = useState<[Dayjs, Dayjs] | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);

  const period: Period = useMemo(
    () => (kind === 'custom' && custom ? { from: custom[0].format('YYYY-MM-DD'), to: custom[1].format('YYYY-MM-DD') } : currentPeriod(kind === 'custom' ? 'month' : kind)),
    [kind, custom],
  );
  const area = picked[picked.length - 1] ?? top;
  const level = area ? levelOf(area) : null;
  // The split below the chosen area: streets of the district, communities of a street.
  const placeBy = level === 'district' ? 'street' : level === 'street' ? 'community' : null;

  useEffect(() => {
    if (!area) return;
    let live = true;
    Promise.all([
      evaluationApi.kpis(area, period),
      evaluationApi.kpis(area, previousOf(period)),
      evaluationApi.breakdown(area, 'day', period),
      evaluationApi.breakdown(area, 'category', period),
      placeBy ? evaluationApi.breakdown(area, placeBy, period) : Promise.resolve({ items: [] }),
      evaluationApi.rankings('departments', period),
      incidentApi.list({ overdue: true, grid: area }, 1, 10, 'dueAt'),
    ])
      .then(([now, before, days, categories, places, ranking, overdue]) => {
        if (!live) return;
        setData({ now, before, days: days.items, categories: categories.items, places: places.items, ranking: ranking.items, overdue: overdue.items });
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [area, period, placeBy]);

  const drill = (d: Omit<Parameters<typeof drillPath>[0], 'from' | 'to' | 'grid'> & { from?: string; to?: string; grid?: string }) =>
    navigate(drillPath({ grid: area!, from: period.from, to: period.to, ...d }));

  const dayList = useMemo(() => daysOf(period), [period]);
  const trend: ChartOption = useMemo(() => {
    const byDay = new Map((data?.days ?? []).map((d) => [d.key, d.counts]));
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [et('kpi.reported'), et('kpi.closed')] },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: dayList.map((d) => d.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        // Every day keeps its point: a point is what a click drills from.
        { name: et('kpi.reported'), type: 'line', showAllSymbol: true, symbolSize: 7, data: dayList.map((d) => byDay.get(d)?.reported ?? 0) },
        { name: et('kpi.closed'), type: 'line', showAllSymbol: true, symbolSize: 7, data: dayList.map((d) => byDay.get(d)?.closed ?? 0) },
      ],
    };
  }, [data, dayList, et]);

  const label = (i: BreakdownItem) => (i.key === '' ? et('uncategorised') : pick(i.name ?? i.key, i.nameEn ?? i.name ?? i.key));
  const bars = (items: BreakdownItem[]): ChartOption => ({
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [et('kpi.reported'), et('kpi.closed')] },
    grid: { left: 110, right: 16, top: 36, bottom: 24 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: items.map(label), inverse: true },
    series: [
      { name: et('kpi.reported'), type: 'bar', barMaxWidth: 24, data: items.map((i) => i.counts.reported) },
      { name: et('kpi.closed'), type: 'bar', barMaxWidth: 24, data: items.map((i) => i.counts.closed) },
    ],
  });
  // Cases without a category cannot be drilled by category: they are left out of that chart.
  const categories = useMemo(() => (data?.categories ?? []).filter((c) => c.key !== ''), [data]);
  const places = data?.places ?? [];
  const deptName = (code: string, name: string | null) => {
    const d = ref?.departments.find((x) => x.code === code);
    return d ? pick(d.name, d.nameEn) : (name ?? code);
  };
  const closedOf = (series: number) => (series === 1 ? { status: 'closed' as const } : {});

  if (!top) return <Alert type="info" showIcon title={et('noData')} />;
  const prev = previousOf(period);

  return (
    <div data-testid="page-statistics">
      <Card style={{ marginBottom: 16 }}>
        <Space wrap size="large">
          <Space>
            <Typography.Text>{et('period')}</Typography.Text>
            <Segmented
              data-testid="period-kind"
              value={kind}
              onChange={(v) => setKind(v as PeriodKind | 'custom')}
              options={(['week', 'month', 'quarter', 'custom'] as const).map((k) => ({ value: k, label: et(`period.${k}`) }))}
            />
            {kind === 'custom' && (
              <DatePicker.RangePicker
                data-testid="period-custom"
                value={custom}
                disabledDate={(d) => d.isAfter(dayjs())}
                onChange={(v) => setCustom(v && v[0] && v[1] ? [v[0], v[1]] : null)}
              />
            )}
          </Space>
          <Space>
            <Typography.Text>{et('area')}</Typography.Text>
            <div style={{ width: 280 }}>
              <PlacePicker value={picked} onChange={setPicked} placeholder={data?.now.name ?? et('area.hint')} testId="statistics-area" />
            </div>
          </Space>
          <Typography.Text type="secondary" data-testid="statistics-period">
            {period.from} ~ {period.to}
          </Typography.Text>
        </Space>
        <div style={{ marginTop: 8 }}>
          <Typography.Text type="secondary">
            {et('cohort')}；{et('previousHint', { from: prev.from, to: prev.to })}；{et('drillHint')}
          </Typography.Text>
        </div>
      </Card>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="statistics-error" />}
      {data && (
        <>
          <KpiFigures now={data.now} before={data.before} onDrill={(d) => drill(d)} onCases={(measure) => navigate(casesPath({ code: area!, measure, from: period.from, to: period.to }))} />
          <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
            <Col xs={24} xl={12}>
              <Card title={et('trend')} size="small">
                <EChart testId="chart-trend" option={trend} onClick={(i, s) => drill({ from: dayList[i]!, to: dayList[i]!, ...closedOf(s) })} />
              </Card>
            </Col>
            <Col xs={24} xl={12}>
              <Card title={et('byCategory')} size="small">
                <EChart testId="chart-category" option={bars(categories)} height={Math.max(280, categories.length * 34 + 60)}
                  onClick={(i, s) => drill({ category: categories[i]!.key, ...closedOf(s) })} />
              </Card>
            </Col>
            {placeBy && (
              <Col xs={24} xl={12}>
                <Card title={et(placeBy === 'street' ? 'byStreet' : 'byCommunity')} size="small">
                  <EChart testId="chart-place" option={bars(places)} height={Math.max(280, places.length * 34 + 60)}
                    onClick={(i, s) => drill({ grid: places[i]!.key, ...closedOf(s) })} />
                </Card>
              </Col>
            )}
            <Col xs={24} xl={12}>
              <Card title={et('ranking')} size="small" extra={<Typography.Text type="secondary">{et('ranking.scope')}</Typography.Text>}>
                <Table<RankingItem>
                  size="small"
                  rowKey="code"
                  data-testid="department-ranking"
                  pagination={false}
                  dataSource={data.ranking}
                  columns={[
                    { title: et('rank'), dataIndex: 'rank', width: 64, render: (v: number | null) => v ?? '—' },
                    { title: et('previousRank'), dataIndex: 'previousRank', width: 84, render: (v: number | null) => v ?? '—' },
                    { title: et('department'), dataIndex: 'code', render: (c: string, r) => deptName(c, r.name) },
                    { title: et('kpi.onTimeCloseRate'), dataIndex: 'value', width: 110, render: (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`) },
                    {
                      title: et('kpi.closed'), key: 'closed', width: 80,
                      // The ranking covers the caller's whole scope, so its cases are drilled over the top area.
                      render: (_: unknown, r) => <Link data-testid={`ranking-closed-${r.code}`} to={drillPath({ grid: top, from: period.from, to: period.to, status: 'closed', leadDepartment: r.code })}>{r.counts.closed}</Link>,
                    },
                  ]}
                />
              </Card>
            </Col>
            <Col span={24}>
              <WorkerRanking area={area!} period={period} />
            </Col>
            <Col span={24}>
              <Card title={et('overdueList')} size="small" extra={<Link to={`/incidents?overdue=true&grid=${area}`} data-testid="overdue-all">{et('overdueAll')}</Link>}>
                <Table<Incident>
                  size="small"
                  rowKey="id"
                  data-testid="overdue-list"
                  pagination={false}
                  dataSource={data.overdue}
                  onRow={(r) => ({ onClick: () => navigate(`/incidents/${r.id}`), style: { cursor: 'pointer' } })}
                  columns={[
                    { title: et('col.code'), dataIndex: 'code', width: 170 },
                    { title: et('col.reportedAt'), dataIndex: 'reportedAt', width: 170, render: (v: string) => formatDateTime(v) },
                    { title: et('department'), dataIndex: 'leadDepartmentCode', width: 160, render: (c: string | null) => (c ? deptName(c, null) : '') },
                    { title: et('col.due'), dataIndex: 'dueAt', width: 170, render: (v: string | null) => formatDateTime(v) },
                    { title: et('col.description'), dataIndex: 'description', ellipsis: true },
                  ]}
                />
              </Card>
            </Col>
          </Row>
        </>
      )}
    </div>
  );
}
