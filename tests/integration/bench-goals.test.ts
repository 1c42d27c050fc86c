// The benchmarks' goal check: a missed goal fails the run with one line naming it, after the
// JSON with every verdict is written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGoals, finishBench, goalEnvName, type Goal } from '../support/bench-goals.js';
import { tempDir } from '../support/harness.js';

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.reverse()) f();
  cleanup = [];
});

const goals: Goal[] = [
  { name: 'catch-up seconds', value: 1.5, kind: 'max', limit: 2, unit: 's' },
  { name: 'live latency p99', value: 140, kind: 'max', limit: 100, unit: 'ms' },
  { name: 'rows per second', value: 900, kind: 'min', limit: 1000, unit: 'rows/s' },
];

describe('benchmark goals', () => {
  it('judges at-most and at-least goals, including the limit itself and a figure never measured', () => {
    expect(checkGoals(goals, {}).map((r) => r.met)).toEqual([true, false, false]);
    expect(checkGoals([{ name: 'x', value: 2, kind: 'max', limit: 2, unit: 's' }, { name: 'y', value: 2, kind: 'min', limit: 2, unit: 's' }], {}).map((r) => r.met)).toEqual([true, true]);
    expect(checkGoals([{ name: 'x', value: NaN, kind: 'max', limit: 2, unit: 's' }], {})[0]!.met).toBe(false);
  });

  it('writes the JSON with every verdict, then prints one line per missed goal and returns exit code 1', () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const file = join(tmp.dir, 'x.json');
    const lines: string[] = [];
    const code = finishBench('sync', file, { bench: 'sync', leads: 20 }, goals, {}, (l) => lines.push(l));
    expect(code).toBe(1);
    expect(lines).toEqual(['sync: goal missed: live latency p99 = 140 ms, goal ≤ 100 ms', 'sync: goal missed: rows per second = 900 rows/s, goal ≥ 1000 rows/s']);
    const written = JSON.parse(readFileSync(file, 'utf8')) as { leads: number; goals: { name: string; met: boolean; limit: number }[] };
    expect(written.leads).toBe(20);
    expect(written.goals.map((g) => [g.name, g.limit, g.met])).toEqual([
      ['catch-up seconds', 2, true],
      ['live latency p99', 100, false],
      ['rows per second', 1000, false],
    ]);
  });

  it('returns 0 and prints nothing when every goal is met', () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const lines: string[] = [];
    expect(finishBench('sync', join(tmp.dir, 'x.json'), {}, [goals[0]!], {}, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([]);
  });

  it('takes a limit from BENCH_GOAL_<NAME>, says so, and refuses one that is not a number', () => {
    expect(goalEnvName('catch-up seconds')).toBe('BENCH_GOAL_CATCH_UP_SECONDS');
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const lines: string[] = [];
    const code = finishBench('sync', join(tmp.dir, 'x.json'), {}, [goals[0]!], { BENCH_GOAL_CATCH_UP_SECONDS: '0.001' }, (l) => lines.push(l));
    expect(code).toBe(1);
    expect(lines).toEqual(['sync: goal missed: catch-up seconds = 1.5 s, goal ≤ 0.001 s (limit from BENCH_GOAL_CATCH_UP_SECONDS)']);
    expect(() => checkGoals([goals[0]!], { BENCH_GOAL_CATCH_UP_SECONDS: 'fast' })).toThrow('BENCH_GOAL_CATCH_UP_SECONDS="fast" is not a number');
  });
});
