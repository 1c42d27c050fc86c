// The review's minutes exported from a core synced from a fixture day: the PDF carries the
// day's indicators and ranking as text (checked with pdftotext), the XLSX round-trips the same
// rows, and CSV is one table with a name that carries the date and scope.
import ExcelJS from 'exceljs';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import type { Core } from '../../electron/core/core.js';
import { reviewTables } from '../../electron/core/exporter.js';
import { writeFixtureDay } from '../support/fixture-day.js';
import { centreForTest, converged, coreFor, tempDir } from '../support/harness.js';

const H = 3_600_000;
const DAY_START = Date.UTC(2026, 10, 19, 16);
const NOW = DAY_START + 33 * H;
const tmp = tempDir();
let centre: Centre;
let core: Core;

beforeAll(async () => {
  const file = join(tmp.dir, 'day.ndjson');
  writeFixtureDay(file, DAY_START, NOW);
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
  it('writes a PDF whose text has the indicators and the ranking, in Chinese', async () => {
    const f = (await core.handlers['review:export']({ date: '2026-11-20', format: 'pdf' })) as { fileName: string; base64: string };
    expect(f.fileName).toBe('guardpost-review-2026-11-20-SZ.pdf');
    const text = execFileSync('pdftotext', ['-layout', save(f.fileName, f.base64), '-'], { encoding: 'utf8' });
    const t = reviewTables(core.queries, { date: '2026-11-20', now: NOW });
    expect(text).toContain('每日研判会 2026-11-20');
    expect(text).toContain('见面劝阻率');
    const f2f = t.tables[0]!.rows[0]!;
    expect(text).toContain(String(f2f[1])); // the rate
    expect(text).toContain(String(f2f[2])); // its numerator/denominator
    const ranking = t.tables.find((x) => x.name === 'daily-branch')!;
    for (const row of ranking.rows.slice(0, 3)) expect(text).toContain(String(row[2]));
  });

  it('writes an XLSX that reads back to the same rows, a sheet per table', async () => {
    const f = (await core.handlers['review:export']({ date: '2026-11-20', format: 'xlsx' })) as { fileName: string; base64: string };
    expect(f.fileName).toBe('guardpost-review-2026-11-20-SZ.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(f.base64, 'base64') as unknown as ArrayBuffer);
    const t = reviewTables(core.queries, { date: '2026-11-20', now: NOW });
    expect(wb.worksheets.map((w) => w.name)).toEqual(t.tables.map((x) => x.title));
    for (const table of t.tables) {
      const ws = wb.getWorksheet(table.title)!;
      const rows: unknown[][] = [];
      ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
      expect(rows[0]).toEqual(table.columns);
      expect(rows.slice(1).map((r) => r.map((c) => (c === undefined ? '' : c)))).toEqual(table.rows.map((r) => r.map((c) => (c === '' ? '' : c))));
    }
  });

  it('writes one table as CSV, quoted, with a byte-order mark for spreadsheet apps', async () => {
    const f = (await core.handlers['review:export']({ date: '2026-11-20', format: 'csv', table: 'daily-branch' })) as { fileName: string; base64: string };
    expect(f.fileName).toBe('guardpost-review-2026-11-20-SZ-daily-branch.csv');
    const text = Buffer.from(f.base64, 'base64').toString('utf8');
    expect(text.startsWith('\uFEFF名次,变化,单位')).toBe(true);
    await expect(core.handlers['review:export']({ date: '2026-11-20', format: 'csv', table: 'nope' })).rejects.toThrow(/no table "nope"/);
  });
});
