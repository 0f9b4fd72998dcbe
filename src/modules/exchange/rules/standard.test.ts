import { describe, expect, it } from 'vitest';
import { INCIDENT_STATUSES } from '../../incidents/rules/state-machine.js';
import { CSV_COLUMNS, toCsv, toFeatureCollection, type ExchangeCase } from './formats.js';
import { STANDARD_STAGES, stageOf, stageTimes } from './standard.js';

const at = (s: string) => Date.parse(`2026-06-01T${s}:00Z`);

describe('the exchange stage of a case', () => {
  it('maps every status to a step of the loop, in loop order along the main path', () => {
    for (const s of INCIDENT_STATUSES) expect(STANDARD_STAGES).toContain(stageOf(s).stage);
    const path = (['reported', 'registered', 'dispatched', 'handling', 'replied', 'verified', 'closed'] as const).map((s) => STANDARD_STAGES.indexOf(stageOf(s).stage));
    expect([...path].sort((a, b) => a - b)).toEqual(path);
    expect(stageOf('rejected')).toEqual({ stage: 'register', outcome: 'rejected' });
    expect(stageOf('closed').outcome).toBe('closed');
  });

  it('takes the first registration and dispatch, the last lead reply and verification, after a rework', () => {
    const t = stageTimes([
      { action: 'register', at: at('01:00') },
      { action: 'dispatch', at: at('02:00') },
      { action: 'reply', at: at('03:00'), lead: false },
      { action: 'reply', at: at('04:00'), lead: true },
      { action: 'verify-pass', at: at('05:00') },
      { action: 'reply', at: at('07:00'), lead: true },
      { action: 'reply', at: at('08:00'), lead: false },
      { action: 'verify-pass', at: at('09:00') },
      { action: 'close', at: at('10:00') },
    ]);
    expect(t).toEqual({
      registeredAt: '2026-06-01T01:00:00.000Z', dispatchedAt: '2026-06-01T02:00:00.000Z', repliedAt: '2026-06-01T07:00:00.000Z',
      verifiedAt: '2026-06-01T09:00:00.000Z', closedAt: '2026-06-01T10:00:00.000Z',
    });
    expect(stageTimes([])).toEqual({ registeredAt: null, dispatchedAt: null, repliedAt: null, verifiedAt: null, closedAt: null });
  });
});

describe('the exchange formats', () => {
  const record: ExchangeCase = {
    code: '202606010001', externalRef: null, stage: 'dispatch', outcome: 'open', status: 'dispatched', caseType: 'event', majorCode: '01', minorCode: '0101',
    gridCode: '430111001001001', communityCode: '430111001001', streetCode: '430111001', lng: 112.9, lat: 28.2, address: '路口', description: '=HYPERLINK("x"),"逗号"',
    channel: 'citizen', leadDepartmentCode: 'D01', reportedAt: '2026-06-01T01:00:00.000Z', dueAt: null, overdue: false,
    registeredAt: null, dispatchedAt: null, repliedAt: null, verifiedAt: null, closedAt: null,
  };

  it('writes GeoJSON points in longitude, latitude order, and a null geometry without a position', () => {
    const fc = toFeatureCollection([record, { ...record, code: 'x', lng: null, lat: null }]) as { features: { geometry: { coordinates: number[] } | null; properties: Record<string, unknown> }[] };
    expect(fc.features[0]!.geometry!.coordinates).toEqual([112.9, 28.2]);
    expect(fc.features[0]!.properties.stageName).toBe('任务派遣');
    expect(fc.features[0]!.properties).not.toHaveProperty('lng');
    expect(fc.features[1]!.geometry).toBeNull();
  });

  it('writes CSV with quoted commas and defused formulas, one column per field', () => {
    const lines = toCsv([record]).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]!.split(',')).toHaveLength(CSV_COLUMNS.length);
    expect(lines[1]).toContain('"\'=HYPERLINK(""x""),""逗号"""');
    expect(lines[1]).toContain(',0');
  });
});
