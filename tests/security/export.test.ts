// The review's exports of a hostile centre's day (tests/support/hostile.ts): every format is
// written, nothing crashes on script, HTML, NUL, bidi or over-long text, the text comes back
// as the same text (the XLSX reads back, the CSV parses back), and a spreadsheet app is never
// handed a formula.
import ExcelJS from 'exceljs';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import type { Core } from '../../electron/core/core.js';
import { planTables, type Cell, type Table } from '../../electron/core/exporter.js';
import type { ReviewPlan } from '../../shared/contract.js';
import { centreForTest, converged, coreFor, tempDir } from '../support/harness.js';
import { PAYLOADS, writeHostileFixture } from '../support/hostile.js';

const H = 3_600_000;
const DAY_START = Date.UTC(2026, 10, 19, 16); // 2026-11-20 00:00 Shanghai
const NOW = DAY_START + 33 * H;
const DATE = '2026-11-20';
const tmp = tempDir('guardpost-hostile-export-');
let centre: Centre;
let core: Core;

type File = { fileName: string; mime: string; base64: string };
const exportOf = async (args: { format: 'pdf' | 'xlsx' | 'csv'; table?: string }) => (await core.handlers['review:export']({ date: DATE, ...args })) as File;

beforeAll(async () => {
  const file = join(tmp.dir, 'hostile.ndjson');
  writeHostileFixture(file, DAY_START, NOW);
  centre = await centreForTest({ fixture: file, historyDays: 0, speed: 0, now: NOW });
  core = coreFor(centre.url, join(tmp.dir, 'app'));
  core.start();
  await converged(core, centre);
}, 60_000);
afterAll(async () => {
  await core?.close();
  await centre?.close();
  tmp.remove();
});

/** RFC 4180, as a spreadsheet app reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const end = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') end();
    else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      end();
      rows.push(row);
      row = [];
      i++;
    } else cell += c;
  }
  return rows;
}

/** The minutes' tables, from the same plan the screen and the exporter render. */
const tablesOf = async (): Promise<Table[]> => planTables((await core.handlers['review:plan']({ date: DATE })) as ReviewPlan);
/** A cell's text where the centre's text lands in it (numbers are the exporter's own). */
const textOf = (c: Cell): string | null => (typeof c === 'string' ? c : null);

describe('exports of hostile text', () => {
  it('the tables carry the payloads as they came (the test is about real hostile text)', async () => {
    const tables = await tablesOf();
    const all = tables.flatMap((x) => x.rows.flat().map((c) => textOf(c) ?? '')).join('\n');
    for (const p of Object.values(PAYLOADS)) expect(all, JSON.stringify(p)).toContain(p);
    expect(all).toContain('W'.repeat(20000));
  });

  it('writes every table as CSV that parses back to the same cells, with no cell a spreadsheet would run', async () => {
    let guarded = 0;
    for (const table of await tablesOf()) {
      const f = await exportOf({ format: 'csv', table: table.name });
      const rows = parseCsv(Buffer.from(f.base64, 'base64').toString('utf8').replace(/^\uFEFF/, ''));
      expect(rows.length, table.name).toBe(table.rows.length + 1);
      rows.slice(1).forEach((r, i) =>
        r.forEach((cell, j) => {
          const want = textOf(table.rows[i]![j] ?? null);
          if (want === null) return;
          // A text cell a spreadsheet would take for a formula is written with a leading quote.
          expect(cell, `${table.name} ${i},${j}`).toBe(/^[=+\-@]/.test(want) ? `'${want}` : want);
          if (cell === `'${PAYLOADS.formula}`) guarded++;
        }),
      );
    }
    expect(guarded).toBeGreaterThan(0);
  });

  it('writes an XLSX that opens and reads back to the same text, and holds no formula', async () => {
    const f = await exportOf({ format: 'xlsx' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(f.base64, 'base64') as unknown as ArrayBuffer);
    for (const table of await tablesOf()) {
      const ws = wb.getWorksheet(table.title.slice(0, 31))!;
      const rows: unknown[][] = [];
      ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
      expect(rows.length, table.name).toBe(table.rows.length + 1 + (table.note ? 1 : 0));
      ws.eachRow((r) => r.eachCell((c) => expect(c.formula, `${table.name} ${c.address}`).toBeUndefined()));
      // XML 1.0 cannot hold C0 controls but tab and newlines: exceljs leaves them out (the NUL goes).
      // eslint-disable-next-line no-control-regex -- the control characters are the point
      const xmlText = (c: string | number) => (typeof c === 'string' ? c.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '') : c);
      table.rows.forEach((r, i) =>
        r.forEach((c, j) => {
          const want = textOf(c);
          if (want !== null) expect(rows[i + 1]![j] ?? '', `${table.name} ${i},${j}`).toEqual(xmlText(want));
        }),
      );
    }
  });

  it('writes a PDF whose text has the payloads as text, within 10 s though a note is one 20,000-character word', async () => {
    const t0 = Date.now();
    const f = await exportOf({ format: 'pdf' });
    // pdfkit wrapped such a word in quadratic time: minutes, with the core's event loop held.
    expect(Date.now() - t0).toBeLessThan(10_000);
    const file = join(tmp.dir, f.fileName);
    writeFileSync(file, Buffer.from(f.base64, 'base64'));
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    // pdftotext spaces glyphs as it sees fit, and long words are broken across lines.
    const bare = (s: string) => s.replace(/[\s\u200B]/g, '');
    for (const p of [PAYLOADS.img, PAYLOADS.script, PAYLOADS.svg, PAYLOADS.js]) expect(bare(text), p).toContain(bare(p));
    // A table cell of the minutes holds one line, cut to its column with an ellipsis (the CSV and
    // XLSX carry the whole text, checked above): the long word shows as its start, as text.
    expect(bare(text)).toMatch(/W{20,}…/);
  }, 60_000);
});
