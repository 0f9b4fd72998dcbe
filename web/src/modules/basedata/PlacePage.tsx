import { Alert, App, Button, Card, Descriptions, Form, Input, Radio, Table, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { basedataApi, type Inspection, type InspectionResult, type PlaceView } from './api.js';
import { INSPECTION_RESULTS, placeTypeLabel } from './codes.js';
import { Back } from './common.js';
import { useLoad } from './hooks.js';
import { useBasedataText } from './messages.js';

const RESULT_COLORS: Record<InspectionResult, string> = { pass: 'green', issues: 'orange', fail: 'red' };

/** One place: its details, the inspection history, and recording an inspection. */
export default function PlacePage() {
  const t = useBasedataText();
  const { can } = useAuth();
  const id = Number(useParams().id);
  const fetcher = useCallback(() => basedataApi.place(id), [id]);
  const { data, error, reload } = useLoad<PlaceView>(fetcher);
  if (error) return <Alert type="error" message={error} />;
  if (!data) return null;
  const p = data.place;
  return (
    <Card title={`${t('place.title')}：${p.name}`} extra={<Back />}>
      <Descriptions bordered size="small" column={2}>
        <Descriptions.Item label={t('place.type')}>{placeTypeLabel(t, p.type)}</Descriptions.Item>
        <Descriptions.Item label={t('col.grid')}>{p.gridCode}</Descriptions.Item>
        <Descriptions.Item label={t('col.address')}>{p.address}</Descriptions.Item>
        <Descriptions.Item label={t('place.contact')}>{p.contactName ?? ''}</Descriptions.Item>
        <Descriptions.Item label={t('f.position')}>{p.lng !== null && p.lat !== null ? `${p.lng}, ${p.lat}` : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('place.lastInspected')}>{p.lastInspectedAt ? formatDateTime(p.lastInspectedAt) : t('place.neverInspected')}</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5} style={{ marginTop: 16 }}>{t('inspection.history')}</Typography.Title>
      <Table<Inspection>
        rowKey="id"
        size="small"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        dataSource={data.inspections}
        data-testid="inspection-history"
        locale={{ emptyText: t('place.neverInspected') }}
        columns={[
          { title: t('inspection.at'), dataIndex: 'inspectedAt', render: (v: string) => formatDateTime(v) },
          { title: t('inspection.result'), dataIndex: 'result', render: (v: InspectionResult) => <Tag color={RESULT_COLORS[v]}>{t(`inspection.${v}`)}</Tag> },
          { title: t('inspection.notes'), dataIndex: 'notes' },
          { title: t('inspection.inspector'), dataIndex: 'inspectorName', render: (v: string | null) => v ?? '' },
        ]}
      />
      {can('residents.manage') && <InspectionForm placeId={id} onSaved={reload} />}
    </Card>
  );
}

function InspectionForm({ placeId, onSaved }: { placeId: number; onSaved(): void }) {
  const t = useBasedataText();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ result: InspectionResult; notes?: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (v: { result: InspectionResult; notes?: string }) => {
    setBusy(true);
    try {
      await basedataApi.inspect(placeId, { result: v.result, notes: v.notes?.trim() ?? '' });
      message.success(t('inspection.saved'));
      form.resetFields();
      setError(null);
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={(v) => void save(v)} style={{ marginTop: 16, maxWidth: 640 }} data-testid="inspection-form" initialValues={{ result: 'pass' }}>
      <Typography.Title level={5}>{t('inspection.add')}</Typography.Title>
      <Form.Item name="result" label={t('inspection.result')} rules={[{ required: true }]}>
        <Radio.Group optionType="button" buttonStyle="solid" options={INSPECTION_RESULTS.map((value) => ({ value, label: t(`inspection.${value}`) }))} data-testid="inspection-result" />
      </Form.Item>
      <Form.Item name="notes" label={t('inspection.notes')} rules={[{ max: 2000 }]}><Input.TextArea rows={3} maxLength={2000} data-testid="inspection-notes" /></Form.Item>
      {error && <Alert type="error" message={error} style={{ marginBottom: 8 }} />}
      <Button type="primary" htmlType="submit" loading={busy} data-testid="inspection-submit">{t('inspection.add')}</Button>
    </Form>
  );
}
