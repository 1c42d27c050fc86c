// Hand-built records for tests, valid against the protocol's schemas.
import type { Lead } from '../../shared/protocol.js';

const MIN = 60_000;

export function makeLead(id: string, unitId: string, issuedAt: number, extra: Partial<Lead> = {}): Lead {
  return {
    id,
    personId: `P-${id}`,
    personName: '测试人',
    personPhone: '13800001234',
    unitId,
    fraudType: 'rebate_task',
    riskLevel: 'high',
    riskScore: 70,
    warningCount: 1,
    source: 'bank',
    amountAtRisk: 5_000_000,
    lat: 22.54,
    lng: 114.05,
    issuedAt,
    phoneDueAt: issuedAt + 30 * MIN,
    feedbackDueAt: issuedAt + 360 * MIN,
    lossAmount: 0,
    preventedAmount: 0,
    voided: false,
    ...extra,
  };
}

/**
 * The k-th of n leads a benchmark loads: issued evenly over `spreadDays` back from `now`; one
 * older than 6 h has been met and fed back, as in life (one in 60 defrauded after the warning).
 */
export function loadedLead(k: number, n: number, unitId: string, now: number, spreadDays: number): Lead {
  const issuedAt = Math.floor(now - (k / n) * spreadDays * 86_400_000);
  const done = now - issuedAt > 360 * MIN ? { metAt: issuedAt + 120 * MIN, feedbackAt: issuedAt + 150 * MIN, outcome: k % 60 === 0 ? ('defrauded_after_warning' as const) : ('dissuaded' as const), preventedAmount: 100_000 } : {};
  return makeLead(`L-B-${k}`, unitId, issuedAt, done);
}
