// A benchmark's goals, checked in one place: each benchmark lists its figures against their goals,
// writes its JSON with the verdicts, prints one line per missed goal and exits non-zero, so a
// slower build cannot hide behind a green exit code.
import { writeFileSync } from 'node:fs';

export type Goal = {
  /** Stable name; also the env override `BENCH_GOAL_<NAME>` (upper case, non-alphanumerics as _). */
  name: string;
  value: number;
  /** The figure must be at most (`max`) or at least (`min`) the limit. */
  kind: 'max' | 'min';
  limit: number;
  unit: string;
};

export type GoalResult = Goal & { met: boolean; overridden: boolean };

export function goalEnvName(name: string): string {
  return `BENCH_GOAL_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/**
 * Each goal's verdict. A `BENCH_GOAL_<NAME>` variable replaces a limit (to try a goal, or to
 * check that a miss fails the run); the verdict records that it was overridden.
 */
export function checkGoals(goals: Goal[], env: Record<string, string | undefined> = process.env): GoalResult[] {
  return goals.map((g) => {
    const raw = env[goalEnvName(g.name)];
    let limit = g.limit;
    if (raw !== undefined) {
      limit = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(limit)) throw new Error(`${goalEnvName(g.name)}=${JSON.stringify(raw)} is not a number`);
    }
    // NaN (a figure that was never measured) meets no goal.
    const met = g.kind === 'max' ? g.value <= limit : g.value >= limit;
    return { ...g, limit, met, overridden: raw !== undefined };
  });
}

/** One line per missed goal: what, the figure, the goal. */
export function missedLines(bench: string, results: GoalResult[]): string[] {
  return results
    .filter((r) => !r.met)
    .map((r) => `${bench}: goal missed: ${r.name} = ${r.value} ${r.unit}, goal ${r.kind === 'max' ? '≤' : '≥'} ${r.limit} ${r.unit}${r.overridden ? ` (limit from ${goalEnvName(r.name)})` : ''}`);
}

/**
 * Writes the benchmark's JSON (its figures plus `goals` with every verdict) to `file`, prints the
 * missed goals, and returns the exit code the benchmark must end with (1 when any goal is missed).
 */
export function finishBench(bench: string, file: string, result: object, goals: Goal[], env: Record<string, string | undefined> = process.env, log: (line: string) => void = (l) => console.error(l)): number {
  const verdicts = checkGoals(goals, env);
  writeFileSync(file, JSON.stringify({ ...result, goals: verdicts }, null, 2) + '\n');
  const missed = missedLines(bench, verdicts);
  for (const line of missed) log(line);
  if (missed.length === 0) console.log(`${bench}: all ${verdicts.length} goal(s) met`);
  return missed.length ? 1 : 0;
}
