import type { Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { Principal } from '../../infra/auth/principal.js';
import type { Scope } from '../../infra/auth/scope.js';
import { insertedId } from '../../infra/db/values.js';
import { AppError } from '../../infra/http/errors.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import type { PersonalData } from '../basedata/personal.js';
import { maskName } from '../basedata/rules/masking.js';
import type { ApiClient } from '../clients/service.js';
import { toWgs84, type Crs } from '../grid/rules/coords.js';
import { STATUS_ZH } from '../incidents/labels.js';
import type { GridLocatorPort } from '../incidents/locator.js';
import type { IncidentStatus } from '../incidents/rules/state-machine.js';
import type { IncidentService } from '../incidents/service.js';
import './messages.js';

export interface HotlineOrderInput {
  externalNo: string;
  content: string;
  address?: string | undefined;
  position?: { lng: number; lat: number; crs: Crs } | undefined;
  categoryHint?: string | undefined;
  /** ISO 8601 with offset. */
  deadline?: string | undefined;
  caller?: { name?: string | undefined; phone?: string | undefined } | undefined;
}

/** What the 12345 system is told about its order: the case code and its status in plain words. */
export interface HotlineOrderAnswer {
  externalNo: string;
  caseCode: string | null;
  status: IncidentStatus | 'awaiting_location';
  statusText: { 'zh-CN': string; en: string };
  deadline: string | null;
}

/** What staff see of the order behind a case (never the caller in clear). */
export interface HotlineOrderView {
  id: number;
  clientName: string;
  externalNo: string;
  content: string;
  address: string | null;
  categoryHint: string | null;
  deadline: string | null;
  callerName: string | null;
  callerPhone: string | null;
  caseCode: string | null;
  receivedAt: string;
}

const STATUS_EN: Readonly<Record<IncidentStatus, string>> = {
  reported: 'received, awaiting intake', registered: 'registered', dispatched: 'dispatched to a department', handling: 'being handled',
  replied: 'handled, awaiting verification', verifying: 'being verified on site', verified: 'verified, awaiting closure', closed: 'closed',
  rejected: 'not accepted', deferred: 'deferred', merged: 'merged into another case',
};

const REPORT = 'incidents.report';
/** Who sees and locates the orders waiting for a position: intake (受理). */
const REGISTER = 'incidents.register';

/**
 * The 12345 system link (docs/api-clients.md): a hotline client pushes work
 * orders that become cases of channel `hotline_12345` in the intake queue.
 * One order (client + external number) is one case, whatever the retries:
 * the order row is inserted in the case's own transaction under a unique
 * index, so a concurrent duplicate rolls back and answers with the winner's
 * case. An order without a position waits, without a case, for an operator
 * to locate it (intake cannot register a case without a grid).
 */
export class HotlineLinkService {
  constructor(
    private readonly db: AppDb,
    private readonly incidents: IncidentService,
    private readonly locator: GridLocatorPort,
    private readonly personal: PersonalData,
  ) {}

  async push(client: ApiClient, ip: string | null, input: HotlineOrderInput): Promise<{ status: 200 | 201 | 202; body: HotlineOrderAnswer }> {
    const existing = await this.answer(client.id, input.externalNo);
    if (existing) return { status: 200, body: existing };
    const deadlineAt = deadlineOf(input.deadline);
    const actor: AuditActor = { userId: null, username: `api:${client.name}`, ip };
    const sealedPhone = this.personal.sealPhone(input.caller?.phone);
    const callerName = input.caller?.name?.trim() ? input.caller.name.trim() : null;
    const now = Date.now();
    let point: { lng: number; lat: number } | null = null;
    let gridCode: string | null = null;
    if (input.position) {
      const [lng, lat] = toWgs84(input.position.lng, input.position.lat, input.position.crs);
      await this.locator.ready?.();
      gridCode = this.locator.locate(lng, lat);
      if (!gridCode) throw new AppError(422, 'HOTLINE_POSITION_UNRESOLVED');
      if (!gridCode.startsWith(client.scopeCode)) throw new AppError(422, 'HOTLINE_OUT_OF_SCOPE', { gridCode });
      point = { lng, lat };
    }
    const row = {
      client_id: client.id, external_no: input.externalNo, content: input.content, address: input.address ?? null,
      lng: point?.lng ?? null, lat: point?.lat ?? null, category_hint: input.categoryHint ?? null, deadline_at: deadlineAt,
      caller_name_cipher: callerName ? this.personal.cipher.encrypt(callerName) : null,
      caller_phone_cipher: sealedPhone?.cipher ?? null, caller_phone_bidx: sealedPhone?.bidx ?? null, created_at: now, updated_at: now,
    };
    try {
      if (!gridCode) {
        await this.db.transaction(async (tx) => {
          const id = insertedId(await tx.insertInto('hotline_orders').values({ ...row, incident_id: null }).executeTakeFirstOrThrow());
          await appendAudit(tx, actor, { action: 'hotline.order.receive', objectType: 'hotline_order', objectId: id, details: { clientId: client.id, externalNo: input.externalNo, located: false } });
        });
        return { status: 202, body: (await this.answer(client.id, input.externalNo))! };
      }
      await this.incidents.create(clientPrincipal(client), actor, {
        channel: 'hotline_12345', description: input.content, position: input.position, address: input.address,
        // The caller leaves only masked: the case keeps masked forms, the order the encrypted ones.
        reporter: { name: callerName ? maskName(callerName) : undefined, phone: input.caller?.phone },
        externalRef: input.externalNo,
      }, undefined, async (tx, incidentId) => {
        const id = insertedId(await tx.insertInto('hotline_orders').values({ ...row, incident_id: incidentId }).executeTakeFirstOrThrow());
        await appendAudit(tx, actor, { action: 'hotline.order.receive', objectType: 'hotline_order', objectId: id, details: { clientId: client.id, externalNo: input.externalNo, incidentId } });
      });
      return { status: 201, body: (await this.answer(client.id, input.externalNo))! };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // A concurrent push of the same order won the unique index: answer with its case.
      const winner = await this.answer(client.id, input.externalNo);
      if (!winner) throw err;
      return { status: 200, body: winner };
    }
  }

  /** The order of this client, in plain words; null when it never came. */
  async answer(clientId: number, externalNo: string): Promise<HotlineOrderAnswer | null> {
    const row = await this.db.primary.selectFrom('hotline_orders').leftJoin('incidents', 'incidents.id', 'hotline_orders.incident_id')
      .select(['hotline_orders.external_no', 'hotline_orders.deadline_at', 'incidents.code', 'incidents.status'])
      .where('hotline_orders.client_id', '=', clientId).where('hotline_orders.external_no', '=', externalNo).executeTakeFirst();
    if (!row) return null;
    const status = (row.status ?? 'awaiting_location') as IncidentStatus | 'awaiting_location';
    return {
      externalNo: row.external_no,
      caseCode: row.code ?? null,
      status,
      statusText: status === 'awaiting_location'
        ? { 'zh-CN': '待定位（已收到，等待受理员确定位置）', en: 'received, waiting for an operator to locate it' }
        : { 'zh-CN': STATUS_ZH[status], en: STATUS_EN[status] },
      deadline: row.deadline_at === null ? null : new Date(Number(row.deadline_at)).toISOString(),
    };
  }

  async status(client: ApiClient, externalNo: string): Promise<HotlineOrderAnswer> {
    const a = await this.answer(client.id, externalNo);
    if (!a) throw new AppError(404, 'HOTLINE_ORDER_NOT_FOUND', { externalNo });
    return a;
  }

  /** The case behind one of the client's own orders: 404 for another client's, 409 while it waits to be located. */
  async caseOf(client: ApiClient, externalNo: string): Promise<number> {
    const row = await this.db.primary.selectFrom('hotline_orders').select(['incident_id'])
      .where('client_id', '=', client.id).where('external_no', '=', externalNo).executeTakeFirst();
    if (!row) throw new AppError(404, 'HOTLINE_ORDER_NOT_FOUND', { externalNo });
    if (row.incident_id === null) throw new AppError(409, 'HOTLINE_ORDER_NOT_LOCATED', { externalNo });
    return Number(row.incident_id);
  }

  /** Orders waiting for a position whose client's scope overlaps the caller's intake scopes. */
  async awaiting(principal: Principal): Promise<HotlineOrderView[]> {
    const scopes = principal.scopesFor(REGISTER);
    const rows = await this.views().where('hotline_orders.incident_id', 'is', null).orderBy('hotline_orders.id').limit(500).execute();
    return rows.filter((r) => overlaps(r.scope_code, scopes)).map((r) => this.view(r));
  }

  /**
   * An operator locates an order that came without a position: the case is
   * created at the chosen unit grid (the operator must be allowed to report
   * there) and linked in the same transaction.
   */
  async locate(principal: Principal, actor: AuditActor, id: number, target: { gridCode?: string | undefined; position?: { lng: number; lat: number; crs: Crs } | undefined }) {
    const row = await this.views().where('hotline_orders.id', '=', id).executeTakeFirst();
    if (!row || !overlaps(row.scope_code, principal.scopesFor(REGISTER))) throw new AppError(404, 'HOTLINE_ORDER_NOT_FOUND', { id });
    if (row.incident_id !== null) throw new AppError(409, 'HOTLINE_ALREADY_LOCATED', { id });
    let gridCode = target.gridCode ?? null;
    if (!gridCode && target.position) {
      const [lng, lat] = toWgs84(target.position.lng, target.position.lat, target.position.crs);
      await this.locator.ready?.();
      gridCode = this.locator.locate(lng, lat);
      if (!gridCode) throw new AppError(422, 'HOTLINE_POSITION_UNRESOLVED');
    }
    if (!gridCode) throw new AppError(422, 'INCIDENT_LOCATION_UNRESOLVED');
    if (!gridCode.startsWith(row.scope_code)) throw new AppError(422, 'HOTLINE_OUT_OF_SCOPE', { gridCode });
    const callerName = row.caller_name_cipher ? maskName(this.personal.open(row.caller_name_cipher)) : undefined;
    const callerPhone = this.personal.open(row.caller_phone_cipher) ?? undefined;
    const result = await this.incidents.create(principal, actor, {
      channel: 'hotline_12345', description: row.content, address: row.address ?? undefined, gridCode, position: target.position,
      reporter: { name: callerName, phone: callerPhone }, externalRef: row.external_no,
    }, undefined, async (tx: Transaction<Database>, incidentId) => {
      const r = await tx.updateTable('hotline_orders').set({ incident_id: incidentId, updated_at: Date.now() }).where('id', '=', id).where('incident_id', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new AppError(409, 'HOTLINE_ALREADY_LOCATED', { id });
      await appendAudit(tx, actor, { action: 'hotline.order.locate', objectType: 'hotline_order', objectId: id, details: { incidentId, gridCode } });
    });
    return result.body as { incident: { id: number; code: string } };
  }

  /** The 12345 order behind a case, for its staff page; 404 when the caller may not see the case. */
  async forIncident(principal: Principal, incidentId: number): Promise<HotlineOrderView | null> {
    await this.incidents.detail(principal, incidentId);
    const row = await this.views().where('hotline_orders.incident_id', '=', incidentId).executeTakeFirst();
    return row ? this.view(row) : null;
  }

  private views() {
    return this.db.primary.selectFrom('hotline_orders')
      .innerJoin('api_clients', 'api_clients.id', 'hotline_orders.client_id')
      .leftJoin('incidents', 'incidents.id', 'hotline_orders.incident_id')
      .select(['hotline_orders.id', 'hotline_orders.external_no', 'hotline_orders.incident_id', 'hotline_orders.content', 'hotline_orders.address',
        'hotline_orders.category_hint', 'hotline_orders.deadline_at', 'hotline_orders.caller_name_cipher', 'hotline_orders.caller_phone_cipher',
        'hotline_orders.created_at', 'api_clients.name as client_name', 'api_clients.scope_code', 'incidents.code as case_code']);
  }

  private view(r: {
    id: number; external_no: string; content: string; address: string | null; category_hint: string | null; deadline_at: number | null;
    caller_name_cipher: string | null; caller_phone_cipher: string | null; created_at: number; client_name: string; case_code: string | null;
  }): HotlineOrderView {
    return {
      id: r.id, clientName: r.client_name, externalNo: r.external_no, content: r.content, address: r.address, categoryHint: r.category_hint,
      deadline: r.deadline_at === null ? null : new Date(Number(r.deadline_at)).toISOString(),
      callerName: r.caller_name_cipher ? maskName(this.personal.open(r.caller_name_cipher)) : null,
      callerPhone: this.personal.maskedPhone(r.caller_phone_cipher),
      caseCode: r.case_code, receivedAt: new Date(Number(r.created_at)).toISOString(),
    };
  }
}

/** The API client acting as a reporter in its own grid scope, and nothing else. */
function clientPrincipal(client: ApiClient): Principal {
  return new Principal(0, `api:${client.name}`, client.name, [{ id: 0, role: 'api_client', scope: { kind: 'grid', code: client.scopeCode } }], new Map([['api_client', [REPORT]]]));
}

function overlaps(clientScope: string, scopes: readonly Scope[]): boolean {
  return scopes.some((s) => s.kind === 'grid' && (clientScope.startsWith(s.code) || s.code.startsWith(clientScope)));
}

function deadlineOf(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new AppError(422, 'HOTLINE_BAD_DEADLINE');
  return t;
}
