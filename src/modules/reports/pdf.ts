/**
 * A report as a PDF (A4), drawn with pdfkit: Chinese text in an embedded
 * (subset) CJK font, tables, and charts drawn as vector paths. The font comes
 * from the system (Debian fonts-wqy-microhei or fonts-noto-cjk) or from the
 * CIVICGRID_REPORT_FONT setting; nothing is downloaded (docs/reports.md).
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { AppError } from '../../infra/http/errors.js';
import { KIND_TITLE, reportTitle, type RankRow, type ReportContent } from './content.js';
import { FIGURE_ROWS, formatChange, formatFigure, formatRank } from './figures.js';
import { periodLabel } from './rules/periods.js';

/** Font files looked for in order, with the face to take from a collection (.ttc). */
const SYSTEM_FONTS: readonly { path: string; face?: string }[] = [
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', face: 'WenQuanYiMicroHei' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', face: 'WenQuanYiZenHei' },
];

export interface ReportFont {
  path: string;
  face?: string;
}

/** The configured font ('file.ttf', or 'file.ttc#PostScriptName' for a collection), else the first system font present. */
export function findReportFont(configured: string | undefined, exists: (path: string) => boolean = existsSync): ReportFont {
  if (configured) {
    const [path, face] = configured.split('#') as [string, string | undefined];
    if (!exists(path)) throw new AppError(500, 'REPORT_FONT_MISSING', { path });
    return face ? { path, face } : { path };
  }
  const found = SYSTEM_FONTS.find((f) => exists(f.path));
  if (!found) throw new AppError(500, 'REPORT_FONT_MISSING', { looked: SYSTEM_FONTS.map((f) => f.path) });
  return found;
}

const PAGE = { width: 595.28, height: 841.89, margin: 48 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin;
const COLORS = { text: '#1f1f1f', muted: '#8c8c8c', line: '#d9d9d9', head: '#f0f2f5', primary: '#1677ff', secondary: '#52c41a', red: '#cf1322' };

type Doc = PDFKit.PDFDocument;
type Align = 'left' | 'right' | 'center';

function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > BOTTOM) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  // Room for the heading and the start of what follows: a heading never ends a page alone.
  ensureSpace(doc, 140);
  doc.moveDown(0.6);
  const y = doc.y;
  doc.rect(PAGE.margin, y + 2, 3, 13).fill(COLORS.primary);
  doc.fillColor(COLORS.text).fontSize(13).text(text, PAGE.margin + 10, y, { width: CONTENT_WIDTH - 10 });
  doc.moveDown(0.4);
}

function table(doc: Doc, headers: string[], widths: number[], rows: string[][], opts: { align?: Align[]; color?: (row: number) => string } = {}): void {
  const rowHeight = 18;
  const scale = CONTENT_WIDTH / widths.reduce((a, b) => a + b, 0);
  const cols = widths.map((w) => w * scale);
  const drawRow = (cells: string[], y: number, fill: string | null, color: string) => {
    if (fill) doc.rect(PAGE.margin, y, CONTENT_WIDTH, rowHeight).fill(fill);
    doc.moveTo(PAGE.margin, y + rowHeight).lineTo(PAGE.margin + CONTENT_WIDTH, y + rowHeight).lineWidth(0.5).stroke(COLORS.line);
    let x = PAGE.margin;
    cells.forEach((cell, i) => {
      doc.fillColor(color).fontSize(8.5).text(cell, x + 3, y + 5, { width: cols[i]! - 6, height: rowHeight - 4, align: opts.align?.[i] ?? 'left', lineBreak: false, ellipsis: true });
      x += cols[i]!;
    });
  };
  ensureSpace(doc, rowHeight * 2);
  let y = doc.y;
  drawRow(headers, y, COLORS.head, COLORS.text);
  y += rowHeight;
  rows.forEach((cells, i) => {
    if (y + rowHeight > BOTTOM) {
      doc.addPage();
      y = doc.y;
      drawRow(headers, y, COLORS.head, COLORS.text);
      y += rowHeight;
    }
    drawRow(cells, y, null, opts.color?.(i) ?? COLORS.text);
    y += rowHeight;
  });
  if (rows.length === 0) {
    doc.fillColor(COLORS.muted).fontSize(8.5).text('（本期无数据）', PAGE.margin + 3, y + 5);
    y += rowHeight;
  }
  doc.x = PAGE.margin;
  doc.y = y + 4;
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * p >= value) ?? 10) * p;
}

/** Daily reported and closed cases as two lines. */
function lineChart(doc: Doc, points: ReportContent['trend']): void {
  const height = 150;
  ensureSpace(doc, height + 40);
  const left = PAGE.margin + 36;
  const top = doc.y + 16;
  const width = CONTENT_WIDTH - 44;
  const max = niceMax(Math.max(...points.map((p) => Math.max(p.reported, p.closed)), 0));
  doc.lineWidth(0.5);
  for (let i = 0; i <= 4; i++) {
    const y = top + height - (height * i) / 4;
    doc.moveTo(left, y).lineTo(left + width, y).stroke(COLORS.line);
    doc.fillColor(COLORS.muted).fontSize(7).text(String(Math.round((max * i) / 4)), PAGE.margin, y - 3, { width: 32, align: 'right' });
  }
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const xOf = (i: number) => left + i * step;
  const yOf = (v: number) => top + height - (v / max) * height;
  const every = Math.max(1, Math.ceil(points.length / 10));
  points.forEach((p, i) => {
    if (i % every === 0) doc.fillColor(COLORS.muted).fontSize(7).text(p.day.slice(5), xOf(i) - 15, top + height + 4, { width: 30, align: 'center' });
  });
  for (const [key, color] of [['reported', COLORS.primary], ['closed', COLORS.secondary]] as const) {
    points.forEach((p, i) => (i === 0 ? doc.moveTo(xOf(i), yOf(p[key])) : doc.lineTo(xOf(i), yOf(p[key]))));
    if (points.length > 0) doc.lineWidth(1.5).stroke(color);
    if (points.length <= 31) for (const [i, p] of points.entries()) doc.circle(xOf(i), yOf(p[key]), 1.6).fill(color);
  }
  const legendY = top - 14;
  doc.rect(left + width - 120, legendY + 3, 10, 3).fill(COLORS.primary);
  doc.fillColor(COLORS.text).fontSize(8).text('上报数', left + width - 106, legendY, { lineBreak: false });
  doc.rect(left + width - 60, legendY + 3, 10, 3).fill(COLORS.secondary);
  doc.fillColor(COLORS.text).fontSize(8).text('结案数', left + width - 46, legendY, { lineBreak: false });
  doc.lineWidth(0.5);
  doc.x = PAGE.margin;
  doc.y = top + height + 20;
}

/** One KPI of ranked units as horizontal bars, best first. */
function barChart(doc: Doc, rows: readonly RankRow[], caption: string): void {
  const shown = rows.filter((r) => r.value !== null).slice(0, 15);
  if (shown.length === 0) return;
  const barHeight = 12;
  const gap = 5;
  const height = shown.length * (barHeight + gap);
  ensureSpace(doc, height + 24);
  doc.fillColor(COLORS.muted).fontSize(8).text(caption, PAGE.margin, doc.y);
  const top = doc.y + 4;
  const labelWidth = 120;
  const left = PAGE.margin + labelWidth + 6;
  const width = CONTENT_WIDTH - labelWidth - 50;
  shown.forEach((r, i) => {
    const y = top + i * (barHeight + gap);
    doc.fillColor(COLORS.text).fontSize(8).text(r.name, PAGE.margin, y + 2, { width: labelWidth, align: 'right', lineBreak: false, ellipsis: true });
    doc.rect(left, y, Math.max(1, width * Math.min(1, r.value!)), barHeight).fill(COLORS.primary);
    doc.fillColor(COLORS.text).fontSize(8).text(formatFigure(r.value, 'rate'), left + width * Math.min(1, r.value!) + 4, y + 2, { lineBreak: false });
  });
  doc.x = PAGE.margin;
  doc.y = top + height + 6;
}

function rankRows(rows: readonly RankRow[]): string[][] {
  return rows.map((r) => [
    formatRank(r.rank, r.previousRank), r.name, formatFigure(r.counts.reported, 'count'), formatFigure(r.counts.closed, 'count'),
    formatFigure(r.kpis.onTimeCloseRate, 'rate'), formatFigure(r.kpis.closeRate, 'rate'), formatFigure(r.kpis.overdueRate, 'rate'),
    formatFigure(r.kpis.averageHandlingHours, 'hours'),
  ]);
}
const RANK_HEADERS = ['排名（较上期）', '', '上报', '结案', '按期结案率', '结案率', '超期率', '平均处置(小时)'];
const RANK_WIDTHS = [70, 120, 45, 45, 60, 55, 55, 65];
const RANK_ALIGN: Align[] = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'];

/** One paragraph that reads the key figures as a 通报 opens: volumes, rates and the change. */
function summary(c: ReportContent): string {
  const n = c.figures.now;
  const b = c.figures.before;
  const rate = (v: number | null) => formatFigure(v, 'rate');
  const parts = [
    `本期共上报案件 ${formatFigure(n.counts.reported, 'count')} 件（上期 ${formatFigure(b.counts.reported, 'count')} 件），立案 ${formatFigure(n.counts.registered, 'count')} 件，结案 ${formatFigure(n.counts.closed, 'count')} 件`,
    `结案率 ${rate(n.kpis.closeRate)}，按期结案率 ${rate(n.kpis.onTimeCloseRate)}（${formatChange(n.kpis.onTimeCloseRate, b.kpis.onTimeCloseRate, 'rate')}），超期率 ${rate(n.kpis.overdueRate)}`,
    `目前仍有超期（红灯）案件 ${c.overdue.total} 件，请相关部门抓紧处置`,
  ];
  const best = c.departments.find((d) => d.rank === 1);
  if (best) parts.push(`部门按期结案率排名第一的是${best.name}（${rate(best.value)}）`);
  return `${parts.join('；')}。`;
}

export function reportPdf(c: ReportContent, font: ReportFont): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: PAGE.margin, bufferPages: true, info: { Title: reportTitle(c), Creator: 'CivicGrid' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (b: Buffer) => chunks.push(b));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  if (font.face) doc.registerFont('cjk', font.path, font.face);
  else doc.registerFont('cjk', font.path);
  doc.font('cjk');

  doc.fillColor(COLORS.red).fontSize(22).text(`${c.scope.name}${KIND_TITLE[c.kind]}`, { align: 'center' });
  doc.moveDown(0.3);
  doc.fillColor(COLORS.text).fontSize(12).text(periodLabel(c.kind, c.period), { align: 'center' });
  doc.fillColor(COLORS.muted).fontSize(8.5)
    .text(`统计周期 ${c.period.from} 至 ${c.period.to}  上期 ${c.previous.from} 至 ${c.previous.to}  生成于 ${new Date(c.generatedAt + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')}（北京时间）`, { align: 'center' });
  const ruleY = doc.y + 6;
  doc.moveTo(PAGE.margin, ruleY).lineTo(PAGE.margin + CONTENT_WIDTH, ruleY).lineWidth(1.5).stroke(COLORS.red);
  doc.y = ruleY + 10;
  doc.fillColor(COLORS.text).fontSize(10).text(summary(c), PAGE.margin, doc.y, { width: CONTENT_WIDTH, lineGap: 3 });

  heading(doc, '一、关键指标');
  table(doc, ['指标', '本期', '上期', '较上期'], [160, 100, 100, 120],
    FIGURE_ROWS.map((f) => {
      const now = f.value(c.figures.now);
      const before = f.value(c.figures.before);
      return [f.label, formatFigure(now, f.format), formatFigure(before, f.format), formatChange(now, before, f.format)];
    }), { align: ['left', 'right', 'right', 'right'] });

  heading(doc, '二、案件趋势（按上报日）');
  lineChart(doc, c.trend);

  heading(doc, '三、部门排名（按期结案率）');
  barChart(doc, c.departments, '各部门按期结案率');
  table(doc, RANK_HEADERS.map((h, i) => (i === 1 ? '部门' : h)), RANK_WIDTHS, rankRows(c.departments), { align: RANK_ALIGN });

  const areaName = c.areas.level === 'street' ? '街道' : '社区';
  heading(doc, `四、${areaName}排名（按期结案率）`);
  barChart(doc, c.areas.rows, `各${areaName}按期结案率`);
  table(doc, RANK_HEADERS.map((h, i) => (i === 1 ? areaName : h)), RANK_WIDTHS, rankRows(c.areas.rows), { align: RANK_ALIGN });

  heading(doc, '五、高发问题分类（前十）');
  table(doc, ['序号', '大类', '上报', '上期上报', '结案', '结案率'], [40, 180, 60, 70, 60, 70],
    c.categories.map((x, i) => [String(i + 1), x.name, formatFigure(x.reported, 'count'), formatFigure(x.previousReported, 'count'), formatFigure(x.closed, 'count'), formatFigure(x.closeRate, 'rate')]),
    { align: ['left', 'left', 'right', 'right', 'right', 'right'] });

  heading(doc, `六、超期案件（红灯，共 ${c.overdue.total} 件，列出超期最久的 ${c.overdue.rows.length} 件）`);
  table(doc, ['案件编号', '分类', '社区', '主办部门', '超期天数'], [110, 120, 110, 110, 50],
    c.overdue.rows.map((x) => [x.code, x.category, x.area, x.department, String(x.daysLate)]),
    { align: ['left', 'left', 'left', 'left', 'right'], color: () => COLORS.red });

  if (c.hotSpots) {
    const p = c.hotSpots.params;
    heading(doc, `七、高发点位（同一小类 ${p.days} 天内 ${p.radiusM} 米内不少于 ${p.minCases} 件，共 ${c.hotSpots.total} 处）`);
    table(doc, ['小类', '街道 社区', '地址', '案件数', '未办结'], [110, 120, 150, 50, 50],
      c.hotSpots.rows.map((x) => [x.category, x.area, x.address, String(x.count), String(x.open)]),
      { align: ['left', 'left', 'left', 'right', 'right'] });
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin, where pdfkit would otherwise start a new page.
    doc.page.margins.bottom = 0;
    doc.fillColor(COLORS.muted).fontSize(8).text(`${reportTitle(c)}  第 ${i + 1} 页 / 共 ${range.count} 页`, PAGE.margin, PAGE.height - 32, { width: CONTENT_WIDTH, align: 'center', lineBreak: false });
  }
  doc.end();
  return done;
}
