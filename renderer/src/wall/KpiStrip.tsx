import { grade, type IndicatorKey } from '../../../shared/display.js';
import type { Indicators } from '../../../shared/kpi.js';
import { moneyText, pctText, hoursText } from '../format.js';
import { kpiKey } from '../i18n.js';
import { useApp } from '../store.js';
import { Panel, useT } from './common.js';

type Shown = { value: number | null; text: string; sub: string | null };

const RATES = new Set<IndicatorKey>(['faceToFace', 'victimisation', 'overdue', 'stopPayment30']);

/** An indicator's machine value as text: a rate, money, a duration or a count. */
export function valueText(key: IndicatorKey, value: number | null, lang: 'zh-CN' | 'en'): string {
  if (RATES.has(key)) return pctText(value);
  if (value === null) return '—';
  if (key === 'amountDefrauded' || key === 'amountKept') return moneyText(value, lang);
  if (key === 'timeToMeet') return hoursText(value);
  return String(value);
}

/** The machine value (data-value), its text, and the numerator/denominator where it has them. */
export function indicatorValue(key: IndicatorKey, k: Indicators, lang: 'zh-CN' | 'en'): Shown {
  if (key === 'faceToFace' || key === 'victimisation' || key === 'overdue' || key === 'stopPayment30') {
    const r = k[key];
    return { value: r.value, text: valueText(key, r.value, lang), sub: `${r.num}/${r.den}` };
  }
  if (key === 'timeToMeet') return { value: k.timeToMeet.meanMs, text: valueText(key, k.timeToMeet.meanMs, lang), sub: `n=${k.timeToMeet.n}` };
  return { value: k[key], text: valueText(key, k[key], lang), sub: null };
}

const CORE: IndicatorKey[] = ['faceToFace', 'victimisation', 'overdue', 'peopleDefrauded', 'amountDefrauded'];
const MORE: IndicatorKey[] = ['timeToMeet', 'stopPayment30', 'amountKept'];

function delta(key: IndicatorKey, now: number | null, before: number | null, lang: 'zh-CN' | 'en'): { text: string; dir: 'up' | 'down' | 'flat' } {
  if (now === null || before === null) return { text: '—', dir: 'flat' };
  const d = now - before;
  const dir = d > 0 ? 'up' : d < 0 ? 'down' : 'flat';
  const arrow = d > 0 ? '▲' : d < 0 ? '▼' : '＝';
  if (key === 'faceToFace' || key === 'victimisation' || key === 'overdue' || key === 'stopPayment30') return { text: `${arrow}${Math.abs(d * 100).toFixed(1)}pt`, dir };
  if (key === 'amountDefrauded' || key === 'amountKept') return { text: `${arrow}${moneyText(Math.abs(d), lang)}`, dir };
  if (key === 'timeToMeet') return { text: `${arrow}${hoursText(Math.abs(d))}`, dir };
  return { text: `${arrow}${Math.abs(d)}`, dir };
}

function Card({ k, today, yesterday, target, vsLabel }: { k: IndicatorKey; today: Indicators; yesterday: Indicators; target: number; vsLabel: 'vsYesterday' | 'vsPrevious' }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  const v = indicatorValue(k, today, lang);
  const y = indicatorValue(k, yesterday, lang);
  const g = grade(k, v.value, target);
  const d = delta(k, v.value, y.value, lang);
  const targetText = valueText(k, target, lang);
  return (
    <div className={`kpi-card grade-${g}`} data-kpi={k} data-value={v.value === null ? '' : String(v.value)} data-grade={g}>
      <div className="kpi-label">{t(kpiKey(k))}</div>
      <div className="kpi-value">{v.text}</div>
      <div className="kpi-sub">{v.sub ?? ' '}</div>
      <div className="kpi-deltas">
        <span className={`kpi-delta dir-${d.dir}`}>
          {t(vsLabel)} {d.text}
        </span>
        <span className="kpi-target">
          {t('vsTarget')} {targetText}
        </span>
      </div>
    </div>
  );
}

/** The eight indicator cards: figures, numerator/denominator, change and target. */
export function KpiCards({ now, before, vsLabel, asOf }: { now: Indicators; before: Indicators; vsLabel: 'vsYesterday' | 'vsPrevious'; asOf: number }) {
  const targets = useApp((s) => s.config.targets);
  return (
    <div className="kpi-strip" data-as-of={asOf}>
      {[...CORE, ...MORE].map((k) => (
        <Card key={k} k={k} today={now} yesterday={before} target={targets[k]} vsLabel={vsLabel} />
      ))}
    </div>
  );
}

export function KpiStrip() {
  const t = useT();
  const slice = useApp((s) => s.kpi);
  return (
    <Panel title={t('today')} slice={slice} kind="kpi" className="kpi-panel">
      {slice.data && <KpiCards now={slice.data.today} before={slice.data.yesterday} vsLabel="vsYesterday" asOf={slice.data.asOf} />}
    </Panel>
  );
}
