/**
 * The demo's party building, linked cadres and livelihood projects (issue 18,
 * parts 1–3), at the reference district's figures for scale 1: 349 party
 * organisations (a working committee per street, one organisation per
 * community, the rest residential branches and 两新 organisations on unit
 * grids), members drawn from the residents of each organisation's grid with
 * the households they serve and the last quarter's activities with
 * attendance; two cadres linked to every community (one of a district
 * department, one of the street) with a visit a month for the last three
 * months and this one, some with findings; and 1,118 livelihood needs
 * collected over the year up to `until`, 987 of them done in it.
 *
 * Other scales scale the counts by the number of communities. Deterministic
 * per (seed, until, grid, residents): one random stream, rows in a fixed
 * order with explicit ids. Loaded in one transaction that also writes its
 * `demo_progress` row ('mechanisms'), so a re-run skips it; one audit record.
 */
import { sql, type Kysely } from 'kysely';
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { codePrefix } from '../../infra/auth/scope.js';
import { bulkInsert } from '../../infra/db/insert.js';
import { createRandom } from '../grid/demo/random.js';
import { DEFAULT_DEPARTMENTS } from '../incidents/data/categories.js';
import { shanghaiMidnight } from '../livelihood/rules/period.js';
import type { LivelihoodStatus } from '../livelihood/rules/state.js';
import type { PartyOrgKind } from '../party/tables.js';
import { personName } from './staff.js';

const PROGRESS = 'mechanisms';
const DAY = 86_400_000;
/** The reference district: 179 communities, 349 party organisations, 1,118 needs collected and 987 done in a year. */
export const REFERENCE = { communities: 179, organizations: 349, collected: 1118, done: 987 } as const;

export interface MechanismsDemoResult {
  organizations: number;
  members: number;
  activities: number;
  cadres: number;
  visits: number;
  needs: number;
  done: number;
  skipped: boolean;
}

interface Grid { code: string; name: string; level: string; parent_code: string | null }

const TWO_NEW_TRADES = ['科技', '物流', '餐饮', '建材', '电子商务', '物业服务', '文化传媒', '家政服务', '律师事务所', '社会工作服务中心', '养老服务中心'];
const ACTIVITIES: { kind: string; title: string }[] = [
  { kind: 'branch_meeting', title: '支部党员大会' },
  { kind: 'party_lesson', title: '党课：学习贯彻全会精神' },
  { kind: 'theme_day', title: '主题党日：走访困难群众' },
  { kind: 'volunteer', title: '党员志愿服务：清洁家园' },
  { kind: 'theme_day', title: '主题党日：消防安全宣传' },
];
const CADRE_TITLES = ['科长', '副科长', '主任科员', '四级调研员', '副主任', '干部'];
const FINDINGS = ['楼道堆放杂物存在消防隐患', '小区路灯损坏', '老旧管网漏水', '垃圾清运不及时', '占道经营', '独居老人需要帮扶', '停车位紧张', '雨后道路积水'];
const NEEDS = [
  ['老旧小区加装电梯', '居民联名申请加装电梯，方便老人出行'], ['小区路面改造', '路面破损严重，雨天积水'], ['增设充电桩', '电动车飞线充电存在隐患'],
  ['社区食堂', '独居老人就餐困难'], ['口袋公园建设', '附近缺少休闲健身场地'], ['排水管网改造', '雨季内涝'], ['增设监控探头', '夜间治安隐患'],
  ['便民菜市场提质', '市场环境脏乱'], ['停车场划线扩容', '停车难'], ['儿童托管服务', '双职工家庭放学后无人照看'], ['楼道照明改造', '楼道灯损坏'], ['无障碍坡道', '轮椅出行不便'],
];
const REJECT_REASONS = ['属于业主自治事项，已引导业委会协商解决', '不属于政府投资范围', '与已立项项目重复'];
const FEEDBACK = [['satisfied', '办得好，大家很满意'], ['satisfied', '解决了多年的老问题'], ['basic', '基本满意，希望后期管护跟上'], ['unsatisfied', '施工期间噪音大']] as const;

/** `n` scaled to the district's number of communities (exact at the reference scale). */
function scaled(n: number, communities: number): number {
  return communities === REFERENCE.communities ? n : Math.max(1, Math.round((n * communities) / REFERENCE.communities));
}

async function nextId(k: Kysely<unknown>, table: string): Promise<number> {
  const r = await sql<{ m: number | null }>`select max(id) as m from ${sql.table(table)}`.execute(k);
  return Number(r.rows[0]?.m ?? 0) + 1;
}

export async function loadDemoMechanisms(db: AppDb, actor: AuditActor, options: { seed: number; until: string }): Promise<MechanismsDemoResult> {
  const params = JSON.stringify({ seed: options.seed, until: options.until });
  const stored = await db.primary.selectFrom('demo_progress').select('finished').where('name', '=', PROGRESS).executeTakeFirst();
  const none = { organizations: 0, members: 0, activities: 0, cadres: 0, visits: 0, needs: 0, done: 0 };
  if (stored) return { ...none, skipped: true };
  const rng = createRandom(`mechanisms:${options.seed}`);
  const grids = await db.primary.selectFrom('grids').select(['code', 'name', 'level', 'parent_code']).where('status', '=', 'active').orderBy('code').execute() as Grid[];
  const streets = grids.filter((g) => g.level === 'street');
  const communities = grids.filter((g) => g.level === 'community');
  const unitsOf = new Map<string, Grid[]>();
  for (const g of grids) if (g.level === 'unit') unitsOf.set(g.parent_code!, [...(unitsOf.get(g.parent_code!) ?? []), g]);
  const district = grids.find((g) => g.level === 'district');
  if (!district || communities.length === 0) return { ...none, skipped: true };
  const end = shanghaiMidnight(options.until) + DAY;
  const now = Date.now();

  // ---- party organisations -------------------------------------------------------------
  interface Org { id: number; grid: string; parent: number | null; name: string; kind: PartyOrgKind; secretary: string; founded: string }
  const orgs: Org[] = [];
  let orgId = await nextId(db.primary as never, 'party_organizations');
  const streetOrg = new Map<string, Org>();
  for (const s of streets) {
    const o: Org = { id: orgId++, grid: s.code, parent: null, name: `${s.name}党工委`, kind: 'committee', secretary: personName(rng), founded: `${rng.int(1985, 2005)}-07-01` };
    orgs.push(o);
    streetOrg.set(s.code, o);
  }
  const communityOrg = new Map<string, Org>();
  for (const c of communities) {
    const u = rng.next();
    const kind: PartyOrgKind = u < 0.4 ? 'committee' : u < 0.7 ? 'general_branch' : 'branch';
    const suffix = kind === 'committee' ? '党委' : kind === 'general_branch' ? '党总支' : '党支部';
    const o: Org = { id: orgId++, grid: c.code, parent: streetOrg.get(c.parent_code!)?.id ?? null, name: `${c.name}${suffix}`, kind, secretary: personName(rng), founded: `${rng.int(1995, 2015)}-0${rng.int(1, 9)}-01` };
    orgs.push(o);
    communityOrg.set(c.code, o);
  }
  const extra = Math.max(0, scaled(REFERENCE.organizations, communities.length) - orgs.length);
  for (let i = 0; i < extra; i++) {
    const c = communities[Math.floor((i * communities.length) / Math.max(1, extra))]!;
    const units = unitsOf.get(c.code) ?? [];
    const unit = units.length > 0 ? rng.pick(units) : c;
    const twoNew = rng.next() < 0.6;
    const parentOrg = communityOrg.get(c.code)!;
    // A community branch leads nobody: its unit grids' organisations sit under the street committee.
    const parent = parentOrg.kind === 'branch' ? streetOrg.get(c.parent_code!)! : parentOrg;
    const name = twoNew ? `${unit.name.slice(0, 4)}${rng.pick(TWO_NEW_TRADES)}${rng.pick(['有限公司', '协会', '中心'])}党支部` : `${unit.name}居民党支部`;
    orgs.push({ id: orgId++, grid: unit.code, parent: parent.id, name, kind: twoNew ? 'two_new' : 'branch', secretary: personName(rng), founded: `${rng.int(2005, 2024)}-0${rng.int(1, 9)}-15` });
  }

  // Members from the residents of the organisation's grid; each resident in one organisation.
  const used = new Set<number>();
  const members: unknown[][] = [];
  const links: unknown[][] = [];
  const memberIdsOf = new Map<number, number[]>();
  let memberId = await nextId(db.primary as never, 'party_members');
  let linkId = await nextId(db.primary as never, 'party_member_households');
  for (const o of orgs) {
    const want = o.kind === 'committee' && o.grid.length === 9 ? rng.int(8, 15) : rng.int(3, 25);
    const candidates = await db.primary.selectFrom('residents').select(['id', 'household_id'])
      .where(codePrefix('grid_code', o.grid)).where('birth_date', '<=', '2006-01-01')
      .orderBy('grid_code').orderBy('id').limit(want * 4).execute();
    const fresh = rng.shuffle(candidates.filter((c) => !used.has(c.id))).slice(0, want);
    const households = await db.primary.selectFrom('households').select(['id', 'grid_code']).where(codePrefix('grid_code', o.grid)).orderBy('grid_code').orderBy('id').limit(200).execute();
    const ids: number[] = [];
    for (const r of fresh) {
      used.add(r.id);
      const id = memberId++;
      ids.push(id);
      members.push([id, o.id, o.grid, r.id, rng.next() < 0.06 ? 'probationary' : 'full', ids.length === 1 ? '支部书记' : null, `${rng.int(1970, 2025)}-07-01`, now, now]);
      // 党员联户: each member serves a few households of the organisation's grid.
      if (households.length > 0) {
        for (const h of rng.shuffle([...households]).slice(0, rng.int(0, 5))) links.push([linkId++, id, h.id, h.grid_code, now]);
      }
    }
    memberIdsOf.set(o.id, ids);
  }

  // Activities in the last quarter with attendance.
  const activities: unknown[][] = [];
  const attendance: unknown[][] = [];
  let activityId = await nextId(db.primary as never, 'party_activities');
  for (const o of orgs) {
    const ids = memberIdsOf.get(o.id) ?? [];
    if (ids.length === 0) continue;
    for (let i = rng.int(0, 4); i > 0; i--) {
      const a = rng.pick(ACTIVITIES);
      const heldAt = end - rng.int(1, 90) * DAY + rng.int(1, 9) * 3_600_000;
      const id = activityId++;
      activities.push([id, o.id, o.grid, a.title, a.kind, heldAt, '党群服务中心', `${o.name}${a.title}，党员参加并交流发言。`, null, now]);
      const share = rng.range(0.6, 0.95);
      for (const m of ids) if (rng.next() < share) attendance.push([id, m, o.grid]);
    }
  }

  // ---- linked cadres ---------------------------------------------------------------------
  const cadres: unknown[][] = [];
  const cadreLinks: unknown[][] = [];
  const visits: unknown[][] = [];
  const findings: unknown[][] = [];
  let cadreId = await nextId(db.primary as never, 'cadres');
  let cadreLinkId = await nextId(db.primary as never, 'cadre_links');
  let visitId = await nextId(db.primary as never, 'cadre_visits');
  let findingId = await nextId(db.primary as never, 'cadre_findings');
  const deptCadres: number[] = [];
  for (const d of DEFAULT_DEPARTMENTS) {
    for (let i = 0; i < 2; i++) {
      const id = cadreId++;
      deptCadres.push(id);
      cadres.push([id, `${personName(rng)}`, null, 'department', d.code, `${d.nameZh}${rng.pick(CADRE_TITLES)}`, district.code, 'active', now, now]);
    }
  }
  const streetCadres = new Map<string, number[]>();
  for (const s of streets) {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = cadreId++;
      ids.push(id);
      cadres.push([id, personName(rng), null, 'street', s.code, `${s.name}${rng.pick(CADRE_TITLES)}`, s.code, 'active', now, now]);
    }
    streetCadres.set(s.code, ids);
  }
  const months = [3, 2, 1, 0].map((back) => {
    const d = new Date(`${options.until}T00:00:00Z`);
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - back);
    return d.toISOString().slice(0, 7);
  });
  const visitsByCommunity = new Map<string, number[]>();
  const linkFrom = `${months[0]}-01`;
  for (const [ci, c] of communities.entries()) {
    const pair = [deptCadres[ci % deptCadres.length]!, streetCadres.get(c.parent_code!)![ci % 3]!];
    for (const cadre of pair) {
      cadreLinks.push([cadreLinkId++, cadre, c.code, linkFrom, null, 1, now]);
      for (const month of months) {
        const first = shanghaiMidnight(`${month}-01`);
        const plannedDay = rng.int(3, 25);
        const plannedOn = `${month}-${String(plannedDay).padStart(2, '0')}`;
        const visitedAt = first + (plannedDay - 1) * DAY + rng.int(1, 8) * 3_600_000;
        // The current month is partly still ahead: what falls after `until` stays planned.
        const done = visitedAt < end && rng.next() < (month === months[3] ? 0.8 : 0.92);
        const status = done ? 'done' : visitedAt < end ? 'cancelled' : 'planned';
        const id = visitId++;
        visits.push([id, cadre, c.code, plannedOn, status, done ? visitedAt : null, done ? `到${c.name}走访，听取居民意见建议。` : null, null, now, now]);
        if (done) {
          visitsByCommunity.set(c.code, [...(visitsByCommunity.get(c.code) ?? []), id]);
          if (rng.next() < 0.3) findings.push([findingId++, id, c.code, rng.pick(FINDINGS), null, visitedAt]);
        }
      }
    }
  }

  // ---- livelihood projects -----------------------------------------------------------------
  const collectedN = scaled(REFERENCE.collected, communities.length);
  const doneN = Math.min(collectedN, scaled(REFERENCE.done, communities.length));
  const yearStart = end - 364 * DAY;
  const needs: unknown[][] = [];
  const updates: unknown[][] = [];
  const feedback: unknown[][] = [];
  let needId = await nextId(db.primary as never, 'livelihood_needs');
  let updateId = await nextId(db.primary as never, 'livelihood_updates');
  let feedbackId = await nextId(db.primary as never, 'livelihood_feedback');
  const collectedAt = Array.from({ length: collectedN }, () => yearStart + Math.floor(rng.next() * (end - yearStart - DAY))).sort((a, b) => a - b);
  // The earliest-collected ones are done (projects take weeks); the rest are at every earlier stage.
  const openStatuses: LivelihoodStatus[] = ['collected', 'accepted', 'rejected', 'approved', 'in_progress'];
  for (const [i, at] of collectedAt.entries()) {
    const c = communities[Math.floor(rng.next() * communities.length)]!;
    const [title, description] = rng.pick(NEEDS);
    const u = rng.next();
    const visitIds = visitsByCommunity.get(c.code) ?? [];
    const source = u < 0.5 || (u < 0.8 && visitIds.length === 0) ? 'resident' : u < 0.8 ? 'visit' : 'meeting';
    const sourceRef = source === 'resident' ? `${personName(rng)}等居民` : source === 'meeting' ? `${c.name}联席会议` : null;
    const status: LivelihoodStatus = i < doneN ? 'done' : rng.pick(openStatuses);
    const assessed = status === 'collected' ? null : Math.min(at + rng.int(2, 10) * DAY, end - 3_600_000);
    const approved = ['approved', 'in_progress', 'done'].includes(status) ? Math.min(assessed! + rng.int(3, 15) * DAY, end - 3_600_000) : null;
    const doneAt = status === 'done' ? Math.min(approved! + rng.int(10, 60) * DAY, end - 60_000) : null;
    const progress = status === 'done' ? 100 : status === 'in_progress' ? rng.int(10, 90) : 0;
    const owner = approved ? `${rng.pick(DEFAULT_DEPARTMENTS).nameZh} ${personName(rng)}` : null;
    const budget = approved ? rng.int(2, 300) * 1_000_00 : null;
    const deadline = approved ? new Date(approved + rng.int(30, 180) * DAY + 8 * 3_600_000).toISOString().slice(0, 10) : null;
    const id = needId++;
    needs.push([
      id, c.code, `${c.name}${title}`, description, source, sourceRef, null, source === 'visit' ? rng.pick(visitIds) : null, status,
      status === 'rejected' ? rng.pick(REJECT_REASONS) : null, owner, null, budget, deadline, progress, at, assessed, approved, doneAt, null, doneAt ?? approved ?? assessed ?? at, 1,
    ]);
    if (status === 'in_progress' || status === 'done') {
      const mid = approved! + Math.floor(((doneAt ?? end - 3_600_000) - approved!) / 2);
      updates.push([updateId++, id, c.code, status === 'done' ? rng.int(30, 80) : progress, '施工推进中', '[]', null, mid]);
    }
    if (status === 'done') {
      updates.push([updateId++, id, c.code, 100, '项目完工并通过验收', '[]', null, doneAt]);
      if (rng.next() < 0.7) {
        const [satisfaction, comment] = rng.pick(FEEDBACK);
        feedback.push([feedbackId++, id, c.code, `${personName(rng)}`, satisfaction, comment, null, Math.min(doneAt! + rng.int(1, 10) * DAY, end - 1)]);
      }
    }
  }

  await db.transaction(async (tx) => {
    const k = tx as unknown as Kysely<unknown>;
    await bulkInsert(k, 'party_organizations', ['id', 'grid_code', 'parent_id', 'name', 'kind', 'secretary', 'lng', 'lat', 'founded_on', 'created_at', 'updated_at'],
      orgs.map((o) => [o.id, o.grid, o.parent, o.name, o.kind, o.secretary, null, null, o.founded, now, now]));
    await bulkInsert(k, 'party_members', ['id', 'organization_id', 'grid_code', 'resident_id', 'kind', 'post', 'joined_on', 'created_at', 'updated_at'], members);
    await bulkInsert(k, 'party_member_households', ['id', 'member_id', 'household_id', 'grid_code', 'created_at'], links);
    await bulkInsert(k, 'party_activities', ['id', 'organization_id', 'grid_code', 'title', 'kind', 'held_at', 'place', 'summary', 'created_by', 'created_at'], activities);
    await bulkInsert(k, 'party_attendance', ['activity_id', 'member_id', 'grid_code'], attendance);
    await bulkInsert(k, 'cadres', ['id', 'name', 'user_id', 'unit_kind', 'unit_code', 'title', 'grid_code', 'status', 'created_at', 'updated_at'], cadres);
    await bulkInsert(k, 'cadre_links', ['id', 'cadre_id', 'grid_code', 'from_date', 'to_date', 'is_current', 'created_at'], cadreLinks);
    await bulkInsert(k, 'cadre_visits', ['id', 'cadre_id', 'grid_code', 'planned_on', 'status', 'visited_at', 'record', 'created_by', 'created_at', 'updated_at'], visits);
    await bulkInsert(k, 'cadre_findings', ['id', 'visit_id', 'grid_code', 'description', 'incident_id', 'created_at'], findings);
    await bulkInsert(k, 'livelihood_needs', [
      'id', 'grid_code', 'title', 'description', 'source', 'source_ref', 'resident_id', 'cadre_visit_id', 'status', 'reason', 'owner', 'owner_department_code',
      'budget_cents', 'deadline', 'progress', 'collected_at', 'assessed_at', 'approved_at', 'done_at', 'created_by', 'updated_at', 'version',
    ], needs);
    await bulkInsert(k, 'livelihood_updates', ['id', 'need_id', 'grid_code', 'percent', 'note', 'photos', 'created_by', 'created_at'], updates);
    await bulkInsert(k, 'livelihood_feedback', ['id', 'need_id', 'grid_code', 'resident_name', 'satisfaction', 'comment', 'created_by', 'created_at'], feedback);
    await tx.insertInto('demo_progress').values({ name: PROGRESS, params, last_day: options.until, last_key: null, incidents: 0, events: 0, finished: 1, updated_at: now }).execute();
    await appendAudit(tx, actor, {
      action: 'demo.mechanisms', objectType: 'grid', objectId: district.code,
      details: { organizations: orgs.length, members: members.length, cadres: cadres.length, visits: visits.length, needs: needs.length },
    }, now);
  });
  return {
    organizations: orgs.length, members: members.length, activities: activities.length, cadres: cadres.length, visits: visits.length,
    needs: needs.length, done: doneN, skipped: false,
  };
}

