import { Alert, App, Button, Col, Form, Input, InputNumber, List, Modal, Row, Select, Space, Switch, Table, Tag, Typography, Upload } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import { useCallback, useEffect, useMemo, useState, type HTMLAttributes } from 'react';
import { ApiError, errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import {
  adminApi, CATEGORY_FILE_FORMATS, categoryFileFormat, STAGES,
  type Category, type CategoryFields, type CategoryFileFormat, type Department, type ImportRowError, type Major, type TimeLimit,
} from './api.js';
import { useAdminText, type AdminMessageKey, type AdminText } from './messages.js';

const ALL = '';

/** One server problem of an import row in words ('unknown department D99' → 部门“D99”不存在). */
export function problemText(at: AdminText, problem: string): string {
  let m = /^missing column (.+)$/.exec(problem);
  if (m) return at('problem.missingColumn', { col: m[1]! });
  m = /^unknown department (.+)$/.exec(problem);
  if (m) return at('problem.unknownDepartment', { code: m[1]! });
  if (problem === 'code repeated') return at('problem.codeRepeated');
  const key = `problem.${problem}` as AdminMessageKey;
  return key in PROBLEM_KEYS ? at(key) : problem;
}
const PROBLEM_KEYS: Partial<Record<AdminMessageKey, true>> = {
  'problem.major_code': true, 'problem.code': true, 'problem.type': true, 'problem.case_type': true, 'problem.register': true,
  'problem.dispatch': true, 'problem.handle': true, 'problem.verify': true, 'problem.status': true, 'problem.name': true, 'problem.major_name': true,
  'problem.major_sort': true, 'problem.major_status': true, 'problem.departments': true,
};

export function limitText(at: AdminText, l: TimeLimit): string {
  return `${l.amount} ${at(l.unit === 'hours' ? 'cat.unit.hours' : 'cat.unit.days')}`;
}

/** 事件分类与时限: majors on the left, their minor categories with limits on the right; export as XLSX, JSON or CSV and all-or-nothing import of any. */
export default function CategoriesPanel() {
  const at = useAdminText();
  const { pick } = useI18n();
  const { message } = App.useApp();
  const [majors, setMajors] = useState<Major[]>([]);
  const [categories, setCategories] = useState<Category[]>([]);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [major, setMajor] = useState<string>(ALL);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<Category | 'new' | null>(null);
  const [editingMajor, setEditingMajor] = useState<Major | 'new' | null>(null);
  const [importErrors, setImportErrors] = useState<ImportRowError[] | null>(null);
  const [importing, setImporting] = useState(false);
  const [fileFormat, setFileFormat] = useState<CategoryFileFormat>('xlsx');
  /** Which categories the public map shows (modules/citizens); kept apart from the category's own fields. */
  const [publicCodes, setPublicCodes] = useState<Set<string>>(new Set());

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const [c, d, p] = await Promise.all([adminApi.categories(), adminApi.departments(), adminApi.publicCategories()]);
      setPublicCodes(new Set(p.items.filter((x) => x.public).map((x) => x.code)));
      setMajors(c.majors);
      setCategories(c.categories);
      setDepartments(d.items);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const deptName = useMemo(() => new Map(departments.map((d) => [d.code, pick(d.name, d.nameEn)])), [departments, pick]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return categories.filter((c) => (major === ALL || c.majorCode === major) && (!q || c.code.includes(q) || c.nameZh.includes(q) || c.nameEn.toLowerCase().includes(q)));
  }, [categories, major, query]);

  const upload = async (file: File) => {
    setImporting(true);
    setImportErrors(null);
    try {
      const r = await adminApi.importCategories(file, categoryFileFormat(file.name));
      void message.success(at('cat.importDone', { ...r }));
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CATEGORY_IMPORT_INVALID' && Array.isArray(err.details.errors)) setImportErrors(err.details.errors as ImportRowError[]);
      else void message.error(errorMessage(err));
    } finally {
      setImporting(false);
    }
  };

  // Sized to fit 1366 px without scrolling: type and case type share a column, the four limits sit in one 2×2 cell.
  const columns: ColumnsType<Category> = [
    { title: at('cat.code'), dataIndex: 'code', width: 64 },
    { title: at('cat.minor'), key: 'name', render: (_, c) => pick(c.nameZh, c.nameEn) },
    { title: `${at('cat.type')} / ${at('cat.caseType')}`, key: 'type', width: 110, render: (_, c) => `${at(`cat.type.${c.type}`)} · ${at(`cat.caseType.${c.caseType}`)}` },
    { title: at('cat.departments'), key: 'departments', width: 150, render: (_, c) => c.departmentCodes.map((d) => deptName.get(d) ?? d).join('、') },
    {
      title: at('cat.limits'),
      key: 'limits',
      width: 230,
      render: (_, c) => (
        <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 8, fontSize: 12 }}>
          {STAGES.map((s) => (
            <span key={s} data-testid={`cat-limit-${c.code}-${s}`}>
              <Typography.Text type="secondary">{at(`cat.limit.${s}`)}</Typography.Text> {limitText(at, c.limits[s])}
            </span>
          ))}
        </div>
      ),
    },
    {
      title: at('cat.public'), key: 'public', width: 80,
      render: (_, c) => (
        <Switch
          size="small"
          checked={publicCodes.has(c.code)}
          data-testid={`cat-public-${c.code}`}
          onChange={(on) => {
            adminApi.setCategoryPublic(c.code, on).then(() => {
              setPublicCodes((prev) => {
                const next = new Set(prev);
                if (on) next.add(c.code);
                else next.delete(c.code);
                return next;
              });
            }).catch((err: unknown) => void message.error(errorMessage(err)));
          }}
        />
      ),
    },
    { title: at('common.status'), key: 'status', width: 64, render: (_, c) => (c.status === 'active' ? <Tag color="green">{at('common.active')}</Tag> : <Tag>{at('common.retired')}</Tag>) },
    { title: '', key: 'actions', width: 64, render: (_, c) => <Button size="small" type="link" onClick={() => setEditing(c)} data-testid={`cat-edit-${c.code}`}>{at('common.edit')}</Button> },
  ];

  return (
    <div data-testid="panel-categories">
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={at('cat.search')} style={{ width: 240 }} onSearch={setQuery} onChange={(e) => setQuery(e.target.value)} data-testid="cat-search" />
        <Button type="primary" onClick={() => setEditing('new')} data-testid="cat-new">{at('cat.new')}</Button>
        <Button onClick={() => setEditingMajor('new')} data-testid="cat-new-major">{at('cat.newMajor')}</Button>
        <Space.Compact>
          <Select<CategoryFileFormat>
            value={fileFormat}
            onChange={setFileFormat}
            style={{ width: 150 }}
            aria-label={at('cat.format')}
            data-testid="cat-format"
            options={CATEGORY_FILE_FORMATS.map((f) => ({ value: f, label: at(`cat.format.${f}`) }))}
          />
          <Button href={adminApi.exportUrl(fileFormat)} download data-testid="cat-export">{at('cat.export')}</Button>
        </Space.Compact>
        <Upload accept=".xlsx,.json,.csv" showUploadList={false} beforeUpload={(file) => { void upload(file); return false; }}>
          <Button loading={importing} data-testid="cat-import">{at('cat.import')}</Button>
        </Upload>
        <Typography.Text type="secondary">{at('cat.count', { majors: majors.length, minors: categories.length })}</Typography.Text>
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {importErrors && (
        <Alert
          type="error"
          showIcon
          closable
          onClose={() => setImportErrors(null)}
          style={{ marginBottom: 12 }}
          data-testid="cat-import-errors"
          title={at('cat.importRefused', { count: importErrors.length })}
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {importErrors.map((e) => (
                <li key={`${e.list ?? ''}${e.row}`} data-testid={`cat-import-error-${e.list ? `${e.list}-` : ''}${e.row}`}>
                  {at(e.list ? `cat.row.${e.list}` : 'cat.row', { row: e.row })}：{e.problems.map((p) => problemText(at, p)).join('；')}
                </li>
              ))}
            </ul>
          }
        />
      )}
      <Alert type="info" showIcon title={at('cat.limitsHint')} style={{ marginBottom: 12 }} />
      <Row gutter={16} wrap={false}>
        <Col flex="190px">
          <List
            size="small"
            bordered
            data-testid="cat-majors"
            dataSource={[{ code: ALL, nameZh: at('common.all'), nameEn: at('common.all'), sort: 0, status: 'active' as const }, ...majors]}
            renderItem={(m) => (
              <List.Item
                style={{ cursor: 'pointer', background: m.code === major ? '#e6f0ff' : undefined }}
                onClick={() => setMajor(m.code)}
                data-testid={`cat-major-${m.code || 'all'}`}
                actions={m.code === ALL ? [] : [<a key="e" onClick={(e) => { e.stopPropagation(); setEditingMajor(m); }}>{at('common.edit')}</a>]}
              >
                <span>
                  {pick(m.nameZh, m.nameEn)}
                  {m.status === 'retired' && <Tag style={{ marginLeft: 6 }}>{at('common.retired')}</Tag>}
                </span>
              </List.Item>
            )}
          />
        </Col>
        <Col flex="auto" style={{ minWidth: 0 }}>
          <Table<Category>
            rowKey="code"
            size="small"
            loading={loading}
            columns={columns}
            dataSource={shown}
            data-testid="cat-table"
            pagination={{ pageSize: 20, showSizeChanger: false }}
            onRow={(c) => ({ 'data-testid': `cat-row-${c.code}` }) as HTMLAttributes<HTMLElement>}
          />
        </Col>
      </Row>
      {editing && (
        <CategoryModal
          category={editing === 'new' ? null : editing}
          majors={majors}
          departments={departments}
          defaultMajor={major || majors[0]?.code || ''}
          onClose={() => setEditing(null)}
          onSaved={() => { setEditing(null); void load(); }}
        />
      )}
      {editingMajor && <MajorModal major={editingMajor === 'new' ? null : editingMajor} onClose={() => setEditingMajor(null)} onSaved={() => { setEditingMajor(null); void load(); }} />}
    </div>
  );
}

interface CategoryForm extends CategoryFields {
  code: string;
}

function CategoryModal({ category, majors, departments, defaultMajor, onClose, onSaved }: {
  category: Category | null; majors: Major[]; departments: Department[]; defaultMajor: string; onClose: () => void; onSaved: () => void;
}) {
  const at = useAdminText();
  const { pick } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<CategoryForm>();
  const [saving, setSaving] = useState(false);
  const initial: CategoryForm = category ?? {
    code: '', majorCode: defaultMajor, nameZh: '', nameEn: '', type: 'event', caseType: 'committed', departmentCodes: [], status: 'active',
    limits: { register: { amount: 1, unit: 'hours' }, dispatch: { amount: 1, unit: 'hours' }, handle: { amount: 3, unit: 'days' }, verify: { amount: 1, unit: 'days' } },
  };
  const save = async () => {
    const v = await form.validateFields();
    const fields: CategoryFields = {
      majorCode: v.majorCode, nameZh: v.nameZh.trim(), nameEn: v.nameEn.trim(), type: v.type, caseType: v.caseType,
      departmentCodes: v.departmentCodes, limits: v.limits, status: v.status,
    };
    setSaving(true);
    try {
      if (category) await adminApi.updateCategory(category.code, fields, category.version);
      else await adminApi.createCategory(v.code.trim(), fields);
      void message.success(at('common.saved'));
      onSaved();
    } catch (err) {
      void message.error(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };
  // Departments retired since keep showing on a category that names them (so that saving does not drop them silently).
  const deptOptions = departments
    .filter((d) => d.status === 'active' || category?.departmentCodes.includes(d.code))
    .map((d) => ({ value: d.code, label: pick(d.name, d.nameEn) }));
  return (
    <Modal open width={720} title={category ? at('cat.editMinor', { name: pick(category.nameZh, category.nameEn) }) : at('cat.new')} onCancel={onClose} onOk={() => void save()}
      confirmLoading={saving} okText={at('common.save')} cancelText={at('common.cancel')} okButtonProps={{ 'data-testid': 'cat-save' }} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={initial} data-testid="cat-form">
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="majorCode" label={at('cat.major')} rules={[{ required: true }]}>
              <Select options={majors.map((m) => ({ value: m.code, label: pick(m.nameZh, m.nameEn) }))} data-testid="cat-major-select" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="code" label={at('cat.code')} rules={[{ required: true, pattern: /^\d{4}$/ }]}>
              <Input disabled={category !== null} data-testid="cat-code" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="nameZh" label={at('common.name')} rules={[{ required: true, whitespace: true, max: 100 }]}>
              <Input data-testid="cat-name" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="nameEn" label={at('common.nameEn')} rules={[{ required: true, whitespace: true, max: 150 }]}>
              <Input data-testid="cat-name-en" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="type" label={at('cat.type')}>
              <Select options={(['event', 'component'] as const).map((x) => ({ value: x, label: at(`cat.type.${x}`) }))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="caseType" label={at('cat.caseType')}>
              <Select options={(['immediate', 'committed', 'coordinated'] as const).map((x) => ({ value: x, label: at(`cat.caseType.${x}`) }))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="status" label={at('common.status')}>
              <Select options={[{ value: 'active', label: at('common.active') }, { value: 'retired', label: at('common.retired') }]} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="departmentCodes" label={at('cat.departments')}>
              <Select mode="multiple" options={deptOptions} data-testid="cat-departments" />
            </Form.Item>
          </Col>
          {STAGES.map((s) => (
            <Col span={12} key={s}>
              <Form.Item label={at(`cat.limit.${s}`)} required>
                <Space.Compact style={{ width: '100%' }}>
                  <Form.Item name={['limits', s, 'amount']} noStyle rules={[{ required: true, type: 'number', min: 0.1, max: 1000 }]}>
                    <InputNumber min={0.1} max={1000} step={0.5} style={{ width: '60%' }} data-testid={`cat-limit-${s}`} />
                  </Form.Item>
                  <Form.Item name={['limits', s, 'unit']} noStyle>
                    <Select style={{ width: '40%' }} options={[{ value: 'hours', label: at('cat.unit.hours') }, { value: 'days', label: at('cat.unit.days') }]} data-testid={`cat-unit-${s}`} />
                  </Form.Item>
                </Space.Compact>
              </Form.Item>
            </Col>
          ))}
        </Row>
      </Form>
    </Modal>
  );
}

function MajorModal({ major, onClose, onSaved }: { major: Major | null; onClose: () => void; onSaved: () => void }) {
  const at = useAdminText();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ code: string; nameZh: string; nameEn: string; status: 'active' | 'retired' }>();
  const save = async () => {
    const v = await form.validateFields();
    try {
      // The existing order is kept (the server would otherwise order by code).
      await adminApi.saveMajor(v.code, { nameZh: v.nameZh.trim(), nameEn: v.nameEn.trim(), status: v.status, ...(major ? { sort: major.sort } : {}) });
      void message.success(at('common.saved'));
      onSaved();
    } catch (err) {
      void message.error(errorMessage(err));
    }
  };
  return (
    <Modal open title={major ? at('cat.editMajor') : at('cat.newMajor')} onCancel={onClose} onOk={() => void save()} okText={at('common.save')} cancelText={at('common.cancel')}
      okButtonProps={{ 'data-testid': 'major-save' }} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={major ?? { code: '', nameZh: '', nameEn: '', status: 'active' }}>
        <Form.Item name="code" label={at('common.code')} rules={[{ required: true, pattern: /^\d{2}$/ }]}>
          <Input disabled={major !== null} data-testid="major-code" />
        </Form.Item>
        <Form.Item name="nameZh" label={at('common.name')} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input data-testid="major-name" />
        </Form.Item>
        <Form.Item name="nameEn" label={at('common.nameEn')} rules={[{ required: true, whitespace: true, max: 150 }]}>
          <Input data-testid="major-name-en" />
        </Form.Item>
        <Form.Item name="status" label={at('common.status')}>
          <Select options={[{ value: 'active', label: at('common.active') }, { value: 'retired', label: at('common.retired') }]} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
