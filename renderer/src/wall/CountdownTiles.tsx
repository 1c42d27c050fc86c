// Countdown tiles: every open lead in the core's one order (shared/kpi.ts compareUrgency), the
// pinned ones (urgent or high risk, not yet acknowledged) held on every page, the rest paged by
// the one clock (shared/kpi.ts wallPages), so every open lead is on screen once per cycle of
// pages × tilePageSeconds. The core sends the screen's tiles; the count is of every open lead.
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { CountdownTile, CountdownWall } from '../../../shared/contract.js';
import { countdownStep } from '../../../shared/kpi.js';
import { clockText, durationText, moneyText } from '../format.js';
import { dimKey, fraudKey, fraudShortKey, levelKey, methodKey, riskKey, roleKey, type Lang } from '../i18n.js';
import { methods } from '../../../shared/protocol.js';
import { setTileView, useApp } from '../store.js';
import { Panel, placeName, useT, type T } from './common.js';
import { flashing } from './flash.js';
import { shortUnitName } from './Leaderboards.js';

function Tile({ lead, now, lang, t, flash }: { lead: CountdownTile; now: number; lang: Lang; t: T; flash: boolean }) {
  const left = lead.feedbackDueAt - now;
  const step = countdownStep(left);
  const phoneLeft = lead.phoneDueAt - now;
  return (
    <article
      className={`tile tile-${step} risk-${lead.riskLevel}${flash ? ' flash' : ''}${lead.pinned ? ' tile-pinned' : ''}`}
      data-lead={lead.id}
      data-ms-left={left}
      data-step={step}
      data-pinned={lead.pinned ? 'true' : 'false'}
    >
      <div className="tile-head">
        <span className={`risk-badge risk-${lead.riskLevel}`}>{t(riskKey(lead.riskLevel))}</span>
        {lead.level && (
          <span className={`tile-level level-${lead.level}`} data-level={lead.level}>
            {t(levelKey(lead.level))}
          </span>
        )}
        {lead.pinned && <span className="tile-pin">{t('pinned')}</span>}
        {/* In English without "Station"/"Branch" (the level badge beside it says which): "Henggang Stat…" was cut at 1080p and 4K. */}
        <span className="tile-unit">{lang === 'en' ? shortUnitName(placeName(lead, lang)) : placeName(lead, lang)}</span>
      </div>
      {/* The grade and its top reasons on a line of their own: read whole from across the room. */}
      <div className="tile-grade" data-grade={lead.riskScore} data-reasons={lead.reasons.join(' ')}>
        <b>{t('gradeScore', { n: lead.riskScore })}</b>
        {lead.reasons.map((r) => (
          <span key={r} data-reason={r}>
            {t(dimKey(r))}
          </span>
        ))}
      </div>
      <div className="tile-countdown">
        <span className="tile-clock" data-countdown>
          {left > 0 ? durationText(left) : `+${durationText(-left)}`}
        </span>
        {lead.phonedAt === null && phoneLeft > 0 && (
          <span className="tile-phone">
            {t('phoneClock')} {durationText(phoneLeft)}
          </span>
        )}
      </div>
      <div className="tile-meta">
        {lead.method && (
          <span className="tile-method" data-method={lead.method}>
            {t(methodKey(lead.method))}
          </span>
        )}
        <span className="tile-fraud" title={t(fraudKey(lead.fraudType))}>
          {t(fraudShortKey(lead.fraudType))}
        </span>
        <span>{moneyText(lead.amountAtRisk, lang)}</span>
        {lead.warningCount > 1 && <span className="tile-repeat">{t('repeat', { n: lead.warningCount })}</span>}
      </div>
      <div className="tile-ladder" data-ladder>
        {lead.ladder.map((s) => (
          <span key={s.tier} className={`pip ${s.firedAt !== null ? 'fired' : s.dueAt <= now ? 'missed' : 'pending'}`} data-tier={s.tier} data-fired={s.firedAt !== null ? 'true' : 'false'}>
            {t('tierN', { n: s.tier })}
            {s.firedAt !== null && (
              <>
                {' '}
                {/* Who was reminded: a person's (masked) name is data, shown as recorded in any language. */}
                {s.leaderName !== null && <span data-pii data-leader>{s.leaderName}</span>} {clockText(s.firedAt, false)}
              </>
            )}
          </span>
        ))}
        <span className="tile-next" data-next-tier={lead.next?.tier ?? ''}>
          {lead.next ? (
            <>
              {t('nextTier', { role: t(roleKey(lead.next.role)), t: clockText(lead.next.dueAt, false) })}
              {lead.next.leaderName !== null && (
                <>
                  {' '}
                  <span data-pii data-leader>{lead.next.leaderName}</span>
                </>
              )}
            </>
          ) : left > 0 ? (
            ''
          ) : (
            t('allTiersFired')
          )}
        </span>
      </div>
      <div className="tile-foot">
        <span>{lead.id}</span>
        {/* A (masked) person's name is data, shown as recorded in any language. */}
        <span data-pii>{lead.personName}</span>
      </div>
    </article>
  );
}

/** Today's classified handling: leads by method, and the median time from dispatch to arrival. */
function HandlingLine({ today, t }: { today: CountdownWall['today']; t: T }) {
  return (
    <span className="panel-page handling-line" data-handling={JSON.stringify(today.byMethod)} data-arrive-median={today.toArrive.medianMs ?? ''}>
      {methods.map((m) => `${t(methodKey(m))} ${today.byMethod[m]}`).join(' · ')}
      {today.toArrive.medianMs !== null && ` · ${t('toArrive', { t: durationText(today.toArrive.medianMs) })}`}
    </span>
  );
}

/**
 * How many tiles fit the panel (columns × rows), measured, so the wall never scrolls: the columns
 * are the grid's own tracks and the rows follow from its row height and gap, all as styles.css
 * sets them (.tiles), so the tile's size has one home. A callback ref, because the grid is mounted
 * only once the first data arrive (the panel shows "loading" before): an effect run at mount would
 * find no element and never measure.
 */
function useFit(): [(el: HTMLDivElement | null) => void, number, number] {
  const [el, setEl] = useState<HTMLDivElement | null>(null);
  const [fit, setFit] = useState<[number, number]>([8, 2]);
  useEffect(() => {
    if (!el) return;
    const measure = () => {
      const style = getComputedStyle(el);
      const cols = Math.max(1, style.gridTemplateColumns.split(' ').filter(Boolean).length);
      const gap = parseFloat(style.rowGap) || 0;
      const row = parseFloat(style.gridAutoRows);
      const rows = row > 0 ? Math.max(1, Math.floor((el.clientHeight + gap) / (row + gap))) : 1;
      setFit((f) => (f[0] === cols * rows && f[1] === cols ? f : [cols * rows, cols]));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return [setEl, fit[0], fit[1]];
}

export function CountdownTiles() {
  const t = useT();
  const { slice, now, lang, firstSeen, pageSeconds, defaultPolicy } = useApp(
    useShallow((s) => ({ slice: s.countdowns, now: s.now, lang: s.lang, firstSeen: s.firstSeen, pageSeconds: s.config.tilePageSeconds, defaultPolicy: s.health?.policy.source === 'default' })),
  );
  const [ref, fit, cols] = useFit();
  useEffect(() => setTileView(fit, cols), [fit, cols]);
  const data = slice.data;
  const shown = useMemo(() => (data ? [...data.pinned, ...data.tiles] : []), [data]);
  const total = data?.total ?? 0;
  const pages = data?.pages ?? 1;
  const flash = flashing(shown, firstSeen, now);
  return (
    <Panel
      title={t('openLeads')}
      slice={slice}
      kind="countdowns"
      className="tiles-panel"
      extra={
        <>
          <span className="panel-count" data-open-count={total}>
            {total}
          </span>
          {pages > 1 && (
            <span className="panel-page" data-pages={pages} data-cycle-seconds={pages * pageSeconds}>
              {t('page', { p: (data?.page ?? 0) + 1, n: pages })} · {t('cycle', { s: pages * pageSeconds })}
            </span>
          )}
          {data && <HandlingLine today={data.today} t={t} />}
          {defaultPolicy && (
            <span className="panel-page" data-policy="default">
              {t('policyDefault')}
            </span>
          )}
        </>
      }
    >
      <div className="tiles" ref={ref} data-fit={fit} data-cols={cols}>
        {total === 0 && <div className="empty">{t('noOpenLeads')}</div>}
        {shown.map((l) => (
          <Tile key={l.id} lead={l} now={now} lang={lang} t={t} flash={flash.has(l.id)} />
        ))}
      </div>
    </Panel>
  );
}
