// The daily review (每日研判会): yesterday (or a chosen day or week) frozen at the meeting's
// cut-off, stepped through section by section with the keyboard or a presenter remote.
import { useCallback, useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { LeadTimeline, PendingNote, RankingRow, ReviewLead, ReviewState, StopRecord } from '../../../shared/contract.js';
import { DAY } from '../../../shared/domain.js';
import { dateWindow, dayWindow, previousWindow, reviewCutoff, reviewWindow, weekWindow, type Indicators, type Window } from '../../../shared/kpi.js';
import type { UnitNode } from '../../../shared/units.js';
import { clockText, dateText, moneyText, pctText } from '../format.js';
import { fraudKey, riskKey, type MessageKey } from '../i18n.js';
import { go, parseRoute } from '../route.js';
import { api, onChanged, useApp } from '../store.js';
import { Head, localName, placeName, useT } from '../wall/common.js';
import { KpiCards } from '../wall/KpiStrip.js';
import { Table } from '../wall/Leaderboards.js';
import { StatusBar } from '../wall/StatusBar.js';
import { Replay } from './Replay.js';

export const SECTIONS = ['indicators', 'daily', 'weekly', 'drill', 'overdue', 'cases', 'stops', 'notes', 'replay'] as const;
type Section = (typeof SECTIONS)[number];

export type ReviewData = {
  window: Window;
  asOf: number;
  /** Frozen at the cut-off, provisional before it, or not verifiable. */
  state: ReviewState;
  unit: UnitNode;
  units: UnitNode[];
  now: Indicators;
  before: Indicators;
  daily: { branches: RankingRow[]; stations: RankingRow[] };
  weekly: { branches: RankingRow[]; stations: RankingRow[] };
  children: { unit: UnitNode; ind: Indicators }[];
  overdue: ReviewLead[];
  cases: (ReviewLead & { timeline: LeadTimeline | null })[];
  stops: StopRecord[];
};

/** Loads everything the meeting shows, once, as of the cut-off: the frozen view. */
export async function loadReview(date: string, weekly: boolean, unitId: string | undefined, serverNow: number): Promise<ReviewData> {
  const c = api();
  const day = dateWindow(date);
  const w = reviewWindow(date, weekly);
  const asOf = reviewCutoff(w, serverNow);
  // Freeze first (the core fetches the state at the cut-off if it did not see it), then every
  // query as of the cut-off is answered from that frozen state.
  const state = await c.invoke('review:state', { window: w });
  const units = await c.invoke('units:list', {});
  const root = units.find((u) => u.parentId === null || !units.some((p) => p.id === u.parentId))!;
  const unit = units.find((u) => u.id === unitId) ?? root;
  const childLevel = unit.level === 'city' ? 'branch' : unit.level === 'branch' ? 'station' : null;
  const within = unit.level === 'city' ? unit.id : (units.find((u) => u.level === 'city')?.id ?? root.id);
  const branchOf = unit.level === 'branch' ? unit.id : undefined;
  const [now, before, dB, dS, wB, wS, overdue, victims, stops] = await Promise.all([
    c.invoke('kpi:get', { unitId: unit.id, window: w, asOf }),
    c.invoke('kpi:get', { unitId: unit.id, window: previousWindow(w), asOf }),
    c.invoke('ranking:get', { kind: 'daily', level: 'branch', within, window: weekly ? dayWindow(w.end - DAY) : w, asOf }),
    c.invoke('ranking:get', { kind: 'daily', level: 'station', within: branchOf ?? within, window: weekly ? dayWindow(w.end - DAY) : w, asOf }),
    c.invoke('ranking:get', { kind: 'weekly', level: 'branch', within, window: weekWindow(day.start), asOf }),
    c.invoke('ranking:get', { kind: 'weekly', level: 'station', within: branchOf ?? within, window: weekWindow(day.start), asOf }),
    c.invoke('review:leads', { unitId: unit.id, window: w, asOf, which: 'overdue', limit: 2000 }),
    c.invoke('review:leads', { unitId: unit.id, window: w, asOf, which: 'victimised', limit: 500 }),
    c.invoke('stops:list', { unitId: unit.id, window: w, asOf }),
  ]);
  const kids = childLevel ? units.filter((u) => u.parentId === unit.id && u.level === childLevel) : [];
  const children = await Promise.all(kids.map(async (k) => ({ unit: k, ind: await c.invoke('kpi:get', { unitId: k.id, window: w, asOf }) })));
  const cases = await Promise.all(victims.map(async (v) => ({ ...v, timeline: await c.invoke('lead:timeline', { leadId: v.id, asOf }) })));
  return { window: w, asOf, state, unit, units, now, before, daily: { branches: dB, stations: dS }, weekly: { branches: wB, stations: wS }, children, overdue, cases, stops };
}

/** The exported table behind each section, for its CSV. */
const CSV_TABLE: Partial<Record<Section, string>> = { indicators: 'indicators', daily: 'daily-branch', weekly: 'weekly-branch', overdue: 'overdue', cases: 'cases', stops: 'stops', notes: 'notes' };

/** Asks the core for a file and saves it (a download in the browser host and in Electron alike). */
async function download(req: { date: string; week: boolean; unitId: string | undefined; format: 'pdf' | 'xlsx' | 'csv'; table?: string }): Promise<void> {
  const f = await api().invoke('review:export', { date: req.date, format: req.format, ...(req.week ? { week: true } : {}), ...(req.unitId ? { unitId: req.unitId } : {}), ...(req.table ? { table: req.table } : {}) });
  const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: f.mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = f.fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function yesterday(now: number): string {
  return dateText(dayWindow(now).start - DAY);
}

type LeadCol = 'issued' | 'due' | 'feedback' | 'met' | 'loss' | 'outcome';
/** The optional columns of a lead table, in their order, with their headings. */
const LEAD_COLS: readonly (readonly [LeadCol, MessageKey])[] = [
  ['issued', 'colIssued'],
  ['met', 'colMet'],
  ['due', 'colDue'],
  ['feedback', 'colFeedback'],
  ['loss', 'colLoss'],
  ['outcome', 'colOutcome'],
];

function LeadTable({ leads, cols }: { leads: ReviewLead[]; cols: LeadCol[] }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  const time = (x: number | null) => (x === null ? '—' : `${dateText(x).slice(5)} ${clockText(x, false)}`);
  return (
    <table className="review-table">
      <Head cols={[...(['colLead', 'colUnit', 'colPerson', 'colType', 'colRisk'] as const), ...LEAD_COLS.filter(([c]) => cols.includes(c)).map(([, k]) => k)]} />
      <tbody>
        {leads.map((l) => (
          <tr key={l.id} data-review-lead={l.id}>
            <td>{l.id}</td>
            <td>{placeName(l, lang)}</td>
            <td data-pii>
              {l.personName}
              {/* A wall's view carries the age band only (shared/privacy.ts). */}
              {l.personAgeBand ? ` ${l.personAgeBand}` : typeof l.personAge === 'number' ? ` ${l.personAge}` : ''}
              {l.personOccupation ? ` ${l.personOccupation}` : ''}
              {l.warningCount > 1 ? ` ×${l.warningCount}` : ''}
            </td>
            <td>{t(fraudKey(l.fraudType))}</td>
            <td>{t(riskKey(l.riskLevel))}</td>
            {cols.includes('issued') && <td>{time(l.issuedAt)}</td>}
            {cols.includes('met') && <td>{time(l.metAt)}</td>}
            {cols.includes('due') && <td>{time(l.feedbackDueAt)}</td>}
            {cols.includes('feedback') && <td>{time(l.feedbackAt)}</td>}
            {cols.includes('loss') && <td>{moneyText(l.lossAmount, lang)}</td>}
            {cols.includes('outcome') && <td>{l.outcome ? t(`outcome.${l.outcome}` as MessageKey) : '—'}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Notes({ window, unitId, leadId }: { window: Window; unitId: string; leadId?: string }) {
  const t = useT();
  const [notes, setNotes] = useState<PendingNote[]>([]);
  const [body, setBody] = useState('');
  const [author, setAuthor] = useState('');
  const [kind, setKind] = useState<'meeting' | 'review' | 'revisit'>('meeting');
  const reload = useCallback(() => {
    void api()
      .invoke('notes:list', { window: { start: window.start, end: window.end + 30 * DAY }, ...(leadId ? { leadId } : { unitId }) })
      .then(setNotes);
  }, [window.start, window.end, unitId, leadId]);
  useEffect(() => {
    reload();
    return onChanged((tables) => tables.includes('note') && reload());
  }, [reload]);
  const save = async () => {
    if (!body.trim() || !author.trim()) return;
    await api().invoke('notes:add', { kind, body: body.trim(), author: author.trim(), ...(leadId ? { leadId } : { unitId }) });
    setBody('');
    reload();
  };
  return (
    <div className="notes">
      <ul className="note-list">
        {notes.map((n) => (
          <li key={n.id} data-note={n.id} data-pending={n.pending ? 'true' : 'false'}>
            <b>{t(`noteKind.${n.kind}` as MessageKey)}</b> {clockText(n.createdAt, false)} {n.author}：{n.body}
            {n.pending && <span className="pending"> ({n.error ? t('failedMark', { e: n.error }) : t('pendingMark')})</span>}
          </li>
        ))}
        {notes.length === 0 && <li className="muted">{t('none')}</li>}
      </ul>
      <div className="note-form">
        <select aria-label={t('noteKind')} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
          {(['meeting', 'review', 'revisit'] as const).map((k) => (
            <option key={k} value={k}>
              {t(`noteKind.${k}` as MessageKey)}
            </option>
          ))}
        </select>
        <input aria-label={t('noteAuthor')} placeholder={t('noteAuthor')} value={author} onChange={(e) => setAuthor(e.target.value)} />
        <textarea aria-label={t('noteBody')} placeholder={t('noteBody')} value={body} onChange={(e) => setBody(e.target.value)} />
        <button type="button" onClick={() => void save()}>
          {t('noteSave')}
        </button>
      </div>
    </div>
  );
}

function Timeline({ tl }: { tl: LeadTimeline }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  return (
    <div className="timeline">
      <ol>
        {tl.events.map((e) => (
          <li key={e.id}>
            {clockText(e.at, false)} {t(`event.${e.kind}` as MessageKey)}
            {e.tier ? ` ${t('tierN', { n: e.tier })}` : ''} {e.kind === 'feedback' && e.detail ? t(`outcome.${e.detail}` as MessageKey) : (e.detail ?? '')}
          </li>
        ))}
      </ol>
      {tl.stops.map((s) => (
        <div key={s.id} className="muted">
          {t('section.stops')}: {s.bank} {s.accountMasked} {moneyText(s.amount, lang)} {t(`status.${s.status}` as MessageKey)}
        </div>
      ))}
    </div>
  );
}

export function ReviewScreen({ params }: { params: URLSearchParams }) {
  const t = useT();
  const { now, lang, ready } = useApp(useShallow((s) => ({ now: s.now, lang: s.lang, ready: s.link && s.clockKnown })));
  const weekly = params.get('week') === '1';
  const date = params.get('date') ?? yesterday(now);
  const unitId = params.get('unit') ?? undefined;
  const section = Math.max(0, Math.min(SECTIONS.length - 1, Number(params.get('s') ?? 0)));
  // The loaded review with the request it answers: figures are shown only under their own title.
  const key = `${date}|${weekly}|${unitId ?? ''}`;
  const [loaded, setLoaded] = useState<{ key: string; data: ReviewData } | null>(null);
  const data = loaded?.key === key ? loaded.data : null;
  const [error, setError] = useState<string | null>(null);
  const [openLead, setOpenLead] = useState<LeadTimeline | null>(null);
  // Frozen: load when the day, the week or the unit changes, and on R; never on live events.
  const [generation, setGeneration] = useState(0);
  // A provisional review becomes frozen at its cut-off: it loads again then.
  const passed = loaded?.data.state.state === 'provisional' && now >= loaded.data.state.cutoff;
  useEffect(() => {
    if (!ready) return;
    let alive = true;
    loadReview(date, weekly, unitId, useApp.getState().now)
      .then((d) => alive && (setLoaded({ key, data: d }), setError(null)))
      .catch((e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      alive = false;
    };
  }, [key, date, weekly, unitId, ready, generation, passed]);
  const move = useCallback(
    (to: number) => go('review', { date, ...(weekly ? { week: '1' } : {}), ...(unitId ? { unit: unitId } : {}), s: String((to + SECTIONS.length) % SECTIONS.length) }),
    [date, weekly, unitId],
  );
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) return;
      // The section in the URL now, not the one this render saw: a remote may press twice quickly.
      const at = Number(parseRoute(location.hash).params.get('s') ?? 0);
      if (e.key === 'ArrowRight' || e.key === 'PageDown') move(at + 1);
      else if (e.key === 'ArrowLeft' || e.key === 'PageUp') move(at - 1);
      else if (e.key === 'r' || e.key === 'R') setGeneration((g) => g + 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [move]);
  const current: Section = SECTIONS[section]!;
  const name = (u: UnitNode) => localName(u, lang);
  const path = data ? ancestry(data.units, data.unit) : [];
  return (
    <div className="review" data-screen="review" data-section={current}>
      <StatusBar />
      <header className="review-head">
        <h1>
          {t(weekly ? 'reviewWeekTitle' : 'reviewTitle')} {weekly ? `${dateText(weekWindow(dateWindow(date).start).start)} – ${dateText(weekWindow(dateWindow(date).start).end - DAY)}` : date}
        </h1>
        {data && <span className="review-cutoff" data-cutoff={data.asOf}>{t('cutoff', { t: `${dateText(data.asOf)} ${clockText(data.asOf, false)}` })}</span>}
        {data && <ReviewMark state={data.state} />}
        <nav className="breadcrumb">
          {path.map((u) => (
            <a key={u.id} href={`#/review?date=${date}${weekly ? '&week=1' : ''}&unit=${u.id}&s=${section}`} data-crumb={u.id}>
              {name(u)}
            </a>
          ))}
        </nav>
      </header>
      <nav className="agenda">
        {SECTIONS.map((s, i) => (
          <button key={s} type="button" className={i === section ? 'on' : ''} onClick={() => move(i)} data-agenda={s}>
            {i + 1}. {t(`section.${s}` as MessageKey)}
          </button>
        ))}
        <span className="muted">{t('navHint')}</span>
        <span className="exports">
          <button type="button" data-export="pdf" onClick={() => void download({ date, week: weekly, unitId, format: 'pdf' })}>
            PDF
          </button>
          <button type="button" data-export="xlsx" onClick={() => void download({ date, week: weekly, unitId, format: 'xlsx' })}>
            XLSX
          </button>
          {CSV_TABLE[current] && (
            <button type="button" data-export="csv" onClick={() => void download({ date, week: weekly, unitId, format: 'csv', table: CSV_TABLE[current]! })}>
              CSV
            </button>
          )}
        </span>
      </nav>
      <main className="review-body">
        {error && <div className="empty">{error}</div>}
        {!data && !error && <div className="empty">{t('loading')}</div>}
        {data && current === 'indicators' && <KpiCards now={data.now} before={data.before} vsLabel="vsPrevious" asOf={data.asOf} />}
        {data && (current === 'daily' || current === 'weekly') && (
          <div className="two-boards">
            <section data-ranking={`${current}-branch`}>
              <h2>{t('branches')}</h2>
              <Table rows={data[current].branches} lang={lang} label={t('branches')} kind={current} />
            </section>
            <section data-ranking={`${current}-station`}>
              <h2>{t('stationsAll')}</h2>
              <Table rows={data[current].stations} lang={lang} label={t('stationsAll')} kind={current} />
            </section>
          </div>
        )}
        {data && current === 'drill' && (
          <div className="drill">
            {data.children.length > 0 ? (
              <table className="review-table">
                <Head cols={['colUnit', 'colLeads', 'f2fCol', 'kpi.victimisation', 'overdueCol']} />
                <tbody>
                  {data.children.map(({ unit, ind }) => (
                    <tr key={unit.id} data-drill={unit.id}>
                      <td>
                        <a href={`#/review?date=${date}${weekly ? '&week=1' : ''}&unit=${unit.id}&s=${section}`}>{name(unit)}</a>
                      </td>
                      <td>{ind.leads}</td>
                      <td>
                        {pctText(ind.faceToFace.value)} <small>{`${ind.faceToFace.num}/${ind.faceToFace.den}`}</small>
                      </td>
                      <td>{pctText(ind.victimisation.value)}</td>
                      <td>{pctText(ind.overdue.value)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <StationLeads window={data.window} asOf={data.asOf} unitId={data.unit.id} onOpen={setOpenLead} />
            )}
            {openLead && (
              <aside className="lead-panel" data-timeline={openLead.lead.id}>
                <h2>
                  {openLead.lead.id} {t('timeline')}
                </h2>
                <Timeline tl={openLead} />
                <Notes window={data.window} unitId={openLead.lead.unitId} leadId={openLead.lead.id} />
              </aside>
            )}
          </div>
        )}
        {data && current === 'overdue' && <LeadTable leads={data.overdue} cols={['issued', 'due', 'feedback']} />}
        {data && current === 'cases' && (
          <div className="cases">
            {data.cases.length === 0 && <div className="empty">{t('none')}</div>}
            {data.cases.map((c) => (
              <article key={c.id} className="case" data-case={c.id}>
                <LeadTable leads={[c]} cols={['issued', 'met', 'feedback', 'loss', 'outcome']} />
                {c.timeline && <Timeline tl={c.timeline} />}
              </article>
            ))}
          </div>
        )}
        {data && current === 'stops' && <StopTable stops={data.stops} />}
        {data && current === 'notes' && <Notes window={data.window} unitId={data.unit.id} />}
        {data && current === 'replay' && <Replay window={data.window} asOf={data.asOf} unitId={data.unit.id} />}
      </main>
    </div>
  );
}

/** Says whether the figures are final: frozen at the cut-off, provisional, or not verifiable. */
function ReviewMark({ state }: { state: ReviewState }) {
  const t = useT();
  const when = `${dateText(state.cutoff)} ${clockText(state.cutoff, false)}`;
  return (
    <span className={`review-state review-state-${state.state}`} data-review-state={state.state} data-review-source={state.source ?? ''} role="status">
      {t(`reviewState.${state.state}`, { t: when, reason: state.reason ?? '' })}
    </span>
  );
}

function ancestry(units: UnitNode[], unit: UnitNode): UnitNode[] {
  const byId = new Map(units.map((u) => [u.id, u]));
  const out: UnitNode[] = [];
  for (let u: UnitNode | undefined = unit; u; u = u.parentId ? byId.get(u.parentId) : undefined) out.unshift(u);
  return out;
}

function StationLeads({ window, asOf, unitId, onOpen }: { window: Window; asOf: number; unitId: string; onOpen: (tl: LeadTimeline | null) => void }) {
  const [leads, setLeads] = useState<ReviewLead[]>([]);
  useEffect(() => {
    void api().invoke('review:leads', { unitId, window, asOf, which: 'all', limit: 1000 }).then(setLeads);
  }, [unitId, window, asOf]);
  const t = useT();
  const lang = useApp((s) => s.lang);
  return (
    <table className="review-table">
      <tbody>
        {leads.map((l) => (
          <tr key={l.id} data-review-lead={l.id}>
            <td>
              <button type="button" onClick={() => void api().invoke('lead:timeline', { leadId: l.id, asOf }).then(onOpen)}>
                {l.id}
              </button>
            </td>
            <td>{localName({ name: l.unitName, nameEn: l.unitNameEn }, lang)}</td>
            <td data-pii>{l.personName}</td>
            <td>{t(fraudKey(l.fraudType))}</td>
            <td>{l.outcome ? t(`outcome.${l.outcome}` as MessageKey) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function StopTable({ stops }: { stops: StopRecord[] }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  return (
    <table className="review-table">
      <Head cols={['colLead', 'colUnit', 'colBank', 'colAccount', 'colAmount', 'colRequested', 'colFrozen', 'colStatus', 'col30']} />
      <tbody>
        {stops.map((s) => (
          <tr key={s.id} data-stop={s.id}>
            <td>{s.leadId}</td>
            <td>{localName({ name: s.unitName, nameEn: s.unitNameEn }, lang)}</td>
            <td>{s.bank}</td>
            <td>{s.accountMasked}</td>
            <td>{moneyText(s.amount, lang)}</td>
            <td>{clockText(s.requestedAt, false)}</td>
            <td>{s.frozenAt === null ? '—' : clockText(s.frozenAt, false)}</td>
            <td>{t(`status.${s.status}` as MessageKey)}</td>
            <td>{s.within30 === null ? '—' : t(s.within30 ? 'yes' : 'no')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
