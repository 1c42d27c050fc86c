// The review's minutes exported from a core synced from a fixture day, checked against kpis.md's
// definitions applied to the fixture by the tests' own code (tests/support/review-expected.ts),
// never against the exporter's source tables: the PDF carries the day's indicators and the
// branch ranking in its order as text (read with pdftotext), the XLSX holds the same figures a
// sheet per table, and CSV is one table with a name that carries the date and scope.
import ExcelJS from 'exceljs';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import type { Core } from '../../electron/core/core.js';
import { writeFixtureDay, type FixtureLine } from '../support/fixture-day.js';
import { centreForTest, converged, coreFor, tempDir } from '../support/harness.js';
import { branchRanking, CUTOFF, DAY_START, expected, leadsOf, REVIEW_NOW as NOW, stopsOf } from '../support/review-expected.js';

const tmp = tempDir();
let centre: Centre;
let core: Core;
let fixture: FixtureLine[];

/** The exporter's rate text (one decimal, per cent), for figures computed here. */
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

beforeAll(async () => {
  const file = join(tmp.dir, 'day.ndjson');
  fixture = writeFixtureDay(file, DAY_START, NOW);
  centre = await centreForTest({ fixture: file, historyDays: 0, speed: 0, now: NOW });
  core = coreFor(centre.url, join(tmp.dir, 'app'));
  core.start();
  await converged(core, centre);
});
afterAll(async () => {
  await core.close();
  await centre.close();
  tmp.remove();
});

const save = (name: string, base64: string) => {
  const p = join(tmp.dir, name);
  writeFileSync(p, Buffer.from(base64, 'base64'));
  return p;
};

describe('review export', () => {
  it('writes a PDF whose text has the day’s indicators and the branch ranking in order, in Chinese', async () => {
    const f = (await core.handlers['review:export']({ date: '2026-11-20', format: 'pdf' })) as { fileName: string; base64: string };
    expect(f.fileName).toBe('guardpost-review-2026-11-20-SZ.pdf');
    const text = execFileSync('pdftotext', ['-layout', save(f.fileName, f.base64), '-'], { encoding: 'utf8' });
    const want = expected(leadsOf(fixture), stopsOf(fixture), CUTOFF);
    expect(want.n).toBeGreaterThan(100);
    expect(text).toContain('每日研判会 2026-11-20');
    const line = (label: string) => text.split('\n').find((l) => l.trimStart().startsWith(`${label} `)) ?? '';
    // The indicator table's row: label, this period's figure, then its numerator/denominator.
    expect(line('见面劝阻率')).toMatch(new RegExp(`^\\s*见面劝阻率\\s+${pct(want.faceToFace)}\\s+${want.met}/${want.n}\\s`));
    expect(line('预后被骗率')).toMatch(new RegExp(`^\\s*预后被骗率\\s+${pct(want.victimisation)}\\s`));
    expect(line('超期反馈率')).toMatch(new RegExp(`^\\s*超期反馈率\\s+${pct(want.overdue)}\\s`));
    expect(line('被骗人数')).toMatch(new RegExp(`^\\s*被骗人数\\s+${want.peopleDefrauded}\\s`));
    // Raw codes never reach the minutes; the pages are numbered.
    expect(text).not.toMatch(/rebate_task|defrauded_after_warning|dissuaded/);
    expect(text).toMatch(/第 1 页 \/ 共 \d+ 页/);

    // The daily branch ranking: its ranked rows, top to bottom, are the definitions' order.
    const section = text.slice(text.indexOf('每日进度排名（分局）'), text.indexOf('每日进度排名（派出所）'));
    // Columns: rank, change (blank or signed), unit, leads, face-to-face rate, met/leads.
    const rows = [...section.matchAll(/^\s*(\d+)\s+(?:[+-]\d+\s+|0\s+)?(\S+)\s+(\d+)\s+(\S+)\s+(\d+\/\d+)/gm)].map((m) => ({ rank: Number(m[1]), name: m[2], n: Number(m[3]), rate: m[4], met: m[5] }));
    const ranked = branchRanking(leadsOf(fixture), CUTOFF);
    expect(ranked.length).toBeGreaterThan(3);
    expect(rows.map((r) => r.name)).toEqual(ranked.map((r) => r.name));
    expect(rows.map((r) => r.rank)).toEqual(ranked.map((_, i) => i + 1));
    expect(rows.map((r) => `${r.n} ${r.rate} ${r.met}`)).toEqual(ranked.map((r) => `${r.n} ${pct(r.faceToFace)} ${r.met}/${r.n}`));
  });

  it('writes an XLSX with a sheet per table holding the day’s indicators and the branch ranking', async () => {
    const f = (await core.handlers['review:export']({ date: '2026-11-20', format: 'xlsx' })) as { fileName: string; base64: string };
    expect(f.fileName).toBe('guardpost-review-2026-11-20-SZ.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(f.base64, 'base64') as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['核心指标', '各分局对比', '每日进度排名（分局）', '每日进度排名（派出所）', '每周成效评估（分局）', '每周成效评估（派出所）', '逐级下钻', '超期反馈', '预后被骗复盘', '紧急止付', '各银行止付', '处置方式', '派警到场用时、各级流转用时', '回访督导', '未回访指令', '近30日走势', '会议记录']);
    const sheet = (name: string) => {
      const rows: unknown[][] = [];
      wb.getWorksheet(name)!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
      return rows;
    };
    const want = expected(leadsOf(fixture), stopsOf(fixture), CUTOFF);
    const ind = new Map(sheet('核心指标').slice(1).map((r) => [r[0], r.slice(1, 3)]));
    // Typed cells: rates are numbers (fractions) formatted as percentages, money is yuan.
    expect(ind.get('见面劝阻率')).toEqual([want.faceToFace, `${want.met}/${want.n}`]);
    expect(ind.get('预后被骗率')?.[0]).toBe(want.victimisation);
    expect(ind.get('超期反馈率')?.[0]).toBe(want.overdue);
    expect(wb.getWorksheet('核心指标')!.getRow(2).getCell(2).numFmt).toBe('0.0%');
    expect(ind.get('被骗人数')?.[0]).toBe(want.peopleDefrauded);
    expect(ind.get('被骗金额（元）')?.[0]).toBe(want.amountDefrauded / 100);
    expect(ind.get('30分钟止付率')?.[0]).toBe(want.stopPayment30);

    const ranking = sheet('每日进度排名（分局）');
    expect(ranking[0]).toEqual(['名次', '变化', '单位', '预警数', '见面劝阻率', '见面', '超期反馈率', '预后被骗率', '被骗金额（元）']);
    const ranked = branchRanking(leadsOf(fixture), CUTOFF);
    expect(ranking.slice(1, 1 + ranked.length).map((r) => [r[0], r[2], r[3], r[4], r[5], r[6]])).toEqual(ranked.map((r, i) => [i + 1, r.name, r.n, r.faceToFace, `${r.met}/${r.n}`, r.overdue ?? '—']));
    // The rest are the unranked (under five leads), marked so.
    for (const r of ranking.slice(1 + ranked.length)) expect(r[0]).toBe('量少');

    const overdue = sheet('超期反馈').slice(1).map((r) => r[0] as string);
    expect(overdue.sort()).toEqual(want.overdueIds);
  });

  it('writes the plan the review screen shows: the same lists, limits and rankings', async () => {
    const plan = await core.handlers['review:plan']({ date: '2026-11-20' });
    const want = expected(leadsOf(fixture), stopsOf(fixture), CUTOFF);
    expect(plan.asOf).toBe(CUTOFF);
    expect(plan.overdue.rows.map((l) => l.id).sort()).toEqual(want.overdueIds);
    expect(plan.cases.rows.map((l) => l.id).sort()).toEqual(want.victimIds);
    expect(plan.indicators.now.faceToFace.value).toBe(want.faceToFace);
    const f = (await core.handlers['review:export']({ date: '2026-11-20', format: 'xlsx' })) as { base64: string };
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(f.base64, 'base64') as unknown as ArrayBuffer);
    const col1 = (name: string) => {
      const out: unknown[] = [];
      wb.getWorksheet(name)!.eachRow((r, i) => i > 1 && out.push(r.getCell(1).value));
      return out;
    };
    expect(col1('超期反馈')).toEqual(plan.overdue.rows.map((l) => l.id));
    expect(col1('预后被骗复盘')).toEqual(plan.cases.rows.map((l) => l.id));
    expect(col1('紧急止付')).toEqual(plan.stops.map((s) => s.leadId));
    // Every branch side by side, ranked on each core indicator among the branches.
    const grid = wb.getWorksheet('各分局对比')!;
    expect(grid.rowCount - 1).toBe(plan.branches.length);
    const ranked = branchRanking(leadsOf(fixture), CUTOFF);
    const best = Math.max(...ranked.map((r) => r.faceToFace!));
    for (const b of plan.branches) if (b.now.faceToFace.value === best) expect(b.ranks['faceToFace']!.rank).toBe(1);
  });

  it('writes one table as CSV, quoted, with a byte-order mark for spreadsheet apps', async () => {
    const f = (await core.handlers['review:export']({ date: '2026-11-20', format: 'csv', table: 'daily-branch' })) as { fileName: string; base64: string };
    expect(f.fileName).toBe('guardpost-review-2026-11-20-SZ-daily-branch.csv');
    const text = Buffer.from(f.base64, 'base64').toString('utf8');
    expect(text.startsWith('\uFEFF名次,变化,单位')).toBe(true);
    await expect(core.handlers['review:export']({ date: '2026-11-20', format: 'csv', table: 'nope' })).rejects.toThrow(/no table "nope"/);
  });
});
