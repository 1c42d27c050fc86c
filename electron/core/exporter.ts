// The minutes of a review meeting as files, written from the review's plan (reviewPlan.ts, the
// one the screen shows): every table as CSV, all of them as one XLSX workbook with typed cells
// (exceljs), and a PDF a bureau files (pdfkit, with a CJK font so Chinese renders): a title
// block, ruled tables whose header repeats on each page, the trend drawn as lines, page numbers.
import ExcelJS from 'exceljs';
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { latestReviews, parseReviewBody, patternValueKey, type CasePatterns } from '../../shared/caseReview.js';
import type { Note } from '../../shared/protocol.js';
import type { ReviewPlan, ReviewState } from '../../shared/contract.js';
import { DAY } from '../../shared/domain.js';
import { DEFAULT_DISPLAY, type DisplayConfig } from '../../shared/display.js';
import { change, CORE_INDICATORS, INDICATORS, measure, pctText, type IndicatorDef } from '../../shared/indicators.js';
import type { Indicators, Ratio, StopSummary } from '../../shared/kpi.js';
import { methods } from '../../shared/protocol.js';
import type { ReviewLead } from '../../shared/contract.js';
import { clockText, dateText } from '../../shared/time.js';
import { zhText, type VocabularyKey } from '../../shared/vocabulary.js';

/** text; int: a count; pct: a fraction shown as a percentage; yuan: money (in yuan); time: ms since the epoch; minutes. */
export type CellFormat = 'text' | 'int' | 'pct' | 'yuan' | 'time' | 'minutes' | 'signed';
/** A cell: its value in the column's format, or with a format of its own (the indicator table mixes them). */
export type Cell = string | number | null | { v: number | null; f: CellFormat };
export type Column = { title: string; format: CellFormat };
export type Table = { name: string; title: string; columns: Column[]; rows: Cell[][]; note?: string };
export type ExportFile = { fileName: string; mime: string; base64: string };

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** The CJK fonts tried for the PDF, in order; a caller can name its own. */
const CJK_FONTS: [string, string][] = [
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['C:\\Windows\\Fonts\\msyh.ttc', 'MicrosoftYaHei'],
  ['/System/Library/Fonts/PingFang.ttc', 'PingFangSC-Regular'],
];

const col = (key: VocabularyKey, format: CellFormat = 'text', suffix = ''): Column => ({ title: zhText(key) + suffix, format });
const yuan = (fen: number) => Math.round(fen) / 100;
const shanghai = (t: number) => `${dateText(t)} ${clockText(t, false)}`;
const UNIT_SUFFIX: Partial<Record<IndicatorDef['format'], string>> = { money: '（元）', duration: '（分钟）' };
/** An indicator's label in the minutes, with the unit its figures are written in. */
const indicatorTitle = (d: IndicatorDef) => zhText(d.label) + (UNIT_SUFFIX[d.format] ?? '');
/** An indicator's value as a typed cell: rates as fractions, money in yuan, times in minutes. */
function indicatorCell(d: IndicatorDef, value: number | null): Cell {
  if (d.format === 'rate') return { v: value, f: 'pct' };
  if (value === null) return { v: null, f: 'text' };
  if (d.format === 'money') return { v: yuan(value), f: 'yuan' };
  if (d.format === 'duration') return { v: Math.round(value / 60_000), f: 'minutes' };
  return { v: value, f: 'int' };
}
const parts = (k: Indicators, d: IndicatorDef) => {
  const m = measure(d.key, k);
  return m.den !== null ? `${m.num}/${m.den}` : m.n !== null ? `n=${m.n}` : '';
};

/** A cell as text (PDF and CSV): rates with one decimal, money with two, a missing figure as —. */
export function cellText(c: Cell, format: CellFormat): string {
  const [v, f] = c !== null && typeof c === 'object' ? [c.v, c.f] : [c, format];
  if (v === null || v === '') return f === 'text' || f === 'signed' ? '' : '—';
  if (typeof v === 'string') return v;
  switch (f) {
    case 'pct':
      return pctText(v);
    case 'yuan':
      return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    case 'time':
      return shanghai(v);
    case 'signed':
      return v > 0 ? `+${v}` : String(v);
    default:
      return String(v);
  }
}

const isNumeric = (f: CellFormat) => f !== 'text' && f !== 'time';

/** The meeting's tables, from its plan. */
export function planTables(plan: ReviewPlan, targets: DisplayConfig['targets'] = DEFAULT_DISPLAY.targets): Table[] {
  const { now, before } = plan.indicators;
  const tables: Table[] = [
    {
      name: 'indicators',
      title: zhText('section.indicators'),
      columns: [col('colIndicator'), col('colCurrent'), col('colParts'), col('colPrevious'), col('colPreviousParts'), col('colChange'), col('colTarget')],
      rows: INDICATORS.map((d) => {
        const a = measure(d.key, now).value;
        const b = measure(d.key, before).value;
        const c = change(d.key, a, b);
        const delta: Cell = c === null ? null : d.format === 'rate' ? `${c.delta >= 0 ? '+' : '−'}${Math.abs(c.delta * 100).toFixed(1)}pt` : cellText(indicatorCell(d, Math.abs(c.delta)), 'text').replace(/^/, c.delta >= 0 ? '+' : '−');
        return [indicatorTitle(d), indicatorCell(d, a), parts(now, d), indicatorCell(d, b), parts(before, d), delta, indicatorCell(d, targets[d.target])];
      }),
    },
  ];
  if (plan.branches.length > 0) {
    tables.push({
      name: 'branches',
      title: zhText('branchesSideBySide'),
      columns: [col('colUnit'), col('colLeads', 'int'), ...CORE_INDICATORS.flatMap((d) => [{ title: indicatorTitle(d), format: 'text' as const }, { title: zhText('colRank'), format: 'int' as const }, { title: zhText('colChange'), format: 'signed' as const }])],
      rows: plan.branches.map((b) => [b.name, b.now.leads, ...CORE_INDICATORS.flatMap((d) => [indicatorCell(d, measure(d.key, b.now).value), b.ranks[d.key]?.rank ?? null, b.ranks[d.key]?.change ?? null])]),
    });
  }
  const ranked = (kind: 'daily' | 'weekly', level: 'branches' | 'stations', name: string, title: string): Table => {
    const rows = plan[kind][level];
    // Each board shows the keys it is sorted by (kpis.md): the day's progress, the week's effect.
    const keys = kind === 'daily' ? (['faceToFace', 'overdue', 'victimisation', 'amountDefrauded'] as const) : (['victimisation', 'amountDefrauded', 'faceToFace', 'overdue'] as const);
    const defs = keys.map((k) => INDICATORS.find((d) => d.key === k)!);
    return {
      name,
      title,
      columns: [col('colRank'), col('colChange', 'signed'), col('colUnit'), col('colLeads', 'int'), ...defs.flatMap((d) => (d.key === 'faceToFace' ? [{ title: indicatorTitle(d), format: 'pct' as const }, col('colMet')] : [{ title: indicatorTitle(d), format: d.format === 'money' ? ('yuan' as const) : ('pct' as const) }]))],
      rows: rows.map((r) => [
        r.rank ?? zhText('tooFew'),
        r.change,
        r.name,
        r.indicators.leads,
        ...defs.flatMap((d): Cell[] => {
          const v = measure(d.key, r.indicators).value;
          const cell = v === null ? '—' : d.format === 'money' ? yuan(v) : v;
          return d.key === 'faceToFace' ? [cell, `${r.indicators.faceToFace.num}/${r.indicators.faceToFace.den}`] : [cell];
        }),
      ]),
    };
  };
  tables.push(
    ranked('daily', 'branches', 'daily-branch', `${zhText('section.daily')}（${zhText('branches')}）`),
    ranked('daily', 'stations', 'daily-station', `${zhText('section.daily')}（${zhText('stationsAll')}）`),
    ranked('weekly', 'branches', 'weekly-branch', `${zhText('section.weekly')}（${zhText('branches')}）`),
    ranked('weekly', 'stations', 'weekly-station', `${zhText('section.weekly')}（${zhText('stationsAll')}）`),
  );
  if (plan.children.length > 0) {
    tables.push({
      name: 'drill',
      title: zhText('section.drill'),
      columns: [col('colUnit'), col('colLeads', 'int'), ...CORE_INDICATORS.map((d) => ({ title: indicatorTitle(d), format: 'text' as const }))],
      rows: plan.children.map((c) => [c.name, c.indicators.leads, ...CORE_INDICATORS.map((d) => indicatorCell(d, measure(d.key, c.indicators).value))]),
    });
  }
  const leadCols = [col('colLead'), col('colUnit'), col('colPerson'), col('colType'), col('colIssued', 'time'), col('colMet', 'time'), col('colDue', 'time'), col('colFeedback', 'time'), col('colOutcome'), col('colLoss', 'yuan', '（元）')];
  const leadRow = (l: ReviewLead): Cell[] => [l.id, l.stationName ?? l.unitName, l.personName, zhText(`fraud.${l.fraudType}` as VocabularyKey), l.issuedAt, l.metAt, l.feedbackDueAt, l.feedbackAt, l.outcome ? zhText(`outcome.${l.outcome}` as VocabularyKey) : '', yuan(l.lossAmount)];
  const cut = (shown: number, total: number) => (total > shown ? zhText('listCut', { n: shown, total }) : undefined);
  const overdueNote = cut(plan.overdue.rows.length, plan.overdue.total);
  const casesNote = cut(plan.cases.rows.length, plan.cases.total);
  tables.push({ name: 'overdue', title: zhText('section.overdue'), columns: leadCols, rows: plan.overdue.rows.map(leadRow), ...(overdueNote ? { note: overdueNote } : {}) });
  // A case's repeat chain: the person's earlier warnings, by lead id and date (never the person's id).
  const chain = (c: ReviewPlan['cases']['rows'][number]) => (c.timeline?.earlier ?? []).map((e) => `${e.id}（${dateText(e.issuedAt)}）`).join('、');
  // Each case's latest review (the plan's notes are the live ones), as the minutes write it.
  const reviews = latestReviews(plan.notes);
  tables.push({ name: 'cases', title: zhText('section.cases'), columns: [...leadCols, col('earlierLeads'), col('caseReview')], rows: plan.cases.rows.map((c) => [...leadRow(c), chain(c), reviewText(reviews.get(c.id))]), ...(casesNote ? { note: casesNote } : {}) });
  if (plan.patterns) tables.push(patternsTable(plan.patterns));
  tables.push({
    name: 'stops',
    title: zhText('section.stops'),
    columns: [col('colLead'), col('colUnit'), col('colBank'), col('colAccount'), col('colAmount', 'yuan', '（元）'), col('colRequested', 'time'), col('colFrozen', 'time'), col('colStatus'), col('col30')],
    rows: plan.stops.map((s) => [s.leadId, s.unitName, s.bank, s.accountMasked, yuan(s.amount), s.requestedAt, s.frozenAt, zhText(`status.${s.status}` as VocabularyKey), s.within30 === null ? '' : zhText(s.within30 ? 'yes' : 'no')]),
  });
  const sum = plan.stopSummary;
  const bankRow = (label: string, b: StopSummary): Cell[] => [label, b.count, b.rate30.value, `${b.rate30.num}/${b.rate30.den}`, b.failed, yuan(b.frozenAmount), yuan(b.returnedAmount)];
  tables.push({
    name: 'stops-bank',
    title: zhText('stopsByBank'),
    columns: [col('colBank'), col('colCount', 'int'), { title: zhText('kpi.stopPayment30'), format: 'pct' }, col('colParts'), col('colFailed', 'int'), col('colFrozenAmount', 'yuan', '（元）'), col('colReturnedAmount', 'yuan', '（元）')],
    rows: [
      ...sum.banks.map((b) => bankRow(b.bank, b)),
      bankRow(zhText('stopsTotal'), sum.total),
      // Coverage: leads of the window with a stop-payment, in the rate column with its parts.
      [zhText('stopCoverage'), null, sum.coverage.value, `${sum.coverage.num}/${sum.coverage.den}`, null, null, null],
    ],
  });
  tables.push(...handlingTables(plan), ...revisitTables(plan, leadCols, leadRow));
  tables.push({
    name: 'trend',
    title: zhText('trendTitle'),
    columns: [col('colDate'), col('colLeads', 'int'), { title: zhText('kpi.faceToFace'), format: 'pct' }, { title: zhText('kpi.victimisation'), format: 'pct' }, { title: zhText('kpi.overdue'), format: 'pct' }],
    rows: plan.trend.map((p) => [dateText(p.day), p.leads, p.faceToFace.value, p.victimisation.value, p.overdue.value]),
  });
  tables.push({
    name: 'notes',
    title: zhText('section.notes'),
    columns: [col('colTime', 'time'), col('noteKind'), col('colSubject'), col('colAuthor'), col('colBody')],
    // A structured case review in words, as the cases table writes it, not its JSON body.
    rows: plan.notes.map((n) => [n.createdAt, zhText(`noteKind.${n.kind}` as VocabularyKey), n.leadId ?? n.unitId ?? '', n.author, n.kind === 'review' ? reviewText(n) : n.body]),
  });
  return tables;
}

/** A case's latest review in words: its fields, or its text as written; "not reviewed" without one. */
function reviewText(note: Note | undefined): string {
  if (!note) return zhText('notReviewed');
  const body = parseReviewBody(note.body);
  if (body.kind !== 'structured') return body.text;
  const r = body.review;
  const words = (prefix: 'missed' | 'failed', xs: readonly string[]) => xs.map((x) => zhText(`${prefix}.${x}` as VocabularyKey)).join('、');
  return [
    `${zhText('review.occupation')}：${r.occupation ? zhText(`occupation.${r.occupation}`) : zhText('unknown')}`,
    `${zhText('review.ageBand')}：${r.ageBand ?? zhText('unknown')}`,
    `${zhText('review.missed')}：${words('missed', r.missed)}`,
    `${zhText('review.failed')}：${words('failed', r.failed)}`,
    ...(r.psychology ? [`${zhText('review.psychology')}：${zhText(`psychology.${r.psychology}`)}`] : []),
    ...(r.text ? [`${zhText('review.text')}：${r.text}`] : []),
    `${note.author}`,
  ].join('；');
}

/** The week's pattern table (shared/caseReview.ts): each dimension's values with their cases and amount lost. */
function patternsTable(p: CasePatterns): Table {
  return {
    name: 'patterns',
    title: zhText('patternTable'),
    columns: [col('colDimension'), col('colValue'), col('colCases', 'int'), col('colLoss', 'yuan', '（元）')],
    rows: p.rows.map((r) => {
      const key = patternValueKey(r.dimension, r.value);
      return [zhText(`dimension.${r.dimension}`), key ? zhText(key) : r.value, r.cases, yuan(r.lossAmount)];
    }),
    note: `${zhText('reviewPatternSummary', { n: p.cases, amount: `${cellText(yuan(p.lossAmount), 'yuan')}元`, r: p.reviewed, u: p.unstructured, x: p.notReviewed })}。${zhText('reviewPatternMulti')}`,
  };
}

/** Classified handling: the leads by method, then dispatch → arrival and each level's time (minutes). */
function handlingTables(plan: ReviewPlan): Table[] {
  const h = plan.handling;
  const share = (n: number) => (h.leads === 0 ? null : n / h.leads);
  const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 60_000));
  const stats = (s: { n: number; meanMs: number | null; medianMs: number | null; p90Ms: number | null }): Cell[] => [s.n, minutes(s.meanMs), minutes(s.medianMs), minutes(s.p90Ms)];
  return [
    {
      name: 'handling-method',
      title: zhText('handlingByMethod'),
      columns: [col('colMethod'), col('colLeads', 'int'), { title: zhText('colShare'), format: 'pct' }],
      rows: [...methods.map((m): Cell[] => [zhText(`method.${m}`), h.byMethod[m], share(h.byMethod[m])]), ...(h.noMethod > 0 ? [[zhText('noMethod'), h.noMethod, share(h.noMethod)]] : [])],
    },
    {
      name: 'handling-times',
      title: `${zhText('toArriveTitle')}、${zhText('levelTimes')}`,
      columns: [col('colHop'), col('colN', 'int'), col('colMean', 'minutes', '（分钟）'), col('colMedian', 'minutes', '（分钟）'), col('colP90', 'minutes', '（分钟）')],
      rows: [[zhText('toArriveTitle'), ...stats(h.toArrive)], ...h.hops.map((x): Cell[] => [`${zhText(`level.${x.from}`)} → ${zhText(`level.${x.to}`)}`, ...stats(x)])],
    },
  ];
}

/** Revisit coverage of the unit, its branches and stations, and the instructions not yet revisited. */
function revisitTables(plan: ReviewPlan, leadCols: Column[], leadRow: (l: ReviewLead) => Cell[]): Table[] {
  const r = plan.revisits;
  const row = (name: string, c: Ratio): Cell[] => [name, c.num, c.den, c.value];
  const m = r.notRevisited;
  return [
    {
      name: 'revisits',
      title: zhText('section.revisits'),
      columns: [col('colUnit'), col('colRevisited', 'int'), col('colLeads', 'int'), { title: zhText('revisitCoverage'), format: 'pct' }],
      rows: [row(plan.unit.name, r.coverage), ...r.branches.map((b) => row(b.name, b.coverage)), ...r.stations.map((x) => row(x.name, x.coverage))],
    },
    {
      name: 'not-revisited',
      title: zhText('notRevisited'),
      columns: leadCols,
      rows: m.rows.map(leadRow),
      ...(m.total > m.rows.length ? { note: zhText('listCut', { n: m.rows.length, total: m.total }) } : {}),
    },
  ];
}

function csvCell(c: Cell, format: CellFormat): string {
  // Money and counts stay numbers a spreadsheet adds up; everything else as the minutes write it.
  const raw = c !== null && typeof c === 'object' ? c : { v: c, f: format };
  const s = typeof raw.v === 'number' && (raw.f === 'yuan' || raw.f === 'int' || raw.f === 'minutes') ? String(raw.v) : cellText(c, format);
  // Formula injection guard for spreadsheet apps, then RFC 4180 quoting.
  const safe = /^[=+\-@]/.test(s) && raw.f !== 'signed' && typeof raw.v !== 'number' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(t: Table): string {
  return '\uFEFF' + [t.columns.map((c) => csvCell(c.title, 'text')).join(','), ...t.rows.map((r) => r.map((c, i) => csvCell(c, t.columns[i]!.format)).join(','))].join('\r\n') + '\r\n';
}

const XLSX_FORMAT: Partial<Record<CellFormat, string>> = { pct: '0.0%', yuan: '#,##0.00', int: '0', minutes: '0', signed: '+0;-0;0' };

export async function toXlsx(tables: Table[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Guardpost';
  for (const t of tables) {
    const ws = wb.addWorksheet(t.title.slice(0, 31));
    const head = ws.addRow(t.columns.map((c) => c.title));
    head.font = { bold: true };
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    for (const r of t.rows) {
      const row = ws.addRow(
        r.map((c, i) => {
          const { v, f } = c !== null && typeof c === 'object' ? c : { v: c, f: t.columns[i]!.format };
          // Numbers stay numbers (with a number format); a time is written as the minutes write it.
          return f === 'time' ? cellText(c, 'time') : v === null ? null : v;
        }),
      );
      r.forEach((c, i) => {
        const f = c !== null && typeof c === 'object' ? c.f : t.columns[i]!.format;
        const fmt = XLSX_FORMAT[f];
        if (fmt) row.getCell(i + 1).numFmt = fmt;
      });
    }
    if (t.note) ws.addRow([t.note]).font = { italic: true };
    ws.columns.forEach((c, i) => (c.width = Math.min(40, Math.max(10, ...[t.columns[i]?.title ?? '', ...t.rows.map((r) => cellText(r[i] ?? null, t.columns[i]?.format ?? 'text'))].map((s) => [...s].reduce((a, ch) => a + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0) + 2)))));
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

const STATE_KEY: Record<ReviewState['state'], VocabularyKey> = { frozen: 'minutesFrozen', provisional: 'minutesProvisional', unverifiable: 'minutesUnverifiable' };

/** The minutes as a PDF: title block, the trend drawn, every table ruled, page numbers. */
export function toPdf(plan: ReviewPlan, tables: Table[], fontFile?: string): Promise<Buffer> {
  const font = fontFile ? ([fontFile, undefined] as const) : CJK_FONTS.find(([f]) => existsSync(f));
  if (!font || !existsSync(font[0])) throw new ExportError('no CJK font found for the PDF: install fonts-noto-cjk, or name a font file');
  const title = `${zhText(plan.week ? 'reviewWeekTitle' : 'reviewTitle')} ${plan.week ? `${dateText(plan.window.start)} – ${dateText(plan.window.end - DAY)}` : plan.date}`;
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margins: { top: 40, bottom: 40, left: 40, right: 40 }, bufferPages: true, info: { Title: title, Creator: 'Guardpost' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    if (font[1]) doc.font(font[0], font[1]);
    else doc.font(font[0]);
    const left = doc.page.margins.left;
    const width = doc.page.width - left - doc.page.margins.right;
    const bottom = () => doc.page.height - doc.page.margins.bottom - 16;

    // Title block: what, for whom, when the figures stand, and whether they are final.
    doc.fontSize(18).fillColor('#000').text(pdfText(title), left, 40, { width, align: 'center' });
    doc.moveDown(0.4);
    const block: [string, string][] = [
      [zhText('minutesScope'), plan.path.map((u) => u.name).join(' / ')],
      [zhText('minutesWindow'), `${shanghai(plan.window.start)} – ${shanghai(plan.window.end)}`],
      [zhText('minutesCutoff'), shanghai(plan.asOf)],
      [zhText('minutesState'), zhText(STATE_KEY[plan.state.state], { reason: plan.state.reason ?? '' })],
    ];
    doc.fontSize(10);
    let y = doc.y;
    for (const [k, v] of block) {
      doc.fillColor('#555').text(k, left, y, { width: 90 });
      doc.fillColor('#000').text(pdfText(v), left + 90, y, { width: width - 90 });
      y = doc.y + 2;
    }
    doc.moveTo(left, y + 4).lineTo(left + width, y + 4).lineWidth(1).strokeColor('#000').stroke();
    doc.y = y + 14;

    // The longest prefix that fits with an ellipsis, by bisection: a cell may hold a 20,000-character
    // note, and measuring it one character shorter at a time would hold the core for minutes.
    const fit = (s: string, w: number) => {
      if (doc.widthOfString(s) <= w) return s;
      let lo = 1;
      let hi = Math.min(s.length, 400);
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (doc.widthOfString(s.slice(0, mid) + '…') <= w) lo = mid;
        else hi = mid - 1;
      }
      return s.slice(0, lo) + '…';
    };
    const heading = (text: string) => {
      if (doc.y + 60 > bottom()) doc.addPage();
      doc.fontSize(13).fillColor('#000').text(text, left, doc.y, { width });
      doc.moveDown(0.2);
    };
    const table = (t: Table) => {
      heading(t.title);
      doc.fontSize(8.5);
      const rowH = 14;
      const texts = t.rows.map((r) => r.map((c, i) => cellText(c, t.columns[i]!.format)));
      // Column widths from what they hold, scaled to the page.
      const natural = t.columns.map((c, i) => Math.min(220, Math.max(doc.widthOfString(c.title), ...texts.map((r) => doc.widthOfString(r[i]!))) + 10));
      const scale = Math.min(1.6, width / natural.reduce((a, b) => a + b, 0));
      const widths = natural.map((w) => w * scale);
      const numeric = t.columns.map((c, i) => isNumeric(c.format) || t.rows.some((r) => r[i] !== null && typeof r[i] === 'object'));
      const drawRow = (cells: string[], bold: boolean) => {
        if (bold) doc.rect(left, doc.y, width, rowH).fill('#e8e8e8');
        let x = left;
        const top = doc.y;
        cells.forEach((s, i) => {
          doc.fillColor('#000').text(fit(s, widths[i]! - 6), x + 3, top + 3, { width: widths[i]! - 6, align: numeric[i] ? 'right' : 'left', lineBreak: false });
          x += widths[i]!;
        });
        doc.moveTo(left, top + rowH).lineTo(left + width, top + rowH).lineWidth(0.4).strokeColor('#999').stroke();
        doc.y = top + rowH;
      };
      const header = () => {
        doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.8).strokeColor('#000').stroke();
        drawRow(t.columns.map((c) => c.title), true);
      };
      header();
      if (texts.length === 0) drawRow([zhText('none')], false);
      for (const r of texts) {
        // The header row again at the top of each page the table runs onto.
        if (doc.y + rowH > bottom()) {
          doc.addPage();
          doc.y = doc.page.margins.top;
          header();
        }
        drawRow(r, false);
      }
      if (t.note) doc.fillColor('#555').text(pdfText(t.note), left, doc.y + 3, { width });
      doc.y += 14;
    };
    const chart = () => {
      const h = 150;
      // The heading stays with its chart.
      if (doc.y + h + 70 > bottom()) doc.addPage();
      heading(zhText('trendTitle'));
      const top = doc.y + 16;
      const pts = plan.trend;
      const series: { key: 'faceToFace' | 'victimisation' | 'overdue'; colour: string }[] = [
        { key: 'faceToFace', colour: '#1f6fb2' },
        { key: 'victimisation', colour: '#c0392b' },
        { key: 'overdue', colour: '#d68910' },
      ];
      // Two panels, each with axes that fit its data (the bad days must show, never clipped).
      const panels = [series.slice(0, 1), series.slice(1)];
      const pw = (width - 30) / 2;
      panels.forEach((ss, pi) => {
        const x0 = left + 40 + pi * (pw + 30);
        const w = pw - 40;
        const vals = ss.flatMap((s) => pts.map((p) => p[s.key].value).filter((v): v is number => v !== null));
        let lo = vals.length ? Math.min(...vals) : 0;
        let hi = vals.length ? Math.max(...vals) : 1;
        const pad = Math.max((hi - lo) * 0.1, 0.005);
        lo = Math.max(0, lo - pad);
        hi = Math.min(1, hi + pad);
        const yOf = (v: number) => top + h - ((v - lo) / (hi - lo || 1)) * h;
        const xOf = (i: number) => x0 + (pts.length > 1 ? (i / (pts.length - 1)) * w : 0);
        doc.fontSize(7).lineWidth(0.3).strokeColor('#ccc');
        for (let g = 0; g <= 4; g++) {
          const v = lo + ((hi - lo) * g) / 4;
          doc.moveTo(x0, yOf(v)).lineTo(x0 + w, yOf(v)).stroke();
          doc.fillColor('#555').text(pctText(v), x0 - 38, yOf(v) - 4, { width: 34, align: 'right', lineBreak: false });
        }
        doc.lineWidth(0.8).strokeColor('#000').moveTo(x0, top).lineTo(x0, top + h).lineTo(x0 + w, top + h).stroke();
        pts.forEach((p, i) => {
          if ((i % 7 === 0 && pts.length - 1 - i >= 4) || i === pts.length - 1) doc.fillColor('#555').text(dateText(p.day).slice(5), xOf(i) - 15, top + h + 3, { width: 30, align: 'center', lineBreak: false });
        });
        ss.forEach((s, si) => {
          doc.lineWidth(1.4).strokeColor(s.colour);
          let pen = false;
          pts.forEach((p, i) => {
            const v = p[s.key].value;
            if (v === null) {
              pen = false;
              return;
            }
            if (pen) doc.lineTo(xOf(i), yOf(v));
            else doc.moveTo(xOf(i), yOf(v));
            pen = true;
          });
          doc.stroke();
          // Each day a dot too, so a day alone between gaps still shows.
          pts.forEach((p, i) => {
            const v = p[s.key].value;
            if (v !== null) doc.circle(xOf(i), yOf(v), 1.6).fill(s.colour);
          });
          doc.rect(x0 + 10 + si * 110, top - 12, 10, 3).fill(s.colour);
          doc.fillColor('#000').fontSize(8).text(zhText(`kpi.${s.key}`), x0 + 24 + si * 110, top - 15, { lineBreak: false });
        });
      });
      doc.y = top + h + 24;
      doc.x = left;
    };
    for (const t of tables) {
      if (t.name === 'trend') chart();
      else table(t);
    }
    // Page numbers, once the page count is known.
    const range = doc.bufferedPageRange();
    for (let i = 0; i < range.count; i++) {
      doc.switchToPage(range.start + i);
      const y0 = doc.page.height - doc.page.margins.bottom + 8;
      doc.page.margins.bottom = 0;
      doc.fontSize(8).fillColor('#555').text(`${title} · ${zhText('pageOf', { n: i + 1, total: range.count })}`, left, y0, { width, align: 'center', lineBreak: false });
    }
    doc.end();
  });
}

/** One export of the review: the whole workbook, the PDF minutes, or one table as CSV. */
export async function exportReview(plan: ReviewPlan, req: { format: 'xlsx' | 'pdf' | 'csv'; table?: string }, targets?: DisplayConfig['targets'], fontFile?: string): Promise<ExportFile> {
  const tables = planTables(plan, targets);
  const base = `guardpost-review-${plan.week ? 'week-' : ''}${plan.date}-${plan.unit.id}`;
  if (req.format === 'csv') {
    const t = tables.find((x) => x.name === req.table);
    if (!t) throw new ExportError(`no table ${JSON.stringify(req.table)}; one of ${tables.map((x) => x.name).join(', ')}`);
    return { fileName: `${base}-${t.name}.csv`, mime: 'text/csv', base64: Buffer.from(toCsv(t), 'utf8').toString('base64') };
  }
  if (req.format === 'xlsx') return { fileName: `${base}.xlsx`, mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', base64: (await toXlsx(tables)).toString('base64') };
  return { fileName: `${base}.pdf`, mime: 'application/pdf', base64: (await toPdf(plan, tables, fontFile)).toString('base64') };
}
