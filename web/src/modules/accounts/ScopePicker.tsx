import { Select, Spin, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { accountsApi, type ScopeOption } from './api.js';

/** A scope as a single form value: `grid:430111001` or `department:D01`. */
export type ScopeValue = `${ScopeOption['kind']}:${string}`;

export function parseScopeValue(value: ScopeValue): { kind: ScopeOption['kind']; code: string } {
  const i = value.indexOf(':');
  return { kind: value.slice(0, i) as ScopeOption['kind'], code: value.slice(i + 1) };
}

/** Searches grid nodes and departments on the server as the user types. */
export function ScopePicker({ value, onChange }: { value?: ScopeValue; onChange?: (value: ScopeValue) => void }) {
  const { t } = useI18n();
  const [options, setOptions] = useState<ScopeOption[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(0);

  const search = (q: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const ticket = ++latest.current;
      setLoading(true);
      accountsApi
        .searchScopes(q.trim())
        .then((r) => {
          if (ticket !== latest.current) return;
          setOptions(r.items);
          setError(null);
        })
        .catch((err: unknown) => {
          if (ticket === latest.current) setError(errorMessage(err));
        })
        .finally(() => {
          if (ticket === latest.current) setLoading(false);
        });
    }, 250);
  };

  useEffect(() => {
    search('');
    return () => clearTimeout(timer.current);
  }, []); // the initial list once; later searches follow typing

  return (
    <Select<ScopeValue>
      value={value}
      onChange={(v) => onChange?.(v)}
      placeholder={t('users.scopeSearch')}
      showSearch={{ filterOption: false, onSearch: search }}
      notFoundContent={loading ? <Spin size="small" /> : error ? <Typography.Text type="danger">{error}</Typography.Text> : undefined}
      data-testid="scope-picker"
      options={options.map((o) => ({
        value: `${o.kind}:${o.code}` as ScopeValue,
        label: (
          <span>
            {o.name} <Typography.Text type="secondary">{o.code} · {t(`scope.level.${o.level}`)}</Typography.Text>
          </span>
        ),
      }))}
    />
  );
}
