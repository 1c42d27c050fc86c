import { describe, expect, it } from 'vitest';
import { clockText, dateText, durationText, moneyText } from './format.js';
import { countdownStep } from '../../shared/kpi.js';

describe('wall formatting', () => {
  it('shows times in Shanghai time', () => {
    const t = Date.UTC(2026, 10, 20, 16, 5, 9); // 00:05:09 on the 21st in Shanghai
    expect(clockText(t)).toBe('00:05:09');
    expect(clockText(t, false)).toBe('00:05');
    expect(dateText(t)).toBe('2026-11-21');
  });
  it('formats durations and money', () => {
    expect(durationText(3_723_000)).toBe('1:02:03');
    expect(durationText(59_000)).toBe('0:59');
    expect(durationText(-5)).toBe('0:00');
    expect(moneyText(1_234_500, 'zh-CN')).toBe('¥12,345');
    expect(moneyText(25_000_000, 'zh-CN')).toBe('25.0万元');
    // The seed's ¥16,811,000 reads as millions in English and 万 in Chinese, never ¥16811k.
    expect(moneyText(1_681_100_000, 'en')).toBe('¥16.8M');
    expect(moneyText(1_681_100_000, 'zh-CN')).toBe('1681.1万元');
    expect(moneyText(25_000_000, 'en')).toBe('¥250k');
    expect(moneyText(1_234_500, 'en')).toBe('¥12,345');
    expect(moneyText(-1_681_100_000, 'en')).toBe('-¥16.8M');
  });
  it('steps the countdown colour at 3 h, 1 h and the deadline', () => {
    const H = 3_600_000;
    expect([4 * H, 3 * H, H + 1, H, 1, 0, -1].map(countdownStep)).toEqual(['calm', 'warn', 'warn', 'alert', 'alert', 'overdue', 'overdue']);
  });
});
