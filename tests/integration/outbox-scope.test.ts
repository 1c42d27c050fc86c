// A display's outbox against a centre token bound to a narrower scope: a note the centre refuses
// (403, outside the scope) is marked refused once and kept visible; the rest are sent.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../../electron/core/local.js';
import { Outbox } from '../../electron/core/outbox.js';
import { centreForTest, FIXED_NOW, tempDir } from '../support/harness.js';
import { makeLead } from '../support/records.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});
async function centre() {
  const c = await centreForTest({ historyDays: 0 });
  cleanup.push(() => c.close());
  await c.store.write([
    { t: 'put', e: 'lead', d: makeLead('L-FT', 'SZ-FT-S01-B1', FIXED_NOW) },
    { t: 'put', e: 'lead', d: makeLead('L-NS', 'SZ-NS', FIXED_NOW) },
  ]);
  return c;
}

describe('a display’s outbox against a scoped token', () => {
  it('marks a note outside its scope refused (403, once) and sends the others', async () => {
    const c = await centre();
    const secret = (await c.tokens.issue({ name: 'ft', scope: 'SZ-FT', role: 'display', now: FIXED_NOW })).secret;
    const t = tempDir();
    cleanup.push(() => t.remove());
    const local = new LocalStore(join(t.dir, 'local.db'));
    cleanup.push(() => local.close());
    const posts: number[] = [];
    const counting: typeof fetch = async (...args) => {
      const res = await fetch(...args);
      posts.push(res.status);
      return res;
    };
    const outbox = new Outbox(local, { url: c.url, token: secret, now: () => FIXED_NOW, log: () => {}, retryMs: 60_000, fetch: counting });
    local.addNote({ leadId: 'L-FT', kind: 'revisit', body: '回访', author: 'a', createdAt: FIXED_NOW }, FIXED_NOW);
    const bad = local.addNote({ leadId: 'L-NS', kind: 'revisit', body: '回访', author: 'a', createdAt: FIXED_NOW }, FIXED_NOW);
    outbox.flush();
    await outbox.idle();
    expect(local.pending().find((r) => r.id === bad.id)!.error).toContain("lead L-NS is not in this token's scope");
    expect((await c.store.lastMutationId(local.clientId))).toBe(1);
    outbox.flush();
    await outbox.idle();
    expect(posts).toEqual([403, 200, 403]); // the batch, then each; nothing more once refused
  });
});
