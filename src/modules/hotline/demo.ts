import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { DISTRICT_CODE_LENGTH } from '../../infra/auth/scope.js';
import { createRandom } from '../grid/demo/random.js';
import type { GridLocatorPort } from '../grid/locator-service.js';
import { PHRASINGS } from '../demo/phrasings.js';
import type { HotlineService } from './service.js';

/**
 * The demo's unsatisfied orders over the four weeks up to `until` (inside the console's default "last 30 days" when `until` is yesterday), worked so
 * that the period shows the seed's figures: 239 helped, 207 answered, 173
 * satisfied again (83.5 %), plus orders still waiting for help and a few no
 * position placed (the centre's unassigned list).
 */
export const DEMO_HOTLINE = { helped: 239, answered: 207, satisfiedAgain: 173, waiting: 15, unlocated: 8 } as const;

const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴', '徐', '孙', '胡', '朱', '高', '林'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '桂兰', '建国', '志强'];
const HELP_NOTES = ['已上门了解情况并协调相关部门现场处理', '联系责任单位当天整改，现场已复查', '与诉求人当面沟通，协助办理相关手续', '组织物业和居民代表现场协商，问题已解决', '已督促处置部门返工，整改后拍照留存'];
const ANSWER_NOTES = ['电话回访诉求人，说明了办理结果', '上门回访，诉求人确认问题已处理', '电话告知整改情况，诉求人表示认可', '回访时诉求人对处理进度仍有意见'];

export interface HotlineDemoResult {
  skipped: boolean;
  orders: number;
}

export async function loadDemoHotline(
  db: AppDb,
  hotline: HotlineService,
  locator: GridLocatorPort,
  actor: AuditActor,
  options: { seed: number; until: string },
): Promise<HotlineDemoResult> {
  const existing = await db.primary.selectFrom('hotline_revisits').select('id').limit(1).executeTakeFirst();
  if (existing) return { skipped: true, orders: 0 };
  const rng = createRandom(`hotline:${options.seed}`);
  // Unit grids with a grid worker who has an account: those orders find their worker.
  const grids = await db.primary.selectFrom('grids').innerJoin('grid_workers', 'grid_workers.grid_code', 'grids.code')
    .select(['grids.code', 'grids.min_lng', 'grids.min_lat', 'grids.max_lng', 'grids.max_lat'])
    .where('grids.level', '=', 'unit').where('grid_workers.user_id', 'is not', null).where('grid_workers.to_date', 'is', null)
    .distinct().orderBy('grids.code').execute();
  const district = await db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirst();
  if (grids.length === 0 || !district) return { skipped: true, orders: 0 };
  const [y, m, d] = options.until.split('-').map(Number) as [number, number, number];
  const end = Date.UTC(y, m - 1, d + 1) - SHANGHAI_MS;
  const start = end - 28 * DAY_MS;
  const now = Date.now();
  const located = DEMO_HOTLINE.helped + DEMO_HOTLINE.waiting;
  const total = located + DEMO_HOTLINE.unlocated;
  const codes = Object.keys(PHRASINGS);
  const rows = [];
  for (let i = 0; i < total; i++) {
    let position: { lng: number; lat: number } | null = null;
    if (i < located) {
      const g = rng.pick(grids);
      for (let k = 0; k < 50 && !position; k++) {
        const lng = g.min_lng + (g.max_lng - g.min_lng) * rng.next();
        const lat = g.min_lat + (g.max_lat - g.min_lat) * rng.next();
        if (locator.locate(lng, lat) === g.code) position = { lng, lat };
      }
    }
    const receivedAt = Math.min(start + Math.floor(rng.next() * 28 * DAY_MS), now - DAY_MS);
    const day = new Date(receivedAt + SHANGHAI_MS).toISOString().slice(0, 10).replaceAll('-', '');
    rows.push({
      row: i + 1,
      values: {
        orderNo: `BMY${day}${String(i + 1).padStart(4, '0')}`,
        receivedAt,
        callerName: rng.pick(SURNAMES) + rng.pick(GIVEN),
        callerPhone: `1${rng.pick(['38', '39', '58', '86', '77'])}${String(Math.floor(rng.next() * 1e8)).padStart(8, '0')}`,
        address: position ? `雨花区第${1 + Math.floor(rng.next() * 60)}栋附近` : `雨花区（地址不详，来电人未能说明具体位置）`,
        lng: position?.lng ?? null,
        lat: position?.lat ?? null,
        content: rng.pick(PHRASINGS[rng.pick(codes)]!),
        originalVerdict: '不满意',
      },
    });
  }
  const result = await hotline.importRows(
    { userId: 0, scopes: [{ kind: 'grid', code: district.code.slice(0, DISTRICT_CODE_LENGTH) }], revisit: false },
    actor, rows, { partial: true, source: 'api' }, now,
  );
  // The revisit: the first `helped` of the assigned orders were helped, of those `answered` answered, of those `satisfiedAgain` satisfied again.
  const assigned = await db.primary.selectFrom('hotline_revisits').select(['id', 'received_at']).where('worker_user_id', 'is not', null).orderBy('id').execute();
  await db.transaction(async (tx) => {
    const work = createRandom(`hotline-work:${options.seed}`);
    for (let i = 0; i < Math.min(DEMO_HOTLINE.helped, assigned.length); i++) {
      const o = assigned[i]!;
      const helpedAt = Math.min(Number(o.received_at) + Math.floor((0.5 + work.next() * 3) * DAY_MS), now - 3_600_000);
      const answered = i < DEMO_HOTLINE.answered;
      const answeredAt = Math.min(helpedAt + Math.floor((0.2 + work.next() * 2) * DAY_MS), now - 60_000);
      await tx.updateTable('hotline_revisits').set({
        helped_at: helpedAt, help_note: work.pick(HELP_NOTES), help_photos: '[]',
        answered_at: answered ? answeredAt : null,
        answer_note: answered ? work.pick(ANSWER_NOTES) : null,
        verdict: answered ? (i < DEMO_HOTLINE.satisfiedAgain ? 'satisfied' : 'unsatisfied') : null,
        version: 3, updated_at: now,
      }).where('id', '=', o.id).execute();
    }
    await appendAudit(tx, actor, { action: 'hotline.demo', objectType: 'hotline_revisit', details: { orders: result.created } }, now);
  });
  return { skipped: false, orders: result.created };
}
