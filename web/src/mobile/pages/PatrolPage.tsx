import { Alert, App, Button, Spin, Tag } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../shell/api.js';
import { useMobileAuth } from '../auth.js';
import { nearest, type GridCollection } from '../geo/geometry.js';
import { useMyGrids } from '../geo/grids.js';
import { GridSketch } from '../geo/GridSketch.js';
import { usePosition, type Fix } from '../geo/position.js';
import { useT } from '../i18n.js';
import { useCachedGet } from '../offline/cache.js';
import { useOutbox } from '../offline/outbox.js';
import { usePatrol } from '../patrol/patrol.js';
import { errorText, PageHeader, section, shortTime, StaleNote } from '../ui.js';
import { uuidv4 } from '../uuid.js';
import { DEFAULT_CLOCK_TOLERANCE_M, WORKFORCE_ME, type WorkforceMe } from '../workforce.js';
import { RecentSends } from './OutboxList.js';

type ClockOutcome =
  | { kind: 'ok'; text: string }
  | { kind: 'refused'; text: string }
  | { kind: 'queued'; text: string; warning: string | null };

/** How far the fix lies from the worker's own grids by the outlines kept on the phone (0 inside). */
function localDistance(grids: GridCollection | null, own: readonly string[], fix: Fix): number | null {
  if (!grids) return null;
  const mine = own.length ? { ...grids, features: grids.features.filter((f) => own.includes(String(f.properties.code))) } : grids;
  return nearest(mine.features.length ? mine : grids, fix.lng, fix.lat)?.distanceM ?? null;
}

/**
 * 巡查 and 打卡: clock in and out where the worker stands (the server decides whether that is inside
 * their grids, within the tolerance, and says how far off it is when not), and start or end a patrol
 * whose track is recorded on the phone and sent in batches.
 */
export default function PatrolPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const { me } = useMobileAuth();
  const userId = me?.id ?? null;
  const outbox = useOutbox();
  const workforce = useCachedGet<WorkforceMe>(userId, WORKFORCE_ME);
  const grids = useMyGrids(userId);
  const { patrol, start, stop, adopt } = usePatrol();
  const { fix } = usePosition(true);
  const [outcome, setOutcome] = useState<ClockOutcome | null>(null);
  const [busy, setBusy] = useState<'in' | 'out' | 'patrol' | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!patrol) return;
    const timer = window.setInterval(() => setNow(Date.now()), 15_000);
    return () => window.clearInterval(timer);
  }, [patrol]);

  const w = workforce.value?.data ?? null;
  // The server has a patrol open that this phone does not know of: carry on with it here.
  const serverPatrol = workforce.value && !workforce.value.stale ? w?.activePatrol ?? null : null;
  const known = serverPatrol !== null && outbox.items.some(
    (i) => (i.kind === 'patrol-start' && (i.state === 'waiting' || i.state === 'sending')) || (i.kind === 'patrol-stop' && i.payload.patrolId === serverPatrol.id),
  );
  useEffect(() => {
    if (serverPatrol && !patrol && !known) void adopt(serverPatrol);
  }, [serverPatrol, patrol, known, adopt]);
  const ownGrids = useMemo(() => w?.grids.map((g) => g.code) ?? [], [w]);
  const features = useMemo(() => grids?.data.features ?? [], [grids]);
  const clockedIn = useMemo(() => {
    // The server's answer, then what this phone did since (a clock item sent or waiting).
    const local = outbox.items.find((i) => i.kind === 'clock' && i.userId === userId && i.state !== 'refused');
    if (local?.kind === 'clock' && (!w?.clockedIn || Date.parse(local.payload.at) > Date.parse(w.clockedIn.at))) {
      return local.payload.kind === 'in' ? local.payload.at : null;
    }
    return w?.clockedIn?.at ?? null;
  }, [outbox.items, userId, w]);

  const unavailable = workforce.error instanceof ApiError && !workforce.value ? workforce.error : null;
  if (!workforce.value && workforce.loading) return <Spin style={{ display: 'block', paddingTop: '30vh' }} />;

  const clock = async (kind: 'in' | 'out') => {
    if (!fix) {
      setOutcome({ kind: 'refused', text: t('patrol.needFix') });
      return;
    }
    setBusy(kind);
    setOutcome(null);
    try {
      const key = uuidv4();
      const at = new Date().toISOString();
      await outbox.add({ kind: 'clock', key, payload: { id: key, kind, at, position: { lng: fix.lng, lat: fix.lat, accuracyM: fix.accuracyM } } });
      const tolerance = w?.clockToleranceM ?? DEFAULT_CLOCK_TOLERANCE_M;
      const distance = localDistance(grids?.data ?? null, ownGrids, fix);
      const warning = distance !== null && distance > tolerance ? t('patrol.localOutside', { m: Math.round(distance), tol: tolerance }) : null;
      const settled = outbox.online ? await outbox.settle(key, 10_000) : null;
      if (settled?.state === 'sent') {
        setOutcome({ kind: 'ok', text: t('patrol.clockOk', { kind: t(`patrol.kind.${kind}`), time: shortTime(at).slice(11), grid: settled.result?.gridCode ?? '' }) });
        workforce.reload();
      } else if (settled?.state === 'refused' && settled.lastError) {
        setOutcome({ kind: 'refused', text: errorText(t, settled.lastError) });
      } else {
        setOutcome({ kind: 'queued', text: t('patrol.clockQueued'), warning });
      }
    } finally {
      setBusy(null);
    }
  };

  const togglePatrol = async () => {
    setBusy('patrol');
    try {
      if (patrol) {
        await stop();
        message.success(t('patrol.stopped'));
      } else {
        await start(fix);
        message.success(t('patrol.started'));
      }
    } finally {
      setBusy(null);
    }
  };

  return (
    <div data-testid="page-patrol">
      <PageHeader title={t('patrol.title')} />
      {workforce.value && <StaleNote savedAt={workforce.value.savedAt} stale={workforce.value.stale} />}
      {unavailable && (
        <Alert
          type="warning"
          showIcon
          style={{ margin: 12 }}
          data-testid="patrol-unavailable"
          title={unavailable.status === 403 ? t('patrol.notWorker') : t('patrol.unavailable', { message: unavailable.message })}
        />
      )}
      {w && (
        <section style={section}>
          <div style={{ display: 'flex', flexWrap: 'wrap', gap: 6, alignItems: 'center' }}>
            <strong>{t('patrol.myGrids')}</strong>
            {w.grids.map((g) => <Tag key={g.code} color="blue">{g.name}</Tag>)}
          </div>
          <div style={{ color: '#666', marginTop: 6 }}>
            {w.onLeaveToday ? t('patrol.onLeave') : w.shiftToday ? t('patrol.shift', w.shiftToday) : t('patrol.noShift')}
            {clockedIn && <span data-testid="clocked-in"> · {t('patrol.clockedIn', { time: shortTime(clockedIn).slice(11) })}</span>}
          </div>
        </section>
      )}

      <section style={section}>
        <GridSketch features={features} highlight={ownGrids[0] ?? null} fix={fix} height={150} />
        <div style={{ display: 'flex', gap: 8, marginTop: 12 }}>
          <Button block size="large" type={clockedIn ? 'default' : 'primary'} loading={busy === 'in'} disabled={unavailable !== null} onClick={() => void clock('in')} data-testid="clock-in" style={{ height: 64 }}>
            {t('patrol.clockIn')}
          </Button>
          <Button block size="large" loading={busy === 'out'} disabled={unavailable !== null} onClick={() => void clock('out')} data-testid="clock-out" style={{ height: 64 }}>
            {t('patrol.clockOut')}
          </Button>
        </div>
        {outcome && (
          <Alert
            style={{ marginTop: 12 }}
            type={outcome.kind === 'ok' ? 'success' : outcome.kind === 'refused' ? 'error' : 'info'}
            showIcon
            data-testid={`clock-${outcome.kind}`}
            title={outcome.kind === 'refused' ? t('patrol.clockRefused') : outcome.text}
            description={outcome.kind === 'refused' ? outcome.text : outcome.kind === 'queued' ? outcome.warning : undefined}
          />
        )}
      </section>

      <section style={section}>
        {patrol ? (
          <div data-testid="patrol-active">
            <Tag color="green">{t('patrol.active')}</Tag>
            <span style={{ color: '#666' }}>{t('patrol.since', { time: shortTime(patrol.startedAt).slice(11) })}</span>
            <div style={{ fontSize: 20, margin: '8px 0' }} data-testid="patrol-stats">
              {t('patrol.stats', {
                km: (patrol.distanceM / 1000).toFixed(2),
                points: patrol.pointCount,
                minutes: Math.max(0, Math.floor((now - Date.parse(patrol.startedAt)) / 60_000)),
              })}
            </div>
            <div style={{ color: '#888', fontSize: 13 }}>{t('patrol.keepOpen')}</div>
          </div>
        ) : null}
        <Button
          block
          size="large"
          type="primary"
          danger={patrol !== null}
          loading={busy === 'patrol'}
          disabled={unavailable !== null}
          onClick={() => void togglePatrol()}
          data-testid={patrol ? 'patrol-stop' : 'patrol-start'}
          style={{ height: 64, marginTop: 8, fontSize: 18 }}
        >
          {patrol ? t('patrol.stop') : t('patrol.start')}
        </Button>
      </section>
      {workforce.error !== null && workforce.value === null && !unavailable && (
        <div style={{ padding: 12, color: '#cf1322' }}>{errorText(t, workforce.error)}</div>
      )}
      <RecentSends kinds={['clock', 'patrol-start', 'patrol-points', 'patrol-stop']} />
    </div>
  );
}
