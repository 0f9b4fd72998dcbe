import { Alert, Button, Card, Descriptions, Form, Input, Modal, Select, Space, Statistic, Table, Tabs, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import { useCallback, useEffect, useState } from 'react';
import { Link, Route, Routes, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { basedataApi, type BuildingView, type DwellingView, type GridSummary, type HouseholdView, type Resident, type ResidentDetail, type ResidentQuery } from './api.js';
import { Back, BASE } from './common.js';
import ComponentsPanel from './ComponentsPanel.js';
import { BuildingCreate, BuildingEdit, DwellingCreate, DwellingEdit, HouseholdCreate, HouseholdEdit, ResidentCreate, ResidentEdit } from './EditForms.js';
import { useLoad, useTagNames } from './hooks.js';
import ImportPanel from './ImportPanel.js';
import KeyPersonsPanel, { KEYPERSONS, KeyPersonSection } from './KeyPersonsPanel.js';
import { useBasedataText } from './messages.js';
import OrganizationsPanel from './OrganizationsPanel.js';
import PlacePage from './PlacePage.js';
import PlacesPanel from './PlacesPanel.js';
import VisitsPanel from './VisitsPanel.js';

/**
 * Base data (人、地、物、事、组织): resident search, drill-down grid → building →
 * dwelling → household → resident, places with inspections, city components,
 * organizations, key persons, household visits, import/export.
 */
export default function BasedataPage() {
  return (
    <Routes>
      <Route index element={<Home />} />
      <Route path="residents/:id" element={<ResidentPage />} />
      <Route path="buildings/:id" element={<BuildingPage />} />
      <Route path="dwellings/:id" element={<DwellingPage />} />
      <Route path="households/:id" element={<HouseholdPage />} />
      <Route path="places/:id" element={<PlacePage />} />
    </Routes>
  );
}

function useResidentColumns(): ColumnsType<Resident> {
  const t = useBasedataText();
  const tags = useTagNames();
  return [
    { title: t('col.name'), dataIndex: 'name', render: (v: string, r) => <Link to={`${BASE}/residents/${r.id}`} data-testid="resident-link">{v}</Link> },
    { title: t('col.idNumber'), dataIndex: 'idNumber', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
    { title: t('col.phone'), dataIndex: 'phone' },
    { title: t('col.sex'), dataIndex: 'sex', render: (v: 'male' | 'female') => t(`sex.${v}`) },
    { title: t('col.birthDate'), dataIndex: 'birthDate' },
    { title: t('col.population'), dataIndex: 'population', render: (v: 'registered' | 'floating') => t(`population.${v}`) },
    { title: t('col.tags'), dataIndex: 'tags', render: (v: string[]) => v.map((x) => <Tag key={x}>{tags[x] ?? x}</Tag>) },
    { title: t('col.grid'), dataIndex: 'gridCode' },
  ];
}

function Home() {
  const t = useBasedataText();
  const { can } = useAuth();
  // The open tab lives in the URL, so coming back from a detail page lands on the same tab.
  const [params, setParams] = useSearchParams();
  const items = [
    { key: 'search', label: t('tab.search'), children: <SearchPanel /> },
    { key: 'drill', label: t('tab.drill'), children: <DrillPanel /> },
    { key: 'places', label: <span data-testid="tab-places">{t('tab.places')}</span>, children: <PlacesPanel /> },
    { key: 'components', label: <span data-testid="tab-components">{t('tab.components')}</span>, children: <ComponentsPanel /> },
    { key: 'organizations', label: <span data-testid="tab-organizations">{t('tab.organizations')}</span>, children: <OrganizationsPanel /> },
    ...(can(KEYPERSONS) ? [{ key: 'keypersons', label: <span data-testid="tab-keypersons">{t('tab.keyPersons')}</span>, children: <KeyPersonsPanel /> }] : []),
    ...(can('residents.manage') ? [{ key: 'import', label: t('tab.import'), children: <ImportPanel /> }] : []),
  ];
  const tab = params.get('tab');
  const active = items.some((i) => i.key === tab) ? tab! : 'search';
  return (
    <Card>
      <Tabs activeKey={active} onChange={(key) => setParams(key === 'search' ? {} : { tab: key }, { replace: true })} items={items} />
    </Card>
  );
}

type SearchForm = Omit<ResidentQuery, 'page' | 'pageSize'>;

function SearchPanel() {
  const t = useBasedataText();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [registering, setRegistering] = useState(false);
  const { t: tt } = useI18n();
  const tags = useTagNames();
  const columns = useResidentColumns();
  const [filters, setFilters] = useState<SearchForm>({});
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [data, setData] = useState<{ items: Resident[]; total: number; totalCapped: boolean }>({ items: [], total: 0, totalCapped: false });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await basedataApi.search({ ...filters, page, pageSize }));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, [filters, page, pageSize]);
  useEffect(() => void load(), [load]);
  const clean = (v: SearchForm): SearchForm => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== '')) as SearchForm;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Form layout="inline" onFinish={(v: SearchForm) => { setPage(1); setFilters(clean(v)); }} data-testid="resident-search">
        <Form.Item name="q"><Input placeholder={t('f.q')} allowClear /></Form.Item>
        <Form.Item name="idNumber"><Input placeholder={t('f.idNumber')} allowClear /></Form.Item>
        <Form.Item name="phone"><Input placeholder={t('f.phone')} allowClear /></Form.Item>
        <Form.Item name="address"><Input placeholder={t('f.address')} allowClear /></Form.Item>
        <Form.Item name="tag">
          <Select placeholder={t('f.tag')} allowClear style={{ width: 140 }} options={Object.entries(tags).map(([value, label]) => ({ value, label }))} />
        </Form.Item>
        <Form.Item name="gridCode"><Input placeholder={t('f.gridCode')} allowClear /></Form.Item>
        <Button type="primary" htmlType="submit">{tt('common.search')}</Button>
        {can('residents.manage') && <Button onClick={() => setRegistering(true)} data-testid="resident-register">{t('resident.create')}</Button>}
      </Form>
      <ResidentCreate open={registering} householdId={null} onClose={() => setRegistering(false)} onSaved={(id) => { setRegistering(false); navigate(`${BASE}/residents/${id}`); }} />
      {error && <Alert type="error" message={error} />}
      <Table
        rowKey="id"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={data.items}
        pagination={{
          current: page, pageSize, total: data.total, showSizeChanger: true,
          showTotal: (total) => (data.totalCapped ? t('totalCapped', { total }) : tt('common.total', { total })),
          onChange: (p, s) => { setPage(p); setPageSize(s); },
        }}
      />
    </Space>
  );
}

function DrillPanel() {
  const t = useBasedataText();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const tags = useTagNames();
  const { t: tt } = useI18n();
  const [grid, setGrid] = useState('');
  const [summary, setSummary] = useState<GridSummary | null>(null);
  const [buildings, setBuildings] = useState<{ items: { id: number; gridCode: string; name: string; address: string }[]; total: number }>({ items: [], total: 0 });
  const [page, setPage] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async (code: string, p: number) => {
    try {
      setSummary(await basedataApi.summary(code));
      setBuildings(await basedataApi.buildings({ gridCode: code, page: p, pageSize: 20 }));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Input.Search placeholder={t('drill.grid')} enterButton={tt('common.search')} value={grid} onChange={(e) => setGrid(e.target.value)} onSearch={(v) => { setPage(1); void load(v.trim(), 1); }} style={{ width: 480 }} data-testid="drill-grid" />
        {can('residents.manage') && <Button onClick={() => setCreating(true)} data-testid="building-create">{t('building.create')}</Button>}
      </Space>
      <BuildingCreate
        open={creating}
        onClose={() => setCreating(false)}
        {...(/^\d{15}$/.test(grid.trim()) ? { gridCode: grid.trim() } : {})}
        onSaved={(id) => { setCreating(false); navigate(`${BASE}/buildings/${id}`); }}
      />
      {error && <Alert type="error" message={error} />}
      {summary && (
        <Card size="small">
          <Space wrap size="large">
            <Statistic title={t('tab.search')} value={summary.residents} />
            <Statistic title={t('household.title')} value={summary.households} />
            <Statistic title={t('dwelling.title')} value={summary.dwellings} />
            <Statistic title={t('building.title')} value={summary.buildings} />
            {Object.entries(summary.byTag).map(([tag, n]) => <Statistic key={tag} title={tags[tag] ?? tag} value={n} />)}
          </Space>
        </Card>
      )}
      {summary && (
        <Table
          rowKey="id"
          size="small"
          dataSource={buildings.items}
          columns={[
            { title: t('col.building'), dataIndex: 'name', render: (v: string, b) => <Link to={`${BASE}/buildings/${b.id}`}>{v}</Link> },
            { title: t('col.address'), dataIndex: 'address' },
            { title: t('col.grid'), dataIndex: 'gridCode' },
          ]}
          pagination={{ current: page, pageSize: 20, total: buildings.total, onChange: (p) => { setPage(p); void load(grid.trim(), p); } }}
        />
      )}
    </Space>
  );
}

function ResidentPage() {
  const t = useBasedataText();
  const { can } = useAuth();
  const id = Number(useParams().id);
  const fetcher = useCallback(() => basedataApi.resident(id), [id]);
  const { data, error, reload } = useLoad<ResidentDetail>(fetcher);
  const tags = useTagNames();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [clear, setClear] = useState<{ idNumber: string; phone: string | null } | null>(null);
  const [unmaskError, setUnmaskError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  if (error) return <Alert type="error" message={error} />;
  if (!data) return null;
  const r = data.resident;
  const unmask = async () => {
    try {
      setClear(await basedataApi.unmask(id, reason));
      setOpen(false);
      setUnmaskError(null);
    } catch (err) {
      setUnmaskError(errorMessage(err));
    }
  };
  return (
    <Card title={`${t('resident.title')}：${r.name}`} extra={<Space><Back />{can('residents.manage') && <Button onClick={() => setEditing(true)} data-testid="resident-edit">{t('resident.edit')}</Button>}{can('residents.unmask') && !clear && <Button danger onClick={() => setOpen(true)} data-testid="unmask">{t('resident.unmask')}</Button>}</Space>}>
      {clear && <Alert type="warning" showIcon message={t('resident.unmasked')} style={{ marginBottom: 12 }} />}
      <Descriptions bordered size="small" column={2}>
        <Descriptions.Item label={t('col.name')}>{r.name}</Descriptions.Item>
        <Descriptions.Item label={t('col.idNumber')}><span data-testid="id-number">{clear?.idNumber ?? r.idNumber}</span></Descriptions.Item>
        <Descriptions.Item label={t('col.phone')}>{clear ? clear.phone : r.phone}</Descriptions.Item>
        <Descriptions.Item label={t('col.sex')}>{t(`sex.${r.sex}`)}</Descriptions.Item>
        <Descriptions.Item label={t('col.birthDate')}>{r.birthDate}</Descriptions.Item>
        <Descriptions.Item label={t('col.population')}>{t(`population.${r.population}`)}</Descriptions.Item>
        <Descriptions.Item label={t('col.grid')}>{r.gridCode}</Descriptions.Item>
        <Descriptions.Item label={t('col.tags')}>{r.tags.map((x) => <Tag key={x}>{tags[x] ?? x}</Tag>)}</Descriptions.Item>
        <Descriptions.Item label={t('resident.household')}>{r.householdId ? <Link to={`${BASE}/households/${r.householdId}`} data-testid="resident-household">{data.householdNo ?? '—'}</Link> : '—'} {r.relation ?? ''}</Descriptions.Item>
      </Descriptions>
      {/* keyPerson is absent unless the user holds keypersons.read in this resident's scope. */}
      {can(KEYPERSONS) && data.keyPerson !== undefined && <KeyPersonSection residentId={id} record={data.keyPerson} onSaved={reload} />}
      <Typography.Title level={5} style={{ marginTop: 16 }}>{t('resident.dwellings')}</Typography.Title>
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={data.dwellings}
        columns={[
          { title: t('col.address'), dataIndex: 'address', render: (v: string, l) => <Link to={`${BASE}/dwellings/${l.dwellingId}`}>{v}</Link> },
          { title: t('col.relation'), dataIndex: 'relation', render: (v: 'owner' | 'tenant' | 'occupant') => t(`relation.${v}`) },
          { title: t('col.from'), dataIndex: 'fromDate' },
          { title: t('col.to'), dataIndex: 'toDate', render: (v: string | null) => v ?? '—' },
        ]}
      />
      {editing && <ResidentEdit key={r.version} resident={r} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); reload(); }} />}
      <Modal title={t('resident.unmaskTitle')} open={open} onOk={() => void unmask()} onCancel={() => setOpen(false)} okButtonProps={{ disabled: reason.trim().length < 2 }}>
        <Input.TextArea placeholder={t('resident.reason')} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} data-testid="unmask-reason" />
        {unmaskError && <Alert type="error" message={unmaskError} style={{ marginTop: 8 }} />}
      </Modal>
    </Card>
  );
}

function BuildingPage() {
  const t = useBasedataText();
  const { can } = useAuth();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const fetcher = useCallback(() => basedataApi.building(id), [id]);
  const { data, error, reload } = useLoad<BuildingView>(fetcher);
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  if (error) return <Alert type="error" message={error} />;
  if (!data) return null;
  const manage = can('residents.manage');
  return (
    <Card
      title={<span data-testid="building-title">{`${t('building.title')}：${data.building.name}`}</span>}
      extra={(
        <Space>
          {manage && <Button onClick={() => setAdding(true)} data-testid="dwelling-create">{t('dwelling.create')}</Button>}
          {manage && <Button onClick={() => setEditing(true)} data-testid="building-edit">{t('building.edit')}</Button>}
          <Back />
        </Space>
      )}
    >
      <Typography.Paragraph data-testid="building-address">{data.building.address} · {data.building.gridCode}{data.building.floors ? ` · ${data.building.floors} ${t('building.floors')}` : ''}</Typography.Paragraph>
      {editing && <BuildingEdit building={data.building} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); reload(); }} />}
      <DwellingCreate open={adding} buildingId={id} onClose={() => setAdding(false)} onSaved={(d) => { setAdding(false); navigate(`${BASE}/dwellings/${d}`); }} />
      <Table
        rowKey="id"
        size="small"
        dataSource={data.dwellings}
        pagination={{ pageSize: 50 }}
        columns={[
          { title: t('col.room'), dataIndex: 'roomNo', render: (v: string, d) => <Link to={`${BASE}/dwellings/${d.id}`}>{v}</Link> },
          { title: t('col.occupants'), dataIndex: 'occupants', render: (o: BuildingView['dwellings'][number]['occupants']) => o.map((p) => <Link key={p.id} to={`${BASE}/residents/${p.id}`} style={{ marginRight: 8 }}>{p.name}</Link>) },
        ]}
      />
    </Card>
  );
}

function DwellingPage() {
  const t = useBasedataText();
  const { can } = useAuth();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const fetcher = useCallback(() => basedataApi.dwelling(id), [id]);
  const { data, error, reload } = useLoad<DwellingView>(fetcher);
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  if (error) return <Alert type="error" message={error} />;
  if (!data) return null;
  const cols: ColumnsType<DwellingView['current'][number]> = [
    { title: t('col.name'), render: (_: unknown, l) => (l.resident ? <Link to={`${BASE}/residents/${l.resident.id}`}>{l.resident.name}</Link> : '—') },
    { title: t('col.idNumber'), render: (_: unknown, l) => l.resident?.idNumber ?? '' },
    { title: t('col.relation'), dataIndex: 'relation', render: (v: 'owner' | 'tenant' | 'occupant') => t(`relation.${v}`) },
    { title: t('col.from'), dataIndex: 'fromDate' },
    { title: t('col.to'), dataIndex: 'toDate', render: (v: string | null) => v ?? '—' },
  ];
  return (
    <Card
      title={<span data-testid="dwelling-title">{`${t('dwelling.title')}：${data.dwelling.address}`}</span>}
      extra={(
        <Space>
          {can('residents.manage') && <Button onClick={() => setAdding(true)} data-testid="household-create">{t('household.create')}</Button>}
          {can('residents.manage') && <Button onClick={() => setEditing(true)} data-testid="dwelling-edit">{t('dwelling.edit')}</Button>}
          <Link to={`${BASE}/buildings/${data.dwelling.buildingId}`}>{t('building.title')}</Link>
          <Back />
        </Space>
      )}
    >
      {editing && <DwellingEdit dwelling={data.dwelling} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); reload(); }} />}
      <HouseholdCreate open={adding} dwelling={data.dwelling} onClose={() => setAdding(false)} onSaved={(h) => { setAdding(false); navigate(`${BASE}/households/${h}`); }} />
      <Typography.Paragraph>
        {t('dwelling.use')}：{t(`use.${data.dwelling.use}`)} · {t('dwelling.ownership')}：{t(`ownership.${data.dwelling.ownership}`)}
        {data.dwelling.area != null && ` · ${t('dwelling.area')}：${data.dwelling.area}`}
      </Typography.Paragraph>
      <Space wrap>{data.households.map((h) => <Link key={h.id} to={`${BASE}/households/${h.id}`}>{t('household.title')} {h.householdNo}</Link>)}</Space>
      <Typography.Title level={5}>{t('dwelling.current')}</Typography.Title>
      <Table rowKey="id" size="small" pagination={false} dataSource={data.current} columns={cols} />
      <Typography.Title level={5}>{t('dwelling.history')}</Typography.Title>
      <Table rowKey="id" size="small" pagination={false} dataSource={data.history} columns={cols} />
    </Card>
  );
}

function HouseholdPage() {
  const t = useBasedataText();
  const { can } = useAuth();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const fetcher = useCallback(() => basedataApi.household(id), [id]);
  const { data, error, reload } = useLoad<HouseholdView>(fetcher);
  const columns = useResidentColumns();
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  if (error) return <Alert type="error" message={error} />;
  if (!data) return null;
  const manage = can('residents.manage');
  const head = data.members.find((m) => m.id === data.household.headResidentId);
  return (
    <Card
      title={<span data-testid="household-title">{`${t('household.title')} ${data.household.householdNo}`}</span>}
      extra={(
        <Space>
          {manage && <Button onClick={() => setAdding(true)} data-testid="resident-create">{t('resident.addMember')}</Button>}
          {manage && <Button onClick={() => setEditing(true)} data-testid="household-edit">{t('household.edit')}</Button>}
          {data.dwelling && <Link to={`${BASE}/dwellings/${data.dwelling.id}`}>{data.dwelling.address}</Link>}
          <Back />
        </Space>
      )}
    >
      {head && <Typography.Paragraph data-testid="household-head">{t('household.head')}：<Link to={`${BASE}/residents/${head.id}`}>{head.name}</Link></Typography.Paragraph>}
      {editing && <HouseholdEdit view={data} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); reload(); }} />}
      <ResidentCreate
        open={adding}
        gridCode={data.household.gridCode}
        householdId={id}
        onClose={() => setAdding(false)}
        onSaved={(r) => { setAdding(false); navigate(`${BASE}/residents/${r}`); }}
      />
      <Typography.Title level={5}>{t('household.members')}</Typography.Title>
      <Table rowKey="id" size="small" pagination={false} dataSource={data.members} columns={[...columns, { title: t('col.relation'), dataIndex: 'relation' }]} />
      <VisitsPanel householdId={id} />
    </Card>
  );
}
