import { useShallow } from 'zustand/react/shallow';
import { clockText } from '../format.js';
import { eventKey } from '../i18n.js';
import { useApp } from '../store.js';
import { localName, useT } from './common.js';

export function Ticker() {
  const t = useT();
  const { slice, lang } = useApp(useShallow((s) => ({ slice: s.ticker, lang: s.lang })));
  return (
    <footer className="ticker" data-panel="ticker">
      <span className="ticker-title">{t('ticker')}</span>
      <div className="ticker-items">
        {(slice.data ?? []).map((e) => (
          <span key={e.id} className={`ticker-item kind-${e.kind}`} data-event={e.id}>
            <b>{clockText(e.at, false)}</b> {localName({ name: e.unitName, nameEn: e.unitNameEn }, lang)} {t(eventKey(e.kind))}
            {e.tier !== null ? ` ${t('tierN', { n: e.tier })}` : ''} <small>{e.leadId}</small>
          </span>
        ))}
      </div>
    </footer>
  );
}
