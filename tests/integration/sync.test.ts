import { afterEach, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import type { Core } from '../../electron/core/core.js';
import { startAdversary, type Adversary } from '../support/adversary.js';
import { centreForTest, centreRows, coreFor, FIXED_NOW, replicaRows, tempDir, waitForStatus } from '../support/harness.js';
import { rowDifferences } from '../support/rows.js';
import { makeLead } from '../support/records.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(viaAdversary = false): Promise<{ centre: Centre; core: Core; adversary: Adversary | null }> {
  const centre = await centreForTest();
  cleanup.push(() => centre.close());
  const adversary = viaAdversary ? await startAdversary(centre.url) : null;
  if (adversary) cleanup.push(() => adversary.close());
  const tmp = tempDir();
  cleanup.push(() => tmp.remove());
  const core = coreFor(adversary?.url ?? centre.url, tmp.dir);
  cleanup.push(() => core.close());
  core.start();
  await waitForStatus(core, (s) => s.state === 'live');
  return { centre, core, adversary };
}

async function centreStats(centre: Centre) {
  return centre.store.stats((await centre.store.unitPath('SZ'))!);
}

describe('sync from the reference centre into the replica', () => {
  it('converges on the snapshot: same seq, counts and crc32 sums as the centre', async () => {
    const { centre, core } = await setup();
    const { counts, sums } = await centreStats(centre);
    expect(counts.lead).toBeGreaterThan(50);
    expect(core.sync.status.seq).toBe((await centre.store.headSeq()));
    const local = core.replica.stats;
    for (const e of ['unit', 'lead', 'event', 'stop_payment'] as const) {
      expect(local[e], e).toEqual({ count: counts[e] ?? 0, sum: sums[e] ?? 0 });
    }
    const persisted = core.replica.db.prepare('SELECT seq, epoch FROM sync_state').get();
    expect(persisted).toEqual({ seq: (await centre.store.headSeq()), epoch: centre.store.epoch });
    // Counts and crc32 sums cover ids and versions only: the rows' data must match too.
    expect(rowDifferences(replicaRows(core), (await centreRows(centre)))).toEqual([]);
  });

  it('streams a lead written at the centre into the replica and emits db:changed', async () => {
    const { centre, core } = await setup();
    const changed = new Promise<string[]>((resolve) => core.on('db:changed', ({ tables }) => resolve(tables)));
    await centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-TEST-0001', 'SZ-FT-S01-B1', FIXED_NOW) }]);
    expect(await changed).toContain('lead');
    const open = core.handlers['countdowns:list']({ limit: 5000 }) as { id: string; personName: string; personPhone: string }[];
    const mine = open.find((l) => l.id === 'L-TEST-0001');
    expect(mine).toMatchObject({ personName: '测**', personPhone: '138****1234' });
  });

  it('rejects a page with a malformed line whole, keeps the replica as it was, says why, then recovers', async () => {
    const { centre, core, adversary } = await setup(true);
    const before = replicaRows(core);
    const seqBefore = core.sync.status.seq;
    adversary!.inject({ kind: 'replace-next-put', text: '{"t":"put","e":"lead",GARBAGE' });
    // One transaction of three leads: its page carries the garbled line among good ones.
    await centre.store.write([0, 1, 2].map((i) => ({ t: 'put', e: 'lead', d: makeLead(`L-BAD-${i}`, 'SZ-NS-S01-B1', FIXED_NOW) }) as const));
    const rejected = await waitForStatus(core, (s) => s.state === 'error');
    expect(rejected.reason).toMatch(/^rejected page: line \d+: not JSON/);
    expect(rejected.seq).toBe(seqBefore);
    expect(replicaRows(core)).toEqual(before);
    expect(core.replica.position.seq).toBe(seqBefore);
    // The fault was one-off: the retry (from the same seq) brings all three leads.
    const head = await centre.store.headSeq();
    await waitForStatus(core, (s) => s.state === 'live' && s.seq === head);
    const after = replicaRows(core);
    expect(after.lead.filter((k) => k.startsWith('L-BAD-'))).toHaveLength(3);
    expect(rowDifferences(after, (await centreRows(centre)))).toEqual([]);
    expect(adversary!.faultsApplied).toBe(1);
  });

  it('applies nothing of a page cut before its checkpoint', async () => {
    const { centre, core, adversary } = await setup(true);
    const before = replicaRows(core);
    adversary!.inject({ kind: 'truncate-before-checkpoint' });
    await centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-CUT-1', 'SZ-NS-S01-B1', FIXED_NOW) }]);
    const cut = await waitForStatus(core, (s) => s.state === 'error' || s.state === 'offline');
    expect(cut.reason).toBe("rejected page: the feed ended inside a page (1 line(s) after the last checkpoint); nothing of it was applied");
    expect(replicaRows(core)).toEqual(before);
    const head = await centre.store.headSeq();
    await waitForStatus(core, (s) => s.state === 'live' && s.seq === head);
    expect(replicaRows(core).lead.filter((k) => k.startsWith('L-CUT-1:1:'))).toHaveLength(1);
    expect(rowDifferences(replicaRows(core), (await centreRows(centre)))).toEqual([]);
  });
});
