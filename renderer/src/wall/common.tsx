import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { clockText } from '../format.js';
import { translate, type MessageKey } from '../i18n.js';
import { useApp, type Slice } from '../store.js';

export type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** A unit's name in the display's language (the Chinese name where no English one is known). */
export function localName(u: { name: string; nameEn?: string | null | undefined }, lang: 'zh-CN' | 'en'): string {
  return lang === 'en' ? (u.nameEn ?? u.name) : u.name;
}

/** Where a lead belongs, as a list names it: its station, else its own unit, in the display's language. */
export function placeName(l: { unitName: string; unitNameEn: string | null; stationName: string | null; stationNameEn: string | null }, lang: 'zh-CN' | 'en'): string {
  return l.stationName !== null ? localName({ name: l.stationName, nameEn: l.stationNameEn }, lang) : localName({ name: l.unitName, nameEn: l.unitNameEn }, lang);
}

export function useT(): T {
  const lang = useApp((s) => s.lang);
  return (key, vars) => translate(lang, key, vars);
}

/**
 * A wall panel: title, and — whenever the data is not live — the time its figures are from, so
 * a stale value is never mistaken for a fresh one. The last good value always stays on screen.
 */
export function Panel({ title, slice, kind, className, children, extra }: { title: string; slice: Slice<unknown>; kind: string; className?: string; children: ReactNode; extra?: ReactNode }) {
  const t = useT();
  const { live, confirmedAt, complete } = useApp(
    useShallow((s) => ({ live: s.link && s.status?.state === 'live', confirmedAt: s.status?.confirmedAt ?? null, complete: s.status?.complete ?? null })),
  );
  const stale = !live || slice.error !== null;
  // The data's age is when the centre last confirmed the replica current, not when this panel
  // fetched it; if this panel's own refresh failed, its data is no newer than that fetch.
  const asOf = confirmedAt === null ? null : slice.error !== null && slice.at !== null ? Math.min(confirmedAt, slice.at) : confirmedAt;
  // Until the replica holds a whole snapshot, an empty result is not a quiet day: say so.
  const unknown = complete === false;
  return (
    <section className={`panel ${className ?? ''}`} data-panel={kind} data-stale={stale ? 'true' : 'false'} data-no-data={unknown ? 'true' : 'false'}>
      <header className="panel-head">
        <h2 className="panel-title">{title}</h2>
        {!unknown && extra}
        {stale && !unknown && asOf !== null && (
          <span className="panel-age" data-as-of={asOf}>
            {t('age', { t: clockText(asOf, false) })}
          </span>
        )}
      </header>
      <div className="panel-body">
        {unknown ? <div className="empty">{t('noDataYet')}</div> : slice.data === null ? <div className="empty">{t(slice.error ? 'noData' : 'loading')}</div> : children}
      </div>
    </section>
  );
}

/** A table's header row: one column per message key (null: an untitled column). */
export function Head({ cols }: { cols: readonly (MessageKey | null)[] }) {
  const t = useT();
  return (
    <thead>
      <tr>
        {cols.map((k, i) => (
          <th key={k ?? `_${i}`}>{k ? t(k) : null}</th>
        ))}
      </tr>
    </thead>
  );
}
