// A person's earlier warnings (the repeat chain) on a lead's drill-down and in the case review:
// only the chain's lead ids, dates, types and outcomes reach the screen, never the person's id.
import type { EarlierLead } from '../../../shared/contract.js';
import { clockText, dateText } from '../format.js';
import { fraudKey, type MessageKey } from '../i18n.js';
import { useT } from '../wall/common.js';

export function EarlierChain({ earlier }: { earlier: readonly EarlierLead[] }) {
  const t = useT();
  return (
    <div className="earlier-chain" data-earlier={earlier.map((e) => e.id).join(' ')}>
      <strong>{t('earlierLeads')}</strong>{' '}
      {earlier.length === 0 ? (
        <span className="muted">{t('repeatNone')}</span>
      ) : (
        <ol>
          {earlier.map((e) => (
            <li key={e.id} data-earlier-lead={e.id}>
              {dateText(e.issuedAt)} {clockText(e.issuedAt, false)} {e.id} {t(fraudKey(e.fraudType))} {e.outcome ? t(`outcome.${e.outcome}` as MessageKey) : '—'}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
