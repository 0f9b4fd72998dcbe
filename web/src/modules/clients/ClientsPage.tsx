import { Alert, App, Button, Checkbox, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Progress, Space, Table, Tag, Typography, Upload } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { ScopePicker, parseScopeValue, type ScopeValue } from '../accounts/ScopePicker.js';
import { EChart, type ChartOption } from '../evaluation/EChart.js';
import { CLIENT_SCOPES, clientApi, SHARE_FIELDS, type ApiClient, type ClientInput, type ShareJob } from './api.js';
import { useClientText } from './messages.js';

const POLL_MS = 1000;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The last `days` days as Beijing dates (YYYY-MM-DD), oldest first: the usage chart's axis. */
function lastDays(days: number, now = Date.now()): string[] {
  return Array.from({ length: days }, (_, i) => new Date(now + 8 * 3_600_000 - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** 外部系统接入: the registry of API clients (create, edit, rotate, revoke, usage, bulk checks). */
export default function ClientsPage() {
  const ct = useClientText();
  const { message } = App.useApp();
  const [clients, setClients] = useState<ApiClient[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<ApiClient | 'new' | null>(null);
  const [shownKey, setShownKey] = useState<string | null>(null);
  const [usageOf, setUsageOf] = useState<ApiClient | null>(null);
  const [jobsOf, setJobsOf] = useState<ApiClient | null>(null);

  const load = useCallback(() => clientApi.list().then((r) => setClients(r.items)).catch((err: unknown) => setError(errorMessage(err))), []);
  useEffect(() => {
    void load();
  }, [load]);

  const rotate = async (c: ApiClient) => {
    try {
      setShownKey((await clientApi.rotate(c.id)).apiKey);
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };
  const revoke = async (c: ApiClient) => {
    try {
      await clientApi.revoke(c.id);
      message.success(ct('revoked'));
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  return (
    <div data-testid="page-api-clients">
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3}>{ct('title')}</Typography.Title>
        <Button type="primary" onClick={() => setEditing('new')} data-testid="client-create">{ct('create')}</Button>
      </Space>
      <Typography.Paragraph type="secondary">{ct('intro')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Table<ApiClient>
        rowKey="id"
        loading={clients === null && !error}
        dataSource={clients ?? []}
        pagination={false}
        onRow={(c) => ({ 'data-testid': `client-row-${c.name}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: ct('col.name'), dataIndex: 'name' },
          { title: ct('col.key'), render: (_, c) => <Typography.Text code style={{ whiteSpace: 'nowrap' }} data-testid="client-prefix">{`cgk_${c.keyPrefix}_…`}</Typography.Text> },
          { title: ct('col.scopes'), render: (_, c) => c.scopes.map((s) => <Tag key={s}>{ct(`scope.${s}`)}</Tag>) },
          { title: ct('col.grid'), dataIndex: 'scopeCode' },
          { title: ct('col.fields'), render: (_, c) => (c.scopes.includes('share.residents.verify') ? c.fields.map((f) => ct(`field.${f}`)).join('、') : '—') },
          { title: ct('col.rate'), dataIndex: 'ratePerMinute' },
          { title: ct('col.status'), render: (_, c) => <Tag color={c.status === 'active' ? 'success' : 'default'} data-testid="client-status">{ct(`status.${c.status}`)}</Tag> },
          { title: ct('col.lastUsed'), render: (_, c) => formatDateTime(iso(c.lastUsedAt)) || '—' },
          {
            title: ct('col.actions'),
            render: (_, c) => (
              <Space size={0} wrap>
                <Button type="link" size="small" onClick={() => setUsageOf(c)} data-testid="client-usage">{ct('action.usage')}</Button>
                {c.scopes.includes('share.residents.verify') && <Button type="link" size="small" onClick={() => setJobsOf(c)} data-testid="client-jobs">{ct('action.jobs')}</Button>}
                {c.status === 'active' && (
                  <>
                    <Button type="link" size="small" onClick={() => setEditing(c)} data-testid="client-edit">{ct('action.edit')}</Button>
                    <Popconfirm title={ct('rotate.confirm')} onConfirm={() => void rotate(c)} okButtonProps={{ 'data-testid': 'client-rotate-confirm' }}>
                      <Button type="link" size="small" data-testid="client-rotate">{ct('action.rotate')}</Button>
                    </Popconfirm>
                    <Popconfirm title={ct('revoke.confirm')} onConfirm={() => void revoke(c)} okButtonProps={{ danger: true, 'data-testid': 'client-revoke-confirm' }}>
                      <Button type="link" size="small" danger data-testid="client-revoke">{ct('action.revoke')}</Button>
                    </Popconfirm>
                  </>
                )}
              </Space>
            ),
          },
        ]}
      />
      {editing && (
        <ClientForm
          client={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={async (key) => {
            setEditing(null);
            if (key) setShownKey(key);
            else message.success(ct('saved'));
            await load();
          }}
        />
      )}
      <KeyModal apiKey={shownKey} onClose={() => setShownKey(null)} />
      {usageOf && <UsageDrawer client={usageOf} onClose={() => setUsageOf(null)} />}
      {jobsOf && <JobsDrawer client={jobsOf} onClose={() => setJobsOf(null)} />}
    </div>
  );
}

interface FormValues {
  name: string;
  scopes: ClientInput['scopes'];
  scope: ScopeValue;
  fields: ClientInput['fields'];
  ratePerMinute: number;
}

function ClientForm({ client, onClose, onSaved }: { client: ApiClient | null; onClose: () => void; onSaved: (key: string | null) => Promise<void> }) {
  const ct = useClientText();
  const [form] = Form.useForm<FormValues>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const initial: Partial<FormValues> = client
    ? { name: client.name, scopes: client.scopes, scope: `grid:${client.scopeCode}`, fields: client.fields, ratePerMinute: client.ratePerMinute }
    : { scopes: [], fields: ['found'], ratePerMinute: 60 };

  const save = async () => {
    const v = await form.validateFields();
    const scope = parseScopeValue(v.scope);
    if (scope.kind !== 'grid') {
      setError(ct('form.gridOnly'));
      return;
    }
    const body: ClientInput = { name: v.name, scopes: v.scopes, scopeCode: scope.code, fields: v.fields.length > 0 ? v.fields : ['found'], ratePerMinute: v.ratePerMinute };
    setBusy(true);
    try {
      if (client) {
        await clientApi.update(client.id, body);
        await onSaved(null);
      } else {
        await onSaved((await clientApi.create(body)).apiKey);
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={ct(client ? 'form.editTitle' : 'form.createTitle')} onCancel={onClose} onOk={() => void save()} confirmLoading={busy}
      okButtonProps={{ 'data-testid': 'client-save' }} destroyOnHidden>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="client-form-error" />}
      <Form form={form} layout="vertical" initialValues={initial}>
        <Form.Item name="name" label={ct('form.name')} rules={[{ required: true, whitespace: true, message: ct('form.required') }]}>
          <Input maxLength={100} data-testid="client-name" />
        </Form.Item>
        <Form.Item name="scopes" label={ct('form.scopes')} rules={[{ required: true, type: 'array', min: 1, message: ct('form.required') }]}>
          <Checkbox.Group data-testid="client-scopes" options={CLIENT_SCOPES.map((s) => ({ value: s, label: ct(`scope.${s}`) }))} />
        </Form.Item>
        <Form.Item name="scope" label={ct('form.grid')} rules={[{ required: true, message: ct('form.required') }]}>
          <ScopePicker />
        </Form.Item>
        <Form.Item name="fields" label={ct('form.fields')}>
          <Checkbox.Group data-testid="client-fields" options={SHARE_FIELDS.map((f) => ({ value: f, label: ct(`field.${f}`) }))} />
        </Form.Item>
        <Form.Item name="ratePerMinute" label={ct('form.rate')} rules={[{ required: true, message: ct('form.required') }]}>
          <InputNumber min={1} max={10000} data-testid="client-rate" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The key, shown once: copy it now, it is never shown again. */
function KeyModal({ apiKey, onClose }: { apiKey: string | null; onClose: () => void }) {
  const ct = useClientText();
  // Unmounted once closed, so the key leaves the page with the dialog.
  if (apiKey === null) return null;
  return (
    <Modal open title={ct('key.title')} onCancel={onClose} closable={false} maskClosable={false}
      footer={<Button type="primary" onClick={onClose} data-testid="client-key-close">{ct('key.close')}</Button>}>
      <Alert type="warning" showIcon title={ct('key.warning')} style={{ marginBottom: 16 }} />
      <Typography.Paragraph code copyable={{ text: apiKey, tooltips: [ct('key.copy'), ct('key.copied')] }} data-testid="client-key">
        {apiKey}
      </Typography.Paragraph>
    </Modal>
  );
}

function UsageDrawer({ client, onClose }: { client: ApiClient; onClose: () => void }) {
  const ct = useClientText();
  const [items, setItems] = useState<{ day: string; scope: string; calls: number }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    clientApi.usage(client.id, 30).then((r) => setItems(r.items)).catch((err: unknown) => setError(errorMessage(err)));
  }, [client.id]);
  const option = useMemo<ChartOption>(() => {
    const days = lastDays(30);
    const scopes = [...new Set((items ?? []).map((i) => i.scope))].sort();
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: scopes.map((s) => ct(`scope.${s}` as Parameters<typeof ct>[0])) },
      grid: { left: 48, right: 24, top: 56, bottom: 32 },
      xAxis: { type: 'category', data: days.map((d) => d.slice(5)) },
      yAxis: { type: 'value', name: ct('usage.calls'), minInterval: 1 },
      series: scopes.map((s) => ({
        name: ct(`scope.${s}` as Parameters<typeof ct>[0]),
        type: 'bar',
        stack: 'calls',
        data: days.map((d) => (items ?? []).find((i) => i.day === d && i.scope === s)?.calls ?? 0),
      })),
    };
  }, [items, ct]);
  const total = (items ?? []).reduce((n, i) => n + i.calls, 0);
  return (
    <Drawer open title={`${client.name} · ${ct('usage.title')}`} size="large" onClose={onClose}>
      {error && <Alert type="error" showIcon title={error} />}
      <Typography.Paragraph data-testid="client-usage-total">{ct('usage.total', { n: total })}</Typography.Paragraph>
      <Space wrap data-testid="client-usage-scopes">
        {[...new Set((items ?? []).map((i) => i.scope))].sort().map((s) => (
          <Tag key={s} data-testid={`client-usage-scope-${s}`}>{`${ct(`scope.${s}` as Parameters<typeof ct>[0])}: ${(items ?? []).filter((i) => i.scope === s).reduce((n, i) => n + i.calls, 0)}`}</Tag>
        ))}
      </Space>
      <EChart option={option} height={320} testId="client-usage-chart" />
    </Drawer>
  );
}

function JobsDrawer({ client, onClose }: { client: ApiClient; onClose: () => void }) {
  const ct = useClientText();
  const { message } = App.useApp();
  const [jobs, setJobs] = useState<ShareJob[] | null>(null);
  const load = useCallback(() => clientApi.jobs(client.id).then((r) => setJobs(r.items)).catch((err: unknown) => message.error(errorMessage(err))), [client.id, message]);
  useEffect(() => {
    void load();
  }, [load]);
  const pending = jobs?.some((j) => j.status === 'queued' || j.status === 'running') ?? false;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [pending, load]);
  return (
    <Drawer open title={`${client.name} · ${ct('jobs.title')}`} size="large" onClose={onClose}>
      <Typography.Paragraph type="secondary">{ct('jobs.hint')}</Typography.Paragraph>
      {client.status === 'active' && (
        <Upload accept=".csv,.xlsx" showUploadList={false} customRequest={({ file, onSuccess, onError }) => {
          clientApi.uploadJob(client.id, file as File).then((job) => {
            onSuccess?.(job);
            void load();
          }).catch((err: unknown) => {
            onError?.(err as Error);
            message.error(errorMessage(err));
          });
        }}>
          <Button data-testid="client-job-upload">{ct('jobs.upload')}</Button>
        </Upload>
      )}
      <Table<ShareJob>
        style={{ marginTop: 16 }}
        rowKey="id"
        loading={jobs === null}
        dataSource={jobs ?? []}
        pagination={false}
        data-testid="client-jobs-table"
        columns={[
          { title: ct('jobs.col.file'), dataIndex: 'fileName' },
          { title: ct('jobs.col.source'), render: (_, j) => ct(j.uploadedByConsole ? 'jobs.source.console' : 'jobs.source.api') },
          { title: ct('jobs.col.status'), render: (_, j) => <Tag color={j.status === 'done' ? 'success' : j.status === 'failed' ? 'error' : 'processing'} data-testid="client-job-status">{ct(`jobs.status.${j.status}`)}</Tag> },
          { title: ct('jobs.col.progress'), render: (_, j) => <Progress size="small" percent={j.status === 'done' ? 100 : j.expectedRows ? Math.floor((j.totalRows / j.expectedRows) * 100) : 0} status={j.status === 'failed' ? 'exception' : undefined} /> },
          {
            title: ct('jobs.col.result'),
            render: (_, j) => (
              <Space direction="vertical" size={0}>
                <span data-testid="client-job-summary">{ct('jobs.summary', { found: j.found, notFound: j.notFound, invalid: j.invalid })}</span>
                {j.status === 'done' && <a href={clientApi.jobResultUrl(j.id)} data-testid="client-job-download">{ct('jobs.download')}</a>}
              </Space>
            ),
          },
        ]}
      />
    </Drawer>
  );
}
