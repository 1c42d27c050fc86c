// The review's revisits section (回访督导): coverage of the unit, its branches and its stations as
// of the cut-off, and the instructions not yet revisited, from the one rule in shared/revisit.ts.
import type { PlanUnit, RevisitReview } from '../../shared/contract.js';
import type { Window } from '../../shared/kpi.js';
import { isRevisited, revisitCoverage, revisitCoverageBy, revisitDue } from '../../shared/revisit.js';
import type { UnitNode } from '../../shared/units.js';
import type { Queries } from './queries.js';

/** How many instructions not yet revisited a review lists; more are counted, and the count is shown. */
export const NOT_REVISITED_LIMIT = 2000;

const planUnit = (u: UnitNode): PlanUnit => ({ id: u.id, name: u.name, nameEn: u.nameEn ?? null, level: u.level });

export function revisitReview(q: Queries, unit: UnitNode, w: Window, asOf: number): RevisitReview {
  const leads = q.revisitLeads(unit.id, w);
  const missing = new Set(leads.filter((l) => revisitDue(l, w, asOf) && !isRevisited(l, asOf)).map((l) => l.id));
  const by = (level: 'branch' | 'station') =>
    unit.level === 'city' || (unit.level === 'branch' && level === 'station') || unit.level === level
      ? revisitCoverageBy(q.tree, level, unit.id, leads, w, asOf).map((r) => ({ ...planUnit(q.tree.byId.get(r.unitId)!), coverage: r.coverage }))
      : [];
  return {
    coverage: revisitCoverage(leads, w, asOf),
    branches: by('branch'),
    stations: by('station'),
    notRevisited: { rows: q.reviewLeads(unit.id, w, asOf, 'all', NOT_REVISITED_LIMIT, missing), total: missing.size, limit: NOT_REVISITED_LIMIT },
  };
}
