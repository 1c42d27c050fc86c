// The sync engine against an adversarial link to the real reference centre: whatever the link
// does, the replica keeps its invariants (stats equal a recount, seq never goes back, nothing
// half-applied), retries stay bounded, and it converges to exactly the centre's rows.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Centre } from '../../central/centre.js';
import type { Core } from '../../electron/core/core.js';
import { startAdversary, type Adversary } from '../support/adversary.js';
import { centreForTest, checkInvariants, converged, coreFor, FIXED_NOW, tempDir, waitForStatus, watchSeq } from '../support/harness.js';
import { makeLead } from '../support/records.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

let n = 0;
const writeLeads = (centre: Centre, count = 3) =>
  centre.store.write(Array.from({ length: count }, () => ({ t: 'put' as const, e: 'lead' as const, d: makeLead(`L-F-${n++}`, 'SZ-FT-S01-B1', FIXED_NOW) })));

async function setup(opts: { watchdogMs?: number } = {}): Promise<{ centre: Centre; core: Core; adv: Adversary; seq: ReturnType<typeof watchSeq> }> {
  const centre = await centreForTest({ pageLimit: 200, heartbeatMs: 250, rateLimit: { perSecond: 10_000, burst: 10_000 } });
  cleanup.push(() => centre.close());
  const adv = await startAdversary(centre.url);
  cleanup.push(() => adv.close());
  const tmp = tempDir();
  cleanup.push(() => tmp.remove());
  const core = coreFor(adv.url, tmp.dir, 'test-token', { watchdogMs: opts.watchdogMs ?? 2_000, backoffMinMs: 50, backoffMaxMs: 400 });
  cleanup.push(() => core.close());
  const seq = watchSeq(core);
  core.start();
  await converged(core, centre);
  return { centre, core, adv, seq };
}

describe('an adversarial link', () => {
  it.each([
    ['a duplicated page', { kind: 'duplicate-next-page' } as const, /not above .*out of order or repeated/],
    ['a reordered page', { kind: 'reorder-next-page' } as const, /out of order or repeated/],
    ['a garbage line', { kind: 'replace-next-put', text: '\u0000\u0001garbage' } as const, /not JSON/],
    ['a line that is not a line of the protocol', { kind: 'replace-next-put', text: '{"t":"put","e":"lead","id":"X","v":"one","seq":99999999,"d":{"id":"X"}}' } as const, /line \d+: v: /],
    ['a truncated page', { kind: 'truncate-before-checkpoint' } as const, /ended inside a page/],
    ['a 5 MB line', { kind: 'replace-next-put', text: `{"t":"put","e":"lead","id":"${'x'.repeat(5_000_000)}"}` } as const, /line \d+ is longer than 4194304 characters/],
  ])('%s is rejected whole, said why, retried from the same seq, and converges', async (_what, fault, reason) => {
    const { centre, core, adv, seq } = await setup();
    adv.inject(fault);
    await writeLeads(centre, 4);
    const bad = await waitForStatus(core, (s) => s.state === 'error');
    expect(bad.reason).toMatch(reason);
    await checkInvariants(core, centre);
    await converged(core, centre);
    await checkInvariants(core, centre);
    seq.check();
  });

  it('repairs an entity after a wrong checksum once, and reports it', async () => {
    const { centre, core, adv } = await setup();
    const repaired = new Promise<{ entity: string; reason: string }>((r) => core.sync.once('repaired', r));
    adv.inject({ kind: 'wrong-sums', times: 1 });
    await writeLeads(centre, 1);
    expect(await repaired).toMatchObject({ entity: 'unit', reason: expect.stringMatching(/checksum mismatch at seq \d+ \(unit/) });
    expect(adv.requests.filter((r) => r.includes('entity=unit'))).toHaveLength(1);
    await writeLeads(centre, 1);
    await converged(core, centre);
    await checkInvariants(core, centre);
  });

  it('does not loop when checksums stay wrong: one repair, then an error that needs attention', async () => {
    const { centre, core, adv } = await setup();
    adv.inject({ kind: 'wrong-sums', times: 1000 });
    const repaired = new Promise((r) => core.sync.once('repaired', r));
    await writeLeads(centre, 1);
    await repaired;
    await writeLeads(centre, 1); // the next final checkpoint disagrees again
    const s = await waitForStatus(core, (x) => x.state === 'error');
    expect(s.reason).toMatch(/unit still disagrees after a repair; needs attention$/);
    for (let i = 0; i < 5; i++) await writeLeads(centre, 1);
    // The data itself keeps flowing: wait until all five (each page's final checkpoint disagreeing
    // again) are applied, then no second repair was asked for on the way.
    const head = await centre.store.headSeq();
    await vi.waitFor(() => expect(core.replica.position.seq).toBe(head), { timeout: 20_000, interval: 50 });
    expect(adv.requests.filter((r) => r.includes('entity=unit'))).toHaveLength(1);
    await checkInvariants(core, centre);
  });

  it('honours Retry-After through a 503 storm and comes back', async () => {
    const { centre, core, adv } = await setup();
    adv.inject({ kind: 'status', status: 503, times: 3, retryAfter: 1 });
    const before = core.sync.attempts;
    const t0 = performance.now();
    adv.cutAll();
    await writeLeads(centre, 2);
    await converged(core, centre);
    // A lower bound (three answers, each asking for a second): a loaded machine only adds to it.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3_000);
    expect(core.sync.attempts - before).toBe(4);
  });

  it('backs off through a 5xx storm: retries stay bounded, and it converges', async () => {
    const { centre, core, adv } = await setup();
    adv.inject({ kind: 'status', status: 500, times: 1000 });
    const before = core.sync.attempts;
    const t0 = performance.now();
    adv.cutAll();
    await waitForStatus(core, (s) => s.state === 'offline');
    // It keeps retrying (the wait), but no faster than the backoff allows (the elapsed time): the
    // wait after the k-th failure is at least half of min(400, 50 · 2^(k-1)) ms, so eight tries
    // take at least 25 + 50 + 100 + 200 + 200 + 200 + 200 ms. Measured, not slept: a loaded
    // machine only makes it longer.
    const TRIES = 8;
    await vi.waitFor(() => expect(core.sync.attempts - before).toBeGreaterThanOrEqual(TRIES), { timeout: 20_000, interval: 10 });
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(25 + 50 + 100 + 200 + 200 + 200 + 200);
    adv.clear();
    await writeLeads(centre, 2);
    await converged(core, centre);
  });

  it('treats 401 as a configuration problem and does not hammer the centre', async () => {
    const { core, adv } = await setup();
    adv.inject({ kind: 'status', status: 401, times: 1, body: '{"error":"unknown token"}' });
    adv.cutAll();
    const s = await waitForStatus(core, (x) => x.state === 'error');
    expect(s.reason).toMatch(/^configuration: the centre refused this display's token \(401/);
    const tries = core.sync.attempts;
    const feedRequests = () => adv.requests.filter((r) => r.startsWith('/v1/changes'));
    const requests = feedRequests().length;
    // An absence needs a window to be seen in: 1 s is more than two of this core's longest
    // backoffs (400 ms), so a retry loop would have shown itself. (Load only lengthens the window.)
    await new Promise((r) => setTimeout(r, 1_000));
    expect(core.sync.attempts).toBe(tries);
    expect(feedRequests(), adv.requests.join(' ')).toHaveLength(requests);
  });

  it('notices a silent link with its watchdog and reconnects', async () => {
    const { centre, core, adv } = await setup({ watchdogMs: 500 });
    adv.inject({ kind: 'silence' });
    await writeLeads(centre, 2);
    const s = await waitForStatus(core, (x) => x.state === 'offline');
    expect(s.reason).toBe('no data from the centre for 1 s');
    adv.clear();
    await converged(core, centre);
  });

  it('on 409 keeps serving the old data marked stale, rebuilds from since=0 and swaps', async () => {
    const { centre, core, seq } = await setup();
    const countBefore = core.handlers['countdowns:list']({ limit: 5000 }) as unknown[];
    await centre.store.resetEpoch();
    await writeLeads(centre, 2);
    const stale = await waitForStatus(core, (s) => s.state === 'stale');
    expect(stale.reason).toMatch(/reset the feed \(epoch_changed\)/);
    // Still answering from the old replica while rebuilding.
    expect((core.handlers['countdowns:list']({ limit: 5000 }) as unknown[]).length).toBeGreaterThanOrEqual(countBefore.length);
    await converged(core, centre);
    expect(core.replica.position.epoch).toBe(centre.store.epoch);
    await checkInvariants(core, centre);
    seq.check();
  });
});

describe('offline', () => {
  it('answers every query from the replica while the centre is down, says since when, and catches up', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const db = `${tmp.dir}/centre.db`;
    let centre = await centreForTest({ db });
    const port = Number(new URL(centre.url).port);
    const core = coreFor(centre.url, `${tmp.dir}/app`, 'test-token', { backoffMinMs: 50, backoffMaxMs: 200 });
    cleanup.push(() => core.close());
    core.start();
    await converged(core, centre);
    const asOf = FIXED_NOW;
    const strip = core.handlers['kpi:strip']({ asOf });
    await centre.close();
    const off = await waitForStatus(core, (s) => s.state === 'offline');
    expect(off.offlineSince).toBeGreaterThan(0);
    expect(core.handlers['kpi:strip']({ asOf })).toEqual(strip);
    expect((core.handlers['countdowns:list']({ limit: 10 }) as unknown[]).length).toBeGreaterThan(0);
    expect(core.handlers['ranking:get']({ kind: 'daily', level: 'branch' })).toHaveLength(10);
    expect(core.handlers['trends:get']({ days: 30 })).toHaveLength(30);
    centre = await centreForTest({ db, port });
    cleanup.push(() => centre.close());
    await writeLeads(centre, 5);
    await converged(core, centre);
  });
});

describe('the outbox', () => {
  it('keeps a note written offline, shows it at once, applies it exactly once when the centre is back, on every display', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const db = `${tmp.dir}/centre.db`;
    let centre = await centreForTest({ db });
    const port = Number(new URL(centre.url).port);
    const a = coreFor(centre.url, `${tmp.dir}/a`, 'test-token', { backoffMinMs: 50, backoffMaxMs: 200, outboxRetryMs: 100 });
    const b = coreFor(centre.url, `${tmp.dir}/b`, 'test-token', { backoffMinMs: 50, backoffMaxMs: 200 });
    cleanup.push(() => a.close(), () => b.close());
    a.start();
    b.start();
    await converged(a, centre);
    await centre.close();
    await waitForStatus(a, (s) => s.state === 'offline');
    const note = a.handlers['notes:add']({ unitId: 'SZ-FT', kind: 'meeting', body: '会议纪要：福田分局见面率偏低', author: '值班长' }) as { id: string; pending: boolean };
    expect(note.pending).toBe(true);
    const listed = a.handlers['notes:list']({ unitId: 'SZ-FT' }) as { id: string; pending: boolean }[];
    expect(listed.map((x) => [x.id, x.pending])).toEqual([[note.id, true]]);
    expect(a.local.pending()).toHaveLength(1);
    centre = await centreForTest({ db, port });
    cleanup.push(() => centre.close());
    // The outbox sends on its own beat once the link is back: converging on the centre's rows
    // before the note has reached it would prove nothing, so wait for the outbox to empty first.
    await vi.waitFor(() => expect(a.local.pending()).toHaveLength(0), { timeout: 20_000, interval: 50 });
    await converged(a, centre);
    const head = await centre.store.headSeq();
    await waitForStatus(b, (s) => s.state === 'live' && s.seq === head);
    // The notes displays wrote (through an outbox, so with a client id): the scenario's own case reviews are the centre's.
    const atCentre = (await centre.store.live('note')).filter((r) => (r.d as { clientId?: string }).clientId !== undefined).map((r) => ({ id: r.id, v: r.v }));
    expect(atCentre).toEqual([{ id: note.id, v: 1 }]);
    expect(a.local.pending()).toHaveLength(0);
    expect((a.handlers['notes:list']({ unitId: 'SZ-FT' }) as { pending: boolean }[]).map((x) => x.pending)).toEqual([false]);
    expect((b.handlers['notes:list']({ unitId: 'SZ-FT' }) as { body: string }[]).map((x) => x.body)).toEqual(['会议纪要：福田分局见面率偏低']);
  });
});
