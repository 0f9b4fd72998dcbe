import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, scopeOf, userWith } from '../incidents/support.js';

interface Order {
  id: number;
  helpPhotos: string[];
  orderNo: string;
  receivedAt: string;
  callerName: string | null;
  callerPhone: string | null;
  content: string;
  state: string;
  grid: { code: string } | null;
  worker: { userId: number } | null;
  verdict: string | null;
  version: number;
}

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Unsatisfied hotline orders: import (JSON and XLSX), assignment, the revisit, scope, and the figures. */
describe.each(DIALECTS)('hotline revisits on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let worker: string;
  let street: string;
  let streetB: string;
  let workerUnit: string;
  let otherUnit: string;
  let foreignUnit: string;
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  const received = '2026-11-03 09:30';

  const item = (orderNo: string, unit: string | null, extra: Record<string, unknown> = {}) => ({
    orderNo, receivedAt: received, callerName: '张三丰', callerPhone: '13812345678', address: '某路 1 号',
    ...(unit ? grids.pointIn(unit) : {}), content: '楼下饭店油烟太大', originalVerdict: '不满意', ...extra,
  });
  const byNo = async (orderNo: string) => {
    const row = await t.platform.db.primary.selectFrom('hotline_revisits').select('id').where('order_no', '=', orderNo).executeTakeFirstOrThrow();
    const res = await t.request({ url: `/api/hotline/revisits/${row.id}`, cookie: admin });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Order>();
  };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    worker = await t.login('worker');
    street = await t.login('street');
    grids = await gridHelper(t);
    workerUnit = await scopeOf(t, 'worker');
    const streetA = workerUnit.slice(0, 9);
    otherUnit = grids.units.find((u) => u.startsWith(streetA) && u !== workerUnit)!;
    const other = grids.streets.find((s) => s !== streetA)!;
    foreignUnit = grids.units.find((u) => u.startsWith(other))!;
    streetB = await userWith(t, 'hotline_street_b', 'street_operator', other);
  });
  afterAll(async () => t?.close());

  it('imports by API: locates, assigns to the grid worker, keeps unplaceable orders unassigned, masks the caller', async () => {
    const res = await t.request({
      method: 'POST', url: '/api/hotline/revisits', cookie: admin,
      body: { orders: [item('GD001', workerUnit), item('GD002', otherUnit), item('GD003', null), item('GD004', foreignUnit)] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: 4, updated: 0, assigned: 1, unassigned: 3, problems: [] });
    const a = await byNo('GD001');
    const workerId = await t.platform.accounts.findUserId('worker');
    expect(a).toMatchObject({ state: 'assigned', grid: { code: workerUnit }, worker: { userId: workerId }, callerName: '张**', callerPhone: '138****5678', receivedAt: '2026-11-03T01:30:00.000Z' });
    // A grid without a worker, and no position at all: both wait in the unassigned list.
    expect(await byNo('GD002')).toMatchObject({ state: 'unassigned', grid: { code: otherUnit }, worker: null });
    expect(await byNo('GD003')).toMatchObject({ state: 'unassigned', grid: null, worker: null });
    const unassigned = (await t.request({ url: '/api/hotline/revisits?state=unassigned', cookie: admin })).json<{ items: Order[] }>().items.map((o) => o.orderNo).sort();
    expect(unassigned).toEqual(['GD002', 'GD003', 'GD004']);
    // Personal data is stored encrypted.
    const stored = await t.platform.db.primary.selectFrom('hotline_revisits').select(['caller_name', 'caller_phone']).where('order_no', '=', 'GD001').executeTakeFirstOrThrow();
    expect(stored.caller_phone).not.toContain('13812345678');
    expect(stored.caller_name).not.toContain('张三丰');
  });

  it('updates on re-import instead of duplicating', async () => {
    const res = await t.request({ method: 'POST', url: '/api/hotline/revisits', cookie: admin, body: { orders: [item('GD001', workerUnit, { content: '油烟还是很大，已经第二次反映' })] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: 0, updated: 1, assigned: 1 });
    const count = await t.platform.db.primary.selectFrom('hotline_revisits').select((eb) => eb.fn.countAll().as('n')).where('order_no', '=', 'GD001').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    expect((await byNo('GD001')).content).toBe('油烟还是很大，已经第二次反映');
  });

  it('refuses bad rows with their row, field and code and writes nothing; partial=true writes the good ones', async () => {
    const orders = [item('GD010', workerUnit), item('GD011', workerUnit, { receivedAt: 'yesterday', callerPhone: '12345' }), item('GD010', workerUnit)];
    const res = await t.request({ method: 'POST', url: '/api/hotline/revisits', cookie: admin, body: { orders }, headers: { 'accept-language': 'en' } });
    expect(res.statusCode).toBe(422);
    const body = res.json<{ code: string; details: { problems: { row: number; field: string; code: string; message: string }[] } }>();
    expect(body.code).toBe('HOTLINE_IMPORT_INVALID');
    expect(body.details.problems.map((p) => [p.row, p.field, p.code])).toEqual([
      [2, 'receivedAt', 'HOTLINE_RECEIVED_INVALID'],
      [2, 'callerPhone', 'PHONE_INVALID'],
      [3, 'orderNo', 'HOTLINE_ORDER_NO_REPEATED'],
    ]);
    expect(body.details.problems[0]!.message).toMatch(/received time/);
    expect(await t.platform.db.primary.selectFrom('hotline_revisits').select('id').where('order_no', 'in', ['GD010', 'GD011']).execute()).toHaveLength(0);
    const partial = await t.request({ method: 'POST', url: '/api/hotline/revisits?partial=true', cookie: admin, body: { orders } });
    expect(partial.statusCode, partial.body).toBe(200);
    expect(partial.json()).toMatchObject({ created: 1, updated: 0 });
    expect(partial.json<{ problems: unknown[] }>().problems).toHaveLength(3);
  });

  it('imports an XLSX with Chinese headers, reading times as Asia/Shanghai; a missing column is a clear error', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('不满意工单');
    ws.addRow(['工单编号', '受理时间', '来电人', '联系电话', '地址', '经度', '纬度', '诉求内容', '原评价']);
    const p = grids.pointIn(workerUnit);
    ws.addRow(['GD020', new Date(Date.UTC(2026, 10, 5, 14, 0)), '李四', '139 0000 1111', '某街 5 号', p.lng, p.lat, '路灯一直不亮', '不满意']);
    ws.addRow(['GD001', '2026-11-03 09:30', '张三丰', '13812345678', '某路 1 号', p.lng, p.lat, '油烟还是很大，已经第二次反映', '不满意']);
    const res = await t.request({ method: 'POST', url: '/api/hotline/revisits/import', cookie: admin, body: Buffer.from(await wb.xlsx.writeBuffer()), headers: { 'content-type': XLSX_MIME } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: 1, updated: 1, problems: [] });
    expect((await byNo('GD020')).receivedAt).toBe('2026-11-05T06:00:00.000Z');

    const bad = new ExcelJS.Workbook();
    bad.addWorksheet('x').addRow(['工单编号', '地址']);
    const refused = await t.request({ method: 'POST', url: '/api/hotline/revisits/import', cookie: admin, body: Buffer.from(await bad.xlsx.writeBuffer()), headers: { 'content-type': XLSX_MIME } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'HOTLINE_XLSX_COLUMNS' });
    const junk = await t.request({ method: 'POST', url: '/api/hotline/revisits/import', cookie: admin, body: Buffer.from('not a workbook'), headers: { 'content-type': XLSX_MIME } });
    expect(junk.json()).toMatchObject({ code: 'HOTLINE_XLSX_UNREADABLE' });
  });

  it('keeps streets apart: another street gets 404, a street imports only its own orders', async () => {
    const a = await byNo('GD001');
    expect((await t.request({ url: `/api/hotline/revisits/${a.id}`, cookie: streetB })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/hotline/revisits/${a.id}`, cookie: street })).statusCode).toBe(200);
    for (const action of ['help', 'answer']) {
      const res = await t.request({ method: 'POST', url: `/api/hotline/revisits/${a.id}/${action}`, cookie: streetB, body: { note: 'x', verdict: 'satisfied', version: a.version } });
      expect(res.statusCode, action).toBe(404);
    }
    const assign = await t.request({ method: 'POST', url: `/api/hotline/revisits/${a.id}/assign`, cookie: streetB, body: { gridCode: foreignUnit, version: a.version } });
    expect(assign.statusCode).toBe(404);
    const c = await byNo('GD003');
    expect((await t.request({ method: 'POST', url: `/api/hotline/revisits/${c.id}/assign`, cookie: street, body: { gridCode: workerUnit, version: c.version } })).statusCode).toBe(404);
    const list = (await t.request({ url: '/api/hotline/revisits', cookie: streetB })).json<{ items: Order[] }>().items.map((o) => o.orderNo);
    expect(list).toEqual(['GD004']);
    const foreign = await t.request({ method: 'POST', url: '/api/hotline/revisits', cookie: streetB, body: { orders: [item('GD030', workerUnit)] } });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json<{ details: { problems: { code: string }[] } }>().details.problems[0]!.code).toBe('HOTLINE_ORDER_OUT_OF_SCOPE');
  });

  it('lets the centre assign an unplaced order by hand to a grid with a worker', async () => {
    const c = await byNo('GD003');
    const noWorker = await t.request({ method: 'POST', url: `/api/hotline/revisits/${c.id}/assign`, cookie: admin, body: { gridCode: otherUnit, version: c.version } });
    expect(noWorker.statusCode).toBe(422);
    expect(noWorker.json()).toMatchObject({ code: 'HOTLINE_GRID_NO_WORKER' });
    const res = await t.request({ method: 'POST', url: `/api/hotline/revisits/${c.id}/assign`, cookie: admin, body: { gridCode: workerUnit, version: c.version } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'assigned', grid: { code: workerUnit } });
    const stale = await t.request({ method: 'POST', url: `/api/hotline/revisits/${c.id}/assign`, cookie: admin, body: { gridCode: workerUnit, version: c.version } });
    expect(stale.statusCode).toBe(409);
  });

  it('lets the worker help, answer and record the new verdict from the phone, in order', async () => {
    const mine = (await t.request({ url: '/api/hotline/revisits/mine', cookie: worker })).json<{ items: Order[] }>().items.map((o) => o.orderNo).sort();
    expect(mine).toEqual(['GD001', 'GD003', 'GD010', 'GD020']);
    const b = await byNo('GD002');
    expect((await t.request({ url: `/api/hotline/revisits/${b.id}`, cookie: worker })).statusCode).toBe(404);
    for (const no of ['GD001', 'GD003', 'GD010']) {
      let o = await byNo(no);
      const early = await t.request({ method: 'POST', url: `/api/hotline/revisits/${o.id}/answer`, cookie: worker, body: { note: '已回访', verdict: 'satisfied', version: o.version } });
      expect(early.json()).toMatchObject({ code: 'HOTLINE_HELP_FIRST' });
      const photo = await t.request({ method: 'POST', url: `/api/hotline/revisits/${o.id}/help`, cookie: worker, body: { note: '上门协调', photos: ['a'.repeat(64)], version: o.version } });
      expect(photo.json()).toMatchObject({ code: 'HOTLINE_PHOTO_UNKNOWN' });
      const helped = await t.request({ method: 'POST', url: `/api/hotline/revisits/${o.id}/help`, cookie: worker, body: { note: '上门协调饭店加装净化器', version: o.version } });
      expect(helped.statusCode, helped.body).toBe(200);
      o = helped.json<Order>();
      expect(o.state).toBe('helped');
      if (no === 'GD010') {
        // Photos the worker uploaded are kept; a note alone (as the console sends it) keeps them too.
        const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } }).png().toBuffer();
        const up = await t.request({ method: 'POST', url: '/api/files', cookie: worker, body: png, headers: { 'content-type': 'image/png' } });
        expect(up.statusCode, up.body).toBeLessThan(300);
        const hash = up.json<{ hash: string }>().hash;
        const withPhoto = await t.request({ method: 'POST', url: `/api/hotline/revisits/${o.id}/help`, cookie: worker, body: { note: '补拍现场照片', photos: [hash], version: o.version } });
        expect(withPhoto.json()).toMatchObject({ helpPhotos: [hash] });
        const noteOnly = await t.request({ method: 'POST', url: `/api/hotline/revisits/${o.id}/help`, cookie: admin, body: { note: '中心补充说明', version: withPhoto.json<Order>().version } });
        expect(noteOnly.statusCode, noteOnly.body).toBe(200);
        expect(noteOnly.json()).toMatchObject({ helpPhotos: [hash] });
        // The photo is served to those who may see the order, and not to another street (404).
        expect((await t.request({ url: `/api/files/${hash}`, cookie: street })).statusCode).toBe(200);
        expect((await t.request({ url: `/api/files/${hash}`, cookie: streetB })).statusCode).toBe(404);
        continue;
      }
      const answered = await t.request({ method: 'POST', url: `/api/hotline/revisits/${o.id}/answer`, cookie: worker, body: { note: '电话回访', verdict: no === 'GD001' ? 'satisfied' : 'unsatisfied', version: o.version } });
      expect(answered.statusCode, answered.body).toBe(200);
      expect(answered.json()).toMatchObject({ state: 'answered', verdict: no === 'GD001' ? 'satisfied' : 'unsatisfied' });
    }
  });

  it('counts 助力件数 / 已反馈 / 重新满意 / 满意率 per street, as an independent count of the rows gives them', async () => {
    const res = await t.request({ url: '/api/hotline/revisits/figures?from=2026-11-01&to=2026-11-30', cookie: admin });
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json<{ streets: { code: string; helped: number; answered: number; satisfiedAgain: number; ratePercent: number | null }[]; unlocated: { orders: number }; total: { orders: number; helped: number; answered: number; satisfiedAgain: number; ratePercent: number | null } }>();
    // Independently: straight from the table.
    const rows = await t.platform.db.primary.selectFrom('hotline_revisits').select(['grid_code', 'helped_at', 'answered_at', 'verdict']).execute();
    const helped = rows.filter((r) => r.helped_at != null).length;
    const answered = rows.filter((r) => r.answered_at != null).length;
    const satisfied = rows.filter((r) => r.answered_at != null && r.verdict === 'satisfied').length;
    expect([helped, answered, satisfied]).toEqual([3, 2, 1]);
    expect(f.total).toMatchObject({ orders: rows.length, helped, answered, satisfiedAgain: satisfied, ratePercent: 50 });
    const streetA = f.streets.find((s) => s.code === workerUnit.slice(0, 9))!;
    expect(streetA).toMatchObject({ helped: 3, answered: 2, satisfiedAgain: 1, ratePercent: 50 });
    expect(f.unlocated.orders).toBe(0);
    // A street sees its own street only; a period with no orders has no rate.
    const b = (await t.request({ url: '/api/hotline/revisits/figures', cookie: streetB })).json<typeof f>();
    expect(b.streets.map((s) => s.code)).toEqual([foreignUnit.slice(0, 9)]);
    expect(b.unlocated).toBeNull();
    expect(b.total).toMatchObject({ orders: 1, helped: 0, answered: 0, ratePercent: null });
    const empty = (await t.request({ url: '/api/hotline/revisits/figures?from=2025-01-01&to=2025-01-31', cookie: admin })).json<typeof f>();
    expect(empty.total).toMatchObject({ orders: 0, ratePercent: null });
  });
});
