// The review frozen for real: a display that was running at the cut-off and one started after
// corrections were written at the centre (an outcome corrected, a lead voided, a late feedback
// back-dated) show the same figures and rankings, equal to the definitions applied to the
// fixture as it stood at the cut-off. The centre runs on a clock this test moves.
import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { createClock } from '../../central/clock.js';
import { createCore, type Core } from '../../electron/core/core.js';
import { startHost, type Host } from '../../electron/host/host.js';
import type { Lead } from '../../shared/protocol.js';
import { tempDir } from '../support/harness.js';
import { writeFixtureDay, type FixtureLine } from '../support/fixture-day.js';
import { startInProcess, type InProcess } from './support.js';

const H = 3_600_000;
const DAY_START = Date.UTC(2026, 10, 19, 16); // 2026-11-20 00:00 Shanghai
const CUTOFF = DAY_START + 32 * H; // 08:00 the morning after: the meeting's cut-off
const START = CUTOFF - 25_000; // the centre's clock starts just before it and runs in real time

/** kpis.md's definitions, written out again for this test (not the app's code). */
function expected(leads: Lead[], T: number) {
  const inW = leads.filter((l) => !l.voided && l.issuedAt >= DAY_START && l.issuedAt < DAY_START + 24 * H && l.issuedAt <= T);
  const fedBack = (l: Lead) => l.feedbackAt !== undefined && l.feedbackAt <= T;
  const met = inW.filter((l) => l.metAt !== undefined && l.metAt <= T);
  const victims = inW.filter((l) => l.outcome === 'defrauded_after_warning' && fedBack(l));
  const D = inW.filter((l) => l.feedbackDueAt <= T || fedBack(l));
  const late = D.filter((l) => !fedBack(l) || l.feedbackAt! > l.feedbackDueAt);
  return {
    faceToFace: met.length / inW.length,
    victimisation: victims.length / inW.length,
    overdue: late.length / D.length,
    peopleDefrauded: new Set(victims.map((l) => l.personId)).size,
    amountDefrauded: victims.reduce((a, l) => a + l.lossAmount, 0),
  };
}

const tmp = tempDir('guardpost-frozen-');
let app: InProcess;
let second: { core: Core; host: Host } | null = null;

test.afterEach(async () => {
  if (second) {
    await second.host.close();
    await second.core.close();
    second = null;
  }
  await app?.stop();
});
test.afterAll(() => tmp.remove());

async function figures(page: Page) {
  const out: Record<string, number | null> = {};
  for (const k of ['faceToFace', 'victimisation', 'overdue', 'peopleDefrauded', 'amountDefrauded']) {
    const v = await page.locator(`[data-kpi="${k}"]`).getAttribute('data-value');
    out[k] = v === null || v === '' ? null : Number(v);
  }
  return out;
}
async function rankingRows(page: Page, section: 'daily' | 'weekly'): Promise<string[]> {
  await page.locator(`[data-agenda="${section}"]`).click();
  const rows = page.locator(`[data-ranking="${section}-branch"] [data-rank-unit]`);
  await expect(rows.first()).toBeVisible();
  return rows.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-rank-unit')}#${e.getAttribute('data-rank')}|${(e.textContent ?? '').replace(/\s+/g, ' ')}`));
}

test('a display running at the cut-off and one started after corrections show the same frozen review', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const file = join(tmp.dir, 'day.ndjson');
  const fixture: FixtureLine[] = writeFixtureDay(file, DAY_START, START);
  // speed 0 keeps the scenario's own traffic off; the clock is the test's.
  const clock = createClock({ start: START, speed: 1 });
  app = await startInProcess({ fixture: file, historyDays: 0, speed: 0, clock });
  const atCutoff = fixture.filter((l) => l.e === 'lead').map((l) => l.d as unknown as Lead);
  const want = expected(atCutoff, CUTOFF);

  // Display 1, before the cut-off: provisional.
  await page.goto(`${app.host.url}#/review?date=2026-11-20`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect(page.locator('[data-review-state]')).toHaveAttribute('data-review-state', 'provisional', { timeout: 10_000 });

  // The cut-off passes while display 1 runs: it freezes the review from the versions it saw.
  await expect(page.locator('[data-review-state]')).toHaveAttribute('data-review-state', 'frozen', { timeout: 90_000 });
  await expect(page.locator('[data-review-state]')).toHaveAttribute('data-review-source', 'display');
  await expect(page.locator('.review-cutoff')).toHaveAttribute('data-cutoff', String(CUTOFF));
  const f1 = await figures(page);

  // Then the centre records corrections to the day.
  const inDay = atCutoff.filter((l) => !l.voided && l.issuedAt < DAY_START + 24 * H);
  const corrected = inDay.find((l) => l.outcome === 'dissuaded' && l.feedbackAt !== undefined)!;
  const voided = inDay.find((l) => l.metAt !== undefined && l.id !== corrected.id)!;
  // Fed back late (overdue at the cut-off): the feedback is re-recorded, back-dated before its deadline.
  const late = inDay.find((l) => l.feedbackAt !== undefined && l.feedbackAt > l.feedbackDueAt && l.id !== corrected.id && l.id !== voided.id)!;
  expect([corrected, voided, late].every(Boolean)).toBe(true);
  const corrections: Lead[] = [
    { ...corrected, outcome: 'defrauded_after_warning', lossAmount: 1_234_500 },
    { ...voided, voided: true },
    { ...late, metAt: late.feedbackDueAt - 2 * H, feedbackAt: late.feedbackDueAt - H, outcome: 'defrauded_after_warning', lossAmount: 777_700 },
  ];
  expect(clock()).toBeGreaterThan(CUTOFF);
  await app.centre.store.write(corrections.map((d) => ({ t: 'put' as const, e: 'lead' as const, d })));
  const afterCorrections = atCutoff.map((l) => corrections.find((c) => c.id === l.id) ?? l);
  // The corrections would change the figures as of the cut-off if the review read today's data.
  expect(expected(afterCorrections, CUTOFF)).not.toEqual(want);

  // Display 1 applies them, and its review, loaded again, does not move.
  const head = (await app.centre.store.headSeq());
  await expect.poll(() => app.core.sync.status.seq, { timeout: 20_000 }).toBeGreaterThanOrEqual(head);
  await page.keyboard.press('r');
  await expect(page.locator('[data-review-state]')).toHaveAttribute('data-review-state', 'frozen');
  expect(await figures(page)).toEqual(f1);

  // Display 2 starts the next day, after the corrections: it asks the centre for the state at the cut-off.
  const core2 = createCore({ dataDir: join(tmp.dir, 'second'), central: { url: app.centre.url, token: app.centre.token }, backoffMinMs: 200, backoffMaxMs: 1_000 });
  core2.start();
  second = { core: core2, host: await startHost({ core: core2, rendererDir: join('dist', 'renderer') }) };
  const page2 = await browser.newPage({ viewport: page.viewportSize() ?? { width: 1920, height: 1080 } });
  await page2.goto(`${second.host.url}#/review?date=2026-11-20`);
  await expect(page2.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect(page2.locator('[data-review-state]')).toHaveAttribute('data-review-state', 'frozen', { timeout: 20_000 });
  await expect(page2.locator('[data-review-state]')).toHaveAttribute('data-review-source', 'centre');
  await expect(page2.locator('.review-cutoff')).toHaveAttribute('data-cutoff', String(CUTOFF));
  const f2 = await figures(page2);

  expect(f2).toEqual(f1);
  expect(f1['faceToFace']).toBeCloseTo(want.faceToFace, 12);
  expect(f1['victimisation']).toBeCloseTo(want.victimisation, 12);
  expect(f1['overdue']).toBeCloseTo(want.overdue, 12);
  expect(f1['peopleDefrauded']).toBe(want.peopleDefrauded);
  expect(f1['amountDefrauded']).toBe(want.amountDefrauded);
  for (const section of ['daily', 'weekly'] as const) expect(await rankingRows(page2, section)).toEqual(await rankingRows(page, section));
  // The corrected cases are not among the day's victimisation cases.
  await page2.locator('[data-agenda="cases"]').click();
  await expect(page2.locator('.cases')).toBeVisible();
  await expect(page2.locator(`[data-case="${corrected.id}"], [data-case="${late.id}"]`)).toHaveCount(0);
  await page2.close();
});
