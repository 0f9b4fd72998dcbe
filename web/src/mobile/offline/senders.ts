import type { Incident, IncidentDetail } from '../../modules/incidents/api.js';
import { incidentApi } from '../../modules/incidents/api.js';
import { apiRequest, ApiError } from '../../shell/api.js';
import { appliedAfter } from './rules.js';
import type { Sender } from './runner.js';
import type { CampaignPayload, OutboxItem, OutboxPhoto, OutboxResult } from './types.js';

/**
 * How each kind of outbox item reaches the server. Photos go first (content-addressed: uploading one
 * again is harmless) and their hashes are saved on the item; then the write, carrying the item's key:
 * - report: POST /api/incidents with Idempotency-Key = the key (a repeat replays the first answer), then
 *   for 即办 the self-resolve action;
 * - action (verification, self-resolve of a case in My tasks): the action with the version the worker saw; a 409 after an earlier attempt
 *   is checked against the timeline (appliedAfter) before it counts as refused;
 * - visit: POST /api/households/:id/visits with Idempotency-Key;
 * - campaign: POST /api/campaigns/:id/responses, a replace of the target's answers (the server makes a
 *   finding's incident once per campaign and target, and keeps one row per photo and question, so a repeat is
 *   harmless); each photo answers the question named by its questionKey;
 * - patrol start / points / stop and clock-in: the workforce API, whose ids are the client's (UUID v4)
 *   and whose points are identified by (patrol, time), so a repeat is harmless.
 */
export function makeSender(currentUserId: () => number | null): Sender {
  return async (item, save) => {
    await uploadPhotos(item, save);
    switch (item.kind) {
      case 'report':
        return sendReport(item, save, currentUserId);
      case 'action':
        return sendAction(item, save, currentUserId);
      case 'visit': {
        const p = item.payload;
        const visit = await apiRequest<{ id: number; incidentId: number | null; incidentCode: string | null }>(
          'POST', `/api/households/${p.householdId}/visits`, p.body, { headers: { 'Idempotency-Key': item.key } },
        );
        return { visitId: visit.id, ...(visit.incidentId ? { incidentId: visit.incidentId } : {}), ...(visit.incidentCode ? { incidentCode: visit.incidentCode } : {}) };
      }
      case 'patrol-start':
        await apiRequest('POST', '/api/patrols', item.payload);
        return {};
      case 'patrol-points': {
        const r = await apiRequest<{ accepted: number }>('POST', `/api/patrols/${encodeURIComponent(item.payload.patrolId)}/points`, { points: item.payload.points });
        return { accepted: r.accepted };
      }
      case 'patrol-stop':
        await apiRequest('POST', `/api/patrols/${encodeURIComponent(item.payload.patrolId)}/stop`, { endedAt: item.payload.endedAt });
        return {};
      case 'clock': {
        const r = await apiRequest<{ gridCode: string }>('POST', '/api/attendance/clock', item.payload);
        return { gridCode: r.gridCode };
      }
      case 'campaign': {
        const r = await apiRequest<{ response: { incident: { id: number; code: string } | null } | null }>('POST', `/api/campaigns/${item.payload.campaignId}/responses`, campaignBody(item));
        const incident = r.response?.incident;
        return incident ? { incidentId: incident.id, incidentCode: incident.code } : {};
      }
    }
  };
}

/** The form with each uploaded photo added to its question's answer (hashes already there are kept, none twice). */
export function campaignBody(item: Extract<OutboxItem, { kind: 'campaign' }>): CampaignPayload['body'] {
  const answers = { ...item.payload.body.answers };
  for (const photo of item.photos) {
    if (photo.role !== 'answer' || !photo.questionKey || !photo.hash) continue;
    const before = answers[photo.questionKey];
    const list = Array.isArray(before) ? before : [];
    if (!list.includes(photo.hash)) answers[photo.questionKey] = [...list, photo.hash];
  }
  return { ...item.payload.body, answers };
}

async function uploadPhotos(item: OutboxItem, save: () => Promise<void>): Promise<void> {
  for (const photo of item.photos) {
    if (photo.hash) continue;
    const stored = await incidentApi.upload(photo.blob);
    photo.hash = stored.hash;
    await save();
  }
}

const hashes = (photos: readonly OutboxPhoto[], role: OutboxPhoto['role']) => photos.filter((p) => p.role === role).map((p) => p.hash!);

async function sendReport(item: Extract<OutboxItem, { kind: 'report' }>, save: () => Promise<void>, currentUserId: () => number | null): Promise<OutboxResult> {
  const { body, selfResolve } = item.payload;
  if (!item.progress.incident) {
    const before = hashes(item.photos, 'before');
    const created = await incidentApi.create({ ...body, ...(before.length ? { photos: before } : {}) }, item.key);
    const i = created.incident;
    item.progress.incident = { id: i.id, code: i.code, version: i.version };
    await save();
  }
  const incident = item.progress.incident;
  if (selfResolve && !item.progress.selfResolved) {
    const action = {
      type: 'self-resolve' as const,
      version: incident.version,
      categoryCode: selfResolve.categoryCode,
      beforePhotos: hashes(item.photos, 'before'),
      afterPhotos: hashes(item.photos, 'after'),
      ...(selfResolve.note ? { note: selfResolve.note } : {}),
    };
    await actOnce(incident.id, action, 1, currentUserId);
    item.progress.selfResolved = true;
    await save();
  }
  return { incidentId: incident.id, incidentCode: incident.code };
}

async function sendAction(item: Extract<OutboxItem, { kind: 'action' }>, save: () => Promise<void>, currentUserId: () => number | null): Promise<OutboxResult> {
  const p = item.payload;
  if (p.version === null) {
    // "Send again" after a refusal: act on the case as it is now, if the action is still allowed.
    const detail = await incidentApi.detail(p.incidentId);
    if (!detail.allowedActions.includes(p.type)) throw notAllowed(detail);
    p.version = detail.incident.version;
    p.seenSeq = lastSeq(detail);
    await save();
  }
  const photos = hashes(item.photos, 'photo');
  const action = p.type === 'self-resolve'
    ? {
      type: p.type,
      version: p.version,
      beforePhotos: hashes(item.photos, 'before'),
      afterPhotos: hashes(item.photos, 'after'),
      ...(p.categoryCode ? { categoryCode: p.categoryCode } : {}),
      ...(p.note ? { note: p.note } : {}),
    }
    : {
      type: p.type,
      version: p.version,
      ...(p.note ? { note: p.note } : {}),
      ...(p.reason ? { reason: p.reason } : {}),
      ...(photos.length ? { photos } : {}),
    };
  const incident = await actOnce(p.incidentId, action, p.seenSeq, currentUserId);
  return { incidentId: incident.id, incidentCode: incident.code };
}

/**
 * One state-machine action sent with the version the worker saw. A 409 CONFLICT may be our own earlier
 * attempt whose answer was lost: if the timeline shows our action after the last event seen, it went through.
 */
async function actOnce(id: number, action: { type: string; version: number }, seenSeq: number, currentUserId: () => number | null): Promise<Incident> {
  try {
    return (await incidentApi.act(id, action)).incident;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409 || err.code !== 'CONFLICT') throw err;
    const detail = await incidentApi.detail(id);
    const userId = currentUserId();
    if (userId !== null && appliedAfter(detail.timeline, seenSeq, action.type, userId)) return detail.incident;
    throw err;
  }
}

const lastSeq = (detail: IncidentDetail) => detail.timeline.reduce((m, e) => Math.max(m, e.seq), 0);

function notAllowed(detail: IncidentDetail): ApiError {
  return new ApiError(409, 'APP_ACTION_NO_LONGER_ALLOWED', `status: ${detail.incident.status}`, { status: detail.incident.status });
}
