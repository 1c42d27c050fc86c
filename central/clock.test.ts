import { describe, expect, it } from 'vitest';
import { createClock } from './clock.js';

describe('createClock', () => {
  it('runs at its speed from its start, or stands still at speed 0', () => {
    let real = 1_000;
    const fast = createClock({ start: 50_000, speed: 60 }, () => real);
    const fixed = createClock({ start: 50_000, speed: 0 }, () => real);
    real += 2_000;
    expect(fast()).toBe(50_000 + 120_000);
    expect(fixed()).toBe(50_000);
  });

  it('runs its lead at the lead speed, then at its speed, with no jump at the switch', () => {
    let real = 0;
    // 24 simulated hours at ×240 (6 real minutes), then ×24.
    const clock = createClock({ start: 0, speed: 24, lead: { ms: 24 * 3_600_000, speed: 240 } }, () => real);
    real = 60_000;
    expect(clock()).toBe(240 * 60_000);
    real = 360_000;
    expect(clock()).toBe(24 * 3_600_000);
    real = 360_000 + 10_000;
    expect(clock()).toBe(24 * 3_600_000 + 240_000);
  });

  it('refuses a negative speed or a lead without a positive speed', () => {
    expect(() => createClock({ speed: -1 })).toThrow(RangeError);
    expect(() => createClock({ speed: 1, lead: { ms: 1_000, speed: 0 } })).toThrow(RangeError);
  });
});
