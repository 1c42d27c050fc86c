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
