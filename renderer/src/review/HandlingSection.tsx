// The review's classified handling (分级分类处置): the window's leads by method, dispatch → arrival
// of the visits, and how long each of the four levels held a lead before passing it down, as of
// the cut-off (electron/core/queries.ts handlingSummary, in the review plan).
import type { HandlingSummary } from '../../../shared/contract.js';
import { methods } from '../../../shared/protocol.js';
import { hoursText, pctText } from '../format.js';
import { levelKey, methodKey } from '../i18n.js';
import { Head, useT } from '../wall/common.js';

type Stats = { n: number; meanMs: number | null; medianMs: number | null; p90Ms: number | null };

function StatCells({ s }: { s: Stats }) {
  return (
    <>
      <td>{s.n}</td>
      <td data-ms={s.meanMs ?? ''}>{hoursText(s.meanMs)}</td>
      <td data-ms={s.medianMs ?? ''}>{hoursText(s.medianMs)}</td>
      <td data-ms={s.p90Ms ?? ''}>{hoursText(s.p90Ms)}</td>
    </>
  );
}

export function HandlingSection({ handling }: { handling: HandlingSummary }) {
  const t = useT();
  const share = (n: number) => pctText(handling.leads === 0 ? null : n / handling.leads);
  return (
    <div className="handling-review" data-handling-review={handling.leads}>
      <section>
        <h2>{t('handlingByMethod')}</h2>
        <table className="review-table">
          <Head cols={['colMethod', 'colLeads', 'colShare']} />
          <tbody>
            {methods.map((m) => (
              <tr key={m} data-method={m} data-count={handling.byMethod[m]}>
                <td>{t(methodKey(m))}</td>
                <td>{handling.byMethod[m]}</td>
                <td>{share(handling.byMethod[m])}</td>
              </tr>
            ))}
            {handling.noMethod > 0 && (
              <tr data-method="none" data-count={handling.noMethod}>
                <td>{t('noMethod')}</td>
                <td>{handling.noMethod}</td>
                <td>{share(handling.noMethod)}</td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <section>
        <h2>{t('toArriveTitle')}</h2>
        <table className="review-table">
          <Head cols={['colN', 'colMean', 'colMedian', 'colP90']} />
          <tbody>
            <tr data-arrive={handling.toArrive.n}>
              <StatCells s={handling.toArrive} />
            </tr>
          </tbody>
        </table>
        <h2>{t('levelTimes')}</h2>
        <table className="review-table">
          <Head cols={['colHop', 'colN', 'colMean', 'colMedian', 'colP90']} />
          <tbody>
            {handling.hops.map((h) => (
              <tr key={`${h.from}>${h.to}`} data-hop={`${h.from}>${h.to}`}>
                <td>
                  {t(levelKey(h.from))} → {t(levelKey(h.to))}
                </td>
                <StatCells s={h} />
              </tr>
            ))}
            {handling.hops.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  {t('none')}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
    </div>
  );
}
