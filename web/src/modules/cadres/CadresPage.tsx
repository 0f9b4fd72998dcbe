import { App, Button, Card, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { livelihoodApi } from '../livelihood/api.js';
import { cadreApi, type Cadre, type Figures, type NotVisited, type UnitKind, type Visit, type VisitStatus } from './api.js';
import { useCadreText } from './messages.js';

/** The current month in Asia/Shanghai, 'YYYY-MM'. */
function thisMonth(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
}

const STATUS_COLOR: Record<VisitStatus, string> = { planned: 'blue', done: 'green', cancelled: 'default' };

type Dialog =
  | { kind: 'new' }
  | { kind: 'edit'; cadre: Cadre }
  | { kind: 'relink'; cadre: Cadre }
  | { kind: 'deactivate'; cadre: Cadre }
  | { kind: 'link'; cadre: Cadre }
  | { kind: 'schedule'; cadre: Cadre }
  | { kind: 'record'; visit: Visit }
  | { kind: 'incident'; visit: Visit; findingId: number }
  | { kind: 'need'; visit: Visit; description: string };

/** 群工联点: linked cadres, their visits, who has not visited this month and visits per cadre. */
export default function CadresPage() {
  const ct = useCadreText();
  const { can } = useAuth();
  const { message } = App.useApp();
  const manage = can('cadres.manage');
  const [month, setMonth] = useState(thisMonth());
  const [cadres, setCadres] = useState<Cadre[]>([]);
  const [visits, setVisits] = useState<Visit[]>([]);
  const [notVisited, setNotVisited] = useState<NotVisited | null>(null);
  const [figures, setFigures] = useState<Figures | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});

  const load = useCallback(async () => {
    try {
      const [c, v, n, f] = await Promise.all([cadreApi.list(), cadreApi.visits(month), cadreApi.notVisited(month), cadreApi.figures(month)]);
      setCadres(c.items);
      setVisits(v.items);
      setNotVisited(n);
      setFigures(f);
    } catch (err) {
      message.error(errorMessage(err));
    }
  }, [month, message]);
  useEffect(() => {
    void load();
  }, [load]);

  const set = (key: string) => (v: string) => setValues((s) => ({ ...s, [key]: v }));
  const submit = async () => {
    if (!dialog) return;
    try {
      if (dialog.kind === 'new') await cadreApi.create({ name: values.name ?? '', unitKind: (values.unitKind as UnitKind | undefined) ?? 'street', unitCode: values.unitCode ?? '', title: values.title ?? '' });
      if (dialog.kind === 'edit') {
        const c = dialog.cadre;
        await cadreApi.update(c.id, {
          version: c.version, name: values.name ?? c.name, unitKind: (values.unitKind as UnitKind | undefined) ?? c.unitKind, unitCode: values.unitCode ?? c.unitCode, title: values.title ?? c.title, userId: c.userId,
        });
      }
      if (dialog.kind === 'relink') {
        const codes = (values.gridCodes ?? dialog.cadre.links.map((l) => l.gridCode).join('\n')).split('\n').map((s) => s.trim()).filter(Boolean);
        await cadreApi.relink(dialog.cadre.id, { version: dialog.cadre.version, gridCodes: codes });
      }
      if (dialog.kind === 'deactivate') {
        await cadreApi.deactivate(dialog.cadre.id, { version: dialog.cadre.version, retiredOn: values.retiredOn ?? new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10), reason: values.reason ?? '' });
      }
      if (dialog.kind === 'link') await cadreApi.link(dialog.cadre.id, values.gridCode ?? '');
      if (dialog.kind === 'schedule') await cadreApi.schedule(dialog.cadre.id, { gridCode: values.gridCode ?? '', plannedOn: values.plannedOn ?? '' });
      if (dialog.kind === 'record') {
        await cadreApi.record(dialog.visit.id, { record: values.record ?? '', findings: (values.findings ?? '').split('\n').map((s) => s.trim()).filter(Boolean) });
      }
      if (dialog.kind === 'need') {
        await livelihoodApi.collect({ gridCode: dialog.visit.gridCode, title: values.title ?? dialog.description, description: values.description ?? '', source: 'visit', cadreVisitId: dialog.visit.id });
      }
      if (dialog.kind === 'incident') {
        const made = await cadreApi.toIncident(dialog.visit.id, dialog.findingId, values.gridCode || undefined);
        message.success(made.code);
      } else {
        message.success(ct('saved'));
      }
      setDialog(null);
      setValues({});
      await load();
    } catch (err) {
      message.error(errorMessage(err));
    }
  };

  const cadreTable = (
    <>
      {manage && <Button type="primary" style={{ marginBottom: 12 }} data-testid="cadre-new" onClick={() => setDialog({ kind: 'new' })}>{ct('new')}</Button>}
      <Table
        size="small" rowKey="id" dataSource={cadres} data-testid="cadre-list" pagination={{ pageSize: 20 }}
        columns={[
          { title: ct('col.name'), dataIndex: 'name' },
          { title: ct('col.unit'), key: 'unit', render: (_: unknown, c) => <Space><Tag>{ct(`unit.${c.unitKind}`)}</Tag>{c.unitName ?? c.unitCode}</Space> },
          { title: ct('col.title'), dataIndex: 'title' },
          { title: ct('col.links'), key: 'links', render: (_: unknown, c) => <Space wrap>{c.links.map((l) => <Tag key={l.id}>{l.gridName ?? l.gridCode}</Tag>)}</Space> },
          {
            title: ct('col.status'), key: 'status',
            render: (_: unknown, c) => c.status === 'retired'
              ? <Tag title={`${c.retiredOn ?? ''} ${c.retireReason ?? ''}`} data-testid={`cadre-retired-${c.id}`}>{ct('retired')} {c.retiredOn}</Tag>
              : <Tag color="green">{ct('active')}</Tag>,
          },
          ...(manage ? [{
            title: '', key: 'actions', render: (_: unknown, c: Cadre) => c.status === 'active' && (
              <Space wrap>
                <Button size="small" onClick={() => setDialog({ kind: 'link', cadre: c })}>{ct('link')}</Button>
                <Button size="small" disabled={c.links.length === 0} onClick={() => setDialog({ kind: 'schedule', cadre: c })}>{ct('schedule')}</Button>
                <Button size="small" data-testid={`cadre-edit-${c.id}`} onClick={() => setDialog({ kind: 'edit', cadre: c })}>{ct('edit')}</Button>
                <Button size="small" data-testid={`cadre-relink-${c.id}`} onClick={() => setDialog({ kind: 'relink', cadre: c })}>{ct('relink')}</Button>
                <Button size="small" danger data-testid={`cadre-deactivate-${c.id}`} onClick={() => setDialog({ kind: 'deactivate', cadre: c })}>{ct('deactivate')}</Button>
              </Space>
            ),
          }] : []),
        ]}
      />
    </>
  );

  const visitTable = (
    <Table
      size="small" rowKey="id" dataSource={visits} data-testid="cadre-visits" pagination={{ pageSize: 20 }}
      columns={[
        { title: ct('col.cadre'), dataIndex: 'cadreName' },
        { title: ct('col.grid'), dataIndex: 'gridName', render: (v: string | null, r) => v ?? r.gridCode },
        { title: ct('col.plannedOn'), dataIndex: 'plannedOn' },
        { title: ct('col.status'), dataIndex: 'status', render: (s: VisitStatus) => <Tag color={STATUS_COLOR[s]}>{ct(`status.${s}`)}</Tag> },
        { title: ct('col.visitedAt'), dataIndex: 'visitedAt', render: (v: string | null) => formatDateTime(v) },
        { title: ct('col.record'), dataIndex: 'record', ellipsis: true },
        {
          title: ct('col.findings'), key: 'findings', render: (_: unknown, v) => (
            <Space direction="vertical" size={2}>
              {v.findings.map((f) => (
                <span key={f.id}>
                  {f.description}{' '}
                  {f.incidentCode ? <Tag color="purple">{f.incidentCode}</Tag>
                    : manage && <Button size="small" type="link" onClick={() => setDialog({ kind: 'incident', visit: v, findingId: f.id })}>{ct('toIncident')}</Button>}
                  {can('livelihood.manage') && <Button size="small" type="link" onClick={() => setDialog({ kind: 'need', visit: v, description: f.description })}>{ct('toNeed')}</Button>}
                </span>
              ))}
            </Space>
          ),
        },
        ...(manage ? [{
          title: '', key: 'actions', render: (_: unknown, v: Visit) => v.status === 'planned' && <Button size="small" onClick={() => setDialog({ kind: 'record', visit: v })}>{ct('record')}</Button>,
        }] : []),
      ]}
    />
  );

  const notVisitedTable = (
    <>
      {notVisited && <Typography.Text data-testid="cadre-not-visited-summary">{ct('notVisited.summary', { links: notVisited.links, count: notVisited.items.length })}</Typography.Text>}
      <Table
        size="small" rowKey="linkId" dataSource={notVisited?.items ?? []} data-testid="cadre-not-visited" pagination={{ pageSize: 20 }} style={{ marginTop: 8 }}
        columns={[
          { title: ct('col.cadre'), dataIndex: 'cadreName' },
          { title: ct('col.unit'), dataIndex: 'unitKind', render: (k: UnitKind) => ct(`unit.${k}`) },
          { title: ct('col.title'), dataIndex: 'title' },
          { title: ct('col.grid'), dataIndex: 'gridName', render: (v: string | null, r) => v ?? r.gridCode },
          { title: ct('col.plannedOn'), dataIndex: 'plannedOn', render: (v: string | null) => v ?? '—' },
        ]}
      />
    </>
  );

  const figureTable = (
    <>
      {figures && <Typography.Text data-testid="cadre-figures-total">{ct('figures.total', { count: figures.totalDone })}</Typography.Text>}
      <Table
        size="small" rowKey="cadreId" dataSource={figures?.items ?? []} data-testid="cadre-figures" pagination={{ pageSize: 20 }} style={{ marginTop: 8 }}
        columns={[
          { title: ct('col.cadre'), dataIndex: 'name' },
          { title: ct('col.unit'), dataIndex: 'unitName' },
          { title: ct('col.links'), dataIndex: 'links' },
          { title: ct('col.done'), dataIndex: 'done', sorter: (a, b) => a.done - b.done },
          { title: ct('col.planned'), dataIndex: 'planned' },
          { title: ct('col.findings'), dataIndex: 'findings' },
          { title: ct('col.incidents'), dataIndex: 'incidents' },
        ]}
      />
    </>
  );

  return (
    <Card title={ct('title')} extra={<Space>{ct('month')}<Input type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} data-testid="cadre-month" /></Space>}>
      <Tabs items={[
        { key: 'cadres', label: ct('tab.cadres'), children: cadreTable },
        { key: 'visits', label: ct('tab.visits'), children: visitTable },
        { key: 'not-visited', label: ct('tab.notVisited'), children: notVisitedTable },
        { key: 'figures', label: ct('tab.figures'), children: figureTable },
      ]} />
      <Modal
        open={dialog !== null} onCancel={() => setDialog(null)} onOk={() => void submit()} destroyOnHidden
        title={dialog ? ct(dialog.kind === 'new' ? 'new' : dialog.kind === 'edit' ? 'edit' : dialog.kind === 'relink' ? 'relink' : dialog.kind === 'deactivate' ? 'deactivate.title' : dialog.kind === 'link' ? 'link' : dialog.kind === 'schedule' ? 'schedule' : dialog.kind === 'record' ? 'record' : dialog.kind === 'need' ? 'toNeed' : 'toIncident') : ''}
      >
        <Form layout="vertical">
          {dialog?.kind === 'new' && (
            <>
              <Form.Item label={ct('field.name')} required><Input onChange={(e) => set('name')(e.target.value)} /></Form.Item>
              <Form.Item label={ct('field.unitKind')}>
                <Select defaultValue="street" onChange={set('unitKind')} options={(['street', 'department'] as const).map((k) => ({ value: k, label: ct(`unit.${k}`) }))} />
              </Form.Item>
              <Form.Item label={ct('field.unitCode')} required><Input onChange={(e) => set('unitCode')(e.target.value.trim())} /></Form.Item>
              <Form.Item label={ct('field.title')}><Input onChange={(e) => set('title')(e.target.value)} /></Form.Item>
            </>
          )}
          {dialog?.kind === 'edit' && (
            <>
              <Form.Item label={ct('field.name')} required><Input defaultValue={dialog.cadre.name} data-testid="cadre-edit-name" onChange={(e) => set('name')(e.target.value)} /></Form.Item>
              <Form.Item label={ct('field.unitKind')}>
                <Select defaultValue={dialog.cadre.unitKind} onChange={set('unitKind')} options={(['street', 'department'] as const).map((k) => ({ value: k, label: ct(`unit.${k}`) }))} />
              </Form.Item>
              <Form.Item label={ct('field.unitCode')} required><Input defaultValue={dialog.cadre.unitCode} onChange={(e) => set('unitCode')(e.target.value.trim())} /></Form.Item>
              <Form.Item label={ct('field.title')}><Input defaultValue={dialog.cadre.title} onChange={(e) => set('title')(e.target.value)} /></Form.Item>
            </>
          )}
          {dialog?.kind === 'relink' && (
            <Form.Item label={ct('field.linkCodes')}>
              <Input.TextArea rows={4} defaultValue={dialog.cadre.links.map((l) => l.gridCode).join('\n')} data-testid="cadre-relink-codes" onChange={(e) => set('gridCodes')(e.target.value)} />
            </Form.Item>
          )}
          {dialog?.kind === 'deactivate' && (
            <>
              <Form.Item label={ct('field.retiredOn')} required>
                <Input type="date" defaultValue={new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)} onChange={(e) => set('retiredOn')(e.target.value)} />
              </Form.Item>
              <Form.Item label={ct('field.reason')} required><Input data-testid="cadre-deactivate-reason" maxLength={200} onChange={(e) => set('reason')(e.target.value)} /></Form.Item>
            </>
          )}
          {(dialog?.kind === 'link' || dialog?.kind === 'schedule') && (
            <Form.Item label={ct('field.gridCode')} required>
              {dialog.kind === 'schedule'
                ? <Select onChange={set('gridCode')} options={dialog.cadre.links.map((l) => ({ value: l.gridCode, label: l.gridName ?? l.gridCode }))} />
                : <Input onChange={(e) => set('gridCode')(e.target.value.trim())} />}
            </Form.Item>
          )}
          {dialog?.kind === 'schedule' && <Form.Item label={ct('field.plannedOn')} required><Input type="date" onChange={(e) => set('plannedOn')(e.target.value)} /></Form.Item>}
          {dialog?.kind === 'record' && (
            <>
              <Form.Item label={ct('field.record')} required><Input.TextArea rows={3} onChange={(e) => set('record')(e.target.value)} /></Form.Item>
              <Form.Item label={ct('field.findings')}><Input.TextArea rows={3} onChange={(e) => set('findings')(e.target.value)} /></Form.Item>
            </>
          )}
          {dialog?.kind === 'need' && (
            <>
              <Form.Item label={ct('field.needTitle')} required><Input defaultValue={dialog.description} onChange={(e) => set('title')(e.target.value)} /></Form.Item>
              <Form.Item label={ct('field.needDescription')}><Input.TextArea rows={2} onChange={(e) => set('description')(e.target.value)} /></Form.Item>
            </>
          )}
          {dialog?.kind === 'incident' && (
            <Form.Item label={ct('field.unitGrid')} required={dialog.visit.gridCode.length !== 15}>
              <Input defaultValue={dialog.visit.gridCode.length === 15 ? dialog.visit.gridCode : ''} placeholder={dialog.visit.gridCode} onChange={(e) => set('gridCode')(e.target.value.trim())} />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </Card>
  );
}
