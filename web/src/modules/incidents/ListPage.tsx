import ArchivedResults from '../archive/ArchivedResults.js';
import { DownloadOutlined, EnvironmentOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Cascader, Checkbox, Col, DatePicker, Form, Input, Row, Select, Space, Table, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState, type HTMLAttributes } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { beijingWallClockToIso, formatDateTime } from '../../shell/time.js';
import { CHANNELS, incidentApi, STATUSES, type Incident, type ListFilters, type Page } from './api.js';
import { useIncidentColumns, useReference, pageTotal } from './common.js';
import { useIncidentText } from './messages.js';
import { PlacePicker } from './PlacePicker.js';
import { warningRowStyle } from './QueuesPage.js';

interface FilterForm {
  status?: string[];
  category?: string[];
  grid?: string[];
  department?: string;
  channel?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
  overdue?: boolean;
  q?: string;
}

export function toListFilters(v: FilterForm): ListFilters {
  const f: ListFilters = {};
  if (v.status?.length) f.status = v.status.join(',');
  if (v.category?.length) f.category = v.category[v.category.length - 1];
  if (v.grid?.length) f.grid = v.grid[v.grid.length - 1];
  if (v.department) f.department = v.department;
  if (v.channel) f.channel = v.channel;
  const [from, to] = v.range ?? [null, null];
  if (from) f.from = beijingWallClockToIso(from.format('YYYY-MM-DDTHH:mm:ss'));
  if (to) f.to = beijingWallClockToIso(to.format('YYYY-MM-DDTHH:mm:ss'));
  if (v.overdue) f.overdue = true;
  if (v.q?.trim()) f.q = v.q.trim();
  return f;
}

/** Filters given in the address (a drill-down from the statistics, a link): only those the list knows. */
export function filtersFromUrl(params: URLSearchParams): ListFilters {
  const f: ListFilters = {};
  for (const k of ['status', 'category', 'grid', 'department', 'leadDepartment', 'channel', 'from', 'to'] as const) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  if (params.get('overdue') === 'true') f.overdue = true;
  for (const k of ['reworked', 'returned', 'urged'] as const) if (params.get(k) === 'true') f[k] = true;
  return f;
}

/** The shared filter form of the list and the map. */
export function IncidentFilterForm({ onSearch, extra }: { onSearch: (f: ListFilters) => void; extra?: React.ReactNode }) {
  const it = useIncidentText();
  const { t, pick } = useI18n();
  const ref = useReference();
  const [form] = Form.useForm<FilterForm>();
  return (
    <Form form={form} layout="vertical" onFinish={(v) => onSearch(toListFilters(v))} data-testid="incident-filters">
      <Row gutter={12}>
        <Col xs={24} md={12} xl={6}>
          <Form.Item name="status" label={it('list.status')}>
            <Select mode="multiple" allowClear data-testid="filter-status" options={STATUSES.map((s) => ({ value: s, label: it(`status.${s}`) }))} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12} xl={6}>
          <Form.Item name="category" label={it('list.category')}>
            <Cascader changeOnSelect options={ref?.categoryOptions ?? []} data-testid="filter-category" showSearch />
          </Form.Item>
        </Col>
        <Col xs={12} md={8} xl={4}>
          <Form.Item name="grid" label={it('list.area')} tooltip={it('list.areaHint')}>
            <PlacePicker placeholder={it('list.areaHint')} testId="filter-grid" />
          </Form.Item>
        </Col>
        <Col xs={12} md={8} xl={4}>
          <Form.Item name="department" label={it('list.department')}>
            <Select allowClear showSearch={{ optionFilterProp: 'label' }} data-testid="filter-department" options={(ref?.departments ?? []).map((d) => ({ value: d.code, label: pick(d.name, d.nameEn) }))} />
          </Form.Item>
        </Col>
        <Col xs={12} md={8} xl={4}>
          <Form.Item name="channel" label={it('list.channel')}>
            <Select allowClear data-testid="filter-channel" options={CHANNELS.map((c) => ({ value: c, label: it(`channel.${c}`) }))} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12} xl={8}>
          <Form.Item name="range" label={it('list.time')}>
            <DatePicker.RangePicker showTime allowEmpty={[true, true]} style={{ width: '100%' }} data-testid="filter-range" />
          </Form.Item>
        </Col>
        <Col xs={12} md={8} xl={6}>
          <Form.Item name="q" label={it('list.text')}>
            <Input allowClear placeholder={it('list.textHint')} data-testid="filter-text" />
          </Form.Item>
        </Col>
        <Col xs={12} md={4} xl={3}>
          <Form.Item name="overdue" label=" " valuePropName="checked">
            <Checkbox data-testid="filter-overdue">{it('list.overdue')}</Checkbox>
          </Form.Item>
        </Col>
        <Col xs={24} md={12} xl={7}>
          <Form.Item label=" ">
            <Space wrap>
              <Button type="primary" htmlType="submit" data-testid="filter-search">
                {t('common.search')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  onSearch({});
                }}
              >
                {t('common.reset')}
              </Button>
              {extra}
            </Space>
          </Form.Item>
        </Col>
      </Row>
    </Form>
  );
}

/** 事件查询: search with filters, paging and export. */
export default function ListPage() {
  const it = useIncidentText();
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const ref = useReference();
  const columns = useIncidentColumns(ref);
  const [params, setParams] = useSearchParams();
  const [filters, setFilters] = useState<ListFilters>(() => filtersFromUrl(params));
  const fromUrl = params.size > 0;
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [data, setData] = useState<Page<Incident> | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setLoading(true);
    incidentApi
      .list(filters, page, pageSize)
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [filters, page, pageSize]);

  return (
    <Card
      title={it('list.title')}
      data-testid="page-incidents"
      extra={
        <Space>
          {can('incidents.report') && (
            <Link to="/report">
              <Button type="primary" icon={<PlusOutlined />} data-testid="incident-new">
                {it('list.report')}
              </Button>
            </Link>
          )}
          <Link to="/incident-map">
            <Button icon={<EnvironmentOutlined />}>{it('list.map')}</Button>
          </Link>
        </Space>
      }
    >
      <IncidentFilterForm
        onSearch={(f) => {
          setPage(1);
          setFilters(f);
          if (fromUrl) setParams({});
        }}
        extra={
          <>
            <Button icon={<DownloadOutlined />} href={incidentApi.exportUrl(filters, 'csv')} data-testid="export-csv">
              {it('list.exportCsv')}
            </Button>
            <Button icon={<DownloadOutlined />} href={incidentApi.exportUrl(filters, 'xlsx')} data-testid="export-xlsx">
              {it('list.exportXlsx')}
            </Button>
          </>
        }
      />
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="incidents-error" />}
      {fromUrl && <UrlFilters filters={filters} />}
      <Table<Incident>
        rowKey="id"
        size="middle"
        data-testid="incident-table"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        scroll={{ x: 1000 }}
        onRow={(r) =>
          ({
            'data-testid': `incident-row-${r.id}`,
            style: { cursor: 'pointer', ...warningRowStyle(r) },
            onClick: (e: React.MouseEvent) => {
              if ((e.target as HTMLElement).closest('a')) return;
              navigate(`/incidents/${r.id}`);
            },
          }) as HTMLAttributes<HTMLElement>
        }
        pagination={{
          current: page,
          pageSize,
          ...pageTotal(data, t),
          showSizeChanger: true,
          onChange: (p, s) => {
            setPage(s !== pageSize ? 1 : p);
            setPageSize(s);
          },
        }}
      />
      {filters.q && <ArchivedResults q={filters.q} />}
    </Card>
  );
}

/** What the address filters the list by, in words (the form above does not show them). */
function UrlFilters({ filters: f }: { filters: ListFilters }) {
  const it = useIncidentText();
  const { pick } = useI18n();
  const ref = useReference();
  const dept = (code: string) => {
    const d = ref?.departments.find((x) => x.code === code);
    return d ? pick(d.name, d.nameEn) : code;
  };
  const tags: string[] = [];
  if (f.from || f.to) tags.push(`${formatDateTime(f.from)} ~ ${formatDateTime(f.to)}`);
  if (f.grid) tags.push(`${it('filter.place')}: ${f.grid}`);
  if (f.status) tags.push(f.status.split(',').map((s) => it(`status.${s}` as Parameters<typeof it>[0])).join(', '));
  if (f.category) tags.push(ref?.categoryName(f.category) ?? f.category);
  if (f.leadDepartment) tags.push(dept(f.leadDepartment));
  if (f.department) tags.push(dept(f.department));
  if (f.overdue) tags.push(it('list.overdue'));
  if (f.reworked) tags.push(it('list.reworked'));
  if (f.returned) tags.push(it('list.returned'));
  if (f.urged) tags.push(it('list.urged'));
  return (
    <Alert
      type="info"
      style={{ marginBottom: 16 }}
      data-testid="incident-url-filters"
      title={
        <Space wrap>
          {it('list.fromLink')}
          {tags.map((x) => <Tag key={x}>{x}</Tag>)}
        </Space>
      }
    />
  );
}
