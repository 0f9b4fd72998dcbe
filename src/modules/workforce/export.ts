/**
 * The month's attendance as an XLSX workbook with Chinese headers and names:
 * totals per worker, per community and per street, and every worker-day.
 */
import ExcelJS from 'exceljs';
import type { GroupTotals, MonthReport, WorkerDays } from './attendance.js';
import type { AttendanceTotals, DayStatus } from './rules/attendance.js';

export const STATUS_ZH: Record<DayStatus, string> = {
  on_time: '正常', late: '迟到', early_leave: '早退', absent: '缺勤', leave: '请假', rest: '休息', pending: '未到下班', upcoming: '未到',
};

const TOTAL_HEADERS = ['应出勤天数', '正常天数', '迟到天数', '早退天数', '缺勤天数', '请假天数', '未结天数', '漏签退天数', '迟到分钟', '巡查次数', '巡查时长（小时）', '巡查里程（公里）', '上报案件', '出勤率'];

function totalCells(t: AttendanceTotals): (string | number)[] {
  return [
    t.rosteredDays, t.onTimeDays, t.lateDays, t.earlyLeaveDays, t.absentDays, t.leaveDays, t.pendingDays, t.missingOutDays, t.lateMinutes,
    t.patrolCount, Math.round((t.patrolSeconds / 3600) * 10) / 10, Math.round(t.distanceM / 100) / 10, t.casesReported,
    t.attendanceRate === null ? '' : `${(t.attendanceRate * 100).toFixed(1)}%`,
  ];
}

/** An instant as Asia/Shanghai wall-clock 'HH:mm'. */
function clockTime(iso: string | null): string {
  return iso ? new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(11, 16) : '';
}

function sheet(wb: ExcelJS.Workbook, name: string, headers: string[], rows: (string | number)[][], widths: number[]): void {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.addRow(headers).font = { bold: true };
  for (const r of rows) ws.addRow(r);
  ws.columns.forEach((c, i) => {
    c.width = widths[i] ?? 12;
  });
}

export async function attendanceWorkbook(report: MonthReport & { detail: WorkerDays[] }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'CivicGrid';
  const wide = [14, 16, 20, 12, 12];
  sheet(wb, '人员汇总', ['街道', '社区', '队伍', '姓名', '角色', ...TOTAL_HEADERS],
    report.workers.map((w) => [w.worker.streetName, w.worker.communityName, w.worker.teamName, w.worker.displayName, w.worker.roleName, ...totalCells(w.totals)]), wide);
  const group = (g: GroupTotals) => [g.name, g.workers, ...totalCells(g.totals)];
  sheet(wb, '社区汇总', ['社区', '人数', ...TOTAL_HEADERS], report.communities.map(group), [16, 8]);
  sheet(wb, '街道汇总', ['街道', '人数', ...TOTAL_HEADERS], report.streets.map(group), [16, 8]);
  const days: (string | number)[][] = [];
  for (const w of report.detail) {
    for (const d of w.days) {
      days.push([
        d.date, w.worker.streetName, w.worker.communityName, w.worker.displayName, d.shift ? `${d.shift.start}–${d.shift.end}` : '休息',
        STATUS_ZH[d.status], clockTime(d.firstIn), clockTime(d.lastOut), d.lateMinutes, d.earlyLeaveMinutes, d.missingOut ? '是' : '',
        d.leave === 'approved' ? '已批准' : d.leave === 'pending' ? '待审批' : '', Math.round((d.patrolSeconds / 3600) * 10) / 10,
        Math.round(d.distanceM / 100) / 10, d.casesReported,
      ]);
    }
  }
  sheet(wb, '每日明细', ['日期', '街道', '社区', '姓名', '班次', '状态', '签到', '签退', '迟到分钟', '早退分钟', '漏签退', '请假', '巡查时长（小时）', '巡查里程（公里）', '上报案件'], days, [12, 14, 16, 12, 14, 10]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** `考勤-2026-05-导出20260612.xlsx` (the local date of the export), with an ASCII fallback for old clients. */
export function attendanceFileName(month: string, now: number): { ascii: string; utf8: string } {
  const stamp = new Date(now + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  return { ascii: `attendance-${month}-${stamp}.xlsx`, utf8: `考勤-${month}-导出${stamp}.xlsx` };
}
