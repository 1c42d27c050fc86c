// One event of a lead's timeline in words: when, what, and what its detail says (a known code
// through the vocabulary, a unit by its name, a bank by its name in the display's language;
// anything else as the centre sent it). The review's timeline and the rankings' drill-down both
// show events through this, so they cannot read a detail differently.
import { useEffect, useState } from 'react';
import type { LeadEvent } from '../../../shared/protocol.js';
import type { UnitNode } from '../../../shared/units.js';
import { bankName, describeDetail } from '../../../shared/vocabulary.js';
import { clockText } from '../format.js';
import { eventKey, messageKeys, roleKey } from '../i18n.js';
import { api, onChanged, useApp } from '../store.js';
import { localName, useT } from '../wall/common.js';

/**
 * The units the display holds, by id, loaded once for every timeline on screen and again when
 * the units change. A timeline names units its lead passed through; until they are known (or
 * for a unit outside the display's scope) the id stands, as the centre sent it.
 */
let units: Map<string, UnitNode> | null = null;
let loading: Promise<void> | null = null;
const listeners = new Set<() => void>();
let watching = false;

function loadUnits(): Promise<void> {
  loading ??= api()
    .invoke('units:list', {})
    .then((list) => {
      units = new Map(list.map((u) => [u.id, u]));
      for (const l of listeners) l();
    })
    .finally(() => {
      loading = null;
    });
  return loading;
}

export function useUnits(): Map<string, UnitNode> | null {
  const [, redraw] = useState(0);
  useEffect(() => {
    const fn = () => redraw((n) => n + 1);
    listeners.add(fn);
    if (!watching) {
      watching = true;
      onChanged((tables) => tables.includes('unit') && void loadUnits().catch(() => undefined));
    }
    if (units === null) void loadUnits().catch(() => undefined);
    return () => void listeners.delete(fn);
  }, []);
  return units;
}

export function EventLine({ e }: { e: LeadEvent }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  const known = useUnits();
  const unit = (id: string) => {
    const u = known?.get(id);
    return u ? localName(u, lang) : id;
  };
  // A role the vocabulary does not know is shown as the centre sent it.
  const role = e.role ? ((messageKeys as readonly string[]).includes(roleKey(e.role)) ? t(roleKey(e.role)) : e.role) : null;
  const d = describeDetail(e);
  const detail =
    d.kind === 'word' ? t(d.key, d.vars) : d.kind === 'reassign' ? t('reassignedFrom', { from: unit(d.from), to: unit(d.to) }) : d.kind === 'bank' ? bankName(d.name, lang) : d.kind === 'text' ? d.text : '';
  return (
    <li data-event={e.kind} data-event-detail={d.kind}>
      {clockText(e.at, false)} {t(eventKey(e.kind))}
      {e.tier ? ` ${t('tierN', { n: e.tier })}` : ''}
      {e.kind === 'escalation' && role ? ` ${role}` : ''}
      {detail && <span className="event-detail"> {detail}</span>}
    </li>
  );
}
