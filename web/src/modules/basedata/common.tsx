import { Alert, AutoComplete, Button, Input, Space } from 'antd';
import { useEffect, useRef, useState, type CSSProperties } from 'react';
import { useNavigate } from 'react-router-dom';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { basedataApi } from './api.js';
import { useBasedataText } from './messages.js';

export const BASE = '/basedata';

/** How every base data form ends: the server's refusal, if any, then submit and cancel. */
export function FormActions({ error, busy, submitLabel, onCancel, testId }: {
  error: string | null;
  busy: boolean;
  submitLabel: string;
  onCancel(): void;
  /** Prefix of the test ids: `${testId}-error`, `${testId}-submit`. */
  testId: string;
}) {
  const { t: tt } = useI18n();
  return (
    <>
      {error && <Alert type="error" message={error} style={{ marginBottom: 12 }} data-testid={`${testId}-error`} />}
      <Space>
        <Button type="primary" htmlType="submit" loading={busy} data-testid={`${testId}-submit`}>{submitLabel}</Button>
        <Button onClick={onCancel}>{tt('common.cancel')}</Button>
      </Space>
    </>
  );
}

export function Back() {
  const t = useBasedataText();
  const navigate = useNavigate();
  return <Button onClick={() => navigate(-1)}>{t('back')}</Button>;
}

/**
 * A grid code field. With grid.read it suggests grids by name or code as the
 * user types (unit grids only where a record must sit in one); the code can
 * always be typed in full, so users without grid.read are not stuck.
 */
export function GridCodeInput({ value, onChange, unit = false, placeholder, testId, style }: {
  value?: string;
  onChange?: (value: string) => void;
  unit?: boolean;
  placeholder?: string;
  testId?: string;
  style?: CSSProperties;
}) {
  const { can } = useAuth();
  const [options, setOptions] = useState<{ value: string; label: string }[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(0);
  useEffect(() => () => clearTimeout(timer.current), []);
  const suggest = can('grid.read');
  const search = (q: string) => {
    clearTimeout(timer.current);
    if (q.trim() === '') return setOptions([]);
    timer.current = setTimeout(() => {
      const ticket = ++latest.current;
      basedataApi.grids(q.trim(), unit ? 'unit' : undefined)
        .then((r) => { if (ticket === latest.current) setOptions(r.items.map((g) => ({ value: g.code, label: `${g.code} ${g.name}` }))); })
        // Suggestions are a convenience: a failed lookup leaves the field as plain text.
        .catch(() => undefined);
    }, 250);
  };
  const input = <Input placeholder={placeholder} allowClear data-testid={testId} />;
  if (!suggest) return <Input value={value} onChange={(e) => onChange?.(e.target.value)} placeholder={placeholder} allowClear data-testid={testId} style={style} />;
  return (
    <AutoComplete value={value} onChange={(v: string) => onChange?.(v ?? '')} options={options} showSearch={{ onSearch: search, filterOption: false }} style={{ minWidth: 200, ...style }} popupMatchSelectWidth={320}>
      {input}
    </AutoComplete>
  );
}
