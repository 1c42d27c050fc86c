import { useShallow } from 'zustand/react/shallow';
import { clockText, dateText } from '../format.js';
import { syncKey, translate } from '../i18n.js';
import { useApp } from '../store.js';

export function StatusBar() {
  const { lang, status, link, now } = useApp(useShallow((s) => ({ lang: s.lang, status: s.status, link: s.link, now: s.now })));
  const state = link ? (status?.state ?? 'connecting') : 'offline';
  const t = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate(lang, k, v);
  const label = !link
    ? t('coreDown')
    : t(syncKey(state), {
        p: status?.progress ?? 0,
        since: status?.offlineSince ? clockText(status.offlineSince, false) : '—',
        reason: status?.reason ?? '',
      });
  const lag = status ? Math.max(0, status.serverSeq - status.seq) : 0;
  const age = status?.lastAppliedAt ? clockText(status.lastAppliedAt) : '—';
  return (
    <header className="status-bar">
      <div className="status-title">{t('title')}</div>
      <div className={`sync-pill sync-${state}`} data-sync-state={state} title={status?.reason ?? ''}>
        <span className="dot" />
        {label}
      </div>
      {state !== 'live' && <div className="status-age">{t('dataAge', { age })}</div>}
      {lag > 0 && <div className="status-lag">{t('lag', { n: lag })}</div>}
      <div className="status-clock" data-server-time={now}>
        <span className="status-date">{dateText(now)}</span>
        <span className="status-time">{clockText(now)}</span>
      </div>
    </header>
  );
}
