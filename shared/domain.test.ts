import { describe, expect, it } from 'vitest';
import { maskName, maskPhone } from './domain.js';

describe('masking for the wall', () => {
  it('keeps the surname only', () => {
    expect(maskName('王小明')).toBe('王**');
    expect(maskName('李娜')).toBe('李*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('')).toBe('');
  });
  it('keeps the first 3 and last 4 digits of a phone', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone('+86 138-1234-5678')).toBe('861****5678');
    expect(maskPhone('12345')).toBe('*****');
  });
});
