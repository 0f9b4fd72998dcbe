import type { AppDb } from '../../database.js';
import type { Principal } from '../../infra/auth/principal.js';
import { fromJson } from '../../infra/db/values.js';
import type { ReferenceData } from '../incidents/reference.js';
import type { IncidentService, ListFilter } from '../incidents/service.js';
import type { ExchangeCase } from './rules/formats.js';
import { stageOf, stageTimes } from './rules/standard.js';

const STEP_ACTIONS = ['register', 'self-resolve', 'dispatch', 'reply', 'verify-pass', 'close'];

/** Cases in the exchange record, for export as GeoJSON, JSON or CSV. */
export class ExchangeService {
  constructor(private readonly db: AppDb, private readonly incidents: IncidentService, private readonly reference: ReferenceData) {}

  async cases(principal: Principal, filter: ListFilter): Promise<ExchangeCase[]> {
    const views = await this.incidents.exportRows(principal, filter);
    const ref = await this.reference.get();
    const events = new Map<number, { action: string; at: number; lead?: boolean }[]>();
    const ids = views.map((v) => v.id);
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await this.db.reader(principal.userId).selectFrom('incident_events').select(['incident_id', 'action', 'at', 'data'])
        .where('incident_id', 'in', ids.slice(i, i + 1000)).where('action', 'in', STEP_ACTIONS).execute();
      for (const r of rows) {
        const data = r.action === 'reply' ? fromJson<{ part?: string }>(r.data, {}) : {};
        const list = events.get(Number(r.incident_id)) ?? [];
        list.push({ action: r.action, at: Number(r.at), ...(r.action === 'reply' ? { lead: data.part !== 'co-handler' } : {}) });
        events.set(Number(r.incident_id), list);
      }
    }
    return views.map((v) => {
      const category = v.categoryCode ? ref.categories.get(v.categoryCode) : undefined;
      return {
        code: v.code, externalRef: v.externalRef, ...stageOf(v.status), status: v.status,
        caseType: category?.type ?? null, majorCode: v.categoryCode?.slice(0, 2) ?? null, minorCode: v.categoryCode,
        gridCode: v.gridCode, communityCode: v.communityCode, streetCode: v.streetCode, lng: v.lng, lat: v.lat, address: v.address,
        description: v.description, channel: v.channel, leadDepartmentCode: v.leadDepartmentCode, reportedAt: v.reportedAt,
        dueAt: v.dueAt, overdue: v.overdue, ...stageTimes(events.get(v.id) ?? []),
      };
    });
  }
}
