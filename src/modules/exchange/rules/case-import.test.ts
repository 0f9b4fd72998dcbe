import { describe, expect, it } from 'vitest';
import { applyEvent, contribution, type CaseTrack } from '../../evaluation/rules/rollup.js';
import { DEFAULT_MINOR_CATEGORIES } from '../../incidents/data/categories.js';
import { createDefaultWorkCalendar } from '../../incidents/rules/calendar.js';
import { parseCsv } from '../../../infra/csv.js';
import { readCaseFile } from './case-file.js';
import { parseCaseRow } from './case-row.js';
import { toCsv, toFeatureCollection, type ExchangeCase } from './formats.js';
import { historyOf } from './history.js';

const record: ExchangeCase = {
  code: '202606010001', externalRef: null, stage: 'verify_close', outcome: 'closed', status: 'closed', caseType: 'event', majorCode: '01', minorCode: '0101',
  gridCode: '430111001001001', communityCode: '430111001001', streetCode: '430111001', lng: 112.9, lat: 28.2, address: '路口, 东侧', description: '=HYPERLINK("x"),"逗号"\n第二行',
  channel: 'citizen', leadDepartmentCode: 'D01', reportedAt: '2026-06-01T01:00:00.000Z', dueAt: null, overdue: false,
  registeredAt: '2026-06-01T01:30:00.000Z', dispatchedAt: '2026-06-01T02:00:00.000Z', repliedAt: '2026-06-01T06:00:00.000Z', verifiedAt: '2026-06-01T07:00:00.000Z', closedAt: '2026-06-01T08:00:00.000Z',
};
const NOW = Date.parse('2026-12-01T00:00:00Z');

describe('reading exchange files', () => {
  it('reads back what the export writes, in each format', () => {
    const csv = readCaseFile(toCsv([record]));
    const geo = readCaseFile(JSON.stringify(toFeatureCollection([record])));
    const json = readCaseFile(JSON.stringify({ schema: 'civicgrid.case/1', cases: [record] }));
    for (const [file, format] of [[csv, 'csv'], [geo, 'geojson'], [json, 'json']] as const) {
      expect(file.ok && file.format).toBe(format);
      if (!file.ok) continue;
      const row = parseCaseRow(file.rows[0]!.values, { now: NOW });
      expect(row.ok, format).toBe(true);
      if (!row.ok) continue;
      // The formula guard and the quoting come off again; the multi-line cell stays one cell.
      expect(row.value).toMatchObject({ code: record.code, description: record.description, address: record.address, lng: 112.9, lat: 28.2, kind: 'history', leadDepartmentCode: 'D01' });
      expect(row.value.closedAt).toBe(Date.parse(record.closedAt!));
    }
    // The CSV row number is the line the record starts on (the header is line 1).
    expect(csv.ok && csv.rows[0]!.row).toBe(2);
  });

  it('tells a broken file from a file with bad rows', () => {
    expect(parseCsv('a,"b\n')).toBeNull();
    expect(readCaseFile('{"type":"FeatureCollection"')).toMatchObject({ ok: false, code: 'EXCHANGE_FILE_UNREADABLE' });
    expect(readCaseFile('x,y\n1,2\n')).toMatchObject({ ok: false, code: 'EXCHANGE_CSV_COLUMNS' });
    expect(readCaseFile('{"schema":"civicgrid.case/2","cases":[]}')).toMatchObject({ ok: false, code: 'EXCHANGE_SCHEMA_UNKNOWN' });
    expect(readCaseFile('{"type":"FeatureCollection","features":[]}', 'json')).toMatchObject({ ok: false });
  });

  it('reports every problem of a record', () => {
    const r = parseCaseRow({ ...record, code: 'a b', lng: 200, registeredAt: '2026-06-01 09:30', closedAt: null, minorCode: null }, { now: NOW });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.field}:${p.code}`).sort()).toEqual([
      'closedAt:EXCHANGE_TIME_MISSING', 'code:EXCHANGE_CODE_INVALID', 'lng:EXCHANGE_POSITION_INVALID', 'minorCode:EXCHANGE_CATEGORY_MISSING', 'registeredAt:EXCHANGE_TIME_INVALID',
    ]);
    expect(parseCaseRow({ ...record, outcome: 'open', reportedAt: '2027-06-01T00:00:00Z' }, { now: NOW })).toMatchObject({ ok: false, problems: [{ field: 'reportedAt', code: 'EXCHANGE_TIME_INVALID' }] });
    expect(parseCaseRow({ ...record, dispatchedAt: '2026-06-01T01:10:00Z' }, { now: NOW })).toMatchObject({ ok: false, problems: [{ field: 'dispatchedAt', code: 'EXCHANGE_TIMES_OUT_OF_ORDER' }] });
  });
});

describe('the history of an imported closed case', () => {
  const cal = createDefaultWorkCalendar();
  const category = DEFAULT_MINOR_CATEGORIES.find((c) => c.code === '0101')!;
  const fold = (events: ReturnType<typeof historyOf>['events']) => {
    let t: CaseTrack | null = null;
    events.forEach((e, i) => { t = applyEvent(t, { incidentId: 1, seq: i + 1, action: e.action, toStatus: e.toStatus, data: e.data, at: e.at, gridCode: '430111001001001', actorId: null }, cal); });
    return t!;
  };
  const base = {
    gridCode: '430111001001001', channel: 'citizen' as const, description: 'x', reportedAt: Date.parse(record.reportedAt), registeredAt: Date.parse(record.registeredAt!),
    dispatchedAt: Date.parse(record.dispatchedAt!), repliedAt: Date.parse(record.repliedAt!), verifiedAt: Date.parse(record.verifiedAt!), closedAt: Date.parse(record.closedAt!),
    leadDepartmentCode: 'D01', source: { system: 's', code: record.code },
  };

  it('counts as a closed case in the cohort of its report day, on time or overdue by our limits', () => {
    const { state, events } = historyOf(base, category, cal);
    expect(events.map((e) => e.action)).toEqual(['report', 'register', 'dispatch', 'reply', 'verify-pass', 'close']);
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort((a, b) => a - b));
    expect(state).toMatchObject({ status: 'closed', closedAt: base.closedAt, leadDepartmentCode: 'D01', categoryCode: '0101', version: 6 });
    const onTime = contribution(fold(events));
    expect(onTime).toMatchObject({ reported: 1, registered: 1, dispatched: 1, closed: 1, closed_on_time: 1, overdue: 0, handled: 1 });
    const late = historyOf({ ...base, repliedAt: base.dispatchedAt + 400 * 3_600_000, verifiedAt: base.dispatchedAt + 401 * 3_600_000, closedAt: base.dispatchedAt + 402 * 3_600_000 }, category, cal);
    expect(contribution(fold(late.events))).toMatchObject({ closed: 1, closed_on_time: 0, overdue: 1 });
    expect(fold(events).day).toBe('2026-06-01');
  });

  it('keeps a case no department handled as self-resolved', () => {
    const { state, events } = historyOf({ ...base, dispatchedAt: null, repliedAt: null, verifiedAt: null, leadDepartmentCode: null }, category, cal);
    expect(events.map((e) => `${e.action}:${e.toStatus}`)).toEqual(['report:reported', 'self-resolve:verified', 'close:closed']);
    expect(state.leadDepartmentCode).toBeNull();
    expect(contribution(fold(events))).toMatchObject({ closed: 1, self_resolved: 1, dispatched: 0 });
  });
});
