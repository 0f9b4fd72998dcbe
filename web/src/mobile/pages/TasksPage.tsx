import { Button, Empty, Segmented, Spin, Tag } from 'antd';
import { apiRequest } from '../../shell/api.js';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import type { Category, Incident, Major, Page } from '../../modules/incidents/api.js';
import { gridScopes, useMobileAuth } from '../auth.js';
import { useMyGrids } from '../geo/grids.js';
import { useT } from '../i18n.js';
import { cachedGet, useCachedGet } from '../offline/cache.js';
import { useOutbox } from '../offline/outbox.js';
import { WORKFORCE_ME, type WorkforceMe } from '../workforce.js';
import { errorText, PageHeader, section, shortTime, StaleNote } from '../ui.js';
import { CATEGORIES } from './ReportPage.js';
import { HotlineList } from './HotlinePage.js';
import { CampaignList } from './CampaignPage.js';

export const QUEUE_PAGE = 50;
export const queuePath = (queue: 'to-verify' | 'urged' | 'overdue') => `/api/incidents/queues/${queue}?pageSize=${QUEUE_PAGE}`;
export const incidentPath = (id: number) => `/api/incidents/${id}`;

export interface VisitDueItem {
  householdId: number;
  householdNo: string;
  gridCode: string;
  address: string | null;
  headName: string | null;
  tags: string[];
  intervalDays: number;
  lastVisitedAt: string | null;
  dueAt: string | null;
  overdue: boolean;
}
export const visitsDuePath = (gridCode: string) => `/api/basedata/visits-due?gridCode=${gridCode}&withinDays=3&limit=100`;

type Tab = 'verify' | 'watch' | 'visits' | 'hotline' | 'campaigns';

/**
 * 任务: what waits on the worker. Verify: replies to check on site (核查), re-inspections after rework
 * among them; urged or overdue cases in the worker's grids; households due a visit. Lists and the
 * cases in them are kept on the phone, so a check can be done (and queued) with no network.
 */
export default function TasksPage() {
  const { t } = useT();
  const [params, setParams] = useSearchParams();
  const tab = (params.get('tab') as Tab | null) ?? 'verify';
  const { me } = useMobileAuth();
  const revisits = me?.permissions.includes('hotline.revisit') ?? false;
  return (
    <div data-testid="page-tasks">
      <PageHeader title={t('tab.tasks')} />
      <div style={{ padding: '8px 12px 0' }}>
        <Segmented
          block
          value={tab}
          onChange={(v) => setParams({ tab: String(v) }, { replace: true })}
          options={[
            { value: 'verify', label: <span data-testid="tasks-tab-verify">{t('tasks.verify')}</span> },
            { value: 'watch', label: <span data-testid="tasks-tab-watch">{t('tasks.watch')}</span> },
            { value: 'visits', label: <span data-testid="tasks-tab-visits">{t('tasks.visits')}</span> },
            ...(revisits ? [{ value: 'hotline', label: <span data-testid="tasks-tab-hotline">{t('tasks.hotline')}</span> }] : []),
            { value: 'campaigns', label: <span data-testid="tasks-tab-campaigns">{t('tasks.campaigns')}</span> },
          ]}
        />
      </div>
      {tab === 'verify' && <FieldTasks />}
      {tab === 'verify' && <IncidentQueue queues={['to-verify']} />}
      {tab === 'watch' && <IncidentQueue queues={['urged', 'overdue']} />}
      {tab === 'visits' && <VisitsDue />}
      {tab === 'hotline' && revisits && <HotlineList />}
      {tab === 'campaigns' && <CampaignList />}
    </div>
  );
}

function IncidentQueue({ queues }: { queues: ('to-verify' | 'urged' | 'overdue')[] }) {
  const { t, pick } = useT();
  const { me } = useMobileAuth();
  const userId = me?.id ?? null;
  const outbox = useOutbox();
  const first = useCachedGet<Page<Incident>>(userId, queuePath(queues[0]!));
  const second = useCachedGet<Page<Incident>>(userId, queues[1] ? queuePath(queues[1]) : null);
  const reference = useCachedGet<{ majors: Major[]; categories: Category[] }>(userId, CATEGORIES).value?.data;
  const categoryName = useMemo(() => new Map((reference?.categories ?? []).map((c) => [c.code, pick(c.nameZh, c.nameEn)])), [reference, pick]);

  const items = useMemo(() => {
    const seen = new Set<number>();
    return [...(first.value?.data.items ?? []), ...(second.value?.data.items ?? [])].filter((i) => !seen.has(i.id) && seen.add(i.id));
  }, [first.value, second.value]);

  // Keep every listed case on the phone, so that it opens (and can be checked) offline; a case is
  // fetched again only when the list shows it changed.
  const kept = useRef(new Set<string>());
  useEffect(() => {
    if (userId === null || !first.value || first.value.stale) return;
    for (const i of items) {
      const mark = `${userId}:${i.id}@${i.updatedAt}`;
      if (kept.current.has(mark)) continue;
      kept.current.add(mark);
      void cachedGet(userId, incidentPath(i.id)).catch(() => kept.current.delete(mark));
    }
  }, [userId, items, first.value]);

  const queued = new Set(outbox.items.filter((i) => i.kind === 'action' && (i.state === 'waiting' || i.state === 'sending')).map((i) => (i.kind === 'action' ? i.payload.incidentId : 0)));
  if (!first.value && first.loading) return <Spin style={{ display: 'block', padding: 40 }} />;
  if (!first.value && first.error) return <div style={{ padding: 16, color: '#cf1322' }}>{errorText(t, first.error)}</div>;
  return (
    <>
      {first.value && <StaleNote savedAt={first.value.savedAt} stale={first.value.stale} />}
      {items.length === 0 && <Empty style={{ padding: 32 }} description={t('tasks.empty')} />}
      <ul style={{ margin: 0, padding: 0 }} data-testid="task-list">
        {items.map((i) => (
          <li key={i.id} style={{ listStyle: 'none' }}>
            <Link to={`/m/tasks/incident/${i.id}`} data-testid={`task-incident-${i.id}`} style={{ ...section, display: 'block', margin: '8px 0', color: 'inherit' }}>
              <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
                <strong>{categoryName.get(i.categoryCode ?? '') ?? t('incident.code', { code: i.code })}</strong>
                <Tag color={i.overdue ? 'red' : i.warning === 'amber' ? 'orange' : 'blue'}>{i.overdue ? t('tasks.overdue') : <StatusText status={i.status} />}</Tag>
              </div>
              <div style={{ color: '#555', margin: '4px 0', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{i.description}</div>
              <div style={{ display: 'flex', flexWrap: 'wrap', gap: 6, fontSize: 13, color: '#888' }}>
                <span>{i.code}</span>
                {i.dueAt && <span>{t('tasks.due', { time: shortTime(i.dueAt) })}</span>}
                {i.reworkCount > 0 && i.status === 'replied' && <Tag color="purple">{t('tasks.recheck', { n: i.reworkCount })}</Tag>}
                {i.urgeCount > 0 && <Tag color="volcano">{t('tasks.urged', { n: i.urgeCount })}</Tag>}
                {queued.has(i.id) && <Tag color="gold">{t('tasks.pendingHere')}</Tag>}
              </div>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}

export const FIELD_TASKS_MINE = '/api/command/field-tasks/mine';

interface FieldTaskItem {
  id: number;
  incidentId: number;
  incidentCode: string;
  address: string | null;
  kind: 'verify' | 'inspect';
  distanceM: number | null;
  note: string | null;
  createdAt: string;
}

/** 派给我: cases the command centre sent this worker to from the map (docs/field-dispatch.md), above the verify queue. */
function FieldTasks() {
  const { t } = useT();
  const { me } = useMobileAuth();
  const [done, setDone] = useState<Set<number>>(new Set());
  const tasks = useCachedGet<{ items: FieldTaskItem[] }>(me?.id ?? null, FIELD_TASKS_MINE).value?.data.items ?? [];
  const open = tasks.filter((x) => !done.has(x.id));
  if (open.length === 0) return null;
  const finish = (id: number) => {
    apiRequest('POST', `/api/command/field-tasks/${id}/done`, {})
      .then(() => setDone((s) => new Set([...s, id])))
      .catch(() => undefined);
  };
  return (
    <ul style={{ margin: 0, padding: '0 12px' }} data-testid="field-task-list">
      {open.map((x) => (
        <li key={x.id} style={{ listStyle: 'none', ...section, margin: '8px 0', borderLeft: '4px solid #fa541c' }} data-testid={`field-task-${x.id}`}>
          <Link to={`/m/tasks/incident/${x.incidentId}`} style={{ color: 'inherit', display: 'block' }}>
            <strong>{t('tasks.sent', { kind: t(x.kind === 'verify' ? 'tasks.sent.verify' : 'tasks.sent.inspect') })}</strong>
            <div style={{ fontSize: 13, color: '#888' }}>{x.incidentCode} {x.address ?? ''} {x.distanceM !== null ? `· ${x.distanceM} m` : ''}</div>
            {x.note && <div style={{ color: '#555' }}>{x.note}</div>}
          </Link>
          <Button size="small" onClick={() => finish(x.id)} data-testid={`field-task-done-${x.id}`}>{t('tasks.sent.done')}</Button>
        </li>
      ))}
    </ul>
  );
}

function StatusText({ status }: { status: string }) {
  const { label } = useT();
  return <>{label('status', status)}</>;
}

/** The grids to ask visits-due for: the worker's own unit grids, else their community or unit scopes. */
function useVisitGrids(): string[] {
  const { me } = useMobileAuth();
  const userId = me?.id ?? null;
  const workforce = useCachedGet<WorkforceMe>(userId, WORKFORCE_ME).value?.data ?? null;
  const grids = useMyGrids(userId);
  return useMemo(() => {
    if (workforce?.grids.length) return workforce.grids.map((g) => g.code);
    const scopes = me ? gridScopes(me).filter((c) => c.length >= 12) : [];
    if (scopes.length) return scopes;
    return (grids?.data.features ?? []).slice(0, 10).map((f) => String(f.properties.code));
  }, [workforce, me, grids]);
}

function VisitsDue() {
  const { t } = useT();
  const grids = useVisitGrids();
  const [grid, setGrid] = useState<string | null>(null);
  const current = grid && grids.includes(grid) ? grid : grids[0] ?? null;
  return (
    <>
      {grids.length > 1 && (
        <div style={{ padding: '8px 12px 0', overflowX: 'auto' }}>
          <Segmented value={current ?? ''} onChange={(v) => setGrid(String(v))} options={grids.map((g) => ({ value: g, label: g.slice(-3) }))} />
        </div>
      )}
      {current ? <VisitsDueOf gridCode={current} /> : <Empty style={{ padding: 32 }} description={t('tasks.noGrid')} />}
    </>
  );
}

function VisitsDueOf({ gridCode }: { gridCode: string }) {
  const { t } = useT();
  const { me } = useMobileAuth();
  const { value, error, loading } = useCachedGet<{ items: VisitDueItem[]; total: number; truncated: boolean }>(me?.id ?? null, visitsDuePath(gridCode));
  const label = useTagLabel();
  if (!value && loading) return <Spin style={{ display: 'block', padding: 40 }} />;
  if (!value && error) return <div style={{ padding: 16, color: '#cf1322' }}>{errorText(t, error)}</div>;
  const items = value?.data.items ?? [];
  return (
    <>
      {value && <StaleNote savedAt={value.savedAt} stale={value.stale} />}
      {value?.data.truncated && <div style={{ padding: '4px 12px', color: '#888', fontSize: 13 }}>{t('visit.truncated')}</div>}
      {items.length === 0 && <Empty style={{ padding: 32 }} description={t('tasks.empty')} />}
      <ul style={{ margin: 0, padding: 0 }} data-testid="visit-list">
        {items.map((h) => (
          <li key={h.householdId} style={{ listStyle: 'none' }}>
            <Link
              to={`/m/tasks/visit/${h.householdId}?grid=${gridCode}`}
              state={h}
              data-testid={`task-visit-${h.householdId}`}
              style={{ ...section, display: 'block', margin: '8px 0', color: 'inherit' }}
            >
              <VisitHeading h={h} label={label} />
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}

export const RESIDENT_TAGS = '/api/basedata/tags';

/** Labels of the special-group tags (from the server, kept offline), by code. */
export function useTagLabel(): (code: string) => string {
  const { pick } = useT();
  const { me } = useMobileAuth();
  const labels = useCachedGet<{ code: string; name: string; nameEn: string }[]>(me?.id ?? null, RESIDENT_TAGS).value?.data;
  return useMemo(() => {
    const byCode = new Map((labels ?? []).map((l) => [l.code, pick(l.name, l.nameEn)]));
    return (code: string) => byCode.get(code) ?? code;
  }, [labels, pick]);
}

export function VisitHeading({ h, label }: { h: VisitDueItem; label: (code: string) => string }) {
  const { t } = useT();
  return (
    <>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
        <strong>{h.address ?? t('visit.household', { no: h.householdNo })}</strong>
        {h.overdue && <Tag color="red">{h.lastVisitedAt ? t('tasks.overdue') : t('visit.never')}</Tag>}
      </div>
      <div style={{ fontSize: 13, color: '#666', display: 'flex', flexWrap: 'wrap', gap: 8, marginTop: 4 }}>
        <span>{t('visit.household', { no: h.householdNo })}</span>
        {h.headName && <span>{t('visit.head', { name: h.headName })}</span>}
        <span>{h.lastVisitedAt ? t('visit.last', { time: shortTime(h.lastVisitedAt) }) : t('visit.never')}</span>
        {h.dueAt && <span>{t('visit.dueAt', { time: shortTime(h.dueAt) })}</span>}
        <span>{t('visit.every', { n: h.intervalDays })}</span>
      </div>
      <div style={{ marginTop: 4 }}>
        {h.tags.map((tag) => <Tag key={tag} color="cyan">{label(tag)}</Tag>)}
      </div>
    </>
  );
}
