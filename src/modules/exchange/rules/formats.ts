/** The exchange record as GeoJSON and as CSV (docs/exchange.md). Pure. */
import { writeCsv } from '../../../infra/csv.js';
import type { IncidentChannel } from '../../incidents/tables.js';
import type { IncidentStatus } from '../../incidents/rules/state-machine.js';
import { OUTCOME_NAMES, STAGE_NAMES, type Outcome, type StageTimes, type StandardStage } from './standard.js';

/** One case as exchanged (docs/exchange.md): no reporter, no phone, no staff names. */
export interface ExchangeCase extends StageTimes {
  code: string;
  externalRef: string | null;
  stage: StandardStage;
  outcome: Outcome;
  status: IncidentStatus;
  caseType: 'component' | 'event' | null;
  majorCode: string | null;
  minorCode: string | null;
  gridCode: string;
  communityCode: string;
  streetCode: string;
  lng: number | null;
  lat: number | null;
  address: string | null;
  description: string;
  channel: IncidentChannel;
  leadDepartmentCode: string | null;
  reportedAt: string;
  dueAt: string | null;
  overdue: boolean;
}

/** RFC 7946: WGS84 longitude, latitude; a case without a position has a null geometry. */
export function toFeatureCollection(records: readonly ExchangeCase[]): { type: 'FeatureCollection'; features: unknown[] } {
  return {
    type: 'FeatureCollection',
    features: records.map(({ lng, lat, ...properties }) => ({
      type: 'Feature',
      id: properties.code,
      geometry: lng === null || lat === null ? null : { type: 'Point', coordinates: [lng, lat] },
      properties: { ...properties, stageName: STAGE_NAMES[properties.stage], outcomeName: OUTCOME_NAMES[properties.outcome] },
    })),
  };
}

/** CSV columns: the field, then its Chinese header (the file is read by people in spreadsheets as well as by programs). */
export const CSV_COLUMNS: readonly [string, string][] = [
  ['code', '案件编号'], ['externalRef', '外部编号'], ['stage', '阶段代码'], ['stageName', '阶段'], ['outcome', '办理结果代码'], ['outcomeName', '办理结果'],
  ['caseType', '问题类型'], ['majorCode', '大类代码'], ['minorCode', '小类代码'], ['gridCode', '单元网格代码'], ['communityCode', '社区代码'],
  ['streetCode', '街道代码'], ['lng', '经度'], ['lat', '纬度'], ['address', '地址'], ['description', '问题描述'], ['channel', '来源渠道'],
  ['leadDepartmentCode', '主办部门代码'], ['reportedAt', '上报时间'], ['registeredAt', '立案时间'], ['dispatchedAt', '派遣时间'],
  ['repliedAt', '处置反馈时间'], ['verifiedAt', '核查时间'], ['closedAt', '结案时间'], ['dueAt', '当前时限'], ['overdue', '是否超期'],
];

/** One header row that a program and a person both read: `field/中文名` per column (split at the slash). Times are ISO 8601 UTC. */
export function toCsv(records: readonly ExchangeCase[]): string {
  return writeCsv(CSV_COLUMNS, records.map((r) => ({ ...r, stageName: STAGE_NAMES[r.stage], outcomeName: OUTCOME_NAMES[r.outcome] })));
}
