// A token for one branch reads nothing of another and cannot write notes there, at the real
// reference centre. The write check is the centre's scope check (issue 14 item 3): it fails
// until the centre refuses (403) a mutation outside the token's scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import { parseFeedLine } from '../../shared/protocol.js';
import { centreForTest } from '../support/harness.js';

let centre: Centre;
const BRANCH = 'SZ-BA';
beforeAll(async () => {
  centre = await centreForTest({ scopedTokens: { 'branch-token': BRANCH } });
});
afterAll(async () => {
  await centre?.close();
});

/** Every lead id of the centre outside a unit's subtree. */
async function leadsOutside(unitId: string): Promise<string[]> {
  const path = (await centre.store.unitPath(unitId))!;
  return (await centre.store.live('lead')).filter((r) => !r.path.startsWith(path)).map((r) => r.id);
}

describe('a token scoped to one branch', () => {
  it('reads nothing of another branch, and may not widen its scope', async () => {
    const outside = new Set(await leadsOutside(BRANCH));
    expect(outside.size).toBeGreaterThan(0);
    const res = await fetch(`${centre.url}/v1/changes?since=0&limit=5000`, { headers: { Authorization: 'Bearer branch-token' } });
    expect(res.status).toBe(200);
    const lines = (await res.text()).split('\n').filter(Boolean).map((l, i) => parseFeedLine(l, i + 1));
    const path = (await centre.store.unitPath(BRANCH))!;
    let leads = 0;
    for (const l of lines) {
      if (l.t !== 'put') continue;
      if (l.e === 'lead') leads++;
      expect(outside.has(l.id), `${l.e} ${l.id}`).toBe(false);
      const leadId = (l.d as { leadId?: string }).leadId;
      if (leadId) expect(outside.has(leadId), `${l.e} ${l.id} of lead ${leadId}`).toBe(false);
      if (l.e === 'unit') expect((await centre.store.unitPath(l.id))!.startsWith(path) || path.startsWith((await centre.store.unitPath(l.id))!), `unit ${l.id}`).toBe(true);
    }
    expect(leads).toBeGreaterThan(0);
    const wider = await fetch(`${centre.url}/v1/changes?since=0&scope=SZ`, { headers: { Authorization: 'Bearer branch-token' } });
    expect(wider.status).toBe(403);
    await wider.text();
  });

  it('cannot write a note on a lead of another branch (403, nothing applied)', async () => {
    const [foreign] = await leadsOutside(BRANCH);
    const before = (await centre.store.headSeq());
    const res = await fetch(`${centre.url}/v1/mutations`, {
      method: 'POST',
      headers: { Authorization: 'Bearer branch-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: 'wall-scope-test', mutations: [{ id: 1, name: 'note.add', args: { id: 'N-x-1', leadId: foreign, kind: 'review', body: 'not yours', author: 'x', createdAt: 1 } }] }),
    });
    expect(res.status).toBe(403);
    expect((await centre.store.headSeq())).toBe(before);
  });
});
