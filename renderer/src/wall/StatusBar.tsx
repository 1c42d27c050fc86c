import { useShallow } from 'zustand/react/shallow';
import { clockText, dateText, durationText } from '../format.js';
import { faultKey, syncKey } from '../i18n.js';
import { useApp } from '../store.js';
import { localName, useT } from './common.js';

export function StatusBar() {
  const t = useT();
  const { status, link, now, config, kpi, lang, health } = useApp(useShallow((s) => ({ status: s.status, link: s.link, now: s.now, config: s.config, kpi: s.kpi.data, lang: s.lang, health: s.health })));
  const state = link ? (status?.state ?? 'connecting') : 'offline';
  // A fault of this machine is named as such, not as the centre being offline.
  const fault = link ? (status?.localFault ?? null) : null;
  const label = !link
    ? t('coreDown')
    : fault && fault.kind !== 'set_aside'
      ? t(faultKey(fault.kind))
      : t(syncKey(state), { p: status?.progress ?? 0, since: status?.offlineSince ? clockText(status.offlineSince, false) : '—', reason: status?.reason ?? '' });
  const lag = status ? Math.max(0, status.serverSeq - status.seq) : 0;
  // The data's age: since the centre last confirmed the replica current, not since a refetch.
  const age = status?.confirmedAt ? durationText(now - status.confirmedAt) : '—';
  const held = status?.heldBack ?? 0;
  return (
    <header className="status-bar">
      <div className="status-title">
        {t('title')}
        <span className="status-scope" data-scope={kpi?.unitId ?? ''}>
          {kpi ? localName({ name: kpi.unitName, nameEn: kpi.unitNameEn }, lang) : ''}
        </span>
      </div>
      <div className="status-display">{config.displayName}</div>
      <div className={`sync-pill sync-${state}`} data-sync-state={state} data-local-fault={fault?.kind ?? ''} title={status?.reason ?? ''}>
        <span className="dot" />
        <span className="sync-label">{label}</span>
      </div>
      {fault?.kind === 'set_aside' && (
        <div className="status-lag" data-set-aside>
          {t(faultKey(fault.kind))}
        </div>
      )}
      {held > 0 && (
        <div className="status-lag" data-held-back={held}>
          {t('heldBack', { n: held })}
        </div>
      )}
      {state !== 'live' && (
        <div className="status-age" data-data-age data-confirmed-at={status?.confirmedAt ?? ''}>
          {t('dataAge', { age })}
        </div>
      )}
      {lag > 0 && <div className="status-lag">{t('lag', { n: lag })}</div>}
      {health && (
        <div className="status-health" data-health data-memory={health.memoryMB} data-heartbeat-at={health.lastHeartbeatAt ?? ''} title={health.heartbeatError ?? ''}>
          {t('health', { mb: Math.round(health.memoryMB), hb: health.lastHeartbeatAt ? clockText(health.lastHeartbeatAt, false) : '—' })}
        </div>
      )}
      <div className="status-clock" data-server-time={now}>
        <span className="status-date">{dateText(now)}</span>
        <span className="status-time">{clockText(now)}</span>
      </div>
    </header>
  );
}
