// The soak benchmark's robust summaries: a single wild sample moves neither the window's median
// nor the trend, and a real trend is found through noise.
import { describe, expect, it } from 'vitest';
import { median, theilSen } from '../support/trend.js';

describe('soak trend summaries', () => {
  it('takes the median of odd and even counts, and of nothing NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('finds the slope of a line despite outliers that would tilt a least-squares fit', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const ys = xs.map((x) => 10 + 0.5 * x);
    ys[18] = 100;
    ys[19] = 120;
    expect(theilSen(xs, ys)).toBeCloseTo(0.5, 10);
  });

  it('reads a flat but noisy series as flat, and a small drift under the same noise as that drift', () => {
    const noise = (i: number) => ((i * 7919) % 13) / 13 - 0.5; // deterministic, ±0.5
    const xs = Array.from({ length: 60 }, (_, i) => i);
    expect(Math.abs(theilSen(xs, xs.map((x) => 10 + noise(x))))).toBeLessThan(0.01);
    expect(theilSen(xs, xs.map((x) => 10 + 0.05 * x + noise(x)))).toBeCloseTo(0.05, 1);
  });

  it('refuses series of different lengths', () => {
    expect(() => theilSen([1, 2], [1])).toThrow(/2 x values but 1 y values/);
  });
});
