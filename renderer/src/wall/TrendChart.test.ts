import { describe, expect, it } from 'vitest';
import { axisDomain } from './TrendChart.js';

describe('trend axes fit the data', () => {
  it('shows a bad day of 18.1 % victimisation instead of clipping it at 5 %', () => {
    const { domain, ticks } = axisDomain([0.8, 1.2, 18.1, 0.5], [1.5, 0]);
    expect(domain[0]).toBe(0);
    expect(domain[1]).toBeGreaterThanOrEqual(18.1);
    expect(domain[1]).toBeLessThan(30);
    expect(ticks[0]).toBe(0);
    expect(ticks[ticks.length - 1]).toBe(domain[1]);
  });

  it('fits a face-to-face fall to 71 % and keeps the 98 % target on the axis', () => {
    const { domain } = axisDomain([97.5, 99.1, 71.3, 98.2], [98]);
    expect(domain[0]).toBeLessThanOrEqual(71.3);
    expect(domain[0]).toBeGreaterThanOrEqual(60);
    expect(domain[1]).toBeGreaterThanOrEqual(99.1);
    expect(domain[1]).toBeLessThanOrEqual(100);
  });

  it('pads a flat series so its line is not on the frame, within 0–100 %', () => {
    const { domain } = axisDomain([100, 100, 100], [98]);
    expect(domain[0]).toBeLessThan(98);
    expect(domain[1]).toBe(100);
    expect(axisDomain([null, null], []).domain).toEqual([0, 100]);
  });
});
