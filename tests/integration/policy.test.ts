// The countdown policy travels from the real centre to the display as data: the display's
// ladders follow the centre's tiers, a change at the centre reaches the tiles, and a centre that
// sends none leaves the display on kpis.md's defaults, saying so in its health.
import { afterEach, describe, expect, it } from 'vitest';
import { startCentre, type Centre } from '../../central/centre.js';
import type { Core } from '../../electron/core/core.js';
import type { CountdownTile } from '../../shared/contract.js';
import { HOUR, MINUTE } from '../../shared/domain.js';
import { DEFAULT_ESCALATION } from '../../shared/kpi.js';
import { coreFor, FIXED_NOW, tempDir, waitForStatus } from '../support/harness.js';
import { makeLead } from '../support/records.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(policy?: null): Promise<{ centre: Centre; core: Core }> {
  const centre = await startCentre({ seed: 11, now: FIXED_NOW, speed: 0, historyDays: 0, token: 'test-token', ...(policy === null ? { policy } : {}) });
  cleanup.push(() => centre.close());
  const tmp = tempDir();
  cleanup.push(() => tmp.remove());
  const core = coreFor(centre.url, tmp.dir);
  cleanup.push(() => core.close());
  core.start();
  await waitForStatus(core, (s) => s.state === 'live');
  const { lastSeq } = await centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-P', 'SZ-FT-S01-B1', FIXED_NOW) }]);
  await waitForStatus(core, (s) => s.seq === lastSeq);
  return { centre, core };
}
const leftOf = (t: CountdownTile) => t.ladder.map((s) => t.feedbackDueAt - s.dueAt);

describe('the countdown policy from the centre', () => {
  it('gives the ladders the centre publishes, follows a change, and says where it comes from', async () => {
    const { centre, core } = await setup();
    expect((await core.handlers['health:get']({})).policy).toEqual({ source: 'centre', id: 'escalation', unitId: 'SZ' });
    const tile = () => (core.handlers['countdowns:list']({}) as CountdownTile[]).find((t) => t.id === 'L-P')!;
    expect(leftOf(tile())).toEqual(DEFAULT_ESCALATION.tiers.map((t) => t.leftMs));
    const { lastSeq } = await centre.store.write([{ t: 'put', e: 'policy', d: { id: 'escalation', unitId: 'SZ', deadlineMs: DEFAULT_ESCALATION.deadlineMs, tiers: [{ leftMs: 4 * HOUR, role: 'station_chief' }, { leftMs: 90 * MINUTE, role: 'branch_chief' }] } }]);
    await waitForStatus(core, (s) => s.seq === lastSeq);
    expect(leftOf(tile())).toEqual([4 * HOUR, 90 * MINUTE]);
    expect(tile().ladder.map((s) => s.role)).toEqual(['station_chief', 'branch_chief']);
  });

  it('uses kpis.md\'s defaults when the centre sends none, and says so in its health', async () => {
    const { core } = await setup(null);
    expect((await core.handlers['health:get']({})).policy).toEqual({ source: 'default' });
    const tile = (core.handlers['countdowns:list']({}) as CountdownTile[]).find((t) => t.id === 'L-P')!;
    expect(leftOf(tile)).toEqual([3 * HOUR, 2 * HOUR, HOUR]);
  });
});
