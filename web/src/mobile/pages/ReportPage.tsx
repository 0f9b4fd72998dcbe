import { AimOutlined, RightOutlined } from '@ant-design/icons';
import { Alert, App, Button, Input, Switch, Tag } from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import type { Category, Major } from '../../modules/incidents/api.js';
import { hasTiles, type MapSettings } from '../../modules/grid/basemap.js';
import { ABOVE_TAB_BAR } from '../layout.js';
import { useMobileAuth } from '../auth.js';
import { MAP_SETTINGS, useLocate, useMyGrids } from '../geo/grids.js';
import { GridSketch } from '../geo/GridSketch.js';
import { usePosition } from '../geo/position.js';
import { useT } from '../i18n.js';
import { useCachedGet } from '../offline/cache.js';
import { useOutbox } from '../offline/outbox.js';
import type { OutboxPhoto } from '../offline/types.js';
import { PhotoCapture, type CapturedPhoto } from '../photos/PhotoCapture.js';
import { PageHeader, section } from '../ui.js';
import { uuidv4 } from '../uuid.js';
import { CategoryPicker } from './CategoryPicker.js';
import { RecentSends } from './OutboxList.js';
import { CategorySuggestions } from '../../modules/incidents/CategorySuggestions.js';

const MapView = lazy(() => import('../geo/MapView.js'));

export const CATEGORIES = '/api/incident-categories';

/**
 * 上报 in three taps: take the photo, confirm the position (GPS with its accuracy and the grid it falls
 * in) and pick the category, submit. The report goes to the outbox with its idempotency key, made here
 * at the tap, and is sent at once when there is a network or later when there is none.
 */
export default function ReportPage() {
  const { t, pick, lang } = useT();
  const { message } = App.useApp();
  const { me } = useMobileAuth();
  const userId = me?.id ?? null;
  const outbox = useOutbox();
  const { fix, problem } = usePosition(true);
  const grids = useMyGrids(userId);
  const located = useLocate(fix, grids?.data ?? null, outbox.online);
  const reference = useCachedGet<{ majors: Major[]; categories: Category[] }>(userId, CATEGORIES).value?.data ?? null;
  const settings = useCachedGet<MapSettings>(userId, MAP_SETTINGS).value?.data ?? null;

  const [photos, setPhotos] = useState<CapturedPhoto[]>([]);
  const [after, setAfter] = useState<CapturedPhoto[]>([]);
  const [category, setCategory] = useState<Category | null>(null);
  const [description, setDescription] = useState('');
  const [address, setAddress] = useState('');
  const [selfResolve, setSelfResolve] = useState(false);
  const [picking, setPicking] = useState(false);
  const [problemText, setProblemText] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const canSelfResolve = category?.caseType === 'immediate';
  const highlight = located?.inside ? located.code : null;
  const features = useMemo(() => grids?.data.features ?? [], [grids]);

  const submit = async () => {
    setProblemText(null);
    if (photos.length === 0) return setProblemText(t('report.needPhoto'));
    if (!fix) return setProblemText(t('report.needPosition'));
    if (!category) return setProblemText(t('report.needCategory'));
    const resolving = canSelfResolve && selfResolve;
    if (resolving && after.length === 0) return setProblemText(t('report.needAfter'));
    setSubmitting(true);
    try {
      const key = uuidv4();
      const queuedPhotos: OutboxPhoto[] = [
        ...photos.map((p) => ({ id: p.id, role: 'before' as const, blob: p.blob })),
        ...(resolving ? after.map((p) => ({ id: p.id, role: 'after' as const, blob: p.blob })) : []),
      ];
      await outbox.add({
        kind: 'report',
        key,
        photos: queuedPhotos,
        payload: {
          body: {
            channel: 'grid_worker',
            description: description.trim() || category.nameZh,
            position: { lng: fix.lng, lat: fix.lat, crs: 'wgs84' },
            categoryCode: category.code,
            ...(address.trim() ? { address: address.trim() } : {}),
          },
          selfResolve: resolving ? { categoryCode: category.code } : null,
        },
      });
      setPhotos([]);
      setAfter([]);
      setDescription('');
      setAddress('');
      setSelfResolve(false);
      setCategory(null);
      if (!outbox.online) {
        message.info(t('report.queuedOffline'));
        return;
      }
      message.loading({ content: t('report.queued'), key });
      const settled = await outbox.settle(key, 10_000);
      if (settled?.state === 'sent') message.success({ content: t('report.sent', { code: settled.result?.incidentCode ?? '' }), key });
      else message.info({ content: t('report.queuedOffline'), key });
    } finally {
      setSubmitting(false);
    }
  };

  const fixText = fix
    ? t('report.accuracy', { m: fix.accuracyM })
    : problem
      ? t('report.noFix', { reason: t(problem === 'denied' ? 'report.geoDenied' : problem === 'timeout' ? 'report.geoTimeout' : 'report.geoUnavailable') })
      : t('report.locating');
  const showTiles = hasTiles(settings) && outbox.online && grids !== null;

  return (
    <div data-testid="page-report">
      <PageHeader title={t('report.title')} />

      <section style={section}>
        <PhotoCapture photos={photos} onChange={setPhotos} label={photos.length ? t('report.addPhoto') : t('report.takePhoto')} testId="report-photos" big />
        {photos.length > 0 && <div style={{ color: '#888', fontSize: 13, marginTop: 4 }}>{t('report.photos', { count: photos.length })}</div>}
      </section>

      <section style={section} data-testid="report-position">
        <div style={{ display: 'flex', alignItems: 'center', gap: 8, marginBottom: 8 }}>
          <AimOutlined style={{ color: fix ? '#1668dc' : '#999' }} />
          <strong>{t('report.position')}</strong>
          <span data-testid="report-accuracy" style={{ color: fix && fix.accuracyM > 50 ? '#d46b08' : '#555' }}>{fixText}</span>
        </div>
        {located && (
          <div data-testid="report-grid" data-inside={String(located.inside)} style={{ marginBottom: 8 }}>
            {located.inside ? (
              <Tag color="blue" style={{ fontSize: 14, padding: '2px 8px', whiteSpace: 'normal' }}>
                {t(located.offline ? 'report.gridOffline' : 'report.gridOnline', { name: located.name, code: located.code })}
              </Tag>
            ) : (
              <Alert type="warning" showIcon title={located.message ?? t(located.offline ? 'report.outsideOffline' : 'report.outside')} />
            )}
          </div>
        )}
        {showTiles && settings && grids ? (
          <Suspense fallback={<GridSketch features={features} highlight={highlight} fix={fix} />}>
            <MapView settings={settings} grids={grids.data} highlight={highlight} fix={fix} />
          </Suspense>
        ) : (
          <GridSketch features={features} highlight={highlight} fix={fix} />
        )}
      </section>

      <section style={section}>
        <button
          type="button"
          onClick={() => setPicking(true)}
          data-testid="report-category"
          style={{ display: 'flex', alignItems: 'center', width: '100%', minHeight: 48, border: 0, background: 'none', padding: 0, fontSize: 16, textAlign: 'left' }}
        >
          <strong style={{ marginRight: 12 }}>{t('report.category')}</strong>
          <span style={{ flex: 1, color: category ? '#222' : '#999' }} data-testid="report-category-value">
            {category ? pick(category.nameZh, category.nameEn) : t('report.pickCategory')}
          </span>
          <RightOutlined style={{ color: '#bbb' }} />
        </button>
        <Input.TextArea
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          placeholder={t('report.descriptionHint')}
          autoSize={{ minRows: 2, maxRows: 6 }}
          maxLength={4000}
          data-testid="report-description"
          aria-label={t('report.description')}
          style={{ marginTop: 8 }}
        />
        <CategorySuggestions text={description} lang={lang} onPick={(c) => {
          const found = reference?.categories.find((x) => x.code === c.code);
          if (found) setCategory(found);
        }} />
        <Input value={address} onChange={(e) => setAddress(e.target.value)} placeholder={t('report.address')} maxLength={500} style={{ marginTop: 8 }} data-testid="report-address" />
        {canSelfResolve && (
          <div style={{ marginTop: 12 }}>
            <label style={{ display: 'flex', alignItems: 'center', gap: 12, minHeight: 44 }}>
              <Switch checked={selfResolve} onChange={setSelfResolve} data-testid="report-self-resolve" />
              <span>{t('report.selfResolve')}</span>
            </label>
            {selfResolve && (
              <>
                <div style={{ color: '#888', fontSize: 13, margin: '4px 0 8px' }}>{t('report.selfResolveHint')}</div>
                <PhotoCapture photos={after} onChange={setAfter} label={t('report.takeAfter')} testId="report-after-photos" />
              </>
            )}
          </div>
        )}
      </section>

      {/* Kept above the tab bar, within reach of the thumb, however long the form grows. */}
      <div style={{ position: 'sticky', bottom: ABOVE_TAB_BAR, zIndex: 40, padding: '8px 12px', background: 'rgba(245,247,250,.96)' }}>
        {problemText && <Alert type="error" showIcon title={problemText} style={{ marginBottom: 8 }} data-testid="report-problem" />}
        <Button type="primary" block size="large" loading={submitting} onClick={() => void submit()} data-testid="report-submit" style={{ height: 52, fontSize: 18 }}>
          {t('report.submit')}
        </Button>
      </div>

      <RecentSends kinds={['report']} />

      <CategoryPicker
        open={picking}
        onClose={() => setPicking(false)}
        onPick={(c) => {
          setCategory(c);
          setPicking(false);
        }}
        categories={reference?.categories ?? []}
        majors={reference?.majors ?? []}
      />
    </div>
  );
}
