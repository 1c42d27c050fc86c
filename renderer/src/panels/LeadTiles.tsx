import { useShallow } from 'zustand/react/shallow';
import type { LeadTile } from '../../../shared/contract.js';
import { durationText, moneyText } from '../format.js';
import { fraudKey, riskKey, translate, type Lang } from '../i18n.js';
import { useApp } from '../store.js';

const HOUR = 3_600_000;

/** The colour step of a countdown: more than 3 h, 3–1 h, under 1 h, overdue. */
export function ladderStep(msLeft: number): 'calm' | 'warn' | 'alert' | 'overdue' {
  if (msLeft <= 0) return 'overdue';
  if (msLeft <= HOUR) return 'alert';
  if (msLeft <= 3 * HOUR) return 'warn';
  return 'calm';
}

function Tile({ lead, now, lang }: { lead: LeadTile; now: number; lang: Lang }) {
  const left = lead.feedbackDueAt - now;
  const step = ladderStep(left);
  const phoneLeft = lead.phoneDueAt - now;
  const t = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate(lang, k, v);
  return (
    <article className={`tile tile-${step} risk-${lead.riskLevel}`} data-lead={lead.id} data-ms-left={left}>
      <div className="tile-head">
        <span className={`risk-badge risk-${lead.riskLevel}`}>{t(riskKey(lead.riskLevel))}</span>
        <span className="tile-id">{lead.id}</span>
      </div>
      <div className="tile-countdown">
        <span className="tile-clock">{left > 0 ? durationText(left) : `+${durationText(-left)}`}</span>
        <span className="tile-clock-label">{left > 0 ? t('timeLeft') : t('overdueBy')}</span>
      </div>
      {lead.phonedAt === null && phoneLeft > 0 && (
        <div className="tile-phone">
          {t('phoneClock')} {durationText(phoneLeft)}
        </div>
      )}
      <div className="tile-meta">
        <span>{t(fraudKey(lead.fraudType))}</span>
        <span>{moneyText(lead.amountAtRisk, lang)}</span>
        {lead.warningCount > 1 && <span className="tile-repeat">{t('repeat', { n: lead.warningCount })}</span>}
      </div>
      <div className="tile-unit">
        {lead.unitName} · {lead.personName}
      </div>
    </article>
  );
}

export function LeadTiles() {
  const { leads, now, lang } = useApp(useShallow((s) => ({ leads: s.leads, now: s.now, lang: s.lang })));
  if (leads === null) return <section className="panel tiles-panel">{translate(lang, 'loading')}</section>;
  return (
    <section className="panel tiles-panel" data-panel="countdowns">
      <h2 className="panel-title">
        {translate(lang, 'openLeads')} <span className="panel-count" data-open-count={leads.length}>{leads.length}</span>
      </h2>
      {leads.length === 0 ? (
        <div className="empty">{translate(lang, 'noOpenLeads')}</div>
      ) : (
        <div className="tiles">
          {leads.map((l) => (
            <Tile key={l.id} lead={l} now={now} lang={lang} />
          ))}
        </div>
      )}
    </section>
  );
}
