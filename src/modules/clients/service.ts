import { sql } from 'kysely';
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { fromJson, insertedId, toJson } from '../../infra/db/values.js';
import { AppError } from '../../infra/http/errors.js';
import { shanghaiToday } from '../basedata/rules/dates.js';
import { SHARE_FIELDS, type ShareField } from '../basedata/share.js';
import { RateCounters } from '../../infra/cluster/counters.js';
import { keyMatches, keyPrefix, newKey, type ApiClientScope } from './rules/keys.js';
import './messages.js';

export interface ApiClient {
  id: number;
  name: string;
  scopes: ApiClientScope[];
  scopeCode: string;
  fields: ShareField[];
  ratePerMinute: number;
}

export interface ApiClientView extends ApiClient {
  keyPrefix: string;
  status: 'active' | 'revoked';
  createdAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface ApiClientInput {
  name: string;
  scopes: ApiClientScope[];
  scopeCode: string;
  fields: ShareField[];
  ratePerMinute: number;
}

/**
 * External systems calling the platform with an API key (docs/api-clients.md):
 * the key is shown once and stored as SHA-256, found by its public prefix;
 * each client has scopes (which interfaces), a grid scope, answer fields for
 * data sharing and a per-minute rate limit. Every change is audited; calls
 * are counted per day and scope for the usage chart.
 */
export class ApiClientService {
  /** Calls per client in the last minute, counted in the database so every API node shares the limit. */
  private readonly counters: RateCounters;

  constructor(private readonly db: AppDb) {
    this.counters = new RateCounters(db);
  }

  private async checkGrid(scopeCode: string): Promise<void> {
    const grid = await this.db.primary.selectFrom('grids').select('code').where('code', '=', scopeCode).executeTakeFirst();
    if (!grid) throw new AppError(422, 'CLIENT_UNKNOWN_GRID', { gridCode: scopeCode });
  }

  async create(actor: AuditActor, input: ApiClientInput): Promise<{ id: number; apiKey: string }> {
    await this.checkGrid(input.scopeCode);
    const k = newKey();
    const now = Date.now();
    return this.db.transaction(async (tx) => {
      const id = insertedId(await tx.insertInto('api_clients').values({
        name: input.name, key_prefix: k.prefix, key_hash: k.hash, scopes: toJson(input.scopes), scope_code: input.scopeCode,
        fields: toJson(input.fields), rate_per_minute: input.ratePerMinute, status: 'active', created_at: now, updated_at: now,
        rotated_at: null, revoked_at: null, last_used_at: null,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'client.create', objectType: 'api_client', objectId: id, details: { name: input.name, scopes: input.scopes, scope: input.scopeCode, fields: input.fields, ratePerMinute: input.ratePerMinute } });
      return { id, apiKey: k.key };
    });
  }

  async list(): Promise<ApiClientView[]> {
    const rows = await this.db.primary.selectFrom('api_clients').selectAll().orderBy('id').execute();
    return rows.map(view);
  }

  async get(id: number): Promise<ApiClientView> {
    const row = await this.db.primary.selectFrom('api_clients').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError(404, 'CLIENT_NOT_FOUND', { id });
    return view(row);
  }

  async update(actor: AuditActor, id: number, input: ApiClientInput): Promise<ApiClientView> {
    await this.checkGrid(input.scopeCode);
    await this.db.transaction(async (tx) => {
      const result = await tx.updateTable('api_clients').set({
        name: input.name, scopes: toJson(input.scopes), scope_code: input.scopeCode, fields: toJson(input.fields), rate_per_minute: input.ratePerMinute, updated_at: Date.now(),
      }).where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) await this.refuseChange(tx, id);
      await appendAudit(tx, actor, { action: 'client.update', objectType: 'api_client', objectId: id, details: { name: input.name, scopes: input.scopes, scope: input.scopeCode, fields: input.fields, ratePerMinute: input.ratePerMinute } });
    });
    return this.get(id);
  }

  /** Why a conditional change to an active client touched no row. */
  private async refuseChange(tx: Parameters<Parameters<AppDb['transaction']>[0]>[0], id: number): Promise<never> {
    const row = await tx.selectFrom('api_clients').select('id').where('id', '=', id).executeTakeFirst();
    throw row ? new AppError(409, 'CLIENT_REVOKED', { id }) : new AppError(404, 'CLIENT_NOT_FOUND', { id });
  }

  /** A new key; the old one stops working at once (the caller holds the new one before it is needed). */
  async rotate(actor: AuditActor, id: number): Promise<{ id: number; apiKey: string }> {
    const k = newKey();
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const result = await tx.updateTable('api_clients').set({ key_prefix: k.prefix, key_hash: k.hash, rotated_at: now, updated_at: now })
        .where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) await this.refuseChange(tx, id);
      await appendAudit(tx, actor, { action: 'client.rotate', objectType: 'api_client', objectId: id, details: {} });
    });
    return { id, apiKey: k.key };
  }

  /** Revoking is final: the key stops working and the client stays listed with its history. */
  async revoke(actor: AuditActor, id: number): Promise<ApiClientView> {
    await this.db.transaction(async (tx) => {
      const now = Date.now();
      const result = await tx.updateTable('api_clients').set({ status: 'revoked', revoked_at: now, updated_at: now })
        .where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        // Already revoked: nothing to do. Missing: 404.
        await tx.selectFrom('api_clients').select('id').where('id', '=', id).executeTakeFirstOrThrow(() => new AppError(404, 'CLIENT_NOT_FOUND', { id }));
        return;
      }
      await appendAudit(tx, actor, { action: 'client.revoke', objectType: 'api_client', objectId: id, details: {} });
    });
    return this.get(id);
  }

  /**
   * The client behind a key, if it may use `scope` now: 401 for a bad or
   * revoked key, 403 outside its scopes, 429 past its rate. Counts the call.
   */
  async authenticate(apiKey: string | undefined, scope: ApiClientScope, now = Date.now()): Promise<ApiClient> {
    const prefix = keyPrefix(apiKey);
    const row = prefix ? await this.db.primary.selectFrom('api_clients').selectAll().where('key_prefix', '=', prefix).executeTakeFirst() : undefined;
    if (!row || row.status !== 'active' || !keyMatches(apiKey!, row.key_hash)) throw new AppError(401, 'CLIENT_KEY_INVALID');
    const client = view(row);
    if (!client.scopes.includes(scope)) throw new AppError(403, 'CLIENT_SCOPE_DENIED', { scope });
    if ((await this.counters.hit('api-client', String(row.id), 60_000, now)).count > row.rate_per_minute) throw new AppError(429, 'CLIENT_RATE_LIMITED');
    await this.count(row.id, scope, now);
    return { id: client.id, name: client.name, scopes: client.scopes, scopeCode: client.scopeCode, fields: client.fields, ratePerMinute: client.ratePerMinute };
  }

  private async count(clientId: number, scope: string, now: number): Promise<void> {
    const day = shanghaiToday(now);
    await this.db.write(async (w) => {
      const insert = w.insertInto('api_client_usage').values({ client_id: clientId, day, scope, calls: 1 });
      await (this.db.dialect === 'sqlite'
        ? insert.onConflict((oc) => oc.columns(['client_id', 'day', 'scope']).doUpdateSet({ calls: sql<number>`calls + 1` }))
        : insert.onDuplicateKeyUpdate({ calls: sql<number>`calls + 1` })).execute();
      await w.updateTable('api_clients').set({ last_used_at: now }).where('id', '=', clientId).execute();
    });
  }

  /** Calls per Shanghai day and scope over the last `days` days, oldest first. */
  async usage(id: number, days: number, now = Date.now()): Promise<{ day: string; scope: string; calls: number }[]> {
    await this.get(id);
    const from = shanghaiToday(now - (days - 1) * 86_400_000);
    return this.db.primary.selectFrom('api_client_usage').select(['day', 'scope', 'calls'])
      .where('client_id', '=', id).where('day', '>=', from).orderBy('day').orderBy('scope').execute();
  }
}

function view(row: {
  id: number; name: string; key_prefix: string; scopes: string; scope_code: string; fields: string; rate_per_minute: number; status: 'active' | 'revoked';
  created_at: number; rotated_at: number | null; revoked_at: number | null; last_used_at: number | null;
}): ApiClientView {
  return {
    id: row.id, name: row.name, keyPrefix: row.key_prefix, scopes: fromJson<ApiClientScope[]>(row.scopes, []), scopeCode: row.scope_code,
    fields: fromJson<ShareField[]>(row.fields, ['found']).filter((f) => (SHARE_FIELDS as readonly string[]).includes(f)),
    ratePerMinute: row.rate_per_minute, status: row.status, createdAt: Number(row.created_at), rotatedAt: numOrNull(row.rotated_at),
    revokedAt: numOrNull(row.revoked_at), lastUsedAt: numOrNull(row.last_used_at),
  };
}

function numOrNull(v: number | null): number | null {
  return v === null ? null : Number(v);
}
