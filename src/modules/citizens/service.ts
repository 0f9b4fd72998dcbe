/**
 * Citizens (市民): the public intake without an account, the reporter's
 * private follow-up, and the satisfaction rating of a closed case (from the
 * reporter, or from a 12345 caller through the hotline system). docs/citizens.md.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { Principal } from '../../infra/auth/principal.js';
import { RateCounters } from '../../infra/cluster/counters.js';
import type { FileService } from '../../infra/files/files.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import type { Crs } from '../grid/rules/coords.js';
import type { ReferenceData } from '../incidents/reference.js';
import type { IncidentService, IncidentView } from '../incidents/service.js';
import { checkAnswer, issueChallenge, type Challenge, type ChallengeAnswer } from './rules/challenge.js';
import { decideIntake, DEFAULT_INTAKE_LIMITS, normalisePhone, type IntakeLimits } from './rules/limits.js';
import { MILESTONE_WORDS, milestoneOf, publicSteps, type Milestone, type PublicStep } from './rules/progress.js';
import type { RatingSource, Verdict } from './tables.js';
import './messages.js';

export interface PublicReportInput {
  description: string;
  position: { lng: number; lat: number; crs: Crs };
  address?: string | undefined;
  photos?: string[] | undefined;
  name?: string | undefined;
  phone?: string | undefined;
  challenge?: ChallengeAnswer | undefined;
}

export interface RatingView {
  verdict: Verdict;
  comment: string | null;
  source: RatingSource;
  ratedAt: string;
}

export interface FollowView {
  code: string;
  milestone: Milestone;
  statusText: string;
  description: string;
  address: string | null;
  categoryName: string | null;
  reportedAt: string;
  closedAt: string | null;
  steps: { milestone: Milestone; text: string; at: string }[];
  canRate: boolean;
  rating: RatingView | null;
}

type Locale = 'zh-CN' | 'en';

export interface PublicArea {
  type: 'FeatureCollection';
  features: { type: 'Feature'; properties: { code: string; name: string }; geometry: { type: string; coordinates: unknown } }[];
}

/** The user id public uploads are recorded under: no account; a photo is found again only by its content hash. */
export const PUBLIC_UPLOADER = 0;

/**
 * The intake's own principal: it may report anywhere in the district and
 * read nothing (its report's duplicates list stays empty).
 */
const PUBLIC_PRINCIPAL = new Principal(PUBLIC_UPLOADER, 'public', '市民', [{ id: 0, role: 'public_intake', scope: { kind: 'grid', code: '' } }], new Map([['public_intake', ['incidents.report']]]));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(Number(ms)).toISOString());
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function ratingView(row: { verdict: string; comment: string | null; source: string; rated_at: number }): RatingView {
  return { verdict: row.verdict as Verdict, comment: row.comment, source: row.source as RatingSource, ratedAt: new Date(Number(row.rated_at)).toISOString() };
}

/** A caught duplicate of a primary or unique key, on either dialect (ADR 0001: no upserts in module code). */
function isDuplicate(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string };
  return e.code === 'ER_DUP_ENTRY' || e.errno === 1062 || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class CitizenService {
  private secret: string | null = null;
  /** Photo uploads per client address in the last hour, counted in the database like the reports, so every API node shares the limit. */
  private readonly counters: RateCounters;

  constructor(
    private readonly db: AppDb,
    private readonly incidents: IncidentService,
    private readonly files: FileService,
    private readonly reference: ReferenceData,
    readonly limits: IntakeLimits = DEFAULT_INTAKE_LIMITS,
  ) {
    this.counters = new RateCounters(db);
  }

  private async key(): Promise<string> {
    if (this.secret) return this.secret;
    const row = await this.db.primary.selectFrom('citizen_keys').select('secret').where('id', '=', 1).executeTakeFirstOrThrow();
    this.secret = row.secret;
    return row.secret;
  }

  private async keyed(kind: string, value: string): Promise<string> {
    return createHmac('sha256', await this.key()).update(`${kind}:${value}`).digest('hex');
  }

  private areaCache: { at: number; value: PublicArea } | null = null;

  /**
   * The streets' outlines and names, for the page's tap-to-place sketch (the
   * territory is public knowledge; nothing below a street is sent). Kept a
   * minute per node: the page is public and the outlines rarely change.
   */
  async area(now = Date.now()): Promise<PublicArea> {
    if (this.areaCache && now - this.areaCache.at < 60_000) return this.areaCache.value;
    const rows = await this.db.reader().selectFrom('grids').select(['code', 'name', 'geometry'])
      .where('level', '=', 'street').where('status', '=', 'active').orderBy('code').execute();
    const value: PublicArea = {
      type: 'FeatureCollection',
      features: rows.map((r) => ({ type: 'Feature', properties: { code: r.code, name: r.name }, geometry: JSON.parse(r.geometry) as { type: string; coordinates: unknown } })),
    };
    this.areaCache = { at: now, value };
    return value;
  }

  /** A fresh proof-of-work challenge (nothing stored). */
  async challenge(now = Date.now()): Promise<Challenge> {
    return issueChallenge(await this.key(), randomBytes(16).toString('hex'), this.limits.challengeDifficulty, now + this.limits.challengeTtlMs);
  }

  /** Stores a photo for a report to come; limited per client address. */
  async uploadPhoto(data: Buffer, clientIp: string, now = Date.now()): Promise<{ hash: string; size: number; mime: string }> {
    if (data.length > this.limits.maxPhotoBytes) throw new AppError(413, 'FILE_TOO_LARGE', { limitBytes: this.limits.maxPhotoBytes });
    const client = await this.keyed('client', clientIp);
    // Every attempt of the right size counts, refused ones too: a client hammering the limit stays held by it.
    const attempts = await this.counters.hit('citizen-upload', client, HOUR, now);
    if (attempts.count > this.limits.maxUploadsPerClientPerHour) throw new AppError(429, 'CITIZEN_RATE_LIMITED', { by: 'client' });
    const stored = await this.files.upload(data, PUBLIC_UPLOADER, now);
    return { hash: stored.hash, size: stored.size, mime: stored.mime };
  }

  /**
   * A citizen's report: abuse limits first, then the case (channel citizen,
   * in the intake queue) and its follow-up token in one transaction. The
   * token is returned once and only its hash is kept.
   */
  async report(input: PublicReportInput, clientIp: string, now = Date.now()): Promise<{ code: string; followToken: string }> {
    if ((input.photos?.length ?? 0) > this.limits.maxPhotos) throw new AppError(422, 'CITIZEN_TOO_MANY_PHOTOS', { max: this.limits.maxPhotos });
    const client = await this.keyed('client', clientIp);
    const phone = input.phone ? normalisePhone(input.phone) : '';
    const phoneHash = phone ? await this.keyed('phone', phone) : null;
    const db = this.db.primary;
    const count = async (column: 'client_hash' | 'phone_hash', value: string, since: number) => Number((await db.selectFrom('citizen_reports')
      .select((eb) => eb.fn.countAll<number>().as('n')).where(column, '=', value).where('created_at', '>=', since).executeTakeFirst())?.n ?? 0);
    const counts = {
      clientHour: await count('client_hash', client, now - HOUR),
      clientDay: await count('client_hash', client, now - DAY),
      phoneDay: phoneHash ? await count('phone_hash', phoneHash, now - DAY) : 0,
    };
    const decision = decideIntake(counts, phoneHash !== null, this.limits);
    if (decision.kind === 'limited') throw new AppError(429, 'CITIZEN_RATE_LIMITED', { by: decision.by });
    let challengeId: string | null = null;
    if (decision.kind === 'challenge') {
      if (!input.challenge) throw new AppError(428, 'CITIZEN_CHALLENGE_REQUIRED', { challenge: await this.challenge(now) });
      const check = checkAnswer(await this.key(), input.challenge, this.limits.challengeDifficulty, now);
      if (check !== 'ok') throw new AppError(422, 'CITIZEN_CHALLENGE_INVALID', { reason: check, challenge: await this.challenge(now) });
      challengeId = input.challenge.id;
    }
    const token = randomBytes(24).toString('base64url');
    const actor: AuditActor = { userId: null, username: null, ip: clientIp };
    let created;
    try {
      created = await this.incidents.create(PUBLIC_PRINCIPAL, actor, {
        channel: 'citizen',
        description: input.description,
        position: input.position,
        address: input.address,
        photos: input.photos,
        reporter: input.name || input.phone ? { name: input.name, phone: input.phone } : undefined,
      }, undefined, async (tx: Transaction<Database>, incidentId: number) => {
        await tx.insertInto('citizen_reports').values({
          incident_id: incidentId, token_hash: sha256(token), client_hash: client, phone_hash: phoneHash, challenge_id: challengeId, created_at: now,
        }).execute();
      });
    } catch (err) {
      // The challenge was spent by an earlier report: the unique key refused the second.
      if (challengeId && isDuplicate(err)) throw new AppError(422, 'CITIZEN_CHALLENGE_INVALID', { reason: 'spent', challenge: await this.challenge(now) });
      if (err instanceof AppError && err.code === 'INCIDENT_LOCATION_UNRESOLVED') throw new AppError(422, 'CITIZEN_OUTSIDE_AREA');
      throw err;
    }
    const incident = (created.body as { incident: IncidentView }).incident;
    return { code: incident.code, followToken: token };
  }

  private async byToken(db: Kysely<Database>, token: string) {
    const row = await db.selectFrom('citizen_reports').select('incident_id').where('token_hash', '=', sha256(token)).executeTakeFirst();
    if (!row) throw new AppError(404, 'CITIZEN_FOLLOW_UNKNOWN');
    return Number(row.incident_id);
  }

  /** The reporter's view of their case: milestones in plain words, their own words back, the rating once closed. */
  async follow(token: string, locale: Locale): Promise<FollowView> {
    const db = this.db.primary;
    const id = await this.byToken(db, token);
    const row = await db.selectFrom('incidents')
      .select(['code', 'status', 'description', 'address', 'category_code', 'reported_at', 'closed_at'])
      .where('id', '=', id).executeTakeFirst();
    // An archived case has left the business store; its reporter sees it as closed without steps.
    const events = row ? await db.selectFrom('incident_events').select(['action', 'from_status', 'to_status', 'at']).where('incident_id', '=', id).orderBy('seq').execute() : [];
    const rating = await db.selectFrom('incident_ratings').selectAll().where('incident_id', '=', id).executeTakeFirst();
    if (!row) throw new AppError(404, 'CITIZEN_FOLLOW_UNKNOWN');
    const steps: PublicStep[] = publicSteps(events.map((e) => ({ action: e.action, fromStatus: e.from_status, toStatus: e.to_status, at: Number(e.at) })), locale);
    const milestone: Milestone = milestoneOf({ action: '', fromStatus: null, toStatus: row.status, at: 0 }) ?? 'received';
    const category = row.category_code ? (await this.reference.get()).categories.get(row.category_code) : undefined;
    return {
      code: row.code,
      milestone,
      statusText: MILESTONE_WORDS[milestone][locale],
      description: row.description,
      address: row.address,
      categoryName: category ? (locale === 'en' ? category.nameEn : category.nameZh) : null,
      reportedAt: new Date(Number(row.reported_at)).toISOString(),
      closedAt: iso(row.closed_at),
      steps: steps.map((s) => ({ milestone: s.milestone, text: s.text, at: new Date(s.at).toISOString() })),
      canRate: row.status === 'closed' && !rating,
      rating: rating ? ratingView(rating) : null,
    };
  }

  /** The reporter's rating of their closed case (once). */
  async rate(token: string, input: { verdict: Verdict; comment?: string | undefined }, clientIp: string): Promise<RatingView> {
    const id = await this.byToken(this.db.primary, token);
    return this.recordRating(id, { ...input, source: 'citizen' }, { userId: null, username: null, ip: clientIp });
  }

  /**
   * Records the satisfaction rating of a closed case: one per case, whoever
   * gives it (a second answers 409 CITIZEN_ALREADY_RATED). The 12345 link
   * calls this with source 'hotline' for the caller's verdict on a hotline
   * work order; the actor is the API client.
   */
  async recordRating(
    incidentId: number,
    input: { verdict: Verdict; comment?: string | null | undefined; source: RatingSource },
    actor: AuditActor,
    now = Date.now(),
  ): Promise<RatingView> {
    const comment = input.comment?.trim() ? input.comment.trim() : null;
    try {
      await this.db.transaction(async (tx) => {
        const incident = await tx.selectFrom('incidents').select(['status', 'code', 'grid_code', 'channel', 'lead_department_code']).where('id', '=', incidentId).executeTakeFirst();
        if (!incident) throw notFound('incident');
        if (incident.status !== 'closed') throw new AppError(422, 'CITIZEN_NOT_CLOSED', { status: incident.status });
        await tx.insertInto('incident_ratings').values({
          incident_id: incidentId, verdict: input.verdict, comment, source: input.source,
          grid_code: incident.grid_code, channel: incident.channel, department_code: incident.lead_department_code, rated_at: now,
        }).execute();
        await appendAudit(tx, actor, { action: 'incident.rate', objectType: 'incident', objectId: incidentId, details: { code: incident.code, verdict: input.verdict, source: input.source } }, now);
      });
    } catch (err) {
      if (isDuplicate(err)) throw new AppError(409, 'CITIZEN_ALREADY_RATED');
      throw err;
    }
    return { verdict: input.verdict, comment, source: input.source, ratedAt: new Date(now).toISOString() };
  }

  /** The rating of a case, for staff who may see the case (404 otherwise, like the case itself). */
  async ratingOf(principal: Principal, incidentId: number): Promise<RatingView | null> {
    const visible = await this.incidents.visibleIds(principal, [incidentId]);
    if (visible.length === 0) throw notFound('incident');
    const row = await this.db.reader(principal.userId).selectFrom('incident_ratings').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
    return row ? ratingView(row) : null;
  }
}
