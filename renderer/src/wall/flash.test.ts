import { describe, expect, it } from 'vitest';
import { FLASH_MS, flashing, MAX_FLASHING, newUrgent } from './flash.js';

describe('flashing new urgent leads', () => {
  const now = 1_000_000;
  const leads = [
    { id: 'old', riskLevel: 'urgent' }, // present at start (0): never flashes
    { id: 'mid', riskLevel: 'high' }, // new but not urgent
    { id: 'u1', riskLevel: 'urgent' },
    { id: 'u2', riskLevel: 'urgent' },
    { id: 'u3', riskLevel: 'urgent' },
    { id: 'u4', riskLevel: 'urgent' },
    { id: 'stale', riskLevel: 'urgent' },
  ];
  const firstSeen = { old: 0, mid: now - 1_000, u1: now - 5_000, u2: now - 4_000, u3: now - 3_000, u4: now - 2_000, stale: now - FLASH_MS };

  it('lists every urgent lead first seen within the minute, newest first', () => {
    expect(newUrgent(leads, firstSeen, now)).toEqual(['u4', 'u3', 'u2', 'u1']);
  });

  it('flashes only the newest few of a burst', () => {
    expect(MAX_FLASHING).toBe(3);
    expect([...flashing(leads, firstSeen, now)]).toEqual(['u4', 'u3', 'u2']);
    // A minute after the first, the older ones stop and nothing else starts.
    expect([...flashing(leads, firstSeen, now + FLASH_MS - 2_500)]).toEqual(['u4']);
  });
});
