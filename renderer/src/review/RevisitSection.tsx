// The review's supervision revisits (回访督导): coverage as of the cut-off for the unit, its branches
// and its stations (shared/revisit.ts), then the instructions not yet revisited.
import type { ReactNode } from 'react';
import type { PlanUnit, RevisitReview } from '../../../shared/contract.js';
import type { Ratio } from '../../../shared/kpi.js';
import { pctText } from '../format.js';
import { useApp } from '../store.js';
import { Head, localName, useT } from '../wall/common.js';

function CoverageTable({ rows, label }: { rows: (PlanUnit & { coverage: Ratio })[]; label: string }) {
  const lang = useApp((s) => s.lang);
  return (
    <section>
      <h2>{label}</h2>
      <table className="review-table">
        <Head cols={['colUnit', 'colRevisited', 'colLeads', 'revisitCoverage']} />
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-revisit-unit={r.id} data-value={r.coverage.value ?? ''} data-parts={`${r.coverage.num}/${r.coverage.den}`}>
              <td>{localName(r, lang)}</td>
              <td>{r.coverage.num}</td>
              <td>{r.coverage.den}</td>
              <td>{pctText(r.coverage.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** `list`: the table of the instructions not yet revisited, drawn by the review's own lead table. */
export function RevisitSection({ revisits, list }: { revisits: RevisitReview; list: ReactNode }) {
  const t = useT();
  const c = revisits.coverage;
  const missing = revisits.notRevisited;
  return (
    <div className="revisits">
      <div className="stop-summary" data-revisit-coverage={`${c.num}/${c.den}`} data-value={c.value ?? ''}>
        {t('revisitCoverage')}: {pctText(c.value)} <small>{`${c.num}/${c.den}`}</small>
      </div>
      <div className="two-boards">
        {revisits.branches.length > 0 && <CoverageTable rows={revisits.branches} label={t('revisitByBranch')} />}
        {revisits.stations.length > 0 && <CoverageTable rows={revisits.stations} label={t('revisitByStation')} />}
      </div>
      <section data-not-revisited={missing.total}>
        <h2>
          {t('notRevisited')} ({missing.total})
        </h2>
        {missing.rows.length === 0 ? <div className="muted">{t('none')}</div> : list}
        {missing.total > missing.rows.length && <div className="muted">{t('listCut', { n: missing.rows.length, total: missing.total })}</div>}
      </section>
    </div>
  );
}
