import { Alert, App, Button, Card, Checkbox, Form, Image, Input, Modal, Popconfirm, Progress, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router-dom';
import { api, errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { beijingWallClockToIso, formatDateTime } from '../../shell/time.js';
import { incidentApi, type Category } from '../incidents/api.js';
import { campaignApi, TEMPLATES, type Campaign, type GridProgress, type Question, type QuestionType, type Target, type TargetType } from './api.js';
import { useCampaignText } from './messages.js';

const QUESTION_TYPES: QuestionType[] = ['yes_no', 'choice', 'number', 'text', 'photo'];
const TARGET_TYPES: TargetType[] = ['place', 'household', 'resident'];

/** 中心工作: the campaigns, a new one from a template, one campaign's progress per grid. */
export default function CampaignsPage() {
  return (
    <div data-testid="page-campaigns">
      <Routes>
        <Route index element={<CampaignList />} />
        <Route path=":id" element={<CampaignView />} />
      </Routes>
    </div>
  );
}

function ProgressBar({ c, testId }: { c: Campaign; testId?: string }) {
  const percent = c.progress.total === 0 ? 0 : Math.round((c.progress.done / c.progress.total) * 100);
  return <Space><Progress percent={percent} size="small" style={{ width: 120 }} /><span data-testid={testId}>{c.progress.done}/{c.progress.total}</span></Space>;
}

/** The streets and communities the caller may push to: their own grid scopes and the nodes under a street or district scope. */
function useTargetNodes(): { code: string; name: string }[] {
  const { me } = useAuth();
  const [children, setChildren] = useState<{ code: string; name: string }[]>([]);
  const own = useMemo(() => (me?.roles ?? []).filter((r) => r.scope.kind === 'grid' && r.scope.code.length >= 6)
    .map((r) => ({ code: r.scope.code, name: r.scope.name })), [me]);
  useEffect(() => {
    let live = true;
    Promise.all(own.filter((o) => o.code.length <= 9).map((s) => api.get<{ items: { code: string; name: string }[] }>('/api/grids', { parent: s.code, pageSize: 500 })))
      .then((pages) => live && setChildren(pages.flatMap((p) => p.items)))
      .catch(() => live && setChildren([]));
    return () => {
      live = false;
    };
  }, [own]);
  return useMemo(() => {
    const all = [...own, ...children];
    return all.filter((a, i) => all.findIndex((b) => b.code === a.code) === i).sort((a, b) => a.code.localeCompare(b.code));
  }, [own, children]);
}

interface QuestionRow { label: string; type: QuestionType; required: boolean; options?: string; problem?: string }
interface CampaignForm { title: string; description?: string; targetType: TargetType; gridCodes: string[]; deadline: string; categoryCode?: string; questions: QuestionRow[] }

const split = (text: string | undefined) => (text ?? '').split(/[,，]/).map((s) => s.trim()).filter(Boolean);

function toRows(questions: Question[]): QuestionRow[] {
  return questions.map((q) => ({
    label: q.label, type: q.type, required: q.required, options: q.options?.join('，'),
    problem: q.problemAnswers?.map((a) => (a === true ? '是' : a === false ? '否' : a)).join('，'),
  }));
}

function toQuestions(rows: QuestionRow[]): Question[] {
  return rows.map((r, i) => {
    const problems = split(r.problem);
    return {
      key: `q${i + 1}`, label: r.label, type: r.type, required: Boolean(r.required),
      ...(r.type === 'choice' ? { options: split(r.options) } : {}),
      ...(problems.length > 0 && (r.type === 'yes_no' || r.type === 'choice')
        ? { problemAnswers: r.type === 'yes_no' ? problems.map((p) => p === '是' || p.toLowerCase() === 'yes') : problems } : {}),
    };
  });
}

function CampaignList() {
  const ct = useCampaignText();
  const { can } = useAuth();
  const { pick } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const nodes = useTargetNodes();
  const [campaigns, setCampaigns] = useState<Campaign[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [categories, setCategories] = useState<Category[]>([]);
  const [form] = Form.useForm<CampaignForm>();

  useEffect(() => {
    campaignApi.list().then((r) => setCampaigns(r.items)).catch((err: unknown) => setError(errorMessage(err)));
  }, []);
  useEffect(() => {
    if (creating) incidentApi.categories().then((r) => setCategories(r.categories.filter((c) => c.status === 'active'))).catch(() => setCategories([]));
  }, [creating]);

  const useTemplate = (name: string) => {
    const tpl = TEMPLATES.find((x) => x.name === name);
    if (tpl) form.setFieldsValue({ title: tpl.name, targetType: tpl.targetType, questions: toRows(tpl.questions) });
  };

  const create = async () => {
    const v = await form.validateFields();
    try {
      const created = await campaignApi.create({
        title: v.title, targetType: v.targetType, questions: toQuestions(v.questions ?? []), gridCodes: v.gridCodes, deadline: beijingWallClockToIso(v.deadline),
        ...(v.description ? { description: v.description } : {}), ...(v.categoryCode ? { categoryCode: v.categoryCode } : {}),
      });
      setCreating(false);
      navigate(`/campaigns/${created.id}`);
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  return (
    <>
      <Typography.Title level={3}>{ct('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{ct('intro')}</Typography.Paragraph>
      {can('campaigns.manage') && <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setCreating(true)} data-testid="campaign-new">{ct('new')}</Button>}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Table<Campaign>
        rowKey="id"
        loading={campaigns === null && !error}
        dataSource={campaigns ?? []}
        pagination={false}
        locale={{ emptyText: ct('empty') }}
        data-testid="campaigns-table"
        columns={[
          { title: ct('col.title'), render: (_, c) => <Link to={`/campaigns/${c.id}`} data-testid={`campaign-${c.id}`}>{c.title}</Link> },
          { title: ct('col.target'), render: (_, c) => ct(`target.${c.targetType}`) },
          { title: ct('col.deadline'), render: (_, c) => formatDateTime(c.deadline) },
          { title: ct('col.status'), render: (_, c) => <Tag color={c.status === 'pushed' ? 'processing' : 'default'}>{ct(`status.${c.status}`)}</Tag> },
          { title: ct('col.progress'), render: (_, c) => <ProgressBar c={c} /> },
        ]}
      />
      <Modal open={creating} width={820} title={ct('new')} onCancel={() => setCreating(false)} onOk={() => void create()} okButtonProps={{ 'data-testid': 'campaign-create' }} destroyOnHidden>
        <Form form={form} layout="vertical" initialValues={{ targetType: 'place', questions: [] }}>
          <Form.Item label={ct('template')}>
            <Select placeholder={ct('template')} onChange={useTemplate} data-testid="campaign-template" options={TEMPLATES.map((x) => ({ value: x.name, label: x.name }))} />
          </Form.Item>
          <Form.Item name="title" label={ct('field.title')} rules={[{ required: true }]}><Input data-testid="campaign-title" /></Form.Item>
          <Form.Item name="description" label={ct('field.description')}><Input.TextArea rows={2} /></Form.Item>
          <Space wrap>
            <Form.Item name="targetType" label={ct('field.targetType')} rules={[{ required: true }]}>
              <Select style={{ width: 140 }} options={TARGET_TYPES.map((x) => ({ value: x, label: ct(`target.${x}`) }))} />
            </Form.Item>
            <Form.Item name="deadline" label={ct('field.deadline')} rules={[{ required: true }]}><Input type="datetime-local" data-testid="campaign-deadline" /></Form.Item>
            <Form.Item name="categoryCode" label={ct('field.category')}>
              <Select allowClear style={{ width: 280 }} showSearch={{ optionFilterProp: 'label' }} options={categories.map((c) => ({ value: c.code, label: `${pick(c.nameZh, c.nameEn)}（${c.code}）` }))} />
            </Form.Item>
          </Space>
          <Form.Item name="gridCodes" label={ct('field.grids')} rules={[{ required: true }]}>
            <Select mode="multiple" showSearch={{ optionFilterProp: 'label' }} data-testid="campaign-grids" options={nodes.map((n) => ({ value: n.code, label: n.name }))} />
          </Form.Item>
          <Typography.Text strong>{ct('field.questions')}</Typography.Text>
          <Form.List name="questions">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} align="start" wrap style={{ display: 'flex' }}>
                    <Form.Item name={[f.name, 'label']} rules={[{ required: true }]}><Input placeholder={ct('q.label')} style={{ width: 200 }} /></Form.Item>
                    <Form.Item name={[f.name, 'type']} rules={[{ required: true }]}>
                      <Select style={{ width: 100 }} options={QUESTION_TYPES.map((x) => ({ value: x, label: ct(`type.${x}`) }))} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'required']} valuePropName="checked"><Checkbox>{ct('q.required')}</Checkbox></Form.Item>
                    <Form.Item name={[f.name, 'options']}><Input placeholder={ct('q.options')} style={{ width: 160 }} /></Form.Item>
                    <Form.Item name={[f.name, 'problem']}><Input placeholder={ct('q.problem')} style={{ width: 160 }} /></Form.Item>
                    <Button onClick={() => remove(f.name)}>×</Button>
                  </Space>
                ))}
                <Button onClick={() => add({ type: 'yes_no', required: true })}>{ct('q.add')}</Button>
              </>
            )}
          </Form.List>
        </Form>
      </Modal>
    </>
  );
}

function CampaignView() {
  const ct = useCampaignText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const id = Number(useParams().id);
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [progress, setProgress] = useState<GridProgress[]>([]);
  const [targets, setTargets] = useState<{ items: Target[]; total: number } | null>(null);
  const [filter, setFilter] = useState<'done' | 'pending'>('done');
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setCampaign(await campaignApi.get(id));
      setProgress((await campaignApi.progress(id)).items);
      setTargets(await campaignApi.targets(id, { status: filter }));
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [id, filter]);
  useEffect(() => {
    void load();
  }, [load]);

  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  if (error) return <Alert type="error" showIcon title={error} />;
  if (!campaign) return null;
  const manage = can('campaigns.manage');
  return (
    <>
      <Link to="/campaigns">{ct('back')}</Link>
      <Typography.Title level={3}>
        {campaign.title} <Tag data-testid="campaign-status">{ct(`status.${campaign.status}`)}</Tag>
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {ct('field.targetType')}：{ct(`target.${campaign.targetType}`)} · {ct('field.grids')}：{campaign.grids.map((g) => g.name).join('、')} · {ct('field.deadline')}：{formatDateTime(campaign.deadline)}
      </Typography.Paragraph>
      <Space style={{ marginBottom: 16 }}>
        <ProgressBar c={campaign} testId="campaign-progress" />
        {campaign.progress.problems > 0 && <Tag color="red">{ct('col.problems')} {campaign.progress.problems}</Tag>}
        {manage && campaign.status === 'draft' && <Button type="primary" onClick={() => void run(() => campaignApi.push(id, campaign.version))} data-testid="campaign-push">{ct('push')}</Button>}
        {manage && campaign.status === 'pushed' && (
          <Popconfirm title={ct('close')} onConfirm={() => void run(() => campaignApi.close(id, campaign.version))}>
            <Button data-testid="campaign-close">{ct('close')}</Button>
          </Popconfirm>
        )}
      </Space>
      <Card title={ct('progress')} size="small" style={{ marginBottom: 16 }}>
        <Table<GridProgress>
          rowKey="gridCode"
          size="small"
          dataSource={progress}
          pagination={false}
          data-testid="campaign-progress-table"
          columns={[
            { title: ct('col.grid'), render: (_, g) => <span title={g.gridCode}>{g.name}</span> },
            { title: ct('col.done'), dataIndex: 'done' },
            { title: ct('col.total'), dataIndex: 'total' },
            { title: ct('col.problems'), dataIndex: 'problems' },
            { title: ct('col.progress'), render: (_, g) => <Progress percent={g.total === 0 ? 0 : Math.round((g.done / g.total) * 100)} size="small" style={{ width: 120 }} /> },
          ]}
        />
      </Card>
      <Card title={ct('targets')} size="small" style={{ marginBottom: 16 }} extra={
        <Segmented value={filter} onChange={(v) => setFilter(v as 'done' | 'pending')} options={[{ value: 'done', label: ct('filter.done') }, { value: 'pending', label: ct('filter.pending') }]} />
      }>
        <Table<Target>
          rowKey="targetId"
          size="small"
          dataSource={targets?.items ?? []}
          pagination={false}
          data-testid="campaign-targets-table"
          footer={() => ct('targets.total', { n: targets?.total ?? 0 })}
          columns={[
            { title: ct('col.target'), render: (_, x) => <>{x.label}{x.detail && <Typography.Text type="secondary"> {x.detail}</Typography.Text>}</> },
            { title: ct('col.grid'), dataIndex: 'gridCode' },
            {
              title: ct('col.answers'), render: (_, x) => x.response && campaign.questions.map((q) => {
                const a = x.response!.answers[q.key];
                if (q.type === 'photo' && Array.isArray(a)) return <AnswerPhotos key={q.key} label={q.label} hashes={a} />;
                return a === undefined ? null : <Tag key={q.key} color={q.problemAnswers?.includes(a as string | boolean) ? 'red' : 'default'}>{q.label}：{a === true ? ct('yes') : a === false ? ct('no') : Array.isArray(a) ? a.length : String(a)}</Tag>;
              }),
            },
            { title: ct('col.incident'), render: (_, x) => x.response?.incident && <Link to={`/incidents/${x.response.incident.id}`}>{x.response.incident.code}</Link> },
            { title: ct('col.filledAt'), render: (_, x) => formatDateTime(x.response?.filledAt) },
          ]}
        />
      </Card>
      <Card title={ct('questions')} size="small">
        <ol>
          {campaign.questions.map((q) => (
            <li key={q.key}>
              {q.label} <Tag>{ct(`type.${q.type}`)}</Tag>{q.required && <Tag>{ct('q.required')}</Tag>}
              {q.options && <span>{q.options.join(' / ')}</span>}
              {q.problemAnswers && <Tag color="red">{q.problemAnswers.map((a) => (a === true ? ct('yes') : a === false ? ct('no') : a)).join('、')}</Tag>}
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}

/** A photo answer: its thumbnails, each opening the photo (served by the file route to readers of the campaign in the target's grid). */
function AnswerPhotos({ label, hashes }: { label: string; hashes: string[] }) {
  if (hashes.length === 0) return null;
  return (
    <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4, marginRight: 8 }} data-testid="campaign-answer-photos">
      <Typography.Text type="secondary">{label}：</Typography.Text>
      <Image.PreviewGroup>
        {hashes.map((h) => (
          <Image key={h} width={48} height={48} style={{ objectFit: 'cover', borderRadius: 4 }} src={`/api/files/${h}/thumbnail`} preview={{ src: `/api/files/${h}` }}
            data-testid="campaign-answer-photo" alt={label} />
        ))}
      </Image.PreviewGroup>
    </span>
  );
}
