// The centre's clock: real time, accelerated (speed > 1) or fixed (speed 0), from a start time.
export type Clock = () => number;

export function createClock(opts: { start?: number; speed?: number } = {}, real: () => number = Date.now): Clock {
  const speed = opts.speed ?? 1;
  const realStart = real();
  const start = opts.start ?? realStart;
  if (!Number.isFinite(speed) || speed < 0) throw new RangeError(`clock speed must be ≥ 0, got ${speed}`);
  return () => Math.floor(start + (real() - realStart) * speed);
}
