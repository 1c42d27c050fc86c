// Robust summaries for the soak benchmark: one sample taken mid-update (a refresh in flight, a
// tile page half full) must not decide whether memory grows.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Theil–Sen: the median of the slopes between every pair of points; outliers cannot tilt it. */
export function theilSen(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new Error(`theilSen: ${xs.length} x values but ${ys.length} y values`);
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) if (xs[j] !== xs[i]) slopes.push((ys[j]! - ys[i]!) / (xs[j]! - xs[i]!));
  return median(slopes);
}
