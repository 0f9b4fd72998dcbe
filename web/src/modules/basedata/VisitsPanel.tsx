import { Alert, App, Button, Checkbox, DatePicker, Form, Input, Select, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { beijingWallClockToIso, formatDateTime } from '../../shell/time.js';
import { basedataApi, type Visit } from './api.js';
import { useLoad } from './hooks.js';
import { useBasedataText } from './messages.js';

interface VisitForm {
  visitedAt?: Dayjs | null;
  summary: string;
  finding?: string;
  followUp?: string;
  createIncident?: boolean;
  categoryCode?: string;
}

/** The incident a visit finding became: its code, a link when the user may open incidents. */
function IncidentRef({ visit }: { visit: Visit }) {
  const t = useBasedataText();
  const { can } = useAuth();
  if (visit.incidentId !== null) {
    // The code is joined from the incident; never fall back on its internal id.
    const label = visit.incidentCode ?? '';
    return can('incidents.read')
      ? <Link to={`/incidents/${visit.incidentId}`} data-testid="visit-incident">{t('visit.incident', { code: label })}</Link>
      : <Tag color="blue" data-testid="visit-incident">{t('visit.incident', { code: label })}</Tag>;
  }
  return visit.pendingIncident ? <Tag color="orange">{t('visit.pending')}</Tag> : null;
}

/** A household's visits (走访): the history, and recording one whose finding may become an incident in the same step. */
export default function VisitsPanel({ householdId }: { householdId: number }) {
  const t = useBasedataText();
  const { can } = useAuth();
  const fetcher = useCallback(() => basedataApi.visits(householdId), [householdId]);
  const { data, error, reload } = useLoad<Visit[]>(fetcher);
  const [last, setLast] = useState<Visit | null>(null);
  return (
    <div data-testid="visits">
      <Typography.Title level={5} style={{ marginTop: 16 }}>{t('household.visits')}</Typography.Title>
      {error && <Alert type="error" message={error} />}
      <Table<Visit>
        rowKey="id"
        size="small"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        dataSource={data ?? []}
        loading={data === null && !error}
        data-testid="visit-history"
        columns={[
          { title: t('visit.at'), dataIndex: 'visitedAt', render: (v: string) => formatDateTime(v) },
          { title: t('visit.visitor'), dataIndex: 'visitorName', render: (v: string | null) => v ?? '' },
          { title: t('visit.summary'), dataIndex: 'summary' },
          { title: t('visit.finding'), dataIndex: 'finding', render: (v: string | null) => v ?? '' },
          { title: t('visit.followUp'), dataIndex: 'followUp', render: (v: string | null) => v ?? '' },
          { title: t('visit.incidentCol'), render: (_: unknown, v) => <IncidentRef visit={v} /> },
        ]}
      />
      {last && (
        <Alert
          style={{ marginTop: 12 }}
          showIcon
          closable
          onClose={() => setLast(null)}
          data-testid="visit-result"
          type={last.pendingIncident ? 'warning' : 'success'}
          message={last.incidentId !== null ? <span>{t('visit.savedWithIncident')} <IncidentRef visit={last} /></span> : last.pendingIncident ? t('visit.savedPending') : t('visit.saved')}
        />
      )}
      {can('residents.manage') && <VisitForm householdId={householdId} onSaved={(v) => { setLast(v); reload(); }} />}
    </div>
  );
}

function VisitForm({ householdId, onSaved }: { householdId: number; onSaved(visit: Visit): void }) {
  const t = useBasedataText();
  const { can } = useAuth();
  const { pick } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<VisitForm>();
  const finding = Form.useWatch('finding', form);
  const createIncident = Form.useWatch('createIncident', form);
  const [categories, setCategories] = useState<{ value: string; label: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mayReport = can('incidents.report');
  const hasFinding = Boolean(finding?.trim());
  const mayPickCategory = can('incidents.read');
  useEffect(() => {
    if (!mayPickCategory) return;
    basedataApi.incidentCategories()
      .then((r) => setCategories(r.categories.filter((c) => c.status === 'active').map((c) => ({ value: c.code, label: `${c.code} ${pick(c.nameZh, c.nameEn)}` }))))
      .catch(() => undefined);
  }, [mayPickCategory, pick]);
  const save = async (v: VisitForm) => {
    setBusy(true);
    try {
      const report = Boolean(v.createIncident) && mayReport && Boolean(v.finding?.trim());
      const visit = await basedataApi.recordVisit(householdId, {
        summary: v.summary.trim(),
        ...(v.visitedAt ? { visitedAt: beijingWallClockToIso(v.visitedAt.format('YYYY-MM-DDTHH:mm:ss')) } : {}),
        ...(v.finding?.trim() ? { finding: v.finding.trim() } : {}),
        ...(v.followUp?.trim() ? { followUp: v.followUp.trim() } : {}),
        createIncident: report,
        ...(report && v.categoryCode ? { categoryCode: v.categoryCode } : {}),
      });
      message.success(t('visit.saved'));
      form.resetFields();
      setError(null);
      onSaved(visit);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={(v) => void save(v)} style={{ marginTop: 16, maxWidth: 640 }} data-testid="visit-form">
      <Typography.Title level={5}>{t('visit.add')}</Typography.Title>
      <Form.Item name="visitedAt" label={t('visit.at')} extra={t('visit.atHint')}>
        <DatePicker showTime format="YYYY-MM-DD HH:mm" disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
      </Form.Item>
      <Form.Item name="summary" label={t('visit.summary')} rules={[{ required: true, whitespace: true }, { max: 2000 }]}>
        <Input.TextArea rows={2} maxLength={2000} data-testid="visit-summary" />
      </Form.Item>
      <Form.Item name="finding" label={t('visit.finding')} rules={[{ max: 2000 }]}><Input.TextArea rows={2} maxLength={2000} data-testid="visit-finding" /></Form.Item>
      <Form.Item name="followUp" label={t('visit.followUp')} rules={[{ max: 2000 }]}><Input maxLength={2000} data-testid="visit-follow-up" /></Form.Item>
      {mayReport && (
        <Form.Item name="createIncident" valuePropName="checked" extra={hasFinding ? t('visit.createIncidentHint') : t('visit.needFinding')}>
          <Checkbox disabled={!hasFinding} data-testid="visit-create-incident">{t('visit.createIncident')}</Checkbox>
        </Form.Item>
      )}
      {mayReport && hasFinding && createIncident && categories.length > 0 && (
        <Form.Item name="categoryCode" label={t('visit.category')} extra={t('visit.categoryHint')}>
          <Select allowClear showSearch={{ optionFilterProp: 'label' }} options={categories} style={{ maxWidth: 360 }} />
        </Form.Item>
      )}
      {error && <Alert type="error" message={error} style={{ marginBottom: 8 }} />}
      <Button type="primary" htmlType="submit" loading={busy} data-testid="visit-submit">{t('visit.add')}</Button>
    </Form>
  );
}
