/**
 * Demo joint meetings: in the demo's first street, a closed community
 * meeting (decisions, one item left unresolved and risen), the street's
 * planned meeting holding that item, and a planned district meeting. Items
 * come from the demo's own hard cases when there are some. Written once
 * (skipped when any meeting exists).
 */
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { insertedId, toJson } from '../../infra/db/values.js';
import { hardCaseSource } from './service.js';

const DAY = 86_400_000;

export async function loadDemoMeetings(db: AppDb, actor: AuditActor, now = Date.now()): Promise<{ meetings: number; skipped: boolean }> {
  if (await db.primary.selectFrom('meetings').select('id').limit(1).executeTakeFirst()) return { meetings: 0, skipped: true };
  const street = await db.primary.selectFrom('grids').select(['code', 'name']).where('level', '=', 'street').orderBy('code').executeTakeFirst();
  if (!street) return { meetings: 0, skipped: true };
  const community = await db.primary.selectFrom('grids').select(['code', 'name']).where('level', '=', 'community').where('parent_code', '=', street.code).orderBy('code').executeTakeFirstOrThrow();
  const district = street.code.slice(0, 6);
  const hard = (await hardCaseSource.candidates(db.primary, community.code, now, 3)).slice(0, 2);
  const hardStreet = hard.length > 0 ? [] : (await hardCaseSource.candidates(db.primary, street.code, now, 3)).slice(0, 2);
  const cases = hard.length > 0 ? hard : hardStreet;
  await db.transaction(async (tx) => {
    const meeting = async (level: 'community' | 'street' | 'district', gridCode: string, title: string, heldAt: number, closed: boolean) => insertedId(await tx.insertInto('meetings').values({
      level, grid_code: gridCode, title, held_at: heldAt, location: level === 'community' ? '社区党群服务中心会议室' : level === 'street' ? '街道办事处三楼会议室' : '区政府第二会议室',
      attendees: toJson(level === 'community'
        ? [{ name: '王建国', unit: '社区党委' }, { name: '李秀英', unit: '社区居委会' }, { name: '张伟', unit: '网格员' }, { name: '刘洋', unit: '物业公司' }]
        : level === 'street' ? [{ name: '赵敏', unit: '街道指挥中心' }, { name: '陈刚', unit: '街道城管科' }, { name: '孙丽', unit: '街道社会事务办' }]
          : [{ name: '孙明', unit: '区领导' }, { name: '周强', unit: '区城管局' }, { name: '吴磊', unit: '区住建局' }]),
      minutes: closed ? '会议听取了网格员对疑难案件的情况汇报，逐项研究并形成决议。' : null, status: closed ? 'closed' : 'planned', version: 1, created_by: null,
      created_at: heldAt - 2 * DAY, closed_at: closed ? heldAt + 2 * 3_600_000 : null, updated_at: closed ? heldAt + 2 * 3_600_000 : heldAt - 2 * DAY,
    }).executeTakeFirstOrThrow());
    const item = async (meetingId: number | null, level: 'community' | 'street' | 'district', gridCode: string, source: 'escalated' | 'overdue' | 'returned' | 'free' | 'risen', title: string,
      outcome: 'open' | 'decided' | 'unresolved', incidentId: number | null, risenFrom: number | null, at: number) => insertedId(await tx.insertInto('meeting_items').values({
      meeting_id: meetingId, level, grid_code: gridCode, source, incident_id: incidentId, title, note: null, outcome, risen_from_item_id: risenFrom,
      risen_reason: risenFrom === null ? null : 'unresolved', created_at: at, updated_at: at,
    }).executeTakeFirstOrThrow());
    const decision = async (meetingId: number, itemId: number, content: string, owner: string, deadline: number, done: boolean, at: number) => tx.insertInto('meeting_decisions').values({
      meeting_id: meetingId, item_id: itemId, kind: 'task', content, owner, deadline_at: deadline, status: done ? 'done' : 'open', incident_id: null,
      done_at: done ? at + DAY : null, risen_item_id: null, created_by: null, created_at: at, updated_at: done ? at + DAY : at,
    }).execute();

    const held = now - 3 * DAY;
    const c = await meeting('community', community.code, `${community.name}联席会议`, held, true);
    const elevator = await item(c, 'community', community.code, 'free', '老旧小区加装电梯意见协调', 'decided', null, null, held);
    await decision(c, elevator, '社区组织居民议事会，两周内形成加装方案', '社区居委会', held + 14 * DAY, false, held);
    const parking = await item(c, 'community', community.code, 'free', '小区消防通道车辆乱停', 'decided', null, null, held);
    await decision(c, parking, '物业施划禁停标线并每日巡查', '物业公司', held + 2 * DAY, true, held);
    const s = await meeting('street', street.code, `${street.name}联席会议`, now + 2 * DAY, false);
    const [first, second] = cases;
    if (first) {
      const own = await item(c, 'community', first.gridCode.slice(0, 12), first.source as 'escalated', first.title, 'unresolved', first.incidentId, null, held);
      await item(s, 'street', street.code, 'risen', first.title, 'open', first.incidentId, own, held + 2 * 3_600_000);
    }
    if (second) await item(s, 'street', street.code, second.source as 'escalated', second.title, 'open', second.incidentId, null, now);
    await item(s, 'street', street.code, 'free', '背街小巷环境卫生整治分工', 'open', null, null, now);
    const d = await meeting('district', district, '区级联席会议', now + 7 * DAY, false);
    await item(d, 'district', district, 'free', '跨街道河道保洁责任划分', 'open', null, null, now);
    await appendAudit(tx, actor, { action: 'demo.meetings', objectType: 'meeting', objectId: d, details: { meetings: 3 } }, now);
  });
  return { meetings: 3, skipped: false };
}
