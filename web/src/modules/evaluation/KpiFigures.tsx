import { ArrowDownOutlined, ArrowUpOutlined } from '@ant-design/icons';
import { Card, Col, Row, Statistic, Typography } from 'antd';
import type { CaseMeasure, Counts, Drill, KpiAnswer, Kpis } from './api.js';
import { percent, useEvaluationText } from './messages.js';

type Shown = 'closeRate' | 'onTimeCloseRate' | 'overdueRate' | 'averageHandlingHours';
const SHOWN: readonly Shown[] = ['closeRate', 'onTimeCloseRate', 'overdueRate', 'averageHandlingHours'];
/** Whether a rise is good news (docs/kpis.md: higher is better for the close rates). */
const HIGHER_IS_BETTER: Record<Shown, boolean> = { closeRate: true, onTimeCloseRate: true, overdueRate: false, averageHandlingHours: false };
/** The cases behind each rate: its numerator (the average handling time is taken over the handled cases). */
const NUMERATOR: Record<Shown, CaseMeasure> = { closeRate: 'closed', onTimeCloseRate: 'closedOnTime', overdueRate: 'overdue', averageHandlingHours: 'handled' };

/**
 * The key figures of a period beside the previous one: counts (which drill to
 * their cases when `onDrill` is given) and the KPIs of docs/kpis.md.
 */
type Drilled = 'reported' | 'closed' | 'reworked' | 'returned' | 'urged' | 'deferred';
/** The incident list's filters that give exactly the cases of each count (docs/kpis.md). */
const DRILL: Record<Drilled, Pick<Drill, 'status' | 'flag'>> = {
  reported: {}, closed: { status: 'closed' }, reworked: { flag: 'reworked' }, returned: { flag: 'returned' }, urged: { flag: 'urged' }, deferred: { status: 'deferred' },
};

export function KpiFigures({ now, before, onDrill, onCases }: { now: KpiAnswer; before: KpiAnswer; onDrill?: (d: Pick<Drill, 'status' | 'flag'>) => void; onCases?: (m: CaseMeasure) => void }) {
  const et = useEvaluationText();
  const show = (k: Shown, v: number | null) => (k === 'averageHandlingHours' ? (v === null ? '—' : et('kpi.hours', { value: v.toFixed(1) })) : percent(v));
  const trend = (k: Shown) => {
    const a = now.kpis[k as keyof Kpis];
    const b = before.kpis[k as keyof Kpis];
    if (a === null || b === null || a === b) return null;
    const good = (a > b) === HIGHER_IS_BETTER[k];
    return a > b ? <ArrowUpOutlined style={{ color: good ? '#3f8600' : '#cf1322' }} /> : <ArrowDownOutlined style={{ color: good ? '#3f8600' : '#cf1322' }} />;
  };
  const count = (key: Drilled & keyof Counts) => (
    <Card size="small" hoverable={!!onDrill} onClick={onDrill ? () => onDrill(DRILL[key]) : undefined} data-testid={`figure-${key}`}>
      <Statistic title={et(`kpi.${key}`)} value={now.counts[key]} />
      <Typography.Text type="secondary">{et('previous')} {before.counts[key]}</Typography.Text>
    </Card>
  );
  return (
    <Row gutter={[12, 12]} data-testid="kpi-figures">
      <Col xs={12} md={8} xl={4}>{count('reported')}</Col>
      <Col xs={12} md={8} xl={4}>{count('closed')}</Col>
      {SHOWN.map((k) => (
        <Col xs={12} md={8} xl={4} key={k}>
          <Card size="small" data-testid={`figure-${k}`} hoverable={!!onCases} onClick={onCases ? () => onCases(NUMERATOR[k]) : undefined}>
            <Statistic title={et(`kpi.${k}`)} value={show(k, now.kpis[k])} suffix={trend(k)} />
            <Typography.Text type="secondary">{et('previous')} {show(k, before.kpis[k])}</Typography.Text>
          </Card>
        </Col>
      ))}
      {onDrill && (['reworked', 'returned', 'urged', 'deferred'] as const).map((k) => <Col xs={12} md={6} xl={6} key={k}>{count(k)}</Col>)}
    </Row>
  );
}
