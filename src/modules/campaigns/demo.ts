/**
 * Demo campaigns: a fire safety check of the places of the demo's first
 * street (pushed, a few places answered in its first community) and a
 * social insurance check of its first community's residents (a draft).
 * Written once (skipped when any campaign exists).
 */
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { insertedId, toJson } from '../../infra/db/values.js';
import type { Question } from './rules/questions.js';

const DAY = 86_400_000;

const FIRE: Question[] = [
  { key: 'q1', label: '灭火器在有效期内', type: 'yes_no', required: true, problemAnswers: [false] },
  { key: 'q2', label: '安全出口', type: 'choice', required: true, options: ['畅通', '堵塞'], problemAnswers: ['堵塞'] },
  { key: 'q3', label: '存在私拉乱接电线', type: 'yes_no', required: true, problemAnswers: [true] },
  { key: 'q4', label: '灭火器数量', type: 'number', required: false },
];
const INSURANCE: Question[] = [
  { key: 'q1', label: '已参加养老保险', type: 'yes_no', required: true, problemAnswers: [false] },
  { key: 'q2', label: '参保类型', type: 'choice', required: false, options: ['职工', '城乡居民', '未参保'] },
  { key: 'q3', label: '备注', type: 'text', required: false },
];

export async function loadDemoCampaigns(db: AppDb, actor: AuditActor, now = Date.now()): Promise<{ campaigns: number; skipped: boolean }> {
  if (await db.primary.selectFrom('campaigns').select('id').limit(1).executeTakeFirst()) return { campaigns: 0, skipped: true };
  const street = await db.primary.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').executeTakeFirst();
  if (!street) return { campaigns: 0, skipped: true };
  const community = await db.primary.selectFrom('grids').select('code').where('level', '=', 'community').where('parent_code', '=', street.code).orderBy('code').executeTakeFirstOrThrow();
  const places = await db.primary.selectFrom('places').select(['id', 'grid_code']).where('grid_code', '>=', community.code).where('grid_code', '<', `${community.code}:`).orderBy('id').limit(8).execute();
  await db.transaction(async (tx) => {
    const campaign = async (title: string, targetType: 'place' | 'resident', questions: Question[], owner: string, grid: string, pushed: boolean) => {
      const id = insertedId(await tx.insertInto('campaigns').values({
        title, description: null, target_type: targetType, place_types: toJson([]), questions: toJson(questions), owner_code: owner, category_code: null,
        deadline_at: now + 14 * DAY, status: pushed ? 'pushed' : 'draft', version: pushed ? 2 : 1, created_by: null, created_at: now - 3 * DAY,
        pushed_at: pushed ? now - 2 * DAY : null, closed_at: null, updated_at: now - 2 * DAY,
      }).executeTakeFirstOrThrow());
      await tx.insertInto('campaign_grids').values({ campaign_id: id, grid_code: grid }).execute();
      return id;
    };
    const fire = await campaign('消防安全排查', 'place', FIRE, street.code, street.code, true);
    await campaign('社保核查', 'resident', INSURANCE, street.code, community.code, false);
    // Answered places, none with a finding: findings become incidents only through the incident loop.
    for (const [i, p] of places.slice(0, Math.ceil(places.length / 2)).entries()) {
      await tx.insertInto('campaign_responses').values({
        campaign_id: fire, target_id: Number(p.id), grid_code: p.grid_code, answers: toJson({ q1: true, q2: '畅通', q3: false, q4: 2 + (i % 3) }),
        problem: 0, problem_note: null, incident_id: null, filled_by: null, filled_at: now - DAY + i * 600_000, updated_at: now - DAY + i * 600_000,
      }).execute();
    }
    await appendAudit(tx, actor, { action: 'demo.campaigns', objectType: 'campaign', objectId: fire, details: { campaigns: 2 } }, now);
  });
  return { campaigns: 2, skipped: false };
}
