import { grade } from '../../../shared/display.js';
import { change, indicatorDef, INDICATORS, measure, type IndicatorKey } from '../../../shared/indicators.js';
import type { Indicators } from '../../../shared/kpi.js';
import { moneyText, pctText, hoursText } from '../format.js';
import { kpiKey } from '../i18n.js';
import { useApp } from '../store.js';
import { Panel, useT } from './common.js';

type Shown = { value: number | null; text: string; sub: string | null };

/** An indicator's machine value as text, by its format in the registry. */
export function valueText(key: IndicatorKey, value: number | null, lang: 'zh-CN' | 'en'): string {
  const format = indicatorDef(key).format;
  if (format === 'rate') return pctText(value);
  if (value === null) return '—';
  if (format === 'money') return moneyText(value, lang);
  if (format === 'duration') return hoursText(value);
  return String(value);
}

/** The machine value (data-value), its text, and the numerator/denominator where it has them. */
export function indicatorValue(key: IndicatorKey, k: Indicators, lang: 'zh-CN' | 'en'): Shown {
  const m = measure(key, k);
  return { value: m.value, text: valueText(key, m.value, lang), sub: m.den !== null ? `${m.num}/${m.den}` : m.n !== null ? `n=${m.n}` : null };
}

/** The change against the window before: an arrow, the size in the indicator's unit, and whether it is for the better. */
export function delta(key: IndicatorKey, now: number | null, before: number | null, lang: 'zh-CN' | 'en'): { text: string; dir: 'up' | 'down' | 'flat'; better: boolean | null } {
  const c = change(key, now, before);
  if (c === null) return { text: '—', dir: 'flat', better: null };
  const dir = c.delta > 0 ? 'up' : c.delta < 0 ? 'down' : 'flat';
  const arrow = c.delta > 0 ? '▲' : c.delta < 0 ? '▼' : '＝';
  const size = Math.abs(c.delta);
  return { text: `${arrow}${indicatorDef(key).format === 'rate' ? `${(size * 100).toFixed(1)}pt` : valueText(key, size, lang)}`, dir, better: c.better };
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
    <div className={`kpi-card grade-${g}`} data-better={d.better === null ? '' : String(d.better)} data-kpi={k} data-value={v.value === null ? '' : String(v.value)} data-grade={g}>
      <div className="kpi-label">{t(kpiKey(k))}</div>
      <div className="kpi-value">{v.text}</div>
      <div className="kpi-sub">{v.sub ?? ' '}</div>
      <div className="kpi-deltas">
        <span className={`kpi-delta dir-${d.dir}${d.better === null ? '' : d.better ? ' better' : ' worse'}`}>
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
      {INDICATORS.map((d) => (
        <Card key={d.key} k={d.key} today={now} yesterday={before} target={targets[d.target]} vsLabel={vsLabel} />
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
