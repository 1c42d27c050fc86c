// The demo's weekly review has case reviews to group: the scenario reviews most post-warning
// victimisation cases the morning after (as the duty desk would, through the note entity the
// outbox writes), so the pattern table of a past week is filled. Expected counts come from the
// same seeded scenario, counted here by the definitions (cases of the week as of its cut-off,
// their latest review written by now).
import { expect, test } from '@playwright/test';
import { Scenario } from '../../central/scenario.js';
import { DAY } from '../../shared/domain.js';
import { reviewCutoff, weekWindow } from '../../shared/kpi.js';
import { FIXED_NOW } from '../support/harness.js';
import { startInProcess, type InProcess } from './support.js';
import { REVIEW_SECTIONS } from '../../shared/contract.js';

let app: InProcess | undefined;
test.afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const OPTS = { seed: 5, historyDays: 14, leadsPerDay: 400 } as const;

test('the demo’s weekly review shows its cases grouped by their reviews, at 1080p and 4K', async ({ page }, info) => {
  app = await startInProcess({ ...OPTS, speed: 0, now: FIXED_NOW });
  const week = weekWindow(FIXED_NOW - 7 * DAY);
  const cutoff = reviewCutoff(week, FIXED_NOW);
  const plans = new Scenario({ seed: OPTS.seed, leadsPerDay: OPTS.leadsPerDay }).leadsBetween(FIXED_NOW - OPTS.historyDays * DAY, FIXED_NOW);
  const cases = plans.filter((p) => p.lead.issuedAt >= week.start && p.lead.issuedAt < week.end && p.lead.outcome === 'defrauded_after_warning' && p.lead.feedbackAt! <= cutoff);
  const reviewed = cases.filter((p) => p.notes.some((n) => n.createdAt <= FIXED_NOW));
  expect(cases.length).toBeGreaterThan(5);
  expect(reviewed.length).toBeGreaterThan(cases.length / 2);

  const date = new Date(week.start + 8 * 3_600_000).toISOString().slice(0, 10);
  await page.goto(`${app.host.url}#/review?week=1&date=${date}&s=${REVIEW_SECTIONS.indexOf('cases')}`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  const table = page.locator('[data-patterns]');
  await expect(table).toHaveAttribute('data-patterns', String(cases.length), { timeout: 20_000 });
  await expect(table).toHaveAttribute('data-reviewed', String(reviewed.length));
  await expect(table).toHaveAttribute('data-not-reviewed', String(cases.length - reviewed.length));
  // Filled: what failed and the occupations read as codes of the reviews, not only "not reviewed".
  expect(await page.locator('[data-pattern-dimension="failed"] [data-pattern-row]:not([data-pattern-row="failed:not_reviewed"])').count()).toBeGreaterThan(1);
  expect(await page.locator('[data-pattern-dimension="occupation"] [data-pattern-row]:not([data-pattern-row="occupation:not_reviewed"])').count()).toBeGreaterThan(1);
  // Each reviewed case shows its latest review, structured.
  await expect(page.locator('[data-case-review="structured"]')).toHaveCount(reviewed.length);
  await page.screenshot({ path: info.outputPath('patterns-1920x1080.png') });
  await page.setViewportSize({ width: 3840, height: 2160 });
  await expect(table).toBeVisible();
  await page.screenshot({ path: info.outputPath('patterns-3840x2160.png') });
  // A reviewed case's own notes (the lead's drawer in the drill-down) give its review in words,
  // never its JSON body; so do the minutes' notes table.
  const lead = reviewed[0]!.lead;
  const station = lead.unitId.replace(/-B\d+$/, '');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(`${app.host.url}#/review?week=1&date=${date}&unit=${station}&s=${REVIEW_SECTIONS.indexOf('drill')}`);
  await page.locator(`[data-review-lead="${lead.id}"] button`).click();
  const note = page.locator(`[data-timeline="${lead.id}"] [data-note]`);
  await expect(note).toHaveCount(1);
  await expect(note).toContainText('复盘结论');
  await expect(note).toContainText('失效环节：');
  expect(await note.innerText()).not.toContain('{');
  await page.screenshot({ path: info.outputPath('patterns-lead-notes-1920x1080.png') });
  const csv = (await app.core.handlers['review:export']({ date, week: true, format: 'csv', table: 'notes' })) as { base64: string };
  const text = Buffer.from(csv.base64, 'base64').toString('utf8');
  expect(text).toContain('失效环节：');
  expect(text).not.toContain('{""v""');
  expect(text).not.toContain('{"v"');
});
