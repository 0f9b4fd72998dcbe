import { Alert, Button, Progress, Select, Space, Steps, Table, Typography, Upload } from 'antd';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { basedataApi, type ImportJob, type UploadResult } from './api.js';
import { useBasedataText } from './messages.js';

/** Import wizard: upload → map columns (suggested from the headers) → run with progress → error file. Plus export. */
export default function ImportPanel() {
  const t = useBasedataText();
  const { can } = useAuth();
  const [fields, setFields] = useState<{ key: string; label: string; required: boolean }[]>([]);
  const [upload, setUpload] = useState<UploadResult | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [job, setJob] = useState<ImportJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    basedataApi.importFields().then(setFields).catch((err: unknown) => setError(errorMessage(err)));
  }, []);

  // Poll the job row while it runs.
  useEffect(() => {
    if (!job || job.status !== 'running') return;
    const timer = setInterval(() => {
      basedataApi.job(job.jobId).then(setJob).catch((err: unknown) => setError(errorMessage(err)));
    }, 1000);
    return () => clearInterval(timer);
  }, [job]);

  const step = job ? 2 : upload ? 1 : 0;
  const start = async () => {
    if (!upload) return;
    setBusy(true);
    try {
      const clean = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v));
      await basedataApi.setMapping(upload.jobId, clean);
      setJob(await basedataApi.run(upload.jobId));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Steps current={step} items={[{ title: t('import.step.upload') }, { title: t('import.step.map') }, { title: t('import.step.run') }]} />
      {error && <Alert type="error" message={error} />}
      {step === 0 && (
        <Upload
          accept=".csv,.xlsx"
          showUploadList={false}
          beforeUpload={(file) => {
            setBusy(true);
            basedataApi.upload(file)
              .then((r) => { setUpload(r); setMapping(r.suggestedMapping); setError(null); })
              .catch((err: unknown) => setError(errorMessage(err)))
              .finally(() => setBusy(false));
            return false;
          }}
        >
          <Button loading={busy} data-testid="import-upload">{t('import.choose')}</Button>
        </Upload>
      )}
      {step === 1 && upload && (
        <>
          <Table
            rowKey="key"
            size="small"
            pagination={false}
            dataSource={fields}
            columns={[
              { title: t('import.field'), dataIndex: 'label', render: (v: string, f) => <span>{v}{f.required && <Typography.Text type="danger"> *</Typography.Text>}</span> },
              {
                title: t('import.column'),
                render: (_: unknown, f) => (
                  <Select
                    allowClear
                    style={{ width: 240 }}
                    value={mapping[f.key]}
                    onChange={(v?: string) => setMapping((m) => ({ ...m, [f.key]: v ?? '' }))}
                    options={upload.headers.map((h) => ({ value: h, label: h }))}
                  />
                ),
              },
              { title: '', render: (_: unknown, f) => (mapping[f.key] ? upload.sample[0]?.[upload.headers.indexOf(mapping[f.key]!)] ?? '' : '') },
            ]}
          />
          <Button type="primary" loading={busy} disabled={fields.some((f) => f.required && !mapping[f.key])} onClick={() => void start()}>{t('import.start')}</Button>
        </>
      )}
      {step === 2 && job && (
        <>
          <Progress percent={job.status === 'done' ? 100 : job.totalRows ? Math.round((job.lastRow / job.totalRows) * 100) : 50} status={job.status === 'failed' ? 'exception' : job.status === 'done' ? 'success' : 'active'} />
          <Typography.Text>{t('import.progress', { done: job.lastRow, ok: job.okRows, errors: job.errorRows })}</Typography.Text>
          {job.status === 'done' && <Alert type="success" message={t('import.done')} />}
          {(job.status === 'failed' || job.status === 'paused') && (
            <Button onClick={() => basedataApi.run(job.jobId).then(setJob).catch((err: unknown) => setError(errorMessage(err)))}>{t('import.resume')}</Button>
          )}
          {job.errorRows > 0 && <a href={basedataApi.errorsUrl(job.jobId)} download>{t('import.errors')}</a>}
        </>
      )}
      {can('residents.export') && (
        <Space style={{ marginTop: 24 }}>
          <a href={basedataApi.exportUrl({ format: 'csv' })} download><Button>{t('export.csv')}</Button></a>
          <a href={basedataApi.exportUrl({ format: 'xlsx' })} download><Button>{t('export.xlsx')}</Button></a>
          <Typography.Text type="secondary">{t('export.hint')}</Typography.Text>
        </Space>
      )}
    </Space>
  );
}
