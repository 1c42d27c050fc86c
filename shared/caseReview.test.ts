import { describe, expect, it } from 'vitest';
import { AGE_BANDS, casePatterns, checkCaseReview, encodeCaseReview, isVersionedReview, latestReviews, occupationFromText, parseReviewBody, patternValueKey, reviewAgeBand, type CaseReview } from './caseReview.js';
import type { Note } from './protocol.js';
import { VOCABULARY } from './vocabulary.js';

const good: CaseReview = { occupation: 'retired', ageBand: '60–69', missed: ['late_call', 'repeat_ignored'], failed: ['denial'], psychology: 'fear', text: '三次预警后仍转账' };

const note = (id: string, leadId: string, createdAt: number, body: string, kind: Note['kind'] = 'review'): Note => ({ id, leadId, kind, body, author: '复盘组', createdAt });

describe('the age band of a review', () => {
  it('is the ten-year band of the one rule, and none without an age', () => {
    expect(reviewAgeBand(67)).toBe('60–69');
    expect(reviewAgeBand(60)).toBe('60–69');
    expect(reviewAgeBand(59)).toBe('50–59');
    expect(reviewAgeBand(0)).toBe('0–9');
    expect(reviewAgeBand(130)).toBe('130–139');
    expect(reviewAgeBand(null)).toBeNull();
    expect(reviewAgeBand(undefined)).toBeNull();
    expect(AGE_BANDS).toHaveLength(14);
    expect(AGE_BANDS[3]).toBe('30–39');
  });
});

describe('a review body', () => {
  it('is written as version 1 JSON with its fields in one order and read back whole', () => {
    const body = encodeCaseReview(good);
    expect(body).toBe('{"v":1,"occupation":"retired","ageBand":"60–69","missed":["late_call","repeat_ignored"],"failed":["denial"],"psychology":"fear","text":"三次预警后仍转账"}');
    expect(parseReviewBody(body)).toEqual({ kind: 'structured', review: good });
    expect(encodeCaseReview({ occupation: null, ageBand: null, missed: good.missed, failed: good.failed, text: good.text })).toBe('{"v":1,"occupation":null,"ageBand":null,"missed":["late_call","repeat_ignored"],"failed":["denial"],"text":"三次预警后仍转账"}');
  });

  it('written as plain text (an older display, another system) is text, never dropped', () => {
    expect(parseReviewBody('当事人被深度洗脑，拒绝配合')).toEqual({ kind: 'text', text: '当事人被深度洗脑，拒绝配合' });
    expect(parseReviewBody('{not json')).toEqual({ kind: 'text', text: '{not json' });
    expect(parseReviewBody('{"summary":"no version"}')).toEqual({ kind: 'text', text: '{"summary":"no version"}' });
    expect(parseReviewBody('[1,2]').kind).toBe('text');
    expect(isVersionedReview('plain')).toBe(false);
  });

  it('that claims version 1 but is malformed says what is wrong, field by field', () => {
    const bad = parseReviewBody('{"v":1,"occupation":"astronaut","ageBand":"60-69","missed":[],"failed":["denial","denial"],"text":""}');
    expect(bad.kind).toBe('invalid');
    if (bad.kind !== 'invalid') return;
    expect(bad.text).toContain('astronaut');
    expect(bad.problems.map((p) => p.field).sort()).toEqual(['ageBand', 'failed', 'missed', 'occupation']);
    expect(isVersionedReview('{"v":1}')).toBe(true);
    // An unknown field is refused: a new field comes with a new version.
    const extra = parseReviewBody(JSON.stringify({ v: 1, ...good, mood: 'x' }));
    expect(extra.kind).toBe('invalid');
  });

  it('of another version is not read as version 1', () => {
    const v2 = parseReviewBody(JSON.stringify({ v: 2, ...good }));
    expect(v2).toMatchObject({ kind: 'invalid', problems: [{ field: 'v' }] });
  });

  it('refuses "none missed" beside another code, an empty list, and too long a text', () => {
    expect(checkCaseReview({ ...good, missed: ['none', 'late_call'] }).map((p) => p.field)).toEqual(['missed']);
    expect(checkCaseReview({ ...good, missed: ['none'] })).toEqual([]);
    expect(checkCaseReview({ ...good, failed: [] }).map((p) => p.field)).toEqual(['failed']);
    expect(checkCaseReview({ ...good, text: 'x'.repeat(3001) }).map((p) => p.field)).toEqual(['text']);
    expect(() => encodeCaseReview({ ...good, failed: [] })).toThrow();
    // The longest text with the worst escaping still fits a note (20,000 characters).
    expect(encodeCaseReview({ ...good, text: '\u0001'.repeat(3000) }).length).toBeLessThanOrEqual(20000);
  });
});

describe('the occupation a lead names', () => {
  it('is the code whose word it is, in either language, or none', () => {
    expect(occupationFromText('学生')).toBe('student');
    expect(occupationFromText(' 外卖骑手 ')).toBe('delivery_rider');
    expect(occupationFromText('退休')).toBe('retired');
    expect(occupationFromText('退休人员')).toBe('retired');
    expect(occupationFromText('Teacher')).toBe('teacher');
    expect(occupationFromText('宇航员')).toBeNull();
    expect(occupationFromText('')).toBeNull();
    expect(occupationFromText(null)).toBeNull();
  });
});

describe('the weekly pattern table', () => {
  it('groups the cases by type, age band, occupation and what failed, counting the unreviewed', () => {
    // Four cases: A and B reviewed (structured), C reviewed in text only, D not reviewed.
    const cases = [
      { id: 'A', fraudType: 'rebate_task' as const, lossAmount: 100_00 },
      { id: 'B', fraudType: 'rebate_task' as const, lossAmount: 50_00 },
      { id: 'C', fraudType: 'romance_investment' as const, lossAmount: 300_00 },
      { id: 'D', fraudType: 'investment' as const, lossAmount: 7_00 },
    ];
    const reviews = latestReviews([
      // A's first review is superseded by a later one.
      note('n1', 'A', 1000, encodeCaseReview({ ...good, occupation: 'teacher' })),
      note('n2', 'A', 2000, encodeCaseReview({ occupation: 'student', ageBand: '20–29', missed: ['no_visit'], failed: ['persuasion', 'new_channel'], text: '' })),
      note('n3', 'B', 1500, encodeCaseReview({ occupation: 'student', ageBand: null, missed: ['none'], failed: ['persuasion'], text: '' })),
      note('n4', 'C', 1200, '文字复盘：被骗子话术洗脑'),
      // A meeting note about D is not its review.
      note('n5', 'D', 1300, 'D 的会议讨论', 'meeting'),
    ]);
    const p = casePatterns(cases, reviews);
    expect(p).toMatchObject({ cases: 4, lossAmount: 457_00, reviewed: 2, unstructured: 1, notReviewed: 1 });
    const rows = (d: string) => p.rows.filter((r) => r.dimension === d).map((r) => [r.value, r.cases, r.lossAmount]);
    expect(rows('fraudType')).toEqual([
      ['rebate_task', 2, 150_00],
      ['romance_investment', 1, 300_00],
      ['investment', 1, 7_00],
    ]);
    expect(rows('occupation')).toEqual([
      ['student', 2, 150_00],
      ['unstructured', 1, 300_00],
      ['not_reviewed', 1, 7_00],
    ]);
    // Codes first, then what is not known: unknown, reviewed in text only, not reviewed.
    expect(rows('ageBand')).toEqual([
      ['20–29', 1, 100_00],
      ['unknown', 1, 50_00],
      ['unstructured', 1, 300_00],
      ['not_reviewed', 1, 7_00],
    ]);
    expect(rows('failed')).toEqual([
      ['persuasion', 2, 150_00],
      ['new_channel', 1, 100_00],
      ['unstructured', 1, 300_00],
      ['not_reviewed', 1, 7_00],
    ]);
    expect(rows('missed')).toEqual([
      ['no_visit', 1, 100_00],
      ['none', 1, 50_00],
      ['unstructured', 1, 300_00],
      ['not_reviewed', 1, 7_00],
    ]);
    // Every case is in each single-valued dimension exactly once.
    for (const d of ['fraudType', 'ageBand', 'occupation']) expect(p.rows.filter((r) => r.dimension === d).reduce((a, r) => a + r.cases, 0)).toBe(4);
  });

  it('names every value in both languages', () => {
    for (const [d, v] of [['fraudType', 'rebate_task'], ['occupation', 'delivery_rider'], ['missed', 'none'], ['failed', 'coached'], ['failed', 'not_reviewed'], ['ageBand', 'unstructured'], ['occupation', 'unknown']] as const) {
      const key = patternValueKey(d, v)!;
      expect(VOCABULARY.zh[key], key).toBeTruthy();
      expect(VOCABULARY.en[key], key).toBeTruthy();
    }
    expect(patternValueKey('ageBand', '60–69')).toBeNull();
  });
});
