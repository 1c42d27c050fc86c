// The minutes of a review meeting as files: every table as CSV, all of them as one XLSX
// workbook (exceljs), and a PDF with the indicators, rankings, cases and notes (pdfkit, with a
// CJK font, so Chinese text renders). Built from the same queries the review screen uses.
import ExcelJS from 'exceljs';
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { DAY } from '../../shared/domain.js';
import { dateWindow, previousWindow, reviewCutoff, weekWindow, type Indicators, type Window } from '../../shared/kpi.js';
import type { ReviewState } from '../../shared/contract.js';
import type { Note } from '../../shared/protocol.js';
import { clockText, dateText } from '../../shared/time.js';
import type { Queries } from './queries.js';

export type Table = { name: string; title: string; columns: string[]; rows: (string | number)[][] };
export type ExportFile = { fileName: string; mime: string; base64: string };

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

const shanghai = (t: number | null) => (t === null ? '' : `${dateText(t)} ${clockText(t, false)}`);
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const yuan = (fen: number) => Math.round(fen) / 100;

/** The CJK fonts tried for the PDF, in order; a display can name its own. */
const CJK_FONTS: [string, string][] = [
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['C:\\Windows\\Fonts\\msyh.ttc', 'MicrosoftYaHei'],
  ['/System/Library/Fonts/PingFang.ttc', 'PingFangSC-Regular'],
];

/** `state`: where the review stands (frozen, provisional, not verifiable), said in the minutes. */
export type ReviewRequest = { date: string; week?: boolean; unitId?: string; now: number; state?: ReviewState };

/** The meeting's tables, as of its cut-off. */
export function reviewTables(q: Queries, req: ReviewRequest): { window: Window; asOf: number; unitId: string; unitName: string; tables: Table[] } {
  const day = dateWindow(req.date);
  const w = req.week ? weekWindow(day.start) : day;
  const asOf = reviewCutoff(w, req.now);
  const unitId = req.unitId ?? q.rootId()!;
  const unit = q.tree.byId.get(unitId);
  if (!unit) throw new ExportError(`unknown unit ${unitId}`);
  const now = q.indicators(unitId, w, asOf);
  const before = q.indicators(unitId, previousWindow(w), asOf);
  const ind = (k: Indicators) => [
    ['见面劝阻率', pct(k.faceToFace.value), `${k.faceToFace.num}/${k.faceToFace.den}`],
    ['预后被骗率', pct(k.victimisation.value), `${k.victimisation.num}/${k.victimisation.den}`],
    ['超期反馈率', pct(k.overdue.value), `${k.overdue.num}/${k.overdue.den}`],
    ['被骗人数', k.peopleDefrauded, ''],
    ['被骗金额（元）', yuan(k.amountDefrauded), ''],
    ['平均见面用时（分钟）', k.timeToMeet.meanMs === null ? '—' : Math.round(k.timeToMeet.meanMs / 60_000), `n=${k.timeToMeet.n}`],
    ['30分钟止付率', pct(k.stopPayment30.value), `${k.stopPayment30.num}/${k.stopPayment30.den}`],
    ['避免转账金额（元）', yuan(k.amountKept), ''],
  ];
  const prev = ind(before);
  const tables: Table[] = [
    { name: 'indicators', title: '核心指标', columns: ['指标', '本期', '分子/分母', '前期', '前期分子/分母'], rows: ind(now).map((r, i) => [...r, prev[i]![1]!, prev[i]![2]!] as (string | number)[]) },
  ];
  const within = unit.level === 'city' ? unit.id : (q.tree.ancestorAt(unit.id, 'city')?.id ?? unit.id);
  const lastDay = req.week ? { start: w.end - DAY, end: w.end } : w;
  for (const [name, title, kind, level, win] of [
    ['daily-branch', '每日进度排名（分局）', 'daily', 'branch', lastDay],
    ['daily-station', '每日进度排名（派出所）', 'daily', 'station', lastDay],
    ['weekly-branch', '每周成效评估（分局）', 'weekly', 'branch', weekWindow(day.start)],
    ['weekly-station', '每周成效评估（派出所）', 'weekly', 'station', weekWindow(day.start)],
  ] as const) {
    const rows = q.ranking(kind, level, level === 'station' && unit.level === 'branch' ? unit.id : within, asOf, win);
    tables.push({
      name,
      title,
      columns: ['名次', '变化', '单位', '预警数', '见面劝阻率', '见面', '超期反馈率', '预后被骗率', '被骗金额（元）'],
      rows: rows.map((r) => [r.rank ?? '量少', r.change ?? '', r.name, r.indicators.leads, pct(r.indicators.faceToFace.value), `${r.indicators.faceToFace.num}/${r.indicators.faceToFace.den}`, pct(r.indicators.overdue.value), pct(r.indicators.victimisation.value), yuan(r.indicators.amountDefrauded)]),
    });
  }
  const leadCols = ['预警编号', '单位', '人员', '类型', '下发', '见面', '反馈时限', '反馈', '结果', '被骗金额（元）'];
  const leadRow = (l: ReturnType<Queries['reviewLeads']>[number]) => [l.id, l.stationName ?? l.unitName, l.personName, l.fraudType, shanghai(l.issuedAt), shanghai(l.metAt), shanghai(l.feedbackDueAt), shanghai(l.feedbackAt), l.outcome ?? '', yuan(l.lossAmount)];
  tables.push({ name: 'overdue', title: '超期反馈', columns: leadCols, rows: q.reviewLeads(unitId, w, asOf, 'overdue', 5000).map(leadRow) });
  const cases = q.reviewLeads(unitId, w, asOf, 'victimised', 5000);
  tables.push({ name: 'cases', title: '预后被骗复盘', columns: leadCols, rows: cases.map(leadRow) });
  tables.push({
    name: 'stops',
    title: '紧急止付',
    columns: ['预警编号', '单位', '银行', '账户', '金额（元）', '申请', '冻结', '状态', '30分钟内'],
    rows: q.stopRecord(unitId, w, asOf).map((s) => [s.leadId, s.unitName, s.bank, s.accountMasked, yuan(s.amount), shanghai(s.requestedAt), shanghai(s.frozenAt), s.status, s.within30 === null ? '' : s.within30 ? '是' : '否']),
  });
  const notes = q.notes().filter((n: Note) => n.createdAt >= w.start && n.createdAt < w.end + 30 * DAY && (n.unitId === undefined || q.tree.subtree(unitId).has(n.unitId)));
  tables.push({ name: 'notes', title: '会议记录', columns: ['时间', '类型', '对象', '记录人', '内容'], rows: notes.map((n) => [shanghai(n.createdAt), n.kind, n.leadId ?? n.unitId ?? '', n.author, n.body]) });
  return { window: w, asOf, unitId, unitName: unit.name, tables };
}

function csvCell(v: string | number): string {
  const s = String(v);
  // Formula injection guard for spreadsheet apps, then RFC 4180 quoting.
  const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(t: Table): string {
  return '\uFEFF' + [t.columns, ...t.rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export async function toXlsx(tables: Table[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Guardpost';
  for (const t of tables) {
    const ws = wb.addWorksheet(t.title.slice(0, 31));
    ws.addRow(t.columns).font = { bold: true };
    for (const r of t.rows) ws.addRow(r);
    ws.columns.forEach((c) => (c.width = 16));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * pdfkit's line breaking is quadratic in the length of a run it cannot break: one 20,000-character
 * word (a note the protocol allows) took minutes, holding the core's event loop and so every
 * wall it serves. A zero-width space every 32 characters of such a run gives it a break.
 */
export function pdfText(s: string): string {
  return s.replace(/\S{32}(?=\S)/gu, '$&\u200B');
}

export function toPdf(title: string, subtitle: string, tables: Table[], fontFile?: string): Promise<Buffer> {
  const font = fontFile ? ([fontFile, undefined] as const) : CJK_FONTS.find(([f]) => existsSync(f));
  if (!font || !existsSync(font[0])) throw new ExportError('no CJK font found for the PDF: install fonts-noto-cjk, or name a font file in the display configuration');
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 40, info: { Title: title, Creator: 'Guardpost' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    if (font[1]) doc.font(font[0], font[1]);
    else doc.font(font[0]);
    doc.fontSize(18).text(pdfText(title));
    doc.fontSize(10).fillColor('#555').text(pdfText(subtitle)).fillColor('#000').moveDown();
    for (const t of tables) {
      doc.fontSize(13).text(t.title).moveDown(0.3);
      doc.fontSize(8.5).fillColor('#333').text(t.columns.join('  |  ')).fillColor('#000');
      if (t.rows.length === 0) doc.text('（无）');
      for (const r of t.rows) doc.text(pdfText(r.join('  |  ')));
      doc.moveDown();
    }
    doc.end();
  });
}

const STATE_TEXT: Record<ReviewState['state'], string> = {
  frozen: '已按截止时间冻结',
  provisional: '临时数据，截止前仍会变化',
  unverifiable: '无法核验：中心未能提供截止时的状态，以下为当前数据',
};

/** One export of the review: the whole workbook, the PDF minutes, or one table as CSV. */
export async function exportReview(q: Queries, req: ReviewRequest & { format: 'xlsx' | 'pdf' | 'csv'; table?: string }, fontFile?: string): Promise<ExportFile> {
  const r = reviewTables(q, req);
  const base = `guardpost-review-${req.week ? 'week-' : ''}${req.date}-${r.unitId}`;
  if (req.format === 'csv') {
    const t = r.tables.find((x) => x.name === req.table);
    if (!t) throw new ExportError(`no table ${JSON.stringify(req.table)}; one of ${r.tables.map((x) => x.name).join(', ')}`);
    return { fileName: `${base}-${t.name}.csv`, mime: 'text/csv', base64: Buffer.from(toCsv(t), 'utf8').toString('base64') };
  }
  if (req.format === 'xlsx') return { fileName: `${base}.xlsx`, mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', base64: (await toXlsx(r.tables)).toString('base64') };
  const title = `${req.week ? '每周研判' : '每日研判会'} ${req.date} · ${r.unitName}`;
  const mark = req.state ? `，${STATE_TEXT[req.state.state]}` : '';
  const subtitle = `数据截至 ${shanghai(r.asOf)}${mark}（窗口 ${shanghai(r.window.start)} – ${shanghai(r.window.end)}）`;
  return { fileName: `${base}.pdf`, mime: 'application/pdf', base64: (await toPdf(title, subtitle, r.tables, fontFile)).toString('base64') };
}
