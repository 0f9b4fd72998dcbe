import { App, Button, Card, DatePicker, Space, Statistic, Row, Col, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { workforceApi, type DayRow, type Leave, type Totals } from './api.js';
import { beijingDate, clockTime, hours, km, StatusTag } from './common.js';
import { LeaveModal, LeaveTag } from './LeavePanel.js';
import { useWorkforceText } from './messages.js';

/** 我的考勤: the worker's own month, day by day, and their leave requests. */
export default function MyAttendancePage() {
  const wt = useWorkforceText();
  const { message } = App.useApp();
  const [month, setMonth] = useState(beijingDate().slice(0, 7));
  const [days, setDays] = useState<DayRow[]>([]);
  const [totals, setTotals] = useState<Totals | null>(null);
  const [leave, setLeave] = useState<Leave[]>([]);
  const [asking, setAsking] = useState(false);

  const loadLeave = useCallback(() => {
    void workforceApi.myLeave().then((r) => setLeave(r.items)).catch((err: unknown) => void message.error(errorMessage(err)));
  }, [message]);
  useEffect(() => {
    void workforceApi.myMonth(month).then((r) => {
      setDays(r.days);
      setTotals(r.totals);
    }).catch((err: unknown) => void message.error(errorMessage(err)));
  }, [month, message]);
  useEffect(loadLeave, [loadLeave]);

  return (
    <Card title={wt('mine.title')} data-testid="page-my-attendance">
      <Space style={{ marginBottom: 12 }}>
        <DatePicker picker="month" allowClear={false} value={dayjs(`${month}-01`)} onChange={(d) => d && setMonth(d.format('YYYY-MM'))} />
      </Space>
      {totals && (
        <Row gutter={16} style={{ marginBottom: 12 }}>
          <Col span={4}><Statistic title={wt('att.rostered')} value={totals.rosteredDays} /></Col>
          <Col span={4}><Statistic title={wt('att.lateDays')} value={totals.lateDays} /></Col>
          <Col span={4}><Statistic title={wt('att.absentDays')} value={totals.absentDays} /></Col>
          <Col span={4}><Statistic title={wt('att.leaveDays')} value={totals.leaveDays} /></Col>
          <Col span={4}><Statistic title={wt('att.patrol')} value={wt('att.hours', { h: hours(totals.patrolSeconds) })} /></Col>
          <Col span={4}><Statistic title={wt('att.distance')} value={wt('att.km', { km: km(totals.distanceM) })} /></Col>
        </Row>
      )}
      <Table<DayRow>
        rowKey="date"
        size="small"
        pagination={false}
        dataSource={days}
        data-testid="my-days"
        columns={[
          { title: wt('att.date'), dataIndex: 'date' },
          { title: wt('att.status'), render: (_, d) => <StatusTag status={d.status} /> },
          { title: wt('att.shift'), render: (_, d) => (d.shift ? `${d.shift.start}–${d.shift.end}` : '—') },
          { title: wt('att.in'), render: (_, d) => clockTime(d.firstIn) },
          { title: wt('att.out'), render: (_, d) => clockTime(d.lastOut) },
          { title: wt('att.patrol'), render: (_, d) => (d.patrolSeconds ? wt('att.hours', { h: hours(d.patrolSeconds) }) : '') },
          { title: wt('att.distance'), render: (_, d) => (d.distanceM ? wt('att.km', { km: km(d.distanceM) }) : '') },
          { title: wt('att.cases'), dataIndex: 'casesReported' },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 24 }}>{wt('mine.leave')}</Typography.Title>
      <Button style={{ marginBottom: 8 }} onClick={() => setAsking(true)} data-testid="my-leave-request">{wt('leave.request')}</Button>
      <Table<Leave>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={leave}
        data-testid="my-leave"
        columns={[
          { title: wt('leave.kind'), render: (_, l) => wt(`leave.kind.${l.kind}`) },
          { title: wt('leave.dates'), render: (_, l) => (l.fromDate === l.toDate ? l.fromDate : `${l.fromDate} – ${l.toDate}`) },
          { title: wt('leave.reason'), dataIndex: 'reason' },
          { title: wt('leave.status'), render: (_, l) => <LeaveTag status={l.status} /> },
          { title: wt('leave.decision'), render: (_, l) => (l.decidedBy && l.status !== 'cancelled' ? `${l.decidedBy}${l.decisionNote ? `：${l.decisionNote}` : ''}` : '') },
          {
            title: '',
            render: (_, l) => (l.status === 'pending' ? (
              <Button size="small" onClick={async () => {
                try {
                  await workforceApi.cancelLeave(l.id, l.version);
                  loadLeave();
                } catch (err) {
                  void message.error(errorMessage(err));
                }
              }}>{wt('leave.cancel')}</Button>
            ) : null),
          },
        ]}
      />
      {asking && (
        <LeaveModal
          title={wt('leave.request')}
          teams={null}
          onClose={() => setAsking(false)}
          onSubmit={async (v) => {
            await workforceApi.requestLeave({ id: crypto.randomUUID(), kind: v.kind, fromDate: v.fromDate, toDate: v.toDate, reason: v.reason });
            setAsking(false);
            void message.success(wt('leave.submitted'));
            loadLeave();
          }}
        />
      )}
    </Card>
  );
}
