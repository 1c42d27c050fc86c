// The centre's clock: real time, accelerated (speed > 1) or fixed (speed 0), from a start time.
export type Clock = () => number;

/**
 * `lead`: the first `lead.ms` of simulated time run at `lead.speed`, then the clock runs at
 * `speed`. A soak runs a whole simulated day fast (every path of a day's work runs, and the page's
 * JIT has compiled what it will) before the hours it measures at a slower speed.
 */
export function createClock(opts: { start?: number; speed?: number; lead?: { ms: number; speed: number } } = {}, real: () => number = Date.now): Clock {
  const speed = opts.speed ?? 1;
  const realStart = real();
  const start = opts.start ?? realStart;
  if (!Number.isFinite(speed) || speed < 0) throw new RangeError(`clock speed must be ≥ 0, got ${speed}`);
  const lead = opts.lead;
  if (lead && (!Number.isFinite(lead.speed) || lead.speed <= 0 || !Number.isFinite(lead.ms) || lead.ms < 0)) throw new RangeError(`a clock's lead needs a speed > 0 and a duration ≥ 0, got ${lead.speed} for ${lead.ms} ms`);
  if (!lead) return () => Math.floor(start + (real() - realStart) * speed);
  const leadReal = lead.ms / lead.speed;
  return () => {
    const r = real() - realStart;
    return Math.floor(r <= leadReal ? start + r * lead.speed : start + lead.ms + (r - leadReal) * speed);
  };
}
