// The row comparison every convergence claim rests on: it must see a row whose data differs under
// the same id and version, not only missing rows and wrong versions.
import { afterEach, describe, expect, it } from 'vitest';
import { centreForTest, centreRows, converged, coreFor, FIXED_NOW, replicaRows, tempDir } from '../support/harness.js';
import { makeLead } from '../support/records.js';
import { canonicalJson, rowDifferences } from '../support/rows.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

describe('comparing a replica with the centre', () => {
  it('canonical JSON ignores key order but not values', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('names a row whose data differs under the same id and version, a missing row and an extra one', async () => {
    const centre = await centreForTest();
    cleanup.push(() => centre.close());
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const core = coreFor(centre.url, tmp.dir);
    cleanup.push(() => core.close());
    await centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-ROW-1', 'SZ-FT-S01-B1', FIXED_NOW) }]);
    core.start();
    await converged(core, centre);
    expect(rowDifferences(replicaRows(core), (await centreRows(centre)))).toEqual([]);
    const v = (core.replica.db.prepare("SELECT v FROM lead WHERE id = 'L-ROW-1'").get() as { v: number }).v;

    // Same id, same version, other content: what an id:version comparison cannot see.
    core.replica.db.prepare("UPDATE lead SET data = json_set(data, '$.riskScore', 1) WHERE id = 'L-ROW-1'").run();
    expect(core.replica.db.prepare("SELECT v FROM lead WHERE id = 'L-ROW-1'").get()).toEqual({ v });
    const diff = rowDifferences(replicaRows(core), (await centreRows(centre)));
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatch(new RegExp(`^lead L-ROW-1: replica ${v}:[0-9a-f]{64}, centre ${v}:[0-9a-f]{64}$`));
    await expect(converged(core, centre)).rejects.toThrow(/lead L-ROW-1: replica/);

    // Key order alone is no difference.
    const data = JSON.parse((core.replica.db.prepare("SELECT data FROM lead WHERE id = 'L-ROW-1'").get() as { data: string }).data) as Record<string, unknown>;
    data['riskScore'] = 70;
    const reversed = Object.fromEntries(Object.entries(data).reverse());
    core.replica.db.prepare("UPDATE lead SET data = ? WHERE id = 'L-ROW-1'").run(JSON.stringify(reversed));
    expect(rowDifferences(replicaRows(core), (await centreRows(centre)))).toEqual([]);

    core.replica.db.prepare("DELETE FROM lead WHERE id = 'L-ROW-1'").run();
    core.replica.db.prepare("INSERT INTO lead (id, v, data) VALUES ('L-ROW-X', 1, ?)").run(JSON.stringify(makeLead('L-ROW-X', 'SZ-FT-S01-B1', FIXED_NOW)));
    expect(rowDifferences(replicaRows(core), (await centreRows(centre)))).toEqual([
      expect.stringMatching(/^lead L-ROW-1: missing from the replica/),
      expect.stringMatching(/^lead L-ROW-X: in the replica \(1:[0-9a-f]{64}\) but not at the centre$/),
    ]);
  });
});
