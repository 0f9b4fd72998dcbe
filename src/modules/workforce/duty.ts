/**
 * On duty now (rules/duty.ts) for a set of workers: their rota today (team
 * or member pattern, exceptions, calendar), approved leave and today's clock
 * records, read in a few queries for the whole set.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../database.js';
import { parseRota, type WorkforceContext } from './context.js';
import { dayStart, todayYmd } from './rules/dates.js';
import { onDutyNow } from './rules/duty.js';
import { shiftOn } from './rules/rota.js';

export class DutyRoster {
  constructor(private readonly ctx: WorkforceContext) {}

  /** Those of `userIds` on duty at `now`; `patrolling` are the ones with a patrol running. */
  async onDuty(db: Kysely<Database>, userIds: readonly number[], patrolling: ReadonlySet<number>, now = Date.now()): Promise<Set<number>> {
    const out = new Set<number>();
    if (userIds.length === 0) return out;
    const cal = await this.ctx.calendar();
    const ymd = todayYmd(cal, now);
    const start = dayStart(cal, ymd);
    const ids = [...new Set(userIds)];
    const [members, leave, clocks] = await Promise.all([
      db.selectFrom('team_members')
        .innerJoin('teams', 'teams.id', 'team_members.team_id')
        .select(['team_members.id as member_id', 'team_members.user_id', 'team_members.rota as member_rota', 'teams.id as team_id', 'teams.rota as team_rota'])
        .where('team_members.user_id', 'in', ids)
        .where('team_members.from_date', '<=', ymd)
        .where((eb) => eb.or([eb('team_members.to_date', 'is', null), eb('team_members.to_date', '>=', ymd)]))
        .orderBy('team_members.id')
        .execute(),
      db.selectFrom('leave_requests').select('user_id')
        .where('user_id', 'in', ids).where('status', '=', 'approved').where('from_date', '<=', ymd).where('to_date', '>=', ymd)
        .execute(),
      db.selectFrom('clock_records').select(['user_id', 'kind', 'at'])
        .where('user_id', 'in', ids).where('at', '>=', start).where('at', '<=', now)
        .execute(),
    ]);
    // The first membership of the day, as attendance and the phone take it.
    const membership = new Map<number, (typeof members)[number]>();
    for (const m of members) if (!membership.has(Number(m.user_id))) membership.set(Number(m.user_id), m);
    const exceptions = await this.ctx.exceptionsOf(db, [...new Set([...membership.values()].map((m) => Number(m.team_id)))], ymd, ymd);
    const onLeave = new Set(leave.map((l) => Number(l.user_id)));
    const clocksOf = new Map<number, { kind: 'in' | 'out'; at: number }[]>();
    for (const c of clocks) {
      const list = clocksOf.get(Number(c.user_id)) ?? [];
      list.push({ kind: c.kind, at: Number(c.at) });
      clocksOf.set(Number(c.user_id), list);
    }
    for (const [userId, m] of membership) {
      const rota = parseRota(m.member_rota) ?? parseRota(m.team_rota);
      const shift = rota ? shiftOn(ymd, rota, exceptions.get(Number(m.team_id)) ?? [], cal, Number(m.member_id)) : null;
      const duty = onDutyNow({
        dayStart: start, shift, leave: onLeave.has(userId) ? 'approved' : null, clocks: clocksOf.get(userId) ?? [], patrolling: patrolling.has(userId), now,
      });
      if (duty) out.add(userId);
    }
    return out;
  }
}
