import { Alert, App, Button, Select, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { adminApi, type Calendar } from './api.js';
import { useAdminText } from './messages.js';

type Kind = 'workday' | 'weekend' | 'holiday' | 'workingWeekend';

const pad = (n: number) => String(n).padStart(2, '0');
const ymdOf = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
/** 0 = Sunday, as the server's weekend days. */
const weekdayOf = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();
const hhmm = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

const STYLE: Record<Kind, { background: string; color: string }> = {
  workday: { background: '#fff', color: '#222' },
  weekend: { background: '#f0f0f0', color: '#999' },
  holiday: { background: '#ffccc7', color: '#a8071a' },
  workingWeekend: { background: '#d6e4ff', color: '#10239e' },
};

/** Beijing today's year. */
function thisYear(): number {
  return Number(new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 4));
}

/**
 * 工作日历: one year at a glance, twelve months; a click on a day switches a
 * working day to a holiday (and back) or a weekend day to a swapped working
 * day (调休, and back). Saving replaces that year only.
 */
export default function CalendarPanel() {
  const at = useAdminText();
  const { lang } = useI18n();
  const { message } = App.useApp();
  const [calendar, setCalendar] = useState<Calendar | null>(null);
  const [year, setYear] = useState(thisYear());
  const [holidays, setHolidays] = useState<Set<string>>(new Set());
  const [working, setWorking] = useState<Set<string>>(new Set());
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setCalendar(await adminApi.calendar());
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const stored = calendar?.years.find((y) => y.year === year);
  useEffect(() => {
    setHolidays(new Set(stored?.holidays ?? []));
    setWorking(new Set(stored?.workingWeekends ?? []));
    setDirty(false);
  }, [stored]);

  const weekend = useMemo(() => new Set(calendar?.weekendDays ?? [0, 6]), [calendar]);
  const kindOf = (y: number, m: number, d: number): Kind => {
    const key = ymdOf(y, m, d);
    if (holidays.has(key)) return 'holiday';
    if (working.has(key)) return 'workingWeekend';
    return weekend.has(weekdayOf(y, m, d)) ? 'weekend' : 'workday';
  };

  const toggle = (m: number, d: number) => {
    const key = ymdOf(year, m, d);
    const isWeekend = weekend.has(weekdayOf(year, m, d));
    if (isWeekend) {
      // A weekend day is either off (a holiday or plain weekend) or a swapped working day.
      const nextWorking = new Set(working);
      const nextHolidays = new Set(holidays);
      if (nextWorking.has(key)) nextWorking.delete(key);
      else {
        nextWorking.add(key);
        nextHolidays.delete(key);
      }
      setWorking(nextWorking);
      setHolidays(nextHolidays);
    } else {
      const next = new Set(holidays);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      setHolidays(next);
    }
    setDirty(true);
  };

  const save = async () => {
    setSaving(true);
    try {
      setCalendar(await adminApi.saveCalendarYear(year, [...holidays].sort(), [...working].sort()));
      void message.success(at('common.saved'));
    } catch (err) {
      void message.error(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const years = useMemo(() => {
    const set = new Set([...(calendar?.years.map((y) => y.year) ?? []), thisYear(), thisYear() + 1, year]);
    return [...set].sort();
  }, [calendar, year]);
  const weekdayNames = lang === 'en' ? ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'] : ['一', '二', '三', '四', '五', '六', '日'];
  const monthName = (m: number) => (lang === 'en' ? new Date(Date.UTC(2000, m - 1, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' }) : `${m} 月`);

  return (
    <div data-testid="panel-calendar">
      <Space wrap style={{ marginBottom: 12 }}>
        <span>{at('cal.year')}</span>
        <Select value={year} style={{ width: 110 }} onChange={setYear} options={years.map((y) => ({ value: y, label: String(y) }))} data-testid="cal-year" />
        <Button type="primary" disabled={!dirty} loading={saving} onClick={() => void save()} data-testid="cal-save">{at('common.save')}</Button>
        {dirty && <Tag color="orange">{at('cal.unsaved')}</Tag>}
        <Tag style={STYLE.holiday} data-testid="cal-holiday-count">{at('cal.holidays', { count: holidays.size })}</Tag>
        <Tag style={STYLE.workingWeekend} data-testid="cal-working-count">{at('cal.workingWeekends', { count: working.size })}</Tag>
        {calendar && (
          <Typography.Text type="secondary">
            {at('cal.periods')}：{calendar.periods.map(([s, e]) => `${hhmm(s)}–${hhmm(e)}`).join('，')}
            {stored ? `；${at('cal.source')}：${stored.source === 'console' ? at('cal.sourceConsole') : stored.source}` : ''}
          </Typography.Text>
        )}
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {calendar && !stored && !dirty && <Alert type="warning" showIcon title={at('cal.noYear', { year })} style={{ marginBottom: 12 }} data-testid="cal-no-year" />}
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {at('cal.legend')}。{at('cal.clockNote')}
      </Typography.Paragraph>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(4, minmax(0, 1fr))', gap: 12 }}>
        {Array.from({ length: 12 }, (_, i) => i + 1).map((m) => {
          // Weeks start on Monday; blanks before the 1st.
          const lead = (weekdayOf(year, m, 1) + 6) % 7;
          return (
            <div key={m} style={{ border: '1px solid #f0f0f0', borderRadius: 4, padding: 6 }} data-testid={`cal-month-${m}`}>
              <div style={{ fontWeight: 600, marginBottom: 4 }}>{monthName(m)}</div>
              <div style={{ display: 'grid', gridTemplateColumns: 'repeat(7, 1fr)', gap: 2, fontSize: 12, textAlign: 'center' }}>
                {weekdayNames.map((w) => <div key={w} style={{ color: '#888' }}>{w}</div>)}
                {Array.from({ length: lead }, (_, k) => <div key={`b${k}`} />)}
                {Array.from({ length: daysIn(year, m) }, (_, k) => k + 1).map((d) => {
                  const kind = kindOf(year, m, d);
                  const key = ymdOf(year, m, d);
                  return (
                    <button
                      key={d}
                      type="button"
                      onClick={() => toggle(m, d)}
                      title={`${key} ${at(`cal.${kind}`)}`}
                      data-testid={`cal-day-${key}`}
                      data-kind={kind}
                      style={{ ...STYLE[kind], border: 'none', borderRadius: 3, padding: '3px 0', cursor: 'pointer', position: 'relative' }}
                    >
                      {d}
                      {kind === 'holiday' && <sup style={{ fontSize: 8 }}>{lang === 'en' ? 'H' : '休'}</sup>}
                      {kind === 'workingWeekend' && <sup style={{ fontSize: 8 }}>{lang === 'en' ? 'W' : '班'}</sup>}
                    </button>
                  );
                })}
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
