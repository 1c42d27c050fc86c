// Intent-named queries over the replica; the contract exposes these, never SQL.
import type Database from 'better-sqlite3';
import type { LeadTile } from '../../shared/contract.js';
import { maskName, maskPhone } from '../../shared/domain.js';
import type { Lead } from '../../shared/protocol.js';

export class Queries {
  readonly #open: Database.Statement<[number], { data: string; unitName: string | null }>;

  constructor(db: Database.Database) {
    this.#open = db.prepare(
      `SELECT lead.data AS data, json_extract(unit.data, '$.name') AS unitName
       FROM lead LEFT JOIN unit ON unit.id = lead.unit_id
       WHERE lead.feedback_at IS NULL ORDER BY lead.feedback_due_at, lead.id LIMIT ?`,
    );
  }

  /** Open leads (no feedback yet), the nearest deadline first, with names and phones masked. */
  openLeads(limit: number): LeadTile[] {
    return this.#open.all(limit).flatMap((row) => {
      const l = JSON.parse(row.data) as Lead;
      if (l.voided) return [];
      return [
        {
          id: l.id,
          unitId: l.unitId,
          unitName: row.unitName ?? l.unitId,
          personName: maskName(l.personName),
          personPhone: maskPhone(l.personPhone),
          fraudType: l.fraudType,
          riskLevel: l.riskLevel,
          warningCount: l.warningCount,
          amountAtRisk: l.amountAtRisk,
          issuedAt: l.issuedAt,
          phoneDueAt: l.phoneDueAt,
          feedbackDueAt: l.feedbackDueAt,
          phonedAt: l.phonedAt ?? null,
          metAt: l.metAt ?? null,
          lat: l.lat,
          lng: l.lng,
        },
      ];
    });
  }

}
