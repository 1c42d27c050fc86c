// The daily review (每日研判会): yesterday (or a chosen day or week) frozen at the meeting's
// cut-off, stepped through section by section with the keyboard or a presenter remote.
import { useCallback, useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { REVIEW_SECTIONS, type LeadTimeline, type PendingNote, type PlanUnit, type ReviewLead, type ReviewPlan, type ReviewSection, type ReviewState, type StopRecord } from '../../../shared/contract.js';
import { DAY } from '../../../shared/domain.js';
import { dateWindow, dayWindow, weekWindow, type StopSummary, type Window } from '../../../shared/kpi.js';
import { clockText, dateText, moneyText, pctText } from '../format.js';
import { fraudKey, riskKey, type MessageKey } from '../i18n.js';
import { go, parseRoute } from '../route.js';
import { api, onChanged, useApp } from '../store.js';
import { Head, localName, placeName, useT } from '../wall/common.js';
import { KpiCards, valueText } from '../wall/KpiStrip.js';
import { CORE_INDICATORS, measure } from '../../../shared/indicators.js';
import { bankName } from '../../../shared/vocabulary.js';
import { Table } from '../wall/Leaderboards.js';
import { StatusBar } from '../wall/StatusBar.js';
import { CaseReviewForm, reviewWords, useLatestReviews } from './CaseReviewForm.js';
import { LeadTimelineView } from './LeadTimelineView.js';
import { PatternTable } from './PatternTable.js';
import { Replay } from './Replay.js';
import { HandlingSection } from './HandlingSection.js';
import { RevisitSection } from './RevisitSection.js';

export const SECTIONS = REVIEW_SECTIONS;
type Section = ReviewSection;

/**
 * Loads the review's plan, once, as of the cut-off: the core builds it from the frozen state
 * (freezing it first if it did not see it), the same plan the exported minutes are written from.
 */
export async function loadReview(date: string, weekly: boolean, unitId: string | undefined): Promise<ReviewPlan> {
  return api().invoke('review:plan', { date, ...(weekly ? { week: true } : {}), ...(unitId ? { unitId } : {}) });
}

/** The exported table behind each section, for its CSV. */
const CSV_TABLE: Partial<Record<Section, string>> = { indicators: 'indicators', daily: 'daily-branch', weekly: 'weekly-branch', overdue: 'overdue', cases: 'cases', stops: 'stops', notes: 'notes', handling: 'handling-method', revisits: 'revisits' };

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
  const lang = useApp((s) => s.lang);
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
            <b>{t(`noteKind.${n.kind}` as MessageKey)}</b> {clockText(n.createdAt, false)} {n.author}：{n.kind === 'review' ? reviewWords(n.body, t, lang) : n.body}
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

export function ReviewScreen({ params }: { params: URLSearchParams }) {
  const t = useT();
  const { now, lang, ready } = useApp(useShallow((s) => ({ now: s.now, lang: s.lang, ready: s.link && s.clockKnown })));
  const weekly = params.get('week') === '1';
  const date = params.get('date') ?? yesterday(now);
  const unitId = params.get('unit') ?? undefined;
  const section = Math.max(0, Math.min(SECTIONS.length - 1, Number(params.get('s') ?? 0)));
  // The loaded review with the request it answers: figures are shown only under their own title.
  const key = `${date}|${weekly}|${unitId ?? ''}`;
  const [loaded, setLoaded] = useState<{ key: string; data: ReviewPlan } | null>(null);
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
    loadReview(date, weekly, unitId)
      .then((d) => alive && (setLoaded({ key, data: d }), setError(null)))
      .catch((e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      alive = false;
    };
  }, [key, date, weekly, unitId, ready, generation, passed]);
  // A week's pattern table counts the cases' latest reviews, which stay live: a review coming
  // back through the feed loads the plan again (the frozen figures themselves do not change).
  useEffect(() => (weekly ? onChanged((tables) => tables.includes('note') && setGeneration((g) => g + 1)) : undefined), [weekly]);
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
  const reviews = useLatestReviews(current === 'cases');
  const name = (u: PlanUnit) => localName(u, lang);
  const path = data ? data.path : [];
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
        {data && current === 'indicators' && (
          <div className="review-indicators">
            <KpiCards now={data.indicators.now} before={data.indicators.before} vsLabel="vsPrevious" asOf={data.asOf} />
            {data.branches.length > 0 && <BranchGrid plan={data} />}
          </div>
        )}
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
                  {data.children.map((unit) => (
                    <tr key={unit.id} data-drill={unit.id}>
                      <td>
                        <a href={`#/review?date=${date}${weekly ? '&week=1' : ''}&unit=${unit.id}&s=${section}`}>{name(unit)}</a>
                      </td>
                      <td>{unit.indicators.leads}</td>
                      <td>
                        {pctText(unit.indicators.faceToFace.value)} <small>{`${unit.indicators.faceToFace.num}/${unit.indicators.faceToFace.den}`}</small>
                      </td>
                      <td>{pctText(unit.indicators.victimisation.value)}</td>
                      <td>{pctText(unit.indicators.overdue.value)}</td>
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
                <LeadTimelineView tl={openLead} />
                <Notes window={data.window} unitId={openLead.lead.unitId} leadId={openLead.lead.id} />
              </aside>
            )}
          </div>
        )}
        {data && current === 'overdue' && (
          <>
            <LeadTable leads={data.overdue.rows} cols={['issued', 'due', 'feedback']} />
            {data.overdue.total > data.overdue.rows.length && <div className="muted">{t('listCut', { n: data.overdue.rows.length, total: data.overdue.total })}</div>}
          </>
        )}
        {data && current === 'cases' && (
          <div className="cases">
            {data.patterns && <PatternTable patterns={data.patterns} />}
            {data.cases.rows.length === 0 && <div className="empty">{t('none')}</div>}
            {data.cases.rows.map((c) => (
              <article key={c.id} className="case" data-case={c.id}>
                <LeadTable leads={[c]} cols={['issued', 'met', 'feedback', 'loss', 'outcome']} />
                {c.timeline && <LeadTimelineView tl={c.timeline} />}
                <CaseReviewForm lead={c} latest={reviews.get(c.id) ?? null} />
              </article>
            ))}
          </div>
        )}
        {data && current === 'stops' && <StopTable stops={data.stops} summary={data.stopSummary} />}
        {data && current === 'handling' && <HandlingSection handling={data.handling} />}
        {data && current === 'revisits' && <RevisitSection revisits={data.revisits} list={<LeadTable leads={data.revisits.notRevisited.rows} cols={['issued', 'met', 'feedback']} />} />}
        {data && current === 'notes' && <Notes window={data.window} unitId={data.unit.id} />}
        {data && current === 'replay' && <Replay window={data.window} asOf={data.asOf} unitId={data.unit.id} />}
      </main>
    </div>
  );
}

/** The branches side by side: the five indicators, each with the branch's rank among them and its change. */
function BranchGrid({ plan }: { plan: ReviewPlan }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  return (
    <table className="review-table branch-grid" data-branch-grid>
      <thead>
        <tr>
          <th>{t('colUnit')}</th>
          <th>{t('colLeads')}</th>
          {CORE_INDICATORS.map((d) => (
            <th key={d.key}>{t(d.label)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {plan.branches.map((b) => (
          <tr key={b.id} data-branch-col={b.id}>
            <td>{localName(b, lang)}</td>
            <td>{b.now.leads}</td>
            {CORE_INDICATORS.map((d) => {
              const r = b.ranks[d.key];
              return (
                <td key={d.key} data-rank={r?.rank ?? ''}>
                  {valueText(d.key, measure(d.key, b.now).value, lang)} <small>#{r?.rank ?? '—'}</small>
                  {r?.change ? <small className={r.change > 0 ? 'better' : 'worse'}>{r.change > 0 ? ` ▲${r.change}` : ` ▼${-r.change}`}</small> : null}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
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

function StopTable({ stops, summary }: { stops: StopRecord[]; summary: ReviewPlan['stopSummary'] }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  const row = (label: string, b: StopSummary, key: string) => (
    <tr key={key} data-stop-bank={key}>
      <td>{label}</td>
      <td>{b.count}</td>
      <td>
        {pctText(b.rate30.value)} <small>{`${b.rate30.num}/${b.rate30.den}`}</small>
      </td>
      <td>{b.failed}</td>
      <td>{moneyText(b.frozenAmount, lang)}</td>
      <td>{moneyText(b.returnedAmount, lang)}</td>
    </tr>
  );
  return (
    <>
    <div className="stop-summary" data-stop-coverage={`${summary.coverage.num}/${summary.coverage.den}`}>
      {t('stopCoverage')}: {pctText(summary.coverage.value)} <small>{`${summary.coverage.num}/${summary.coverage.den}`}</small>
    </div>
    <table className="review-table" data-stops-bank>
      <Head cols={['colBank', 'colCount', 'kpi.stopPayment30', 'colFailed', 'colFrozenAmount', 'colReturnedAmount']} />
      <tbody>
        {summary.banks.map((b) => row(bankName(b.bank, lang), b, b.bank))}
        {row(t('stopsTotal'), summary.total, 'total')}
      </tbody>
    </table>
    <table className="review-table">
      <Head cols={['colLead', 'colUnit', 'colBank', 'colAccount', 'colAmount', 'colRequested', 'colFrozen', 'colStatus', 'col30']} />
      <tbody>
        {stops.map((s) => (
          <tr key={s.id} data-stop={s.id}>
            <td>{s.leadId}</td>
            <td>{localName({ name: s.unitName, nameEn: s.unitNameEn }, lang)}</td>
            <td>{bankName(s.bank, lang)}</td>
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
    </>
  );
}
