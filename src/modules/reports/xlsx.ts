/** A report as an XLSX workbook: one sheet per part, Chinese headers, names not codes; rates as numbers formatted as percentages. */
import ExcelJS from 'exceljs';
import { KIND_TITLE, reportTitle, type RankRow, type ReportContent } from './content.js';
import { FIGURE_ROWS } from './figures.js';
import { periodLabel } from './rules/periods.js';

const PERCENT = '0.0%';
const HOURS = '0.0';

function header(ws: ExcelJS.Worksheet, headers: string[], widths: number[]): void {
  const row = ws.addRow(headers);
  row.font = { bold: true };
  row.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF0F2F5' } };
  headers.forEach((_, i) => {
    ws.getColumn(i + 1).width = widths[i] ?? 12;
  });
}

function rankSheet(wb: ExcelJS.Workbook, name: string, unit: string, rows: readonly RankRow[]): void {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  header(ws, ['排名', unit, '上期排名', '上报数', '结案数', '按期结案数', '超期数', '结案率', '按期结案率', '超期率', '返工率', '退回率', '平均处置时长（工作小时）'],
    [8, 24, 10, 10, 10, 12, 10, 10, 12, 10, 10, 10, 14]);
  for (const r of rows) {
    const row = ws.addRow([
      r.rank ?? '', r.name, r.previousRank ?? '', r.counts.reported, r.counts.closed, r.counts.closed_on_time, r.counts.overdue,
      r.kpis.closeRate, r.kpis.onTimeCloseRate, r.kpis.overdueRate, r.kpis.reworkRate, r.kpis.returnRate, r.kpis.averageHandlingHours,
    ]);
    for (let c = 8; c <= 12; c++) row.getCell(c).numFmt = PERCENT;
    row.getCell(13).numFmt = HOURS;
  }
}

export async function reportWorkbook(c: ReportContent): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'CivicGrid';
  wb.title = reportTitle(c);
  wb.created = new Date(c.generatedAt);

  const key = wb.addWorksheet('关键指标');
  key.addRow([reportTitle(c)]).font = { bold: true, size: 14 };
  key.addRow([`统计周期：${c.period.from} 至 ${c.period.to}；上期：${periodLabel(c.kind, c.previous)}（${c.previous.from} 至 ${c.previous.to}）`]);
  key.addRow([`报表类型：${KIND_TITLE[c.kind]}；生成时间：${new Date(c.generatedAt + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')}（北京时间）`]);
  key.addRow([]);
  header(key, ['指标', '本期', '上期', '变化'], [28, 14, 14, 14]);
  for (const f of FIGURE_ROWS) {
    const now = f.value(c.figures.now);
    const before = f.value(c.figures.before);
    const row = key.addRow([f.label, now, before, now !== null && before !== null ? now - before : null]);
    const fmt = f.format === 'rate' ? PERCENT : f.format === 'hours' ? HOURS : '#,##0';
    for (let i = 2; i <= 4; i++) row.getCell(i).numFmt = fmt;
  }

  rankSheet(wb, '部门排名', '部门', c.departments);
  rankSheet(wb, c.areas.level === 'street' ? '街道排名' : '社区排名', c.areas.level === 'street' ? '街道' : '社区', c.areas.rows);

  const cat = wb.addWorksheet('分类排行', { views: [{ state: 'frozen', ySplit: 1 }] });
  header(cat, ['序号', '大类', '上报数', '上期上报数', '环比', '结案数', '结案率'], [8, 24, 10, 12, 10, 10, 10]);
  c.categories.forEach((x, i) => {
    const row = cat.addRow([i + 1, x.name, x.reported, x.previousReported, x.previousReported > 0 ? x.reported / x.previousReported - 1 : null, x.closed, x.closeRate]);
    row.getCell(5).numFmt = PERCENT;
    row.getCell(7).numFmt = PERCENT;
  });

  const late = wb.addWorksheet('超期案件', { views: [{ state: 'frozen', ySplit: 1 }] });
  header(late, ['序号', '案件编号', '分类', '社区', '主办部门', '处置时限', '超期天数', '地址'], [8, 20, 20, 18, 20, 18, 10, 40]);
  c.overdue.rows.forEach((x, i) => {
    const row = late.addRow([i + 1, x.code, x.category, x.area, x.department, new Date(x.dueAt + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' '), x.daysLate, x.address]);
    row.font = { color: { argb: 'FFCF1322' } };
  });
  late.addRow([]);
  late.addRow([`当前超期（红灯）案件共 ${c.overdue.total} 件，列出超期最久的 ${c.overdue.rows.length} 件`]);

  if (c.hotSpots) {
    const hot = wb.addWorksheet('高发点位', { views: [{ state: 'frozen', ySplit: 1 }] });
    header(hot, ['序号', '小类', '街道 社区', '地址', '案件数', '未办结', '首次上报', '最近上报', '案件编号'], [8, 20, 24, 36, 10, 10, 18, 18, 60]);
    const local = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    c.hotSpots.rows.forEach((x, i) => hot.addRow([i + 1, x.category, x.area, x.address, x.count, x.open, local(x.firstAt), local(x.lastAt), x.codes.join('、')]));
    hot.addRow([]);
    const p = c.hotSpots.params;
    hot.addRow([`本周高发点位（同一小类 ${p.days} 天内在 ${p.radiusM} 米范围内不少于 ${p.minCases} 件）共 ${c.hotSpots.total} 处，列出 ${c.hotSpots.rows.length} 处`]);
  }

  const trend = wb.addWorksheet('每日趋势', { views: [{ state: 'frozen', ySplit: 1 }] });
  header(trend, ['日期', '上报数', '结案数'], [12, 10, 10]);
  for (const p of c.trend) trend.addRow([p.day, p.reported, p.closed]);

  return Buffer.from(await wb.xlsx.writeBuffer());
}
