import { useCallback, useEffect, useMemo, useState, type CSSProperties, type ReactNode } from 'react';
import { ApiError, apiRequest } from '../shell/api.js';
import { useLanguageChoice } from '../shell/i18n.js';
import type { Lang } from '../shell/messages.js';
import { formatDateTime } from '../shell/time.js';
import type { GridCollection } from '../mobile/geo/geometry.js';
import { compressPhoto } from '../mobile/photos/compress.js';
import { translateCitizen, type CitizenMessageKey } from './messages.js';
import { TapMap } from './TapMap.js';
import { solveChallenge, type Challenge } from './work.js';

type T = (key: CitizenMessageKey, params?: Record<string, string | number>) => string;

/** The server's photo limit per report (src/modules/citizens/rules/limits.ts). */
const MAX_PHOTOS = 4;
const VERDICTS = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const;
type Verdict = (typeof VERDICTS)[number];

interface Follow {
  code: string;
  milestone: string;
  statusText: string;
  description: string;
  address: string | null;
  categoryName: string | null;
  reportedAt: string;
  closedAt: string | null;
  steps: { milestone: string; text: string; at: string }[];
  canRate: boolean;
  rating: { verdict: Verdict; comment: string | null; ratedAt: string } | null;
}

const card: CSSProperties = { background: '#fff', margin: '10px 0', padding: 14 };
const label: CSSProperties = { display: 'block', fontSize: 14, color: '#333', marginBottom: 6, fontWeight: 600 };
const input: CSSProperties = { width: '100%', boxSizing: 'border-box', fontSize: 16, padding: '10px 12px', border: '1px solid #d9d9d9', borderRadius: 8, background: '#fff' };
const primary: CSSProperties = { width: '100%', minHeight: 48, fontSize: 17, border: 0, borderRadius: 8, background: '#1668dc', color: '#fff' };
const secondary: CSSProperties = { minHeight: 40, fontSize: 15, border: '1px solid #1668dc', borderRadius: 8, background: '#fff', color: '#1668dc', padding: '0 14px' };

function tokenFromHash(): string | null {
  const m = /(?:^#|&)t=([A-Za-z0-9_-]{16,64})/.exec(window.location.hash);
  return m ? m[1]! : null;
}

const titleOf = (lang: Lang) => translateCitizen(lang, 'app.title');

export function CitizenApp() {
  const [lang, setLang] = useLanguageChoice(titleOf);
  const t: T = useCallback((key, params) => translateCitizen(lang, key, params), [lang]);
  const [token, setToken] = useState<string | null>(tokenFromHash);
  const [onMap, setOnMap] = useState(() => window.location.hash === '#map');
  useEffect(() => {
    const onHash = () => {
      setToken(tokenFromHash());
      setOnMap(window.location.hash === '#map');
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return (
    <div style={{ maxWidth: 560, margin: '0 auto', paddingBottom: 24 }}>
      <header style={{ display: 'flex', alignItems: 'center', minHeight: 52, padding: '0 14px', background: '#1668dc', color: '#fff' }}>
        <h1 style={{ flex: 1, margin: 0, fontSize: 18 }}>{token ? t('follow.title') : onMap ? t('map.title') : t('app.title')}</h1>
        {!token && <a href={onMap ? '#' : '#map'} data-testid="nav-map" style={{ color: '#fff', fontSize: 14, marginRight: 12 }}>{onMap ? t('follow.newReport') : t('map.title')}</a>}
        <button type="button" data-testid="lang-switch" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} style={{ border: 0, background: 'none', color: '#fff', fontSize: 14 }}>{t('lang.switch')}</button>
      </header>
      {token ? <FollowPage token={token} t={t} /> : onMap ? <MapPage t={t} /> : <ReportPage t={t} />}
    </div>
  );
}

function ErrorLine({ error, t }: { error: unknown; t: T }) {
  if (!error) return null;
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return <div role="alert" data-testid="error" style={{ color: '#cf1322', padding: '8px 14px' }}>{t('common.error', { message })}</div>;
}

function Field({ title, children }: { title: string; children: ReactNode }) {
  return (
    <label style={{ display: 'block', marginBottom: 14 }}>
      <span style={label}>{title}</span>
      {children}
    </label>
  );
}

function ReportPage({ t }: { t: T }) {
  const [description, setDescription] = useState('');
  const [address, setAddress] = useState('');
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [photos, setPhotos] = useState<{ hash: string; url: string }[]>([]);
  const [uploading, setUploading] = useState(false);
  const [point, setPoint] = useState<{ lng: number; lat: number } | null>(null);
  const [locating, setLocating] = useState(false);
  const [gpsFailed, setGpsFailed] = useState(false);
  const [area, setArea] = useState<GridCollection | null>(null);
  const [busy, setBusy] = useState<'submitting' | 'verifying' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ code: string; followUrl: string } | null>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    apiRequest<GridCollection>('GET', '/api/public/area').then(setArea).catch(setError);
  }, []);

  const locate = () => {
    if (!navigator.geolocation) {
      setGpsFailed(true);
      return;
    }
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setLocating(false);
        setGpsFailed(false);
        setPoint({ lng: p.coords.longitude, lat: p.coords.latitude });
      },
      () => {
        setLocating(false);
        setGpsFailed(true);
      },
      { enableHighAccuracy: true, timeout: 15_000 },
    );
  };

  const addPhotos = async (files: FileList | null) => {
    if (!files) return;
    setUploading(true);
    setError(null);
    try {
      const added: { hash: string; url: string }[] = [];
      for (const file of [...files].slice(0, MAX_PHOTOS - photos.length)) {
        const blob = await compressPhoto(file).catch(() => file);
        const stored = await apiRequest<{ hash: string }>('POST', '/api/public/photos', undefined, { raw: blob, headers: { 'Content-Type': blob.type || 'application/octet-stream' } });
        added.push({ hash: stored.hash, url: URL.createObjectURL(blob) });
      }
      setPhotos((p) => [...p, ...added]);
    } catch (e) {
      setError(e);
    } finally {
      setUploading(false);
    }
  };

  const submit = async () => {
    setError(null);
    if (description.trim().length < 5) {
      setError(new Error(t('report.tooShort')));
      return;
    }
    if (!point) {
      setError(new Error(t('report.noPosition')));
      return;
    }
    const body: Record<string, unknown> = {
      description: description.trim(),
      position: { ...point, crs: 'wgs84' },
      photos: photos.map((p) => p.hash),
      ...(address.trim() ? { address: address.trim() } : {}),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(phone.trim() ? { phone: phone.trim() } : {}),
    };
    setBusy('submitting');
    try {
      let result: { code: string; followUrl: string };
      try {
        result = await apiRequest('POST', '/api/public/reports', body);
      } catch (e) {
        // A busy address is asked for a proof of work: solve it here and send once more.
        if (!(e instanceof ApiError) || !['CITIZEN_CHALLENGE_REQUIRED', 'CITIZEN_CHALLENGE_INVALID'].includes(e.code) || !e.details.challenge) throw e;
        setBusy('verifying');
        const answer = await solveChallenge(e.details.challenge as Challenge);
        setBusy('submitting');
        result = await apiRequest('POST', '/api/public/reports', { ...body, challenge: answer });
      }
      setDone(result);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  if (done) {
    const link = `${window.location.origin}${done.followUrl}`;
    return (
      <section style={card} data-testid="report-done">
        <h2 style={{ fontSize: 20, margin: '4px 0 12px', color: '#389e0d' }}>{t('done.title')}</h2>
        <div style={{ fontSize: 15 }}>{t('done.code')}：<strong data-testid="report-code">{done.code}</strong></div>
        <p style={{ fontSize: 14, color: '#555' }}>{t('done.link')}</p>
        <a href={done.followUrl} data-testid="follow-link" style={{ wordBreak: 'break-all', fontSize: 14 }}>{link}</a>
        <div style={{ display: 'flex', gap: 8, marginTop: 14 }}>
          <button type="button" style={secondary} onClick={() => { void navigator.clipboard?.writeText(link).then(() => setCopied(true)); }}>{copied ? t('done.copied') : t('done.copy')}</button>
          <a href={done.followUrl}><button type="button" style={secondary}>{t('done.open')}</button></a>
        </div>
      </section>
    );
  }

  return (
    <main data-testid="page-public-report">
      <p style={{ padding: '10px 14px 0', margin: 0, fontSize: 14, color: '#555' }}>{t('report.intro')}</p>
      <section style={card}>
        <Field title={t('report.description')}>
          <textarea data-testid="report-description" rows={4} maxLength={1000} placeholder={t('report.descriptionHint')} value={description} onChange={(e) => setDescription(e.target.value)} style={input} />
        </Field>
        <div style={{ marginBottom: 14 }}>
          <span style={label}>{t('report.photos', { max: MAX_PHOTOS })}</span>
          <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
            {photos.map((p) => <img key={p.hash} src={p.url} alt="" data-testid="report-photo" style={{ width: 72, height: 72, objectFit: 'cover', borderRadius: 6 }} />)}
            {photos.length < MAX_PHOTOS && (
              <label style={{ width: 72, height: 72, border: '1px dashed #999', borderRadius: 6, display: 'flex', alignItems: 'center', justifyContent: 'center', fontSize: 12, color: '#666', textAlign: 'center' }}>
                {uploading ? t('report.uploading') : t('report.addPhoto')}
                <input type="file" accept="image/*" capture="environment" multiple data-testid="report-photos-input" style={{ display: 'none' }} onChange={(e) => { void addPhotos(e.target.files); e.target.value = ''; }} />
              </label>
            )}
          </div>
        </div>
        <div style={{ marginBottom: 14 }}>
          <span style={label}>{t('report.position')}</span>
          <button type="button" data-testid="report-gps" style={secondary} onClick={locate} disabled={locating}>{locating ? t('report.locating') : t('report.useGps')}</button>
          {gpsFailed && <div style={{ color: '#ad6800', fontSize: 13, marginTop: 6 }}>{t('report.gpsFailed')}</div>}
          <div style={{ fontSize: 13, color: '#666', margin: '8px 0' }} data-testid="report-position">
            {point ? t('report.positionSet', { lng: point.lng.toFixed(5), lat: point.lat.toFixed(5) }) : t('report.tapHint')}
          </div>
          {area && <TapMap features={area.features} point={point} onPick={setPoint} />}
        </div>
        <Field title={t('report.address')}>
          <input data-testid="report-address" maxLength={200} value={address} onChange={(e) => setAddress(e.target.value)} style={input} />
        </Field>
        <Field title={t('report.name')}>
          <input data-testid="report-name" maxLength={50} value={name} onChange={(e) => setName(e.target.value)} style={input} />
        </Field>
        <Field title={t('report.phone')}>
          <input data-testid="report-phone" type="tel" maxLength={20} value={phone} onChange={(e) => setPhone(e.target.value)} style={input} />
        </Field>
      </section>
      <ErrorLine error={error} t={t} />
      <div style={{ padding: '0 14px' }}>
        <button type="button" data-testid="report-submit" style={{ ...primary, opacity: busy || uploading ? 0.6 : 1 }} disabled={busy !== null || uploading} onClick={() => void submit()}>
          {busy === 'verifying' ? t('report.verifying') : busy === 'submitting' ? t('report.submitting') : t('report.submit')}
        </button>
      </div>
    </main>
  );
}

function FollowPage({ token, t }: { token: string; t: T }) {
  const [data, setData] = useState<Follow | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [comment, setComment] = useState('');
  const [sending, setSending] = useState(false);
  const [thanks, setThanks] = useState(false);

  const load = useCallback(() => {
    setError(null);
    apiRequest<Follow>('POST', '/api/public/follow', { token }).then(setData).catch(setError);
  }, [token]);
  useEffect(load, [load]);

  const rate = async () => {
    if (!verdict) return;
    setSending(true);
    setError(null);
    try {
      await apiRequest('POST', '/api/public/follow/rating', { token, verdict, ...(comment.trim() ? { comment: comment.trim() } : {}) });
      setThanks(true);
      load();
    } catch (e) {
      setError(e);
    } finally {
      setSending(false);
    }
  };

  const steps = useMemo(() => (data ? [...data.steps].reverse() : []), [data]);
  if (!data) return <><ErrorLine error={error} t={t} /><p style={{ padding: 14 }}><a href="/report/">{t('follow.newReport')}</a></p></>;
  return (
    <main data-testid="page-follow">
      <section style={card}>
        <div style={{ fontSize: 14, color: '#666' }}>{t('follow.code')}</div>
        <div style={{ fontSize: 18, fontWeight: 600 }} data-testid="follow-code">{data.code}</div>
        <div style={{ fontSize: 14, color: '#666', marginTop: 10 }}>{t('follow.status')}</div>
        <div style={{ fontSize: 18, color: '#1668dc' }} data-testid="follow-status" data-milestone={data.milestone}>{data.statusText}</div>
        {data.categoryName && <div style={{ fontSize: 14, marginTop: 10 }}>{t('follow.category')}：{data.categoryName}</div>}
        <div style={{ fontSize: 14, marginTop: 10, color: '#333' }}>{t('follow.description')}：{data.description}</div>
        <button type="button" style={{ ...secondary, marginTop: 12 }} data-testid="follow-refresh" onClick={load}>{t('follow.refresh')}</button>
      </section>
      <section style={card}>
        <span style={label}>{t('follow.steps')}</span>
        <ol style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="follow-steps">
          {steps.map((s, i) => (
            <li key={`${s.milestone}-${s.at}`} style={{ borderLeft: `3px solid ${i === 0 ? '#1668dc' : '#d9d9d9'}`, padding: '4px 0 10px 10px' }}>
              <div style={{ fontSize: 15 }}>{s.text}</div>
              <div style={{ fontSize: 12, color: '#888' }}>{formatDateTime(s.at).slice(0, 16)}</div>
            </li>
          ))}
        </ol>
      </section>
      {data.rating && (
        <section style={card} data-testid="follow-rating">
          <span style={label}>{thanks ? t('follow.thanks') : t('follow.rated')}</span>
          <div style={{ fontSize: 16 }}>{t(`follow.verdict.${data.rating.verdict}`)}</div>
          {data.rating.comment && <div style={{ fontSize: 14, color: '#555' }}>{data.rating.comment}</div>}
        </section>
      )}
      {data.canRate && (
        <section style={card} data-testid="follow-rate">
          <span style={label}>{t('follow.rate')}</span>
          <div style={{ display: 'flex', gap: 8, marginBottom: 12 }}>
            {VERDICTS.map((v) => (
              <button key={v} type="button" data-testid={`verdict-${v}`} aria-pressed={verdict === v} onClick={() => setVerdict(v)}
                style={{ ...secondary, flex: 1, background: verdict === v ? '#1668dc' : '#fff', color: verdict === v ? '#fff' : '#1668dc' }}>
                {t(`follow.verdict.${v}`)}
              </button>
            ))}
          </div>
          <Field title={t('follow.comment')}>
            <textarea data-testid="rating-comment" rows={3} maxLength={500} value={comment} onChange={(e) => setComment(e.target.value)} style={input} />
          </Field>
          <button type="button" data-testid="rating-submit" style={{ ...primary, opacity: verdict && !sending ? 1 : 0.6 }} disabled={!verdict || sending} onClick={() => void rate()}>{t('follow.submitRating')}</button>
        </section>
      )}
      <ErrorLine error={error} t={t} />
    </main>
  );
}

interface MapItem {
  code: string;
  categoryName: string;
  milestone: string;
  statusText: string;
  reportedAt: string;
  lng: number;
  lat: number;
  photos: string[];
}

/** 公开地图: recent cases of public categories at their cell centres, with released photos only. */
function MapPage({ t }: { t: T }) {
  const [area, setArea] = useState<GridCollection | null>(null);
  const [data, setData] = useState<{ cellMetres: number; items: MapItem[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    apiRequest<GridCollection>('GET', '/api/public/area').then(setArea).catch(setError);
    apiRequest<{ cellMetres: number; items: MapItem[] }>('GET', '/api/public/map').then(setData).catch(setError);
  }, []);
  const dots = (data?.items ?? []).map((i) => ({ key: i.code, lng: i.lng, lat: i.lat, colour: i.milestone === 'closed' ? '#52c41a' : '#fa8c16' }));
  return (
    <main data-testid="page-public-map">
      <ErrorLine error={error} t={t} />
      {area && <div style={{ padding: '10px 14px 0' }}><TapMap features={area.features} point={null} dots={dots} /></div>}
      {data && <p style={{ fontSize: 12, color: '#888', padding: '0 14px' }}>{t('map.note', { m: data.cellMetres })}</p>}
      <ul style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="public-map-list">
        {(data?.items ?? []).slice(0, 100).map((i) => (
          <li key={i.code} style={{ ...card, margin: '6px 0', display: 'flex', gap: 10 }}>
            {i.photos[0] && <img src={`/api/public/photos/${i.photos[0]}/thumbnail`} alt="" style={{ width: 64, height: 64, objectFit: 'cover', borderRadius: 6 }} />}
            <div>
              <div style={{ fontSize: 15 }}>{i.categoryName}</div>
              <div style={{ fontSize: 13, color: i.milestone === 'closed' ? '#389e0d' : '#d46b08' }}>{i.statusText}</div>
              <div style={{ fontSize: 12, color: '#888' }}>{i.reportedAt} · {i.code}</div>
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}
