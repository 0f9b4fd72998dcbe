import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, DatePicker, Segmented, Space, Table, Tabs, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { workforceApi, DAY_STATUSES, type AttendanceWorker, type DayRow, type GroupTotals, type MonthReport, type Totals } from './api.js';
import { AreaPicker, beijingDate, clockTime, hours, km, StatusTag } from './common.js';
import { useWorkforceText, type WorkforceText } from './messages.js';

type Row = DayRow & { worker: AttendanceWorker };

function rate(t: Totals): string {
  return t.attendanceRate === null ? '—' : `${(t.attendanceRate * 100).toFixed(1)}%`;
}

function totalColumns(wt: WorkforceText) {
  return [
    { title: wt('att.rostered'), render: (_: unknown, r: { totals: Totals }) => r.totals.rosteredDays },
    { title: wt('att.onTime'), render: (_: unknown, r: { totals: Totals }) => r.totals.onTimeDays },
    { title: wt('att.lateDays'), render: (_: unknown, r: { totals: Totals }) => r.totals.lateDays },
    { title: wt('att.earlyDays'), render: (_: unknown, r: { totals: Totals }) => r.totals.earlyLeaveDays },
    { title: wt('att.absentDays'), render: (_: unknown, r: { totals: Totals }) => r.totals.absentDays },
    { title: wt('att.leaveDays'), render: (_: unknown, r: { totals: Totals }) => r.totals.leaveDays },
    { title: wt('att.patrol'), render: (_: unknown, r: { totals: Totals }) => wt('att.hours', { h: hours(r.totals.patrolSeconds) }) },
    { title: wt('att.distance'), render: (_: unknown, r: { totals: Totals }) => wt('att.km', { km: km(r.totals.distanceM) }) },
    { title: wt('att.cases'), render: (_: unknown, r: { totals: Totals }) => r.totals.casesReported },
    { title: wt('att.rate'), render: (_: unknown, r: { totals: Totals }) => rate(r.totals) },
  ];
}

/** 考勤: every worker in scope on a day, or the month's totals per worker, community and street, with the XLSX export. */
export default function AttendancePanel() {
  const wt = useWorkforceText();
  const [params, setParams] = useSearchParams();
  const mode = params.get('view') === 'month' ? 'month' : 'day';
  const date = params.get('date') ?? beijingDate(-1);
  const month = params.get('month') ?? date.slice(0, 7);
  const grid = params.get('grid') ?? undefined;
  const [day, setDay] = useState<{ rows: Row[]; counts: Record<string, number> } | null>(null);
  const [report, setReport] = useState<MonthReport | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };

  useEffect(() => {
    let live = true;
    setLoading(true);
    const done = () => live && setLoading(false);
    const fail = (err: unknown) => live && setError(errorMessage(err));
    if (mode === 'day') {
      workforceApi.day(date, grid).then((r) => live && (setDay(r), setError(null))).catch(fail).finally(done);
    } else {
      workforceApi.month(month, grid).then((r) => live && (setReport(r), setError(null))).catch(fail).finally(done);
    }
    return () => {
      live = false;
    };
  }, [mode, date, month, grid]);

  return (
    <div data-testid="workforce-attendance">
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented
          value={mode}
          onChange={(v) => set({ view: v === 'month' ? 'month' : undefined })}
          options={[{ value: 'day', label: wt('att.day') }, { value: 'month', label: wt('att.month') }]}
          data-testid="attendance-mode"
        />
        {mode === 'day' ? (
          <DatePicker allowClear={false} value={dayjs(date)} onChange={(d) => d && set({ date: d.format('YYYY-MM-DD') })} data-testid="attendance-date" />
        ) : (
          <DatePicker picker="month" allowClear={false} value={dayjs(`${month}-01`)} onChange={(d) => d && set({ month: d.format('YYYY-MM') })} data-testid="attendance-month" />
        )}
        <AreaPicker value={grid} onChange={(g) => set({ grid: g })} testId="attendance-area" />
        {mode === 'month' && (
          <Button icon={<DownloadOutlined />} href={workforceApi.exportUrl(month, grid)} data-testid="attendance-export">
            {wt('att.export')}
          </Button>
        )}
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {mode === 'day' ? <DayTable rows={day?.rows ?? []} counts={day?.counts ?? {}} loading={loading} date={date} /> : <MonthTables report={report} loading={loading} />}
    </div>
  );
}

function DayTable({ rows, counts, loading, date }: { rows: Row[]; counts: Record<string, number>; loading: boolean; date: string }) {
  const wt = useWorkforceText();
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }} data-testid="attendance-counts">
        {DAY_STATUSES.filter((s) => counts[s]).map((s) => (
          <Tag key={s}>{wt('att.count', { status: wt(`att.status.${s}`), n: counts[s]! })}</Tag>
        ))}
      </Space>
      <Table<Row>
        rowKey={(r) => r.worker.userId}
        size="small"
        loading={loading}
        dataSource={rows}
        data-testid="attendance-day-table"
        pagination={{ pageSize: 50, showSizeChanger: false }}
        scroll={{ x: 1200 }}
        onRow={(r) => ({ 'data-testid': `attendance-row-${r.worker.userId}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: wt('att.street'), render: (_, r) => r.worker.streetName },
          { title: wt('att.community'), render: (_, r) => r.worker.communityName },
          { title: wt('att.worker'), render: (_, r) => r.worker.displayName },
          { title: wt('att.status'), render: (_, r) => (
            <Space size={4}>
              <StatusTag status={r.status} />
              {r.leave === 'pending' && <Tag color="purple">{wt('att.leavePending')}</Tag>}
              {r.missingOut && <Tag color="volcano">{wt('att.missingOut')}</Tag>}
            </Space>
          ) },
          { title: wt('att.shift'), render: (_, r) => (r.shift ? `${r.shift.start}–${r.shift.end}` : '—') },
          { title: wt('att.in'), render: (_, r) => clockTime(r.firstIn) },
          { title: wt('att.out'), render: (_, r) => clockTime(r.lastOut) },
          { title: wt('att.late'), dataIndex: 'lateMinutes', render: (v: number) => v || '' },
          { title: wt('att.early'), dataIndex: 'earlyLeaveMinutes', render: (v: number) => v || '' },
          { title: wt('att.patrol'), render: (_, r) => (r.patrolSeconds ? wt('att.hours', { h: hours(r.patrolSeconds) }) : '') },
          { title: wt('att.distance'), render: (_, r) => (r.distanceM ? wt('att.km', { km: km(r.distanceM) }) : '') },
          { title: wt('att.cases'), dataIndex: 'casesReported' },
          {
            title: wt('att.track'),
            render: (_, r) => (r.patrolCount > 0 ? <Link to={`/workforce/tracks?userId=${r.worker.userId}&date=${date}`} data-testid={`attendance-track-${r.worker.userId}`}>{wt('att.track')}</Link> : ''),
          },
        ]}
      />
    </>
  );
}

function MonthTables({ report, loading }: { report: MonthReport | null; loading: boolean }) {
  const wt = useWorkforceText();
  const groups = (rows: GroupTotals[], testId: string, title: string) => (
    <Table<GroupTotals>
      rowKey="code"
      size="small"
      loading={loading}
      dataSource={rows}
      pagination={false}
      data-testid={testId}
      scroll={{ x: 1100 }}
      columns={[{ title, dataIndex: 'name' }, { title: wt('att.workers'), dataIndex: 'workers' }, ...totalColumns(wt)]}
    />
  );
  return (
    <>
      {report && (
        <Typography.Paragraph data-testid="attendance-total">
          {wt('att.total')}：{wt('att.rostered')} {report.total.rosteredDays}，{wt('att.absentDays')} {report.total.absentDays}，{wt('att.lateDays')} {report.total.lateDays}，{wt('att.rate')} {rate(report.total)}
        </Typography.Paragraph>
      )}
      <Tabs
        items={[
          {
            key: 'workers',
            label: wt('att.byWorker'),
            children: (
              <Table
                rowKey={(r) => r.worker.userId}
                size="small"
                loading={loading}
                dataSource={report?.workers ?? []}
                data-testid="attendance-month-table"
                pagination={{ pageSize: 50, showSizeChanger: false }}
                scroll={{ x: 1300 }}
                columns={[
                  { title: wt('att.street'), render: (_, r) => r.worker.streetName },
                  { title: wt('att.community'), render: (_, r) => r.worker.communityName },
                  { title: wt('att.worker'), render: (_, r) => r.worker.displayName },
                  ...totalColumns(wt),
                ]}
              />
            ),
          },
          { key: 'communities', label: wt('att.byCommunity'), children: groups(report?.communities ?? [], 'attendance-communities', wt('att.community')) },
          { key: 'streets', label: wt('att.byStreet'), children: groups(report?.streets ?? [], 'attendance-streets', wt('att.street')) },
        ]}
      />
    </>
  );
}
