import { App, Button, Drawer, Empty, Input, Spin, Tag } from 'antd';
import { useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import type { Category, IncidentDetail, Major } from '../../modules/incidents/api.js';
import { thumbnailUrl } from '../../modules/incidents/api.js';
import { useMobileAuth } from '../auth.js';
import { ABOVE_TAB_BAR } from '../layout.js';
import { useT } from '../i18n.js';
import { useCachedGet } from '../offline/cache.js';
import { useOutbox } from '../offline/outbox.js';
import type { OutboxPhoto, TaskActionType } from '../offline/types.js';
import { PhotoCapture, type CapturedPhoto } from '../photos/PhotoCapture.js';
import { errorText, PageHeader, section, shortTime, StaleNote } from '../ui.js';
import { uuidv4 } from '../uuid.js';
import { CategoryPicker } from './CategoryPicker.js';
import { CATEGORIES } from './ReportPage.js';
import { incidentPath } from './TasksPage.js';

/** The actions the app offers a grid worker; the server's allowedActions decides which of them show. */
const APP_ACTIONS: readonly TaskActionType[] = ['verify-pass', 'verify-fail', 'self-resolve'];

/** A case from My tasks, with the verification the state machine allows the worker now. */
export default function IncidentTaskPage() {
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const { t, pick, label } = useT();
  const { me } = useMobileAuth();
  const userId = me?.id ?? null;
  const outbox = useOutbox();
  const { value, error, loading } = useCachedGet<IncidentDetail>(userId, Number.isInteger(id) ? incidentPath(id) : null);
  const reference = useCachedGet<{ majors: Major[]; categories: Category[] }>(userId, CATEGORIES).value?.data;
  const [acting, setActing] = useState<TaskActionType | null>(null);

  const category = useMemo(() => reference?.categories.find((c) => c.code === value?.data.incident.categoryCode) ?? null, [reference, value]);
  const queued = outbox.items.find((i) => i.kind === 'action' && i.payload.incidentId === id && (i.state === 'waiting' || i.state === 'sending'));

  if (!value && loading) return <Spin style={{ display: 'block', paddingTop: '30vh' }} />;
  if (!value) {
    return (
      <div>
        <PageHeader title={t('tab.tasks')} back />
        <Empty style={{ padding: 32 }} description={error ? errorText(t, error) : t('incident.notCached')} />
      </div>
    );
  }
  const { incident: inc, timeline, allowedActions } = value.data;
  const actions = APP_ACTIONS.filter((a) => allowedActions.includes(a));
  const seenSeq = timeline.reduce((m, e) => Math.max(m, e.seq), 0);

  return (
    <div data-testid="page-task-incident" style={{ paddingBottom: 80 }}>
      <PageHeader title={t('incident.code', { code: inc.code })} back />
      <StaleNote savedAt={value.savedAt} stale={value.stale} />
      <section style={section}>
        <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
          <strong style={{ fontSize: 17 }}>{category ? pick(category.nameZh, category.nameEn) : inc.categoryCode ?? ''}</strong>
          <Tag color={inc.overdue ? 'red' : 'blue'} data-testid="task-status" data-status={inc.status}>{label('status', inc.status)}</Tag>
        </div>
        <p style={{ margin: '8px 0', whiteSpace: 'pre-wrap' }}>{inc.description}</p>
        <dl style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '4px 12px', margin: 0, fontSize: 14, color: '#555' }}>
          {inc.address && (<><dt>{t('incident.address')}</dt><dd style={{ margin: 0 }}>{inc.address}</dd></>)}
          <dt>{t('incident.reportedAt')}</dt><dd style={{ margin: 0 }}>{shortTime(inc.reportedAt)}</dd>
          {inc.dueAt && (<><dt>{t('incident.due')}</dt><dd style={{ margin: 0 }}>{shortTime(inc.dueAt)}</dd></>)}
        </dl>
        {inc.reworkCount > 0 && <Tag color="purple" style={{ marginTop: 8 }}>{t('tasks.recheck', { n: inc.reworkCount })}</Tag>}
      </section>

      {inc.photos.length > 0 && outbox.online && (
        <section style={section}>
          <strong>{t('incident.photos')}</strong>
          <div style={{ display: 'grid', gridTemplateColumns: 'repeat(4, 1fr)', gap: 6, marginTop: 8 }}>
            {inc.photos.map((h) => (
              <a key={h} href={`/api/files/${h}`} target="_blank" rel="noreferrer">
                <img src={thumbnailUrl(h)} alt="" style={{ width: '100%', aspectRatio: '1', objectFit: 'cover', borderRadius: 6 }} />
              </a>
            ))}
          </div>
        </section>
      )}

      <section style={section}>
        <strong>{t('incident.timeline')}</strong>
        <ol style={{ margin: '8px 0 0', paddingLeft: 18 }}>
          {[...timeline].reverse().slice(0, 8).map((e) => (
            <li key={e.seq} style={{ marginBottom: 6, fontSize: 14 }}>
              <span style={{ color: '#888' }}>{shortTime(e.at).slice(5)}</span> {label('action', e.action)}
              {e.actorName ? ` · ${e.actorName}` : ''}
              {e.note ? <div style={{ color: '#555' }}>{e.note}</div> : null}
            </li>
          ))}
        </ol>
      </section>

      <div style={{ position: 'fixed', left: 0, right: 0, bottom: ABOVE_TAB_BAR, padding: '8px 12px', background: '#fff', borderTop: '1px solid #eee', display: 'flex', gap: 8, zIndex: 90 }}>
        {queued ? (
          <Tag color="gold" style={{ fontSize: 15, padding: 8 }} data-testid="task-queued">{t('tasks.pendingHere')}</Tag>
        ) : actions.length === 0 ? (
          <span style={{ color: '#888', padding: 8 }}>{t('incident.noActions')}</span>
        ) : (
          actions.map((a) => (
            <Button key={a} block size="large" type={a === 'verify-fail' ? 'default' : 'primary'} danger={a === 'verify-fail'} onClick={() => setActing(a)} data-testid={`task-action-${a}`}>
              {t(`action.${a}`)}
            </Button>
          ))
        )}
      </div>

      {acting && (
        <ActionSheet
          type={acting}
          onClose={() => setActing(null)}
          incident={{ id: inc.id, code: inc.code, version: inc.version, seenSeq, categoryCode: inc.categoryCode }}
          categories={reference?.categories ?? []}
          majors={reference?.majors ?? []}
        />
      )}
    </div>
  );
}

interface SheetIncident {
  id: number;
  code: string;
  version: number;
  seenSeq: number;
  categoryCode: string | null;
}

/**
 * The form of one action, queued on submit: a verification (a reason when it failed, optional photos)
 * or a self-resolve of a case not yet dispatched (before and after photos, the category when the case
 * has none).
 */
function ActionSheet({ type, incident, onClose, categories, majors }: {
  type: TaskActionType;
  incident: SheetIncident;
  onClose: () => void;
  categories: readonly Category[];
  majors: readonly Major[];
}) {
  const { t, pick } = useT();
  const { message } = App.useApp();
  const outbox = useOutbox();
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<CapturedPhoto[]>([]);
  const [after, setAfter] = useState<CapturedPhoto[]>([]);
  const [category, setCategory] = useState<Category | null>(null);
  const [picking, setPicking] = useState(false);
  const [busy, setBusy] = useState(false);
  const needsReason = type === 'verify-fail';
  const resolving = type === 'self-resolve';
  const needsCategory = resolving && incident.categoryCode === null;
  const ready = needsReason ? text.trim() !== '' : resolving ? photos.length > 0 && after.length > 0 && (!needsCategory || category !== null) : true;

  const submit = async () => {
    setBusy(true);
    try {
      const queued: OutboxPhoto[] = resolving
        ? [...photos.map((p) => ({ id: p.id, role: 'before' as const, blob: p.blob })), ...after.map((p) => ({ id: p.id, role: 'after' as const, blob: p.blob }))]
        : photos.map((p) => ({ id: p.id, role: 'photo' as const, blob: p.blob }));
      await outbox.add({
        kind: 'action',
        key: uuidv4(),
        photos: queued,
        payload: {
          incidentId: incident.id,
          incidentCode: incident.code,
          type,
          version: incident.version,
          seenSeq: incident.seenSeq,
          ...(needsReason ? { reason: text.trim() } : text.trim() ? { note: text.trim() } : {}),
          ...(needsCategory && category ? { categoryCode: category.code } : {}),
        },
      });
      message.success(outbox.online ? t('action.queued') : t('report.queuedOffline'));
      onClose();
      navigate('/m/tasks', { replace: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer open placement="bottom" size="auto" title={t(`action.${type}`)} onClose={onClose} data-testid={`action-sheet-${type}`}>
      {needsCategory && (
        <Button block onClick={() => setPicking(true)} style={{ marginBottom: 8, textAlign: 'left' }} data-testid="action-category">
          {category ? pick(category.nameZh, category.nameEn) : t('report.pickCategory')}
        </Button>
      )}
      <Input.TextArea
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={needsReason ? t('action.reason') : t('action.note')}
        autoSize={{ minRows: 2, maxRows: 6 }}
        maxLength={2000}
        data-testid="action-text"
      />
      <div style={{ margin: '12px 0' }}>
        <PhotoCapture photos={photos} onChange={setPhotos} label={resolving ? t('action.beforePhotos') : t('action.photos')} testId="action-photos" />
      </div>
      {resolving && (
        <div style={{ margin: '12px 0' }}>
          <PhotoCapture photos={after} onChange={setAfter} label={t('report.takeAfter')} testId="action-after-photos" />
        </div>
      )}
      <Button type="primary" block size="large" loading={busy} disabled={!ready} onClick={() => void submit()} data-testid="action-submit">
        {t('common.submit')}
      </Button>
      {needsCategory && (
        <CategoryPicker
          open={picking}
          onClose={() => setPicking(false)}
          onPick={(c) => {
            setCategory(c);
            setPicking(false);
          }}
          categories={categories}
          majors={majors}
        />
      )}
    </Drawer>
  );
}
