import { LeftOutlined } from '@ant-design/icons';
import type { CSSProperties, ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError } from '../shell/api.js';
import { formatDateTime } from '../shell/time.js';
import { useT, type MobileI18n } from './i18n.js';
import { isMobileMessageKey } from './messages.js';
import type { OutboxError } from './offline/types.js';

/** A page title bar; with `back`, a large back button on the left. */
export function PageHeader({ title, back, extra }: { title: ReactNode; back?: boolean; extra?: ReactNode }) {
  const navigate = useNavigate();
  const { t } = useT();
  return (
    <header style={{ position: 'sticky', top: 0, zIndex: 50, display: 'flex', alignItems: 'center', gap: 8, minHeight: 52, padding: '0 12px', background: '#fff', borderBottom: '1px solid #eee' }}>
      {back && (
        <button type="button" aria-label={t('common.back')} onClick={() => navigate(-1)} style={{ width: 44, height: 44, marginLeft: -8, border: 0, background: 'none', fontSize: 18 }}>
          <LeftOutlined />
        </button>
      )}
      <h1 style={{ flex: 1, margin: 0, fontSize: 18, fontWeight: 600, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>{title}</h1>
      {extra}
    </header>
  );
}

export const section: CSSProperties = { background: '#fff', margin: '10px 0', padding: 12, borderRadius: 0 };

/** "3 分钟前": the age of data kept on the phone. */
export function ageText(t: MobileI18n['t'], savedAt: number, now = Date.now()): string {
  const minutes = Math.floor((now - savedAt) / 60_000);
  if (minutes < 1) return t('age.justNow');
  if (minutes < 60) return t('age.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('age.hours', { n: hours });
  return t('age.days', { n: Math.floor(hours / 24) });
}

/** Shown above data that came from the phone's cache because the network failed. */
export function StaleNote({ savedAt, stale }: { savedAt: number; stale: boolean }) {
  const { t } = useT();
  if (!stale) return null;
  return (
    <div data-testid="stale-note" style={{ fontSize: 13, color: '#ad6800', padding: '4px 12px' }}>
      {t('net.offline')} · {t('net.dataAge', { age: ageText(t, savedAt) })}
    </div>
  );
}

/** Beijing time, without seconds. */
export function shortTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '';
  return formatDateTime(typeof iso === 'number' ? new Date(iso).toISOString() : iso).slice(0, 16);
}

/** The text of an error the server sent (already in the chosen language), or the app's own words for its own codes. */
export function errorText(t: MobileI18n['t'], error: OutboxError | unknown): string {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const e = error as OutboxError;
    const key = `error.${e.code}`;
    if (isMobileMessageKey(key)) return t(key, { message: e.message });
    return e.message;
  }
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
