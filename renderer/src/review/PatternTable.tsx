// The week's pattern table (shared/caseReview.ts casePatterns): the victimisation cases grouped
// by fraud type, age band, occupation, what the warning missed and what failed, with counts and
// the amount lost; unreviewed cases are a row of their own, never left out.
import { patternDimensions, patternValueKey, type CasePatterns } from '../../../shared/caseReview.js';
import { moneyText } from '../format.js';
import { useApp } from '../store.js';
import { useT } from '../wall/common.js';

export function PatternTable({ patterns }: { patterns: CasePatterns }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  return (
    <section className="pattern-table" data-patterns={patterns.cases} data-reviewed={patterns.reviewed} data-not-reviewed={patterns.notReviewed} data-unstructured={patterns.unstructured}>
      <h2>{t('patternTable')}</h2>
      <div className="muted" data-pattern-summary>
        {t('reviewPatternSummary', { n: patterns.cases, amount: moneyText(patterns.lossAmount, lang), r: patterns.reviewed, u: patterns.unstructured, x: patterns.notReviewed })}
      </div>
      <div className="pattern-grid">
        {patternDimensions.map((d) => {
          const rows = patterns.rows.filter((r) => r.dimension === d);
          return (
            <table key={d} className="review-table" data-pattern-dimension={d}>
              <thead>
                <tr>
                  <th>{t(`dimension.${d}`)}</th>
                  <th>{t('colCases')}</th>
                  <th>{t('colLoss')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const key = patternValueKey(r.dimension, r.value);
                  return (
                    <tr key={r.value} data-pattern-row={`${r.dimension}:${r.value}`} data-cases={r.cases} data-loss={r.lossAmount}>
                      <td>{key ? t(key) : r.value}</td>
                      <td>{r.cases}</td>
                      <td>{moneyText(r.lossAmount, lang)}</td>
                    </tr>
                  );
                })}
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={3} className="muted">
                      {t('none')}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          );
        })}
      </div>
      <div className="muted">{t('reviewPatternMulti')}</div>
    </section>
  );
}
