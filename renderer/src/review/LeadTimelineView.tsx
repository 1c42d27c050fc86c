// One lead's timeline as the review's drawer and case list show it: its events in order, then its
// stop-payments. Its own file so the review screen and the timeline can change independently.
import type { LeadTimeline } from '../../../shared/contract.js';
import { clockText, moneyText } from '../format.js';
import { riskDimensions } from '../../../shared/grade.js';
import { bankName } from '../../../shared/vocabulary.js';
import { dimKey, levelKey, methodKey, riskKey, roleKey, type MessageKey } from '../i18n.js';
import { useApp } from '../store.js';
import { useT } from '../wall/common.js';
import { EarlierChain } from './EarlierChain.js';
import { EventLine } from './EventLine.js';

export function LeadTimelineView({ tl }: { tl: LeadTimeline }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  return (
    <div className="timeline">
      <div className="timeline-grade" data-grade={tl.lead.riskScore}>
        <span>
          {t(riskKey(tl.lead.riskLevel))} {t('gradeScore', { n: tl.lead.riskScore })}
        </span>
        {tl.lead.method && <span data-method={tl.lead.method}>{t(methodKey(tl.lead.method))}</span>}
        {tl.level && (
          <span data-level={tl.level}>
            {t('levelNow')} {t(levelKey(tl.level))}
          </span>
        )}
        <span />
        {riskDimensions.map((d) => (
          <span key={d} data-dim={d}>
            {t(dimKey(d))} {tl.lead.riskDims?.[d] ?? '—'}
          </span>
        ))}
      </div>
      <ol className="timeline-ladder" data-ladder>
        {tl.ladder.map((s) => (
          <li key={s.tier} data-tier={s.tier} data-fired={s.firedAt !== null ? 'true' : 'false'}>
            {t('tierN', { n: s.tier })} {t(roleKey(s.role))}{' '}
            {s.leaderName !== null && (
              <span data-pii data-leader>
                {s.leaderName} {s.leaderPhone}
              </span>
            )}{' '}
            {s.firedAt !== null ? t('tierFiredAt', { t: clockText(s.firedAt, false) }) : t('tierDueAt', { t: clockText(s.dueAt, false) })}
          </li>
        ))}
      </ol>
      <ol>
        {tl.events.map((e) => (
          <EventLine key={e.id} e={e} />
        ))}
      </ol>
      {tl.stops.map((s) => (
        <div key={s.id} className="muted">
          {t('section.stops')}: {bankName(s.bank, lang)} {s.accountMasked} {moneyText(s.amount, lang)} {t(`status.${s.status}` as MessageKey)}
        </div>
      ))}
      <EarlierChain earlier={tl.earlier} />
    </div>
  );
}

