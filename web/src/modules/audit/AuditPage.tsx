import { Alert, Button, Card, Col, DatePicker, Descriptions, Drawer, Form, Input, Row, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { beijingWallClockToIso, formatDateTime } from '../../shell/time.js';
import { auditApi, type AuditQuery, type AuditRecord } from './api.js';
import { actionOptions, actionWords, objectTypeOptions, objectTypeWords } from './words.js';

/** Object types named by a business code (D03, a grid code) that helps the auditor; the others have internal ids, not shown. */
const CODE_KEYED = new Set(['department', 'department_grids', 'role', 'grid', 'incident_category', 'incident_category_major', 'team_role', 'work_calendar']);

/** "张三 (gw_test01)", or the username alone when the user is no longer known. */
function userText(r: AuditRecord): string | null {
  if (!r.username) return null;
  return r.userDisplayName ? `${r.userDisplayName} (${r.username})` : r.username;
}

/** A detail value in words: strings and numbers as they are, anything else as compact JSON. */
function detailText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

interface FilterForm {
  range?: [Dayjs | null, Dayjs | null] | null;
  user?: string;
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
  const user = text(v.user);
  const action = text(v.action);
  const objectType = text(v.objectType);
  const objectId = text(v.objectId);
  if (user) f.user = user;
  if (action) f.action = action;
  if (objectType) f.objectType = objectType;
  if (objectId) f.objectId = objectId;
  if (v.result) f.result = v.result;
  return f;
}

/** 审计日志: the auditor's search over the append-only log. */
export default function AuditPage() {
  const { t, lang } = useI18n();
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

  const objectText = (r: AuditRecord): string => {
    if (!r.objectType) return '';
    const type = objectTypeWords(lang, r.objectType);
    const name = lang === 'en' ? (r.objectNameEn ?? r.objectName) : r.objectName;
    return name ? `${type}：${name}` : type;
  };

  // Every cell wraps rather than cuts: the auditor reads whole values.
  const columns: ColumnsType<AuditRecord> = [
    { title: t('audit.at'), key: 'at', width: 170, render: (_, r) => formatDateTime(r.at) },
    { title: t('audit.user'), key: 'user', width: 200, render: (_, r) => userText(r) ?? <Typography.Text type="secondary">{t('audit.system')}</Typography.Text> },
    { title: t('audit.action'), key: 'action', width: 200, render: (_, r) => <span title={r.action} data-testid={`audit-action-${r.seq}`}>{actionWords(lang, r.action)}</span> },
    { title: t('audit.object'), key: 'object', render: (_, r) => <span data-testid={`audit-object-${r.seq}`}>{objectText(r)}</span> },
    { title: t('audit.result'), key: 'result', width: 90, render: (_, r) => resultTag(r.result) },
    { title: t('audit.ip'), dataIndex: 'ip', key: 'ip', width: 130 },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 80,
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
            <Form.Item name="user" label={t('audit.user')} tooltip={t('audit.userHint')}>
              <Input allowClear data-testid="audit-user" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6} xl={4}>
            <Form.Item name="action" label={t('audit.action')}>
              <Select allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('audit.anyResult')} options={actionOptions(lang)} data-testid="audit-action" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6} xl={4}>
            <Form.Item name="objectType" label={t('audit.objectType')}>
              <Select allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('audit.anyResult')} options={objectTypeOptions(lang)} data-testid="audit-object-type" />
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
                  data-testid="audit-reset"
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
      <Drawer open={detail !== null} size={560} title={detail ? actionWords(lang, detail.action) : ''} onClose={() => setDetail(null)} data-testid="audit-drawer">
        {detail && (
          <>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('audit.at')}>{formatDateTime(detail.at)}</Descriptions.Item>
              <Descriptions.Item label={t('audit.user')}>{userText(detail) ?? t('audit.system')}</Descriptions.Item>
              <Descriptions.Item label={t('audit.ip')}>{detail.ip ?? ''}</Descriptions.Item>
              <Descriptions.Item label={t('audit.action')}>{actionWords(lang, detail.action)}</Descriptions.Item>
              <Descriptions.Item label={t('audit.object')}>{objectText(detail)}</Descriptions.Item>
              <Descriptions.Item label={t('audit.result')}>{resultTag(detail.result)}</Descriptions.Item>
              <Descriptions.Item label={t('audit.code')}>
                <Typography.Text type="secondary">
                  {detail.action}
                  {detail.objectType ? ` · ${detail.objectType}${detail.objectId && CODE_KEYED.has(detail.objectType) ? ` ${detail.objectId}` : ''}` : ''}
                </Typography.Text>
              </Descriptions.Item>
            </Descriptions>
            {Object.keys(detail.details).length > 0 && (
              <>
                <Typography.Title level={5} style={{ marginTop: 16 }}>
                  {t('audit.details')}
                </Typography.Title>
                <Descriptions column={1} size="small" bordered data-testid="audit-details">
                  {Object.entries(detail.details).map(([k, v]) => (
                    <Descriptions.Item key={k} label={k}>
                      <span style={{ wordBreak: 'break-all' }}>{detailText(v)}</span>
                    </Descriptions.Item>
                  ))}
                </Descriptions>
              </>
            )}
          </>
        )}
      </Drawer>
    </Card>
  );
}
