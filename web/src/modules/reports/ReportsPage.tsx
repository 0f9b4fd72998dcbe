import { Alert, App, Button, Card, Form, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { periodLabel, REPORT_KINDS } from '../../../../src/modules/reports/rules/periods.js';
import { api, errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { formatDateTime } from '../../shell/time.js';
import { reportApi, type Report, type ReportKind } from './api.js';
import { useReportText } from './messages.js';
import { recentPeriods } from './periods.js';
import { ReportDownloads } from './ReportDownloads.js';

/** How often the list refreshes while a report is queued or running. */
const POLL_MS = 1500;

/** The district or the streets the caller may generate a report for, by name (the code on hover). */
function useAreas(): { code: string; name: string }[] {
  const { me } = useAuth();
  const [streets, setStreets] = useState<{ code: string; name: string }[]>([]);
  useEffect(() => {
    let live = true;
    api.get<{ items: { code: string; name: string }[] }>('/api/grids', { level: 'street', pageSize: 500 })
      .then((page) => live && setStreets(page.items))
      .catch(() => live && setStreets([]));
    return () => {
      live = false;
    };
  }, []);
  return useMemo(() => {
    const own = (me?.roles ?? []).filter((r) => r.scope.kind === 'grid' && (r.scope.code.length === 6 || r.scope.code.length === 9))
      .map((r) => ({ code: r.scope.code, name: r.scope.name }));
    const all = [...own, ...streets];
    return all.filter((a, i) => all.findIndex((b) => b.code === a.code) === i).sort((a, b) => a.code.localeCompare(b.code));
  }, [me, streets]);
}

/** 报表服务: ask for a report, follow its progress, download it. */
export default function ReportsPage() {
  const rt = useReportText();
  const { lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const areas = useAreas();
  const [kind, setKind] = useState<ReportKind>('monthly');
  const periods = useMemo(() => recentPeriods(kind), [kind]);
  // The last ended period by default: the one a report is usually asked for.
  const [period, setPeriod] = useState<string>(periods[1]!.key);
  const [scope, setScope] = useState<string | null>(null);
  const [reports, setReports] = useState<Report[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => setPeriod(periods[1]!.key), [periods]);
  useEffect(() => {
    if (scope === null && areas.length > 0) setScope(areas[0]!.code);
  }, [areas, scope]);

  const load = useCallback(() => reportApi.list().then((r) => setReports(r.items)).catch((err: unknown) => setError(errorMessage(err))), []);
  useEffect(() => {
    void load();
  }, [load]);
  const pending = reports?.some((r) => r.status === 'queued' || r.status === 'running') ?? false;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [pending, load]);

  const generate = async () => {
    if (!scope) return;
    setBusy(true);
    try {
      await reportApi.generate({ kind, period, scope });
      message.success(rt('generated'));
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="page-reports">
      <Typography.Title level={3}>{rt('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{rt('intro')}</Typography.Paragraph>
      {can('reports.generate') && (
        <Card size="small" style={{ marginBottom: 16 }}>
          <Form layout="inline">
            <Form.Item label={rt('field.kind')}>
              <Select<ReportKind> value={kind} onChange={setKind} style={{ width: 200 }} data-testid="report-kind"
                options={REPORT_KINDS.map((k) => ({ value: k, label: rt(`kind.${k}`) }))} />
            </Form.Item>
            <Form.Item label={rt('field.period')}>
              <Select value={period} onChange={setPeriod} style={{ width: 280 }} data-testid="report-period"
                options={periods.map((p) => ({ value: p.key, label: periodLabel(kind, p, lang) }))} />
            </Form.Item>
            <Form.Item label={rt('field.scope')}>
              <Select value={scope ?? undefined} onChange={setScope} style={{ width: 200 }} data-testid="report-scope"
                options={areas.map((a) => ({ value: a.code, label: <span title={a.code}>{a.name}</span> }))} />
            </Form.Item>
            <Form.Item>
              <Button type="primary" onClick={() => void generate()} loading={busy} disabled={!scope} data-testid="report-generate">{rt('generate')}</Button>
            </Form.Item>
          </Form>
        </Card>
      )}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Table<Report>
        rowKey="id"
        loading={reports === null && !error}
        dataSource={reports ?? []}
        pagination={false}
        locale={{ emptyText: rt('empty') }}
        data-testid="reports-table"
        columns={[
          { title: rt('col.title'), dataIndex: 'title', render: (title: string, r) => <span title={r.scope.code}>{title}</span> },
          { title: rt('col.period'), render: (_, r) => `${r.period.from} ~ ${r.period.to}` },
          { title: rt('col.trigger'), render: (_, r) => <Tag>{rt(`trigger.${r.trigger}`)}</Tag> },
          { title: rt('col.status'), render: (_, r) => <Tag color={r.status === 'done' ? 'success' : r.status === 'failed' ? 'error' : 'processing'}>{rt(`status.${r.status}`)}</Tag> },
          { title: rt('col.createdAt'), render: (_, r) => formatDateTime(r.createdAt) },
          { title: rt('col.download'), render: (_, r) => <Space><ReportDownloads report={r} /></Space> },
        ]}
      />
    </div>
  );
}
