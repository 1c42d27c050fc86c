import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/harness.js';
import { rotatingLog, scrub } from './log.js';

describe('logs', () => {
  it('never carry phone or ID-card numbers or tokens', () => {
    expect(scrub('sync: GET /v1/changes Authorization: Bearer abc.def 13812345678 44030119900101123X secret-token-1', ['secret-token-1'])).toBe(
      'sync: GET /v1/changes Authorization: Bearer *** 138****5678 [id] ***',
    );
  });

  it('rotate at a size and keep a few files', () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'logs', 'guardpost.log');
    const log = rotatingLog(file, { maxBytes: 200, keep: 2 });
    for (let i = 0; i < 30; i++) log(`line ${i} ${'x'.repeat(40)}`);
    expect(readdirSync(join(tmp.dir, 'logs')).sort()).toEqual(['guardpost.log', 'guardpost.log.1', 'guardpost.log.2']);
    expect(readFileSync(file, 'utf8')).toContain('line 29');
    tmp.remove();
  });
});
