import { App, Button, Empty, Input, Switch } from 'antd';
import { useState } from 'react';
import { useLocation, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useMobileAuth } from '../auth.js';
import { useT } from '../i18n.js';
import { useCachedGet } from '../offline/cache.js';
import { useOutbox } from '../offline/outbox.js';
import { PageHeader, section } from '../ui.js';
import { uuidv4 } from '../uuid.js';
import { RecentSends } from './OutboxList.js';
import { useTagLabel, VisitHeading, visitsDuePath, type VisitDueItem } from './TasksPage.js';

/** 入户走访: records a visit (kept on the phone until sent; the server takes it once per key). */
export default function VisitPage() {
  const { householdId } = useParams();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const { t } = useT();
  const { message } = App.useApp();
  const { me } = useMobileAuth();
  const outbox = useOutbox();
  const label = useTagLabel();
  const grid = params.get('grid');
  const list = useCachedGet<{ items: VisitDueItem[] }>(me?.id ?? null, grid ? visitsDuePath(grid) : null).value?.data.items;
  const id = Number(householdId);
  const household = (location.state as VisitDueItem | null) ?? list?.find((h) => h.householdId === id) ?? null;
  const [summary, setSummary] = useState('');
  const [finding, setFinding] = useState('');
  const [createIncident, setCreateIncident] = useState(false);
  const [busy, setBusy] = useState(false);

  if (!household) {
    return (
      <div>
        <PageHeader title={t('visit.title')} back />
        <Empty style={{ padding: 32 }} description={t('common.noCache')} />
      </div>
    );
  }

  const submit = async () => {
    setBusy(true);
    try {
      await outbox.add({
        kind: 'visit',
        key: uuidv4(),
        payload: {
          householdId: household.householdId,
          householdNo: household.householdNo,
          body: {
            summary: summary.trim(),
            ...(finding.trim() ? { finding: finding.trim() } : {}),
            createIncident: createIncident && finding.trim() !== '',
            visitedAt: new Date().toISOString(),
          },
        },
      });
      message.success(outbox.online ? t('visit.queued') : t('report.queuedOffline'));
      navigate('/m/tasks?tab=visits', { replace: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="page-visit">
      <PageHeader title={t('visit.title')} back />
      <section style={section}>
        <VisitHeading h={household} label={label} />
      </section>
      <section style={section}>
        <Input.TextArea value={summary} onChange={(e) => setSummary(e.target.value)} placeholder={t('visit.summary')} autoSize={{ minRows: 3, maxRows: 8 }} maxLength={2000} data-testid="visit-summary" />
        <Input.TextArea value={finding} onChange={(e) => setFinding(e.target.value)} placeholder={t('visit.finding')} autoSize={{ minRows: 2, maxRows: 6 }} maxLength={2000} style={{ marginTop: 8 }} data-testid="visit-finding" />
        {finding.trim() && (
          <label style={{ display: 'flex', alignItems: 'center', gap: 12, minHeight: 44, marginTop: 8 }}>
            <Switch checked={createIncident} onChange={setCreateIncident} data-testid="visit-create-incident" />
            <span>{t('visit.createIncident')}</span>
          </label>
        )}
        <Button type="primary" block size="large" style={{ marginTop: 12 }} disabled={!summary.trim()} loading={busy} onClick={() => void submit()} data-testid="visit-submit">
          {t('common.submit')}
        </Button>
      </section>
      <RecentSends kinds={['visit']} />
    </div>
  );
}
