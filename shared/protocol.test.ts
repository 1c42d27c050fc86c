import { describe, expect, it } from 'vitest';
import { FeedLineError, HELD_EXCERPT_CHARS, parseFeedLine } from './protocol.js';

const unit = { id: 'SZ', parentId: null, level: 'city', code: 'SZ', name: '深圳市公安局' };

describe('feed lines', () => {
  it('parses puts with their record, dels, checkpoints and heartbeats', () => {
    expect(parseFeedLine(JSON.stringify({ t: 'put', e: 'unit', id: 'SZ', v: 1, seq: 1, d: unit }), 1)).toMatchObject({ t: 'put', d: unit });
    expect(parseFeedLine('{"t":"del","e":"lead","id":"L1","seq":2}', 2)).toEqual({ t: 'del', e: 'lead', id: 'L1', seq: 2 });
    expect(parseFeedLine('{"t":"checkpoint","seq":2,"epoch":"e1","serverTime":5,"more":false,"counts":{"unit":1},"sums":{"unit":9}}', 3)).toMatchObject({ t: 'checkpoint' });
    expect(parseFeedLine('{"t":"heartbeat","seq":2,"serverTime":5}', 4)).toMatchObject({ t: 'heartbeat' });
  });

  it.each([
    ['{garbage', /line 7: not JSON/],
    ['{"t":"put","e":"robot","id":"X","v":1,"seq":1,"d":{}}', /line 7: e:/],
    ['{"t":"del","e":"lead","id":"L1","seq":-4}', /line 7: seq/],
  ])('rejects %s with a message naming the line', (text, message) => {
    expect(() => parseFeedLine(text, 7)).toThrow(FeedLineError);
    expect(() => parseFeedLine(text, 7)).toThrow(message);
  });

  it.each([
    ['{"t":"put","e":"unit","id":"SZ","v":1,"seq":1,"d":{"id":"SZ"}}', /^parentId/],
    ['{"t":"put","e":"unit","id":"X","v":1,"seq":1,"d":' + JSON.stringify(unit) + '}', /^d.id SZ differs from id X$/],
    [JSON.stringify({ t: 'put', e: 'unit', id: 'SZ', v: 3, seq: 9, d: { ...unit, level: 'planet' } }), /^level: /],
  ])('holds back %s: not fatal, counted by id and version, with why', (text, reason) => {
    const line = parseFeedLine(text, 7);
    expect(line).toMatchObject({ t: 'held', e: 'unit', id: JSON.parse(text).id, v: JSON.parse(text).v, seq: JSON.parse(text).seq });
    expect(line.t === 'held' && line.reason).toMatch(reason);
  });

  it('keeps only a bounded excerpt of a held-back line', () => {
    const text = JSON.stringify({ t: 'put', e: 'unit', id: 'SZ', v: 1, seq: 1, d: { ...unit, name: 'x'.repeat(100_000) } });
    const line = parseFeedLine(text, 1);
    expect(line.t === 'held' && line.excerpt.length).toBe(HELD_EXCERPT_CHARS);
  });
});
