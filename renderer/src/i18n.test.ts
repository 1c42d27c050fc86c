import { describe, expect, it } from 'vitest';
import { messageKeys, table } from './i18n.js';

describe('translation table', () => {
  it('has every string in both languages, and no Chinese left in English', () => {
    const zh = table('zh-CN');
    const en = table('en');
    // Not vacuous (the loop below runs over many keys), and English has no key Chinese lacks.
    expect(messageKeys.length).toBeGreaterThan(50);
    expect(Object.keys(en).sort()).toEqual([...messageKeys].sort());
    for (const k of messageKeys) {
      expect(zh[k], k).toBeTruthy();
      expect(en[k], k).toBeTruthy();
      expect(en[k], k).not.toMatch(/[\u4e00-\u9fff]/);
      // The same placeholders in both.
      expect((en[k].match(/\{\w+\}/g) ?? []).sort(), k).toEqual((zh[k].match(/\{\w+\}/g) ?? []).sort());
    }
  });
});
