/**
 * The cascade between a district platform and the city platform above it
 * (上下级级联, docs/cascade.md). Both ends run this same module: a case is
 * reported up or sent down by a `cascade-send`, which records the link and a
 * `case` message in the case's own transaction; the receiving platform makes
 * its own case of it (one per peer and code, under a unique index inside the
 * create transaction); the receiver's status changes and its result go back as
 * messages queued in the transaction of each change (IncidentService.onSaved).
 * The outbox is sent in order per link by CascadeSender until acknowledged;
 * each message carries a per-link sequence, and the addressee applies only a
 * sequence above the last it applied, in the same transaction: a retry after
 * a lost answer, a restart or a duplicate changes nothing.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { Principal } from '../../infra/auth/principal.js';
import { gridInScope } from '../../infra/auth/scope.js';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import { fromJson, insertedId, toJson } from '../../infra/db/values.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import type { ApiClient } from '../clients/service.js';
import { FINAL_STATUSES, type IncidentEventDraft, type IncidentState, type IncidentStatus } from '../incidents/rules/state-machine.js';
import type { IncidentService } from '../incidents/service.js';
import { closeByPeer, isRefusal, peerProgress, returnedByPeer, sendOut, sendRefusal } from './rules/transitions.js';
import type { CascadeLinkTable, CascadePeerTable } from './tables.js';
import './messages.js';

export type PeerRole = 'parent' | 'child';

export interface PeerView {
  id: number;
  role: PeerRole;
  name: string;
  baseUrl: string;
  clientId: number;
  clientName: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
  updatedAt: string;
}

export interface PeerInput {
  role: PeerRole;
  name: string;
  baseUrl: string;
  /** The key the other platform issued to this one; omitted on update to keep the stored one. */
  apiKey?: string | undefined;
  clientId: number;
  status?: 'active' | 'disabled' | undefined;
}

export interface LinkView {
  peerId: number;
  peerName: string;
  peerRole: PeerRole;
  role: 'sender' | 'receiver';
  peerCode: string | null;
  peerStatus: string | null;
  status: CascadeLinkTable['status'];
  lastError: string | null;
  pendingMessages: number;
  createdAt: string;
  updatedAt: string;
}

/** What a receiving platform is sent to make its own case. */
export interface CaseMessage {
  code: string;
  seq: number;
  description: string;
  address: string | null;
  /** WGS84. */
  position: { lng: number; lat: number } | null;
  gridCode: string;
  categoryCode: string | null;
  reportedAt: string;
  note: string | null;
}

/** What the handling platform tells the sending one about its case. */
export interface EventMessage {
  seq: number;
  kind: 'status' | 'result' | 'return';
  /** The sender of this message's own case code. */
  peerCode: string;
  status: string;
  note: string | null;
  at: string;
}

/** Which channel a received case enters by: a district's report up, or the city's sending down. */
function channelFrom(peer: { role: PeerRole }): 'cascade_district' | 'cascade_city' {
  return peer.role === 'child' ? 'cascade_district' : 'cascade_city';
}

/** A duplicate message: its transaction rolls back and the answer says it was already applied. */
class AlreadyApplied extends Error {}

export class CascadeService {
  /** Called after a commit that queued messages (the sender wakes at once instead of at its next poll). */
  onQueued: (() => void) | null = null;

  constructor(
    private readonly db: AppDb,
    private readonly incidents: IncidentService,
    private readonly cipher: FieldCipher,
    private readonly options: { allowHttp: boolean },
  ) {}

  // ---- peers ------------------------------------------------------------------

  async peers(): Promise<PeerView[]> {
    const rows = await this.db.primary.selectFrom('cascade_peers').leftJoin('api_clients', 'api_clients.id', 'cascade_peers.client_id')
      .selectAll('cascade_peers').select('api_clients.name as client_name').orderBy('cascade_peers.id').execute();
    return rows.map(peerView);
  }

  async peer(id: number): Promise<PeerView> {
    const found = (await this.peers()).find((p) => p.id === id);
    if (!found) throw new AppError(404, 'CASCADE_PEER_NOT_FOUND', { id });
    return found;
  }

  private checkUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AppError(422, 'CASCADE_BAD_URL');
    }
    const ok = url.protocol === 'https:' || (url.protocol === 'http:' && this.options.allowHttp);
    if (!ok || url.username || url.password) throw new AppError(422, 'CASCADE_BAD_URL');
    return url.href.replace(/\/+$/, '');
  }

  private async checkClient(clientId: number, peerId: number | null): Promise<void> {
    const client = await this.db.primary.selectFrom('api_clients').select(['status', 'scopes']).where('id', '=', clientId).executeTakeFirst();
    if (!client || client.status !== 'active' || !fromJson<string[]>(client.scopes, []).includes('cascade')) throw new AppError(422, 'CASCADE_BAD_CLIENT', { clientId });
    const used = await this.db.primary.selectFrom('cascade_peers').select('id').where('client_id', '=', clientId).executeTakeFirst();
    if (used && used.id !== peerId) throw new AppError(409, 'CASCADE_CLIENT_IN_USE', { clientId });
  }

  private async checkSingleParent(role: PeerRole, peerId: number | null): Promise<void> {
    if (role !== 'parent') return;
    const parent = await this.db.primary.selectFrom('cascade_peers').select('id').where('role', '=', 'parent').executeTakeFirst();
    if (parent && parent.id !== peerId) throw new AppError(409, 'CASCADE_PARENT_EXISTS');
  }

  async createPeer(actor: AuditActor, input: PeerInput & { apiKey: string }): Promise<PeerView> {
    const baseUrl = this.checkUrl(input.baseUrl);
    await this.checkClient(input.clientId, null);
    await this.checkSingleParent(input.role, null);
    const now = Date.now();
    const id = await this.db.transaction(async (tx) => {
      const peerId = insertedId(await tx.insertInto('cascade_peers').values({
        role: input.role, name: input.name, base_url: baseUrl, key_cipher: this.cipher.encrypt(input.apiKey), client_id: input.clientId,
        status: input.status ?? 'active', created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      // The key never enters the audit log.
      await appendAudit(tx, actor, { action: 'cascade.peer.create', objectType: 'cascade_peer', objectId: peerId, details: { role: input.role, name: input.name, baseUrl, clientId: input.clientId } }, now);
      return peerId;
    });
    return this.peer(id);
  }

  async updatePeer(actor: AuditActor, id: number, input: PeerInput): Promise<PeerView> {
    const current = await this.db.primary.selectFrom('cascade_peers').select('id').where('id', '=', id).executeTakeFirst();
    if (!current) throw new AppError(404, 'CASCADE_PEER_NOT_FOUND', { id });
    const baseUrl = this.checkUrl(input.baseUrl);
    await this.checkClient(input.clientId, id);
    await this.checkSingleParent(input.role, id);
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      await tx.updateTable('cascade_peers').set({
        role: input.role, name: input.name, base_url: baseUrl, client_id: input.clientId, status: input.status ?? 'active', updated_at: now,
        ...(input.apiKey ? { key_cipher: this.cipher.encrypt(input.apiKey) } : {}),
      }).where('id', '=', id).execute();
      await appendAudit(tx, actor, {
        action: 'cascade.peer.update', objectType: 'cascade_peer', objectId: id,
        details: { role: input.role, name: input.name, baseUrl, clientId: input.clientId, status: input.status ?? 'active', keyChanged: Boolean(input.apiKey) },
      }, now);
    });
    return this.peer(id);
  }

  /** The peer behind an API client calling us, or 403. */
  async peerOfClient(client: ApiClient): Promise<Pick<CascadePeerTable, 'role' | 'name'> & { id: number }> {
    const row = await this.db.primary.selectFrom('cascade_peers').select(['id', 'role', 'name']).where('client_id', '=', client.id).where('status', '=', 'active').executeTakeFirst();
    if (!row) throw new AppError(403, 'CASCADE_NOT_A_PEER');
    return row;
  }

  /** The key to call a peer with (for the sender). */
  peerKey(cipherText: string): string {
    return this.cipher.decrypt(cipherText);
  }

  // ---- the case page ----------------------------------------------------------

  /** The link of a case (other side's code and status) and where it could be sent; 404 when the caller may not see the case. */
  async forIncident(principal: Principal, incidentId: number): Promise<{ link: LinkView | null; canSend: boolean; targets: { id: number; name: string; role: PeerRole }[] }> {
    const detail = await this.incidents.detail(principal, incidentId);
    const row = await this.db.primary.selectFrom('cascade_links').innerJoin('cascade_peers', 'cascade_peers.id', 'cascade_links.peer_id')
      .selectAll('cascade_links').select(['cascade_peers.name as peer_name', 'cascade_peers.role as peer_role'])
      .where('cascade_links.incident_id', '=', incidentId).executeTakeFirst();
    let link: LinkView | null = null;
    if (row) {
      const pending = await this.db.primary.selectFrom('cascade_outbox').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('link_id', '=', row.id).where('state', '=', 'pending').executeTakeFirstOrThrow();
      link = {
        peerId: row.peer_id, peerName: row.peer_name, peerRole: row.peer_role, role: row.role, peerCode: row.peer_code, peerStatus: row.peer_status,
        status: row.status, lastError: row.last_error, pendingMessages: Number(pending.n),
        createdAt: new Date(Number(row.created_at)).toISOString(), updatedAt: new Date(Number(row.updated_at)).toISOString(),
      };
    }
    const targets = (await this.db.primary.selectFrom('cascade_peers').select(['id', 'name', 'role']).where('status', '=', 'active').orderBy('role', 'desc').orderBy('id').execute())
      .map((t) => ({ id: t.id, name: t.name, role: t.role }));
    const status = detail.incident.status as IncidentStatus;
    const canSend = !row && targets.length > 0 && gridInScope(detail.incident.gridCode, principal.scopesFor('cascade.send'))
      && sendRefusal({ status, cascadedAt: null } as IncidentState) === null;
    return { link, canSend, targets };
  }

  // ---- sending a case -----------------------------------------------------------

  /** 上报市级 / 下派区级: the case goes to a peer; the link and the message are written with the change. */
  async send(principal: Principal, actor: AuditActor, incidentId: number, input: { version: number; peerId?: number | undefined; note?: string | undefined }) {
    // Visibility first: a case outside the caller's scope answers 404 whatever else is wrong.
    if ((await this.incidents.visibleIds(principal, [incidentId])).length === 0) throw notFound('incident');
    const peer = await this.target(input.peerId);
    const note = input.note?.trim() ? input.note.trim() : null;
    const now = Date.now();
    const result = await this.incidents.transition(incidentId, (state) => {
      if (!gridInScope(state.gridCode, principal.scopesFor('cascade.send'))) throw new AppError(403, 'FORBIDDEN', { permission: 'cascade.send' });
      const t = sendOut(state, now, String(principal.userId), peer, note);
      if (isRefusal(t)) throw new AppError(422, t.code, { status: state.status });
      return t;
    }, {
      principal, version: input.version, actor, audit: 'incident.cascade-send', details: { peerId: peer.id, peerName: peer.name, direction: peer.role === 'parent' ? 'up' : 'down' },
      within: async (tx, saved) => {
        const linkId = insertedId(await tx.insertInto('cascade_links').values({
          incident_id: incidentId, peer_id: peer.id, role: 'sender', peer_code: null, peer_status: null, status: 'pending',
          last_seq_in: 0, last_seq_out: 1, last_error: null, created_at: now, updated_at: now,
        }).executeTakeFirstOrThrow());
        const message: CaseMessage = {
          code: saved.code, seq: 1, description: saved.description, address: saved.address,
          position: saved.lng != null && saved.lat != null ? { lng: Number(saved.lng), lat: Number(saved.lat) } : null,
          gridCode: saved.grid_code, categoryCode: saved.category_code, reportedAt: new Date(Number(saved.reported_at)).toISOString(), note,
        };
        await queue(tx, linkId, 1, 'case', message, now);
      },
    });
    this.onQueued?.();
    return result.incident;
  }

  private async target(peerId: number | undefined): Promise<{ id: number; name: string; role: PeerRole }> {
    const peers = await this.db.primary.selectFrom('cascade_peers').select(['id', 'name', 'role']).where('status', '=', 'active').execute();
    if (peerId !== undefined) {
      const p = peers.find((x) => x.id === peerId);
      if (!p) throw new AppError(422, 'CASCADE_PEER_NOT_FOUND', { id: peerId });
      return p;
    }
    const parents = peers.filter((p) => p.role === 'parent');
    if (parents.length === 1) return parents[0]!;
    if (peers.length === 1) return peers[0]!;
    throw new AppError(422, 'CASCADE_PEER_REQUIRED');
  }

  // ---- receiving ------------------------------------------------------------------

  /** A peer's case: 201 with a new case here, 200 with the same case for any repeat. */
  async receiveCase(client: ApiClient, ip: string | null, message: CaseMessage): Promise<{ status: 200 | 201; body: { code: string; status: string } }> {
    const peer = await this.peerOfClient(client);
    const existing = await this.receivedCase(peer.id, message.code);
    if (existing) return { status: 200, body: existing };
    const actor: AuditActor = { userId: null, username: `cascade:${peer.name}`, ip };
    const now = Date.now();
    const description = message.note ? `${message.description}\n【${peer.role === 'child' ? '下级平台上报说明' : '上级平台下派说明'}】${message.note}` : message.description;
    try {
      await this.incidents.create(peerPrincipal(client), actor, {
        channel: channelFrom(peer), description, address: message.address ?? undefined,
        ...(message.position ? { position: { ...message.position, crs: 'wgs84' as const } } : { gridCode: message.gridCode }),
        externalRef: message.code,
      }, undefined, async (tx, incidentId) => {
        await tx.insertInto('cascade_links').values({
          incident_id: incidentId, peer_id: peer.id, role: 'receiver', peer_code: message.code, peer_status: 'sent', status: 'linked',
          last_seq_in: message.seq, last_seq_out: 0, last_error: null, created_at: now, updated_at: now,
        }).execute();
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) {
        if (err instanceof AppError && err.code === 'INCIDENT_LOCATION_UNRESOLVED') throw new AppError(422, 'CASCADE_POSITION_UNRESOLVED', { code: message.code });
        throw err;
      }
      // A concurrent duplicate won the unique index: its case is the one.
      const winner = await this.receivedCase(peer.id, message.code);
      if (!winner) throw err;
      return { status: 200, body: winner };
    }
    return { status: 201, body: (await this.receivedCase(peer.id, message.code))! };
  }

  private async receivedCase(peerId: number, peerCode: string): Promise<{ code: string; status: string } | null> {
    const row = await this.db.primary.selectFrom('cascade_links').innerJoin('incidents', 'incidents.id', 'cascade_links.incident_id')
      .select(['incidents.code', 'incidents.status']).where('cascade_links.peer_id', '=', peerId).where('cascade_links.role', '=', 'receiver')
      .where('cascade_links.peer_code', '=', peerCode).executeTakeFirst();
    return row ?? null;
  }

  /**
   * The handling peer's news of a case this platform sent (`code` is ours):
   * progress, its result (closes ours) or its refusal (ours comes back). A
   * sequence already applied answers `applied: false` and changes nothing.
   */
  async receiveEvent(client: ApiClient, ip: string | null, code: string, message: EventMessage): Promise<{ applied: boolean; code: string; status: string }> {
    const peer = await this.peerOfClient(client);
    const link = await this.db.primary.selectFrom('cascade_links').innerJoin('incidents', 'incidents.id', 'cascade_links.incident_id')
      .select(['cascade_links.id', 'cascade_links.incident_id', 'cascade_links.last_seq_in', 'incidents.status'])
      .where('cascade_links.peer_id', '=', peer.id).where('cascade_links.role', '=', 'sender').where('incidents.code', '=', code).executeTakeFirst();
    if (!link) throw new AppError(404, 'CASCADE_CASE_NOT_FOUND', { code });
    if (message.seq <= link.last_seq_in) return { applied: false, code, status: link.status };
    const actor: AuditActor = { userId: null, username: `cascade:${peer.name}`, ip };
    const now = Date.now();
    const linkStatus: CascadeLinkTable['status'] = message.kind === 'result' ? 'closed' : message.kind === 'return' ? 'returned' : 'linked';
    try {
      const result = await this.incidents.transition(link.incident_id, (state, _row, ref) => {
        if (message.kind === 'result') return closeByPeer(state, now, { code: message.peerCode, result: message.note ?? '' });
        if (message.kind === 'return') return returnedByPeer(state, now, ref.calendar, { code: message.peerCode, reason: message.note ?? '' });
        return peerProgress(state, now, { code: message.peerCode, status: message.status, note: message.note });
      }, {
        actor, audit: `incident.cascade-${message.kind === 'status' ? 'update' : message.kind === 'result' ? 'close' : 'return'}`,
        details: { peerId: peer.id, peerCode: message.peerCode, peerStatus: message.status, seq: message.seq },
        within: async (tx) => {
          // The sequence moves under a condition: of two concurrent deliveries of one message, the second rolls back here.
          const moved = await tx.updateTable('cascade_links').set({ last_seq_in: message.seq, peer_code: message.peerCode, peer_status: message.status, status: linkStatus, last_error: null, updated_at: now })
            .where('id', '=', link.id).where('last_seq_in', '<', message.seq).executeTakeFirst();
          if (Number(moved.numUpdatedRows) === 0) throw new AlreadyApplied();
        },
      });
      return { applied: true, code, status: result.incident.status };
    } catch (err) {
      if (err instanceof AlreadyApplied || (err instanceof AppError && err.status === 409)) {
        const now2 = await this.db.primary.selectFrom('cascade_links').select('last_seq_in').where('id', '=', link.id).executeTakeFirstOrThrow();
        // A version conflict with a local action: the peer retries later unless this message got in meanwhile.
        if (now2.last_seq_in >= message.seq) return { applied: false, code, status: link.status };
      }
      throw err;
    }
  }

  // ---- the handling side's news, queued with each change ----------------------------

  /**
   * IncidentService.onSaved: a case this platform received changed status;
   * the platform that sent it is told in the same transaction (its status,
   * and at the end its result or refusal). Cascade events themselves are not
   * echoed.
   */
  readonly onSaved = async (tx: Kysely<Database>, incidentId: number, state: IncidentState, events: readonly IncidentEventDraft[]): Promise<void> => {
    const changes = events.filter((e) => e.fromStatus !== e.toStatus && !e.action.startsWith('cascade-'));
    if (changes.length === 0) return;
    const link = await tx.selectFrom('cascade_links').innerJoin('incidents', 'incidents.id', 'cascade_links.incident_id')
      .select(['cascade_links.id', 'cascade_links.peer_code', 'cascade_links.last_seq_out', 'incidents.code'])
      .where('cascade_links.incident_id', '=', incidentId).where('cascade_links.role', '=', 'receiver').where('cascade_links.status', '=', 'linked').executeTakeFirst();
    if (!link || !link.peer_code) return;
    let seq = link.last_seq_out;
    const now = Date.now();
    for (const e of changes) {
      seq += 1;
      const kind: EventMessage['kind'] = e.toStatus === 'closed' ? 'result' : e.toStatus === 'rejected' ? 'return' : 'status';
      const note = kind === 'result' ? await resultText(tx, incidentId, e) : e.note;
      const message: EventMessage = { seq, kind, peerCode: link.code, status: e.toStatus, note, at: new Date(e.at).toISOString() };
      await queue(tx, link.id, seq, kind, { to: link.peer_code, ...message }, now);
    }
    const final = FINAL_STATUSES.includes(state.status);
    await tx.updateTable('cascade_links').set({ last_seq_out: seq, updated_at: now, ...(final ? { status: state.status === 'closed' ? 'closed' : 'returned' } : {}) })
      .where('id', '=', link.id).execute();
  };
}

async function queue(tx: Kysely<Database>, linkId: number, seq: number, kind: EventMessage['kind'] | 'case', payload: unknown, now: number): Promise<void> {
  await tx.insertInto('cascade_outbox').values({
    link_id: linkId, seq, kind, payload: toJson(payload), state: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, delivered_at: null,
  }).execute();
}

/** The handling side's result: the closing note, else the last reply (the department's result text). */
async function resultText(tx: Kysely<Database>, incidentId: number, closing: IncidentEventDraft): Promise<string> {
  const reply = await tx.selectFrom('incident_events').select('note').where('incident_id', '=', incidentId).where('action', 'in', ['reply', 'self-resolve'])
    .orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return [reply?.note, closing.note].filter((x): x is string => Boolean(x && x.trim())).join('\n') || '已办结';
}

/** The calling platform acting as a reporter in its API client's grid scope, and nothing else. */
function peerPrincipal(client: ApiClient): Principal {
  return new Principal(0, `cascade:${client.name}`, client.name, [{ id: 0, role: 'api_client', scope: { kind: 'grid', code: client.scopeCode } }], new Map([['api_client', ['incidents.report']]]));
}

function peerView(r: Selectable<CascadePeerTable> & { client_name: string | null }): PeerView {
  return {
    id: r.id, role: r.role, name: r.name, baseUrl: r.base_url, clientId: r.client_id, clientName: r.client_name, status: r.status,
    createdAt: new Date(Number(r.created_at)).toISOString(), updatedAt: new Date(Number(r.updated_at)).toISOString(),
  };
}
