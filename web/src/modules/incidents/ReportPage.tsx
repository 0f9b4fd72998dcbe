import { Alert, App, Button, Card, Cascader, Col, Form, Input, InputNumber, List, Row, Select, Space, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { CHANNELS, incidentApi, type Channel, type CreateBody, type Duplicate } from './api.js';
import { PhotoUpload, useReference } from './common.js';
import { PickMap } from './maps.js';
import { useIncidentText } from './messages.js';
import { PlacePicker } from './PlacePicker.js';
import { CategorySuggestions } from './CategorySuggestions.js';

type Crs = 'wgs84' | 'gcj02' | 'bd09';

interface ReportForm {
  lng?: number | null;
  lat?: number | null;
  crs: Crs;
  /** Codes picked by name from the top of the scope down; the last, a unit grid, places the case. */
  gridCode?: string[];
  address?: string;
  description: string;
  category?: string[];
  channel: Channel;
  photos?: string[];
  reporterName?: string;
  reporterPhone?: string;
}

type Located = { inside: true; unit: { code: string; name: string } } | { inside: false; message: string };

function newKey(): string {
  return typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

/** 上报事件: the operator's and the grid worker's report form. */
export default function ReportPage() {
  const it = useIncidentText();
  const { lang } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const ref = useReference();
  const [form] = Form.useForm<ReportForm>();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [located, setLocated] = useState<Located | null>(null);
  const [duplicates, setDuplicates] = useState<{ id: number; code: string; items: Duplicate[] } | null>(null);
  // One key per form submission: a retry after a lost answer reuses it; any edit makes a new one.
  const keyRef = useRef<string>(newKey());
  const lng = Form.useWatch('lng', form);
  const lat = Form.useWatch('lat', form);
  const crs = Form.useWatch('crs', form);
  const description = Form.useWatch('description', form);
  const isWorker = (me?.roles ?? []).some((r) => r.role === 'grid_worker');

  useEffect(() => {
    if (typeof lng !== 'number' || typeof lat !== 'number') {
      setLocated(null);
      return;
    }
    let live = true;
    api
      .get<Located>('/api/grids/locate', { lng, lat, crs: crs ?? 'wgs84' })
      .then((r) => live && setLocated(r))
      .catch(() => live && setLocated(null));
    return () => {
      live = false;
    };
  }, [lng, lat, crs]);

  const submit = async (v: ReportForm) => {
    const hasPoint = typeof v.lng === 'number' && typeof v.lat === 'number';
    // A unit grid's code has 15 digits; a street or community alone does not place the case.
    const last = v.gridCode?.[v.gridCode.length - 1];
    const unit = last && /^\d{15}$/.test(last) ? last : undefined;
    if (!hasPoint && !unit) {
      setError(it('report.needLocation'));
      return;
    }
    const body: CreateBody = { channel: v.channel, description: v.description.trim() };
    if (hasPoint) body.position = { lng: v.lng!, lat: v.lat!, crs: v.crs };
    if (unit) body.gridCode = unit;
    if (v.address?.trim()) body.address = v.address.trim();
    if (v.category?.length === 2) body.categoryCode = v.category[1];
    if (v.photos?.length) body.photos = v.photos;
    if (v.reporterName?.trim() || v.reporterPhone?.trim()) {
      body.reporter = {
        ...(v.reporterName?.trim() ? { name: v.reporterName.trim() } : {}),
        ...(v.reporterPhone?.trim() ? { phone: v.reporterPhone.trim() } : {}),
      };
    }
    setSubmitting(true);
    try {
      const res = await incidentApi.create(body, keyRef.current);
      message.success(it('report.created', { code: res.incident.code }));
      keyRef.current = newKey();
      if (res.possibleDuplicates.length > 0) {
        setDuplicates({ id: res.incident.id, code: res.incident.code, items: res.possibleDuplicates });
        form.resetFields();
      } else {
        navigate(`/incidents/${res.incident.id}`);
      }
      setError(null);
    } catch (err) {
      // The same key goes out again on retry, so a lost answer cannot create a second incident.
      setError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Card title={it('report.title')} data-testid="page-incident-report">
      {duplicates && (
        <Alert
          type="warning"
          showIcon
          closable
          style={{ marginBottom: 16 }}
          data-testid="report-duplicates"
          title={
            <span>
              {it('report.created', { code: duplicates.code })} — <Link to={`/incidents/${duplicates.id}`}>{duplicates.code}</Link>
            </span>
          }
          description={
            <div>
              <Typography.Text strong>{it('report.duplicates')}</Typography.Text>
              <List
                size="small"
                dataSource={duplicates.items}
                renderItem={(d) => (
                  <List.Item>
                    <Link to={`/incidents/${d.id}`}>{d.code}</Link> · {d.distanceM} m · {d.description}
                  </List.Item>
                )}
              />
            </div>
          }
          onClose={() => setDuplicates(null)}
        />
      )}
      <Form<ReportForm>
        form={form}
        layout="vertical"
        initialValues={{ crs: 'wgs84', channel: isWorker ? 'grid_worker' : 'operator_phone', photos: [] }}
        onFinish={submit}
        onValuesChange={() => {
          keyRef.current = newKey();
        }}
      >
        <Row gutter={24}>
          <Col xs={24} lg={12}>
            <Form.Item label={it('report.location')} extra={it('report.pickOnMap')}>
              <PickMap
                value={typeof lng === 'number' && typeof lat === 'number' ? { lng, lat } : null}
                onPick={(x, y) => {
                  form.setFieldsValue({ lng: x, lat: y, crs: 'wgs84' });
                  keyRef.current = newKey();
                }}
              />
            </Form.Item>
            <Space wrap align="start">
              <Form.Item name="lng" label={it('report.lng')}>
                <InputNumber min={-180} max={180} step={0.000001} style={{ width: 150 }} data-testid="report-lng" />
              </Form.Item>
              <Form.Item name="lat" label={it('report.lat')}>
                <InputNumber min={-90} max={90} step={0.000001} style={{ width: 150 }} data-testid="report-lat" />
              </Form.Item>
              <Form.Item name="crs" label={it('report.crs')}>
                <Select
                  style={{ width: 200 }}
                  data-testid="report-crs"
                  options={(['wgs84', 'gcj02', 'bd09'] as const).map((c) => ({ value: c, label: it(`report.crs.${c}`) }))}
                />
              </Form.Item>
            </Space>
            {located && (
              <Alert
                type={located.inside ? 'success' : 'warning'}
                showIcon
                style={{ marginBottom: 16 }}
                data-testid="report-located"
                title={located.inside ? it('report.located', { name: `${located.unit.name}（${located.unit.code}）` }) : located.message}
              />
            )}
            <Form.Item
              name="gridCode"
              label={it('report.gridCode')}
              extra={it('report.gridCodeHint')}
              rules={[{ validator: async (_, v?: string[]) => (!v?.length || /^\d{15}$/.test(v[v.length - 1]!) ? undefined : Promise.reject(new Error(it('report.gridCodeHint')))) }]}
            >
              <PlacePicker testId="report-grid-code" placeholder={it('list.areaHint')} />
            </Form.Item>
          </Col>
          <Col xs={24} lg={12}>
            <Form.Item name="description" label={it('report.description')} rules={[{ required: true, whitespace: true, message: it('form.required') }]}>
              <Input.TextArea rows={4} maxLength={4000} showCount data-testid="report-description" />
            </Form.Item>
            <CategorySuggestions text={description} lang={lang} onPick={(c) => form.setFieldValue('category', [c.majorCode, c.code])} />
            <Form.Item name="address" label={it('report.address')}>
              <Input maxLength={500} data-testid="report-address" />
            </Form.Item>
            <Row gutter={12}>
              <Col span={14}>
                <Form.Item name="category" label={it('report.category')}>
                  <Cascader options={ref?.categoryOptions ?? []} showSearch data-testid="report-category" />
                </Form.Item>
              </Col>
              <Col span={10}>
                <Form.Item name="channel" label={it('report.channel')} rules={[{ required: true }]}>
                  <Select data-testid="report-channel" options={CHANNELS.filter((c) => c !== 'exchange_import').map((c) => ({ value: c, label: it(`channel.${c}`) }))} />
                </Form.Item>
              </Col>
            </Row>
            <Row gutter={12}>
              <Col span={12}>
                <Form.Item name="reporterName" label={it('report.reporterName')}>
                  <Input maxLength={100} data-testid="report-reporter-name" />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="reporterPhone" label={it('report.reporterPhone')}>
                  <Input maxLength={20} data-testid="report-reporter-phone" />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="photos" label={it('report.photos')}>
              <PhotoUpload testId="report-photos" />
            </Form.Item>
            {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="report-error" />}
            <Button type="primary" htmlType="submit" loading={submitting} data-testid="report-submit">
              {it('report.submit')}
            </Button>
          </Col>
        </Row>
      </Form>
    </Card>
  );
}
