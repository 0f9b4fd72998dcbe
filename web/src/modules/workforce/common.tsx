import { Cascader, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { workforceApi, type DayStatus } from './api.js';
import { useWorkforceText } from './messages.js';

export const STATUS_COLOR: Record<DayStatus, string> = {
  on_time: 'green', late: 'orange', early_leave: 'gold', absent: 'red', leave: 'blue', rest: 'default', pending: 'cyan', upcoming: 'default',
};

export function StatusTag({ status }: { status: DayStatus }) {
  const wt = useWorkforceText();
  return <Tag color={STATUS_COLOR[status]} data-testid={`status-${status}`}>{wt(`att.status.${status}`)}</Tag>;
}

/** 'HH:mm' of an ISO instant in Beijing time. */
export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(11, 16);
}

/** Today (or a day offset from it) in Beijing time, 'YYYY-MM-DD'. */
export function beijingDate(offsetDays = 0): string {
  return new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

export function hours(seconds: number): string {
  return (Math.round((seconds / 3600) * 10) / 10).toFixed(1);
}

export function km(metres: number): string {
  return (Math.round(metres / 100) / 10).toFixed(1);
}

interface AreaOption {
  value: string;
  label: string;
  isLeaf: boolean;
  children?: AreaOption[];
}

/** A street or community of the caller's scope, by name (the value is its grid code). */
export function AreaPicker({ value, onChange, testId = 'area-picker' }: { value: string | undefined; onChange: (code: string | undefined) => void; testId?: string }) {
  const wt = useWorkforceText();
  const [options, setOptions] = useState<AreaOption[]>([]);
  useEffect(() => {
    let live = true;
    workforceApi.grids('street')
      .then((r) => live && setOptions(r.items.map((s) => ({ value: s.code, label: s.name, isLeaf: false }))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  const path = value ? (value.length > 9 ? [value.slice(0, 9), value] : [value]) : [];
  return (
    <Cascader
      style={{ minWidth: 240 }}
      data-testid={testId}
      placeholder={wt('area.hint')}
      changeOnSelect
      allowClear
      options={options}
      value={path}
      loadData={(selected) => {
        const street = selected[selected.length - 1] as AreaOption;
        void workforceApi.grids('community', street.value).then((r) => {
          street.children = r.items.map((c) => ({ value: c.code, label: c.name, isLeaf: true }));
          setOptions((o) => [...o]);
        });
      }}
      onChange={(v) => onChange(v && v.length > 0 ? String(v[v.length - 1]) : undefined)}
    />
  );
}
