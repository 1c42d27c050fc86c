// Graded, classified handling (分级分类劝阻): the seed grades each lead "from the number of times
// defrauded, the warning type and others, 8 dimensions" and handles it by its grade — urgent and
// high-risk leads by a visit (the nearest patrol at once for urgent), others by phone, SMS or
// targeted publicity. This is the one grading rule: the reference centre's scenario grades with
// it; a display shows only what its centre sent (riskDims, riskScore, riskLevel, method).
import type { FraudType, RiskLevel } from './domain.js';
import type { Lead } from './protocol.js';

/** The eight dimensions, in the order the timeline lists them. */
export const riskDimensions = ['priorVictim', 'repeatWarning', 'warningType', 'amount', 'age', 'fraudType', 'timeOfDay', 'fraudContact'] as const;
export type RiskDimension = (typeof riskDimensions)[number];

/**
 * Each dimension's most points (they add up to 100): how often defrauded before and the warning
 * type lead, as in the seed; the amount, repeat warnings and the high-risk scam types next.
 */
export const DIMENSION_WEIGHTS: Record<RiskDimension, number> = {
  priorVictim: 20,
  repeatWarning: 15,
  warningType: 12,
  amount: 15,
  age: 8,
  fraudType: 15,
  timeOfDay: 5,
  fraudContact: 10,
};

/** What the grade is computed from, as the centre's early-warning system knows it. */
export type RiskInputs = {
  /** Times this person was defrauded before (被骗频次). */
  priorVictimCount: number;
  /** Warnings about this person in the last week, this one included. */
  warningCount: number;
  /** The warning's source (预警类型): bank, telecom, platform, 96110, family. */
  source: string;
  amountAtRisk: number;
  age: number | null;
  fraudType: FraudType;
  /** Hour of day in the command post's time zone, 0..23. */
  hour: number;
  /** Minutes on the phone with the fraud number in the last day ("long calls"). */
  fraudCallMinutes: number;
};

/** The seed's high-risk types (刷单, 杀猪盘, 游戏充值, 冒充公检法, 物流退单/客服, 保证金, 贷款). */
const HIGH_RISK_TYPES: ReadonlySet<FraudType> = new Set(['rebate_task', 'romance_investment', 'game_trade', 'impersonation_authority', 'fake_refund', 'deposit', 'loan']);
/** A family report or a bank seeing the transfer under way says the loss is happening now. */
const SOURCE_FACTOR: Record<string, number> = { family: 1, bank: 0.9, '96110': 0.75, telecom: 0.55, platform: 0.45 };

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

/** Each dimension's factor, 0..1, before weighting. */
function factors(i: RiskInputs): Record<RiskDimension, number> {
  const yuan = Math.max(0, i.amountAtRisk) / 100;
  return {
    priorVictim: i.priorVictimCount <= 0 ? 0 : i.priorVictimCount === 1 ? 0.7 : 1,
    repeatWarning: i.warningCount <= 1 ? 0 : i.warningCount === 2 ? 0.6 : 1,
    warningType: SOURCE_FACTOR[i.source] ?? 0.5,
    // ¥1,000 or less scores nothing, ¥1,000,000 or more scores fully, logarithmic between.
    amount: clamp01((Math.log10(Math.max(yuan, 1)) - 3) / 3),
    // The elderly and the young (students: rebate tasks) are the seed's and the ministry's most-hit groups.
    age: i.age === null ? 0.3 : i.age >= 65 ? 1 : i.age <= 22 ? 0.7 : i.age >= 55 ? 0.6 : 0.3,
    fraudType: HIGH_RISK_TYPES.has(i.fraudType) ? 1 : i.fraudType === 'investment' ? 0.8 : 0.35,
    // Night (the seed's 1 a.m. case): no one at hand to interrupt the call.
    timeOfDay: i.hour < 6 ? 1 : i.hour >= 22 ? 0.7 : 0.2,
    fraudContact: clamp01(i.fraudCallMinutes / 60),
  };
}

/** Score bounds of each level: at least this many points. */
export const LEVEL_FLOORS: Record<Exclude<RiskLevel, 'low'>, number> = { urgent: 48, high: 36, medium: 29 };

export function levelOf(score: number): RiskLevel {
  return score >= LEVEL_FLOORS.urgent ? 'urgent' : score >= LEVEL_FLOORS.high ? 'high' : score >= LEVEL_FLOORS.medium ? 'medium' : 'low';
}

export type Grade = { riskScore: number; riskLevel: RiskLevel; riskDims: Record<RiskDimension, number> };

/**
 * The grade: each dimension's points (its weight × its factor, rounded), the score their sum
 * (so the dims always explain the score whole), the level from the score.
 */
export function gradeLead(i: RiskInputs): Grade {
  const f = factors(i);
  const riskDims = Object.fromEntries(riskDimensions.map((d) => [d, Math.round(DIMENSION_WEIGHTS[d] * f[d])])) as Record<RiskDimension, number>;
  const riskScore = Math.min(100, riskDimensions.reduce((s, d) => s + riskDims[d], 0));
  return { riskScore, riskLevel: levelOf(riskScore), riskDims };
}

/** The dimensions that weigh most in a grade, largest first (ties in the list's order); zero points never count. */
export function topReasons(dims: Readonly<Record<string, number>> | undefined, n = 2): RiskDimension[] {
  if (!dims) return [];
  return riskDimensions
    .filter((d) => typeof dims[d] === 'number' && dims[d] > 0)
    .sort((a, b) => dims[b]! - dims[a]! || riskDimensions.indexOf(a) - riskDimensions.indexOf(b))
    .slice(0, n);
}

export type Method = NonNullable<Lead['method']>;

/**
 * Classified handling: urgent and high by a visit (urgent: the nearest patrol, at once), medium
 * by phone, low by SMS, or by targeted publicity when the scam type is one a campaign covers.
 */
export function methodFor(level: RiskLevel, fraudType: FraudType): Method {
  if (level === 'urgent' || level === 'high') return 'visit';
  if (level === 'medium') return 'phone';
  return HIGH_RISK_TYPES.has(fraudType) ? 'publicity' : 'sms';
}
