import { describe, expect, it } from 'vitest';
import { addCrc, crc32, recordCrc } from './crc32.js';

describe('crc32', () => {
  it('matches the standard check value and zlib on ASCII and CJK', async () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    const { crc32: zlibCrc } = await import('node:zlib');
    for (const s of ['', 'L-20261120-0001:7', '福田分局南园派出所:3', 'emoji 🚓 and \u0000 control']) {
      expect(crc32(s)).toBe(zlibCrc(Buffer.from(s, 'utf8')));
    }
  });

  it('keeps a sum modulo 2^32 that adds and removes terms', () => {
    const a = recordCrc('a', 1);
    const b = recordCrc('b', 2);
    const sum = addCrc(addCrc(0, a), b);
    expect(sum).toBe((a + b) % 2 ** 32);
    expect(addCrc(sum, a, -1)).toBe(b);
    expect(addCrc(addCrc(0, 0xffffffff), 2)).toBe(1);
  });
});
