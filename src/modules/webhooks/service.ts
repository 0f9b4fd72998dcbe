import type { Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import { fromJson, insertedId, toJson } from '../../infra/db/values.js';
import { AppError } from '../../infra/http/errors.js';
import { canSeeLiveEvent } from '../command/live.js';
import { subscriptionWants, urlProblem } from './rules/match.js';
import { newSecret, signatureHeader } from './rules/signing.js';
import type { WebhookDispatcher } from './dispatcher.js';
import type { WebhookSender } from './sender.js';
import { eventPayload, webhookEventSource, type WebhookEvent, type WebhookEventSource } from './source.js';
import type { WebhookSubscriptionTable } from './tables.js';
import './messages.js';

export interface SubscriptionInput {
  url: string;
  eventTypes: string[];
  channels: string[];
}

export interface SubscriptionView extends SubscriptionInput {
  id: number;
  clientId: number;
  clientName: string;
  status: 'active' | 'failing' | 'paused';
  failures: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  lastSuccessAt: number | null;
  /** The last event id delivered (or skipped as not wanted) in order. */
  position: number;
  createdAt: number;
}

export interface DeliveryView {
  id: number;
  kind: 'live' | 'replay';
  eventIds: number[];
  attempt: number;
  status: 'delivered' | 'failed';
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
  at: number;
}

/** How long the secret before a rotation still signs deliveries, so a receiver can switch without losing any. */
export const PREVIOUS_SECRET_MS = 24 * 3_600_000;

type Tx = Transaction<Database>;
type SubscriptionRow = Omit<WebhookSubscriptionTable, 'id'> & { id: number };

/**
 * Webhook subscriptions of API clients (docs/webhooks.md): what is sent
 * where, the signing secrets (stored encrypted, shown once), the delivery log,
 * pause, resume and replay. The WebhookDispatcher does the sending.
 */
export class WebhookService {
  readonly source: WebhookEventSource;
  /** The running dispatcher, set by buildHttp (tests and the bench read its counts). */
  dispatcher: WebhookDispatcher | null = null;

  constructor(
    private readonly db: AppDb,
    private readonly cipher: FieldCipher,
    private readonly settings: { allowHttp: boolean },
  ) {
    this.source = webhookEventSource(db);
  }

  private checkUrl(url: string): void {
    const problem = urlProblem(url, this.settings.allowHttp);
    if (problem) throw new AppError(422, 'WEBHOOK_BAD_URL', { url }, { problem });
  }

  private async checkClient(clientId: number): Promise<void> {
    const client = await this.db.primary.selectFrom('api_clients').select(['status', 'scopes']).where('id', '=', clientId).executeTakeFirst();
    if (!client) throw new AppError(404, 'CLIENT_NOT_FOUND', { id: clientId });
    if (client.status !== 'active' || !fromJson<string[]>(client.scopes, []).includes('webhooks')) throw new AppError(422, 'WEBHOOK_CLIENT_NOT_ALLOWED', { clientId });
  }

  /** New subscriptions start at the timeline's end: events from now on. */
  async create(actor: AuditActor, clientId: number, input: SubscriptionInput): Promise<{ subscription: SubscriptionView; secret: string }> {
    this.checkUrl(input.url);
    await this.checkClient(clientId);
    const secret = newSecret();
    const start = await this.source.lastId();
    const now = Date.now();
    const id = await this.db.transaction(async (tx) => {
      const id = insertedId(await tx.insertInto('webhook_subscriptions').values({
        client_id: clientId, url: input.url, event_types: toJson(input.eventTypes), channels: toJson(input.channels), secret: this.cipher.encrypt(secret),
        previous_secret: null, previous_until: null, status: 'active', failures: 0, next_attempt_at: 0, last_error: null, last_success_at: null, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
      await tx.insertInto('webhook_cursors').values({ subscription_id: id, high: start, gaps: '[]', generation: 1, updated_at: now }).execute();
      await appendAudit(tx, actor, { action: 'webhook.create', objectType: 'webhook_subscription', objectId: id, details: { clientId, url: input.url, eventTypes: input.eventTypes, channels: input.channels, from: start } });
      return id;
    });
    return { subscription: await this.get(clientId, id), secret };
  }

  async list(clientId?: number): Promise<SubscriptionView[]> {
    let q = this.db.primary.selectFrom('webhook_subscriptions as s')
      .innerJoin('api_clients as c', 'c.id', 's.client_id')
      .innerJoin('webhook_cursors as k', 'k.subscription_id', 's.id')
      .select(['s.id', 's.client_id', 'c.name as client_name', 's.url', 's.event_types', 's.channels', 's.status', 's.failures', 's.next_attempt_at', 's.last_error', 's.last_success_at', 's.created_at', 'k.high'])
      .orderBy('s.id');
    if (clientId !== undefined) q = q.where('s.client_id', '=', clientId);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id, clientId: r.client_id, clientName: r.client_name, url: r.url, eventTypes: fromJson<string[]>(r.event_types, []), channels: fromJson<string[]>(r.channels, []),
      status: r.status, failures: r.failures, nextAttemptAt: Number(r.next_attempt_at) > 0 ? Number(r.next_attempt_at) : null, lastError: r.last_error,
      lastSuccessAt: r.last_success_at === null ? null : Number(r.last_success_at), position: Number(r.high), createdAt: Number(r.created_at),
    }));
  }

  /** A subscription of that client, or 404 (another client's subscription is not found either). */
  async get(clientId: number, id: number): Promise<SubscriptionView> {
    const found = (await this.list(clientId)).find((s) => s.id === id);
    if (!found) throw new AppError(404, 'WEBHOOK_NOT_FOUND', { id });
    return found;
  }

  private async change(actor: AuditActor, clientId: number, id: number, action: string, details: Record<string, unknown>, fn: (tx: Tx, now: number) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await tx.selectFrom('webhook_subscriptions').select('id').where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst();
      if (!row) throw new AppError(404, 'WEBHOOK_NOT_FOUND', { id });
      await fn(tx, Date.now());
      await appendAudit(tx, actor, { action, objectType: 'webhook_subscription', objectId: id, details: { clientId, ...details } });
    });
  }

  async update(actor: AuditActor, clientId: number, id: number, input: SubscriptionInput): Promise<SubscriptionView> {
    this.checkUrl(input.url);
    await this.change(actor, clientId, id, 'webhook.update', { url: input.url, eventTypes: input.eventTypes, channels: input.channels }, async (tx, now) => {
      await tx.updateTable('webhook_subscriptions').set({ url: input.url, event_types: toJson(input.eventTypes), channels: toJson(input.channels), updated_at: now }).where('id', '=', id).execute();
    });
    return this.get(clientId, id);
  }

  /** Removes the subscription, its cursor and its log. */
  async remove(actor: AuditActor, clientId: number, id: number): Promise<void> {
    await this.change(actor, clientId, id, 'webhook.delete', {}, async (tx) => {
      await tx.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
      await tx.deleteFrom('webhook_cursors').where('subscription_id', '=', id).execute();
      await tx.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
    });
  }

  /** A new secret, shown once; the old one still signs for PREVIOUS_SECRET_MS (both signatures are sent). */
  async rotateSecret(actor: AuditActor, clientId: number, id: number): Promise<{ id: number; secret: string }> {
    const secret = newSecret();
    await this.change(actor, clientId, id, 'webhook.rotate_secret', {}, async (tx, now) => {
      const row = await tx.selectFrom('webhook_subscriptions').select('secret').where('id', '=', id).executeTakeFirstOrThrow();
      await tx.updateTable('webhook_subscriptions').set({ secret: this.cipher.encrypt(secret), previous_secret: row.secret, previous_until: now + PREVIOUS_SECRET_MS, updated_at: now }).where('id', '=', id).execute();
    });
    return { id, secret };
  }

  async pause(actor: AuditActor, clientId: number, id: number): Promise<SubscriptionView> {
    await this.change(actor, clientId, id, 'webhook.pause', {}, async (tx, now) => {
      await tx.updateTable('webhook_subscriptions').set({ status: 'paused', updated_at: now }).where('id', '=', id).execute();
    });
    return this.get(clientId, id);
  }

  /** Delivery goes on from the subscription's cursor: nothing it had not delivered is lost while paused. */
  async resume(actor: AuditActor, clientId: number, id: number): Promise<SubscriptionView> {
    await this.change(actor, clientId, id, 'webhook.resume', {}, async (tx, now) => {
      await tx.updateTable('webhook_subscriptions').set({ status: 'active', failures: 0, next_attempt_at: 0, updated_at: now }).where('id', '=', id).execute();
    });
    return this.get(clientId, id);
  }

  /**
   * Sets the cursor back so that every wanted event from `fromEventId` on is
   * delivered again, in order, by the dispatcher. A new generation keeps a
   * delivery in flight from writing its older position over this one.
   */
  async replayFrom(actor: AuditActor, clientId: number, id: number, fromEventId: number): Promise<SubscriptionView> {
    await this.change(actor, clientId, id, 'webhook.replay', { fromEventId }, async (tx, now) => {
      const cursor = await tx.selectFrom('webhook_cursors').select('generation').where('subscription_id', '=', id).executeTakeFirstOrThrow();
      await tx.updateTable('webhook_cursors').set({ high: Math.max(0, fromEventId - 1), gaps: '[]', generation: cursor.generation + 1, updated_at: now }).where('subscription_id', '=', id).execute();
      await tx.updateTable('webhook_subscriptions').set({ status: 'active', failures: 0, next_attempt_at: 0, updated_at: now }).where('id', '=', id).execute();
    });
    return this.get(clientId, id);
  }

  /** Sends one event again now, outside the order (the receiver dedupes by event id); logged as a replay. */
  async resendOne(actor: AuditActor, clientId: number, id: number, eventId: number, sender: WebhookSender): Promise<DeliveryView> {
    const row = await this.row(clientId, id);
    const [event] = await this.source.byIds([eventId]);
    if (!event) throw new AppError(404, 'WEBHOOK_EVENT_NOT_FOUND', { eventId });
    const client = await this.db.primary.selectFrom('api_clients').select(['scope_code']).where('id', '=', clientId).executeTakeFirstOrThrow();
    const filter = { eventTypes: fromJson<string[]>(row.event_types, []), channels: fromJson<string[]>(row.channels, []), scopes: [{ kind: 'grid' as const, code: client.scope_code }] };
    if (!subscriptionWants(filter, event, canSeeLiveEvent)) throw new AppError(422, 'WEBHOOK_EVENT_NOT_WANTED', { eventId });
    const { body, headers } = this.request(row, [event], Date.now());
    const result = await sender.send(row.url, body, headers);
    const now = Date.now();
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    const logId = await this.db.transaction(async (tx) => {
      const logId = insertedId(await tx.insertInto('webhook_deliveries').values({
        subscription_id: id, kind: 'replay', event_ids: toJson([eventId]), first_event_id: eventId, attempt: 1, status: delivered ? 'delivered' : 'failed',
        response_status: result.status, latency_ms: result.latencyMs, error: result.error?.slice(0, 300) ?? null, at: now,
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'webhook.resend', objectType: 'webhook_subscription', objectId: id, details: { clientId, eventId, status: result.status } });
      return logId;
    });
    return { id: logId, kind: 'replay', eventIds: [eventId], attempt: 1, status: delivered ? 'delivered' : 'failed', responseStatus: result.status, latencyMs: result.latencyMs, error: result.error, at: now };
  }

  async deliveries(clientId: number, id: number, options: { limit: number; beforeId?: number | undefined }): Promise<DeliveryView[]> {
    await this.row(clientId, id);
    let q = this.db.primary.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', id).orderBy('id', 'desc').limit(options.limit);
    if (options.beforeId !== undefined) q = q.where('id', '<', options.beforeId);
    return (await q.execute()).map((r) => ({
      id: r.id, kind: r.kind, eventIds: fromJson<number[]>(r.event_ids, []), attempt: r.attempt, status: r.status, responseStatus: r.response_status,
      latencyMs: r.latency_ms, error: r.error, at: Number(r.at),
    }));
  }

  private async row(clientId: number, id: number): Promise<SubscriptionRow> {
    const row = await this.db.primary.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst();
    if (!row) throw new AppError(404, 'WEBHOOK_NOT_FOUND', { id });
    return row;
  }

  /** The signed request for a batch of events of a subscription. */
  request(row: Pick<SubscriptionRow, 'id' | 'secret' | 'previous_secret' | 'previous_until'>, events: readonly WebhookEvent[], now: number): { body: string; headers: Record<string, string> } {
    // The subscriptions near the head share one read of the timeline, so each event is serialized once for all of them.
    const body = `{"subscriptionId":${row.id},"events":[${events.map((e) => this.json(e)).join(',')}]}`;
    const secrets = [this.decrypt(row.secret)];
    if (row.previous_secret && row.previous_until !== null && Number(row.previous_until) > now) secrets.push(this.decrypt(row.previous_secret));
    return {
      body,
      headers: {
        'civicgrid-signature': signatureHeader(secrets, Math.floor(now / 1000), body),
        'civicgrid-event-ids': events.map((e) => e.id).join(','),
      },
    };
  }

  private readonly serialized = new WeakMap<WebhookEvent, string>();

  private json(e: WebhookEvent): string {
    let text = this.serialized.get(e);
    if (text === undefined) {
      text = JSON.stringify(eventPayload(e));
      this.serialized.set(e, text);
    }
    return text;
  }

  private readonly clear = new Map<string, string>();

  /** Secrets are decrypted once per process and ciphertext (a rotation writes a new one). */
  private decrypt(stored: string): string {
    let plain = this.clear.get(stored);
    if (plain === undefined) {
      plain = this.cipher.decrypt(stored);
      if (this.clear.size > 10_000) this.clear.clear();
      this.clear.set(stored, plain);
    }
    return plain;
  }
}
