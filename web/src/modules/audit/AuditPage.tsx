import { Alert, Button, Card, Col, DatePicker, Descriptions, Drawer, Form, Input, Row, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { beijingWallClockToIso, formatDateTime } from '../../shell/time.js';
import { auditApi, type AuditQuery, type AuditRecord } from './api.js';

interface FilterForm {
  range?: [Dayjs | null, Dayjs | null] | null;
  username?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  result?: 'success' | 'failure';
}

type Filters = Omit<AuditQuery, 'page' | 'pageSize'>;

/** The picked times are Beijing wall-clock times; the API wants UTC instants. */
function toFilters(v: FilterForm): Filters {
  const text = (s?: string) => (s && s.trim() ? s.trim() : undefined);
  const [from, to] = v.range ?? [null, null];
  const f: Filters = {};
  if (from) f.from = beijingWallClockToIso(from.format('YYYY-MM-DDTHH:mm:ss'));
  if (to) f.to = beijingWallClockToIso(to.format('YYYY-MM-DDTHH:mm:ss'));
  const username = text(v.username);
  const action = text(v.action);
  const objectType = text(v.objectType);
  const objectId = text(v.objectId);
  if (username) f.username = username;
  if (action) f.action = action;
  if (objectType) f.objectType = objectType;
  if (objectId) f.objectId = objectId;
  if (v.result) f.result = v.result;
  return f;
}

/** 审计日志: the auditor's search over the append-only log. */
export default function AuditPage() {
  const { t } = useI18n();
  const [form] = Form.useForm<FilterForm>();
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [data, setData] = useState<{ items: AuditRecord[]; total: number }>({ items: [], total: 0 });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [detail, setDetail] = useState<AuditRecord | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await auditApi.search({ ...filters, page, pageSize }));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, [filters, page, pageSize]);

  useEffect(() => {
    void load();
  }, [load]);

  const resultTag = (r: AuditRecord['result']) =>
    r === 'success' ? <Tag color="green">{t('audit.result.success')}</Tag> : <Tag color="red">{t('audit.result.failure')}</Tag>;

  const columns: ColumnsType<AuditRecord> = [
    { title: t('audit.seq'), dataIndex: 'seq', key: 'seq', width: 90 },
    { title: t('audit.at'), key: 'at', width: 180, render: (_, r) => formatDateTime(r.at) },
    { title: t('audit.user'), key: 'username', width: 140, render: (_, r) => r.username ?? <Typography.Text type="secondary">{t('audit.system')}</Typography.Text> },
    { title: t('audit.ip'), dataIndex: 'ip', key: 'ip', width: 140 },
    { title: t('audit.action'), dataIndex: 'action', key: 'action', width: 200, render: (a: string) => <Typography.Text code>{a}</Typography.Text> },
    { title: t('audit.objectType'), dataIndex: 'objectType', key: 'objectType', width: 130 },
    { title: t('audit.objectId'), dataIndex: 'objectId', key: 'objectId', width: 140, ellipsis: true },
    { title: t('audit.result'), key: 'result', width: 90, render: (_, r) => resultTag(r.result) },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 90,
      fixed: 'right',
      render: (_, r) => (
        <Button type="link" size="small" onClick={() => setDetail(r)} data-testid={`audit-detail-${r.seq}`}>
          {t('common.details')}
        </Button>
      ),
    },
  ];

  return (
    <Card title={t('audit.title')} data-testid="page-audit">
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => {
          setPage(1);
          setFilters(toFilters(v));
        }}
      >
        <Row gutter={16}>
          <Col xs={24} md={12} xl={8}>
            <Form.Item name="range" label={t('audit.timeRange')}>
              <DatePicker.RangePicker showTime allowEmpty={[true, true]} style={{ width: '100%' }} data-testid="audit-range" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6} xl={4}>
            <Form.Item name="username" label={t('audit.user')}>
              <Input allowClear data-testid="audit-username" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6} xl={4}>
            <Form.Item name="action" label={t('audit.action')} tooltip={t('audit.actionHint')}>
              <Input allowClear data-testid="audit-action" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6} xl={4}>
            <Form.Item name="objectType" label={t('audit.objectType')}>
              <Input allowClear data-testid="audit-object-type" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6} xl={4}>
            <Form.Item name="objectId" label={t('audit.objectId')}>
              <Input allowClear data-testid="audit-object-id" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6} xl={4}>
            <Form.Item name="result" label={t('audit.result')}>
              <Select
                allowClear
                placeholder={t('audit.anyResult')}
                data-testid="audit-result"
                options={[
                  { value: 'success', label: t('audit.result.success') },
                  { value: 'failure', label: t('audit.result.failure') },
                ]}
              />
            </Form.Item>
          </Col>
          <Col xs={12} md={6} xl={4} style={{ display: 'flex', alignItems: 'flex-end' }}>
            <Form.Item>
              <Space>
                <Button type="primary" htmlType="submit" data-testid="audit-search">
                  {t('common.search')}
                </Button>
                <Button
                  onClick={() => {
                    form.resetFields();
                    setPage(1);
                    setFilters({});
                  }}
                >
                  {t('common.reset')}
                </Button>
              </Space>
            </Form.Item>
          </Col>
        </Row>
      </Form>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="audit-error" />}
      <Table<AuditRecord>
        rowKey="seq"
        size="middle"
        data-testid="audit-table"
        loading={loading}
        columns={columns}
        dataSource={data.items}
        scroll={{ x: 1200 }}
        onRow={(r) => ({ 'data-testid': `audit-row-${r.seq}`, onDoubleClick: () => setDetail(r) }) as HTMLAttributes<HTMLElement>}
        pagination={{
          current: page,
          pageSize,
          total: data.total,
          showSizeChanger: true,
          showTotal: (total) => t('common.total', { total }),
          onChange: (p, s) => {
            setPage(s !== pageSize ? 1 : p);
            setPageSize(s);
          },
        }}
      />
      <Drawer open={detail !== null} size={560} title={detail ? `${t('audit.details')} #${detail.seq}` : ''} onClose={() => setDetail(null)} data-testid="audit-drawer">
        {detail && (
          <>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('audit.seq')}>{detail.seq}</Descriptions.Item>
              <Descriptions.Item label={t('audit.at')}>{formatDateTime(detail.at)}</Descriptions.Item>
              <Descriptions.Item label={t('audit.user')}>
                {detail.username ?? t('audit.system')}
                {detail.userId !== null ? ` (#${detail.userId})` : ''}
              </Descriptions.Item>
              <Descriptions.Item label={t('audit.ip')}>{detail.ip ?? ''}</Descriptions.Item>
              <Descriptions.Item label={t('audit.action')}>{detail.action}</Descriptions.Item>
              <Descriptions.Item label={t('audit.objectType')}>{detail.objectType ?? ''}</Descriptions.Item>
              <Descriptions.Item label={t('audit.objectId')}>{detail.objectId ?? ''}</Descriptions.Item>
              <Descriptions.Item label={t('audit.result')}>{resultTag(detail.result)}</Descriptions.Item>
            </Descriptions>
            <Typography.Title level={5} style={{ marginTop: 16 }}>
              {t('audit.details')}
            </Typography.Title>
            <pre
              data-testid="audit-details-json"
              style={{ background: '#f6f8fa', padding: 12, borderRadius: 4, overflow: 'auto', fontSize: 12, margin: 0 }}
            >
              {JSON.stringify(detail.details, null, 2)}
            </pre>
          </>
        )}
      </Drawer>
    </Card>
  );
}
