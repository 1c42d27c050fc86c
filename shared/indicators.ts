// The indicator registry: each indicator's key, its label (a vocabulary key), how its value is
// written, which direction is better and which display target it is held to. The KPI strip,
// the review screen, the review plan and the exported minutes all read it, so an indicator is
// added, relabelled or re-signed here alone.
import type { Indicators } from './kpi.js';
import type { VocabularyKey } from './vocabulary.js';

export const indicatorKeys = ['faceToFace', 'victimisation', 'overdue', 'peopleDefrauded', 'amountDefrauded', 'timeToMeet', 'stopPayment30', 'amountKept'] as const;
export type IndicatorKey = (typeof indicatorKeys)[number];

/** rate: a fraction shown as a percentage; money: fen; duration: ms; count: a whole number. */
export type IndicatorFormat = 'rate' | 'count' | 'money' | 'duration';

export type IndicatorDef = {
  key: IndicatorKey;
  label: VocabularyKey;
  format: IndicatorFormat;
  /** Whether a higher value is better (drives grades and the colour of a change). */
  higherIsBetter: boolean;
  /** The display configuration's target this indicator is held to (`targets[target]`). */
  target: IndicatorKey;
  /** One of the five the command post is assessed on (kpis.md), shown first everywhere. */
  core: boolean;
};

const def = (key: IndicatorKey, format: IndicatorFormat, higherIsBetter: boolean, core: boolean): IndicatorDef => ({ key, label: `kpi.${key}`, format, higherIsBetter, target: key, core });

/** In the order every screen and the minutes list them: the five core indicators, then the rest. */
export const INDICATORS: readonly IndicatorDef[] = [
  def('faceToFace', 'rate', true, true),
  def('victimisation', 'rate', false, true),
  def('overdue', 'rate', false, true),
  def('peopleDefrauded', 'count', false, true),
  def('amountDefrauded', 'money', false, true),
  def('timeToMeet', 'duration', false, false),
  def('stopPayment30', 'rate', true, false),
  def('amountKept', 'money', true, false),
];

export const CORE_INDICATORS: readonly IndicatorDef[] = INDICATORS.filter((d) => d.core);

export function indicatorDef(key: IndicatorKey): IndicatorDef {
  return INDICATORS.find((d) => d.key === key)!;
}

export const HIGHER_IS_BETTER = Object.fromEntries(INDICATORS.map((d) => [d.key, d.higherIsBetter])) as Record<IndicatorKey, boolean>;

/**
 * An indicator's machine value (null: no denominator, nothing to average) with what it is made
 * of: a rate's numerator and denominator, the number of meetings a mean time is over.
 */
export type Measure = { value: number | null; num: number | null; den: number | null; n: number | null };

export function measure(key: IndicatorKey, k: Indicators): Measure {
  const d = indicatorDef(key);
  if (d.format === 'rate') {
    const r = k[key as 'faceToFace' | 'victimisation' | 'overdue' | 'stopPayment30'];
    return { value: r.value, num: r.num, den: r.den, n: null };
  }
  if (key === 'timeToMeet') return { value: k.timeToMeet.meanMs, num: null, den: null, n: k.timeToMeet.n };
  return { value: k[key as 'peopleDefrauded' | 'amountDefrauded' | 'amountKept'], num: null, den: null, n: null };
}

/**
 * The change from the window before: the difference (in the indicator's own unit; a rate's in
 * fractions, so 0.012 is 1.2 points) and whether it is for the better; null when either is missing.
 */
export function change(key: IndicatorKey, now: number | null, before: number | null): { delta: number; better: boolean | null } | null {
  if (now === null || before === null) return null;
  const delta = now - before;
  return { delta, better: delta === 0 ? null : delta > 0 === indicatorDef(key).higherIsBetter };
}

/** A rate as a percentage with one decimal, or — for an empty denominator. */
export function pctText(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(1)}%`;
}

/**
 * Ranks units on one indicator, best first by its direction: equal values share a rank (1, 2, 2,
 * 4), and a unit with no value (no denominator) has none.
 */
export function rankOn(key: IndicatorKey, values: readonly { id: string; value: number | null }[]): Map<string, number | null> {
  const sign = indicatorDef(key).higherIsBetter ? -1 : 1;
  const present = values.filter((v) => v.value !== null).sort((a, b) => sign * (a.value! - b.value!));
  const out = new Map<string, number | null>(values.map((v) => [v.id, null]));
  present.forEach((v, i) => out.set(v.id, i > 0 && present[i - 1]!.value === v.value ? out.get(present[i - 1]!.id)! : i + 1));
  return out;
}
