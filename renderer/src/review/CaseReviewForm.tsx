// A victimisation case's structured review (复盘): its latest review as the feed brought it back
// (or still in the outbox), and the form that writes a new one through the outbox. The body's
// format, codes and checks live in shared/caseReview.ts; this only gathers and shows them.
import { useEffect, useState } from 'react';
import {
  AGE_BANDS,
  checkCaseReview,
  failedCodes,
  latestReviews,
  missedCodes,
  occupationFromText,
  occupations,
  parseReviewBody,
  problemKey,
  psychologyCodes,
  REVIEW_TEXT_MAX,
  reviewAgeBand,
  type CaseReview,
  type CaseReviewProblem,
} from '../../../shared/caseReview.js';
import type { PendingNote, ReviewLead } from '../../../shared/contract.js';
import { mayCall, type Role } from '../../../shared/privacy.js';
import { clockText, dateText } from '../format.js';
import type { MessageKey } from '../i18n.js';
import { api, onChanged, useApp } from '../store.js';
import { useT } from '../wall/common.js';

/**
 * The role of this page's key, asked once (the dispatcher answers it from the key): a screen
 * offers a form only to a role that may send it, by the one role rule (shared/privacy.ts).
 */
let roleAsked: Promise<Role> | null = null;
export function useRole(): Role | null {
  const [role, setRole] = useState<Role | null>(null);
  useEffect(() => {
    let alive = true;
    roleAsked ??= api()
      .invoke('viewer:get', {})
      .then((v) => v.role)
      .catch((e: unknown) => {
        roleAsked = null;
        throw e;
      });
    roleAsked.then((r) => alive && setRole(r)).catch(() => undefined);
    return () => {
      alive = false;
    };
  }, []);
  return role;
}

/**
 * The latest review of every lead (pending ones included, marked), loaded once for the whole
 * cases section and again when notes change: one request, not one per case.
 */
export function useLatestReviews(active: boolean): Map<string, PendingNote> {
  const [latest, setLatest] = useState<Map<string, PendingNote>>(new Map());
  useEffect(() => {
    if (!active) return;
    let alive = true;
    const load = () => void api().invoke('notes:list', {}).then((notes) => alive && setLatest(latestReviews(notes)));
    load();
    const off = onChanged((tables) => tables.includes('note') && load());
    return () => {
      alive = false;
      off();
    };
  }, [active]);
  return latest;
}

/** A review note's body in words on one line (a notes list), its text as written when it is not structured. */
export function reviewWords(body: string, t: (k: MessageKey) => string, lang: 'zh-CN' | 'en'): string {
  const parsed = parseReviewBody(body);
  if (parsed.kind !== 'structured') return parsed.text;
  const r = parsed.review;
  const sep = lang === 'en' ? ', ' : '、';
  const field = (k: MessageKey, v: string) => `${t(k)}${lang === 'en' ? ': ' : '：'}${v}`;
  return [
    field('review.occupation', r.occupation ? t(`occupation.${r.occupation}`) : t('unknown')),
    field('review.ageBand', r.ageBand ?? t('unknown')),
    field('review.missed', r.missed.map((x) => t(`missed.${x}`)).join(sep)),
    field('review.failed', r.failed.map((x) => t(`failed.${x}`)).join(sep)),
    ...(r.psychology ? [field('review.psychology', t(`psychology.${r.psychology}`))] : []),
    ...(r.text ? [field('review.text', r.text)] : []),
  ].join(lang === 'en' ? '; ' : '；');
}

function LatestReview({ note }: { note: PendingNote | null }) {
  const t = useT();
  const lang = useApp((s) => s.lang);
  if (!note) return <div className="case-review-latest muted" data-case-review="none">{t('reviewNone')}</div>;
  const body = parseReviewBody(note.body);
  const when = `${dateText(note.createdAt)} ${clockText(note.createdAt, false)} ${note.author}`;
  const mark = note.pending ? <span className="pending"> ({note.error ? t('failedMark', { e: note.error }) : t('pendingMark')})</span> : null;
  if (body.kind !== 'structured') {
    return (
      <div className="case-review-latest" data-case-review={body.kind} data-note={note.id} data-pending={note.pending ? 'true' : 'false'}>
        <b>{t('reviewLatest')}</b> {when}
        {mark}
        {body.kind === 'invalid' && <div className="muted">{t('reviewUnreadable', { e: body.problems.map((p) => t(problemKey(p), { n: REVIEW_TEXT_MAX })).join('；') })}</div>}
        <div className="case-review-text">{body.text}</div>
      </div>
    );
  }
  const r = body.review;
  const codes = (prefix: string, xs: readonly string[]) => xs.map((x) => t(`${prefix}.${x}` as MessageKey)).join(lang === 'en' ? ', ' : '、');
  return (
    <div className="case-review-latest" data-case-review="structured" data-note={note.id} data-pending={note.pending ? 'true' : 'false'}>
      <b>{t('reviewLatest')}</b> {when}
      {mark}
      <dl>
        <dt>{t('review.occupation')}</dt>
        <dd data-review-field="occupation">{r.occupation ? t(`occupation.${r.occupation}`) : t('unknown')}</dd>
        <dt>{t('review.ageBand')}</dt>
        <dd data-review-field="ageBand">{r.ageBand ?? t('unknown')}</dd>
        <dt>{t('review.missed')}</dt>
        <dd data-review-field="missed">{codes('missed', r.missed)}</dd>
        <dt>{t('review.failed')}</dt>
        <dd data-review-field="failed">{codes('failed', r.failed)}</dd>
        {r.psychology && (
          <>
            <dt>{t('review.psychology')}</dt>
            <dd data-review-field="psychology">{t(`psychology.${r.psychology}`)}</dd>
          </>
        )}
        {r.text && (
          <>
            <dt>{t('review.text')}</dt>
            <dd data-review-field="text">{r.text}</dd>
          </>
        )}
      </dl>
    </div>
  );
}

/** The form's fields before they are a review: selects hold '' for "unknown" / "none". */
type Draft = { occupation: string; ageBand: string; missed: string[]; failed: string[]; psychology: string; text: string; author: string };

function draftFor(lead: ReviewLead): Draft {
  return {
    occupation: occupationFromText(lead.personOccupation) ?? '',
    ageBand: lead.personAgeBand ?? reviewAgeBand(lead.personAge) ?? '',
    missed: [],
    failed: [],
    psychology: '',
    text: '',
    author: '',
  };
}

export function CaseReviewForm({ lead, latest }: { lead: ReviewLead; latest: PendingNote | null }) {
  const t = useT();
  const role = useRole();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<Draft>(() => draftFor(lead));
  // The fields at fault, once each (the author is the note's, not the review's).
  const [problems, setProblems] = useState<(CaseReviewProblem['field'] | 'author')[]>([]);
  const [refused, setRefused] = useState<string | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const toggle = (k: 'missed' | 'failed', code: string) => setDraft((d) => ({ ...d, [k]: d[k].includes(code) ? d[k].filter((x) => x !== code) : [...d[k], code] }));
  const save = async () => {
    const review = {
      occupation: draft.occupation === '' ? null : draft.occupation,
      ageBand: draft.ageBand === '' ? null : draft.ageBand,
      missed: draft.missed,
      failed: draft.failed,
      ...(draft.psychology ? { psychology: draft.psychology } : {}),
      text: draft.text.trim(),
    };
    // A review that is not whole is not sent: the form says what is missing, field by field.
    const found = [...new Set([...checkCaseReview(review).map((p) => p.field), ...(draft.author.trim() ? [] : (['author'] as const))])];
    setProblems(found);
    setRefused(null);
    if (found.length > 0) return;
    try {
      await api().invoke('review:add', { leadId: lead.id, review: review as CaseReview, author: draft.author.trim() });
      setDraft((d) => ({ ...draftFor(lead), author: d.author }));
      setOpen(false);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const role = /not for the (\w+) role/.exec(message)?.[1];
      setRefused(role ? t('reviewNotAllowed', { role }) : message);
    }
  };
  const problemText = (f: CaseReviewProblem['field'] | 'author') => (f === 'author' ? t('reviewErr.author') : t(problemKey({ field: f, message: '' }), { n: REVIEW_TEXT_MAX }));
  return (
    <div className="case-review" data-case-review-of={lead.id}>
      <LatestReview note={latest} />
      {/* A key that may not write a review is told where to write it, not shown a form it cannot send. */}
      {role !== null && !mayCall(role, 'review:add') && (
        <div className="case-review-refused muted" data-review-refused={role}>
          {t('reviewNotAllowed', { role })}
        </div>
      )}
      {role !== null && mayCall(role, 'review:add') && !open && (
        <button type="button" className="case-review-open" data-review-open={lead.id} onClick={() => setOpen(true)}>
          {t('caseReview')}
        </button>
      )}
      {open && role !== null && mayCall(role, 'review:add') && (
        <form
          className="case-review-form"
          data-review-form={lead.id}
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label>
            {t('review.occupation')}
            <select name="occupation" value={draft.occupation} onChange={(e) => set('occupation', e.target.value)}>
              <option value="">{t('unknown')}</option>
              {occupations.map((o) => (
                <option key={o} value={o}>
                  {t(`occupation.${o}`)}
                </option>
              ))}
            </select>
            {lead.personOccupation && <small className="muted"> {lead.personOccupation}</small>}
          </label>
          <label>
            {t('review.ageBand')}
            <select name="ageBand" value={draft.ageBand} onChange={(e) => set('ageBand', e.target.value)}>
              <option value="">{t('unknown')}</option>
              {AGE_BANDS.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </label>
          <fieldset data-review-codes="missed">
            <legend>{t('review.missed')}</legend>
            {missedCodes.map((c) => (
              <label key={c}>
                <input type="checkbox" name={`missed.${c}`} checked={draft.missed.includes(c)} onChange={() => toggle('missed', c)} />
                {t(`missed.${c}`)}
              </label>
            ))}
          </fieldset>
          <fieldset data-review-codes="failed">
            <legend>{t('review.failed')}</legend>
            {failedCodes.map((c) => (
              <label key={c}>
                <input type="checkbox" name={`failed.${c}`} checked={draft.failed.includes(c)} onChange={() => toggle('failed', c)} />
                {t(`failed.${c}`)}
              </label>
            ))}
          </fieldset>
          <label>
            {t('review.psychology')}
            <select name="psychology" value={draft.psychology} onChange={(e) => set('psychology', e.target.value)}>
              <option value="">{t('unknown')}</option>
              {psychologyCodes.map((c) => (
                <option key={c} value={c}>
                  {t(`psychology.${c}`)}
                </option>
              ))}
            </select>
          </label>
          <textarea name="text" aria-label={t('review.text')} placeholder={t('review.text')} value={draft.text} onChange={(e) => set('text', e.target.value)} />
          <input name="author" aria-label={t('noteAuthor')} placeholder={t('noteAuthor')} value={draft.author} onChange={(e) => set('author', e.target.value)} />
          <button type="submit">{t('reviewSave')}</button>
          {(problems.length > 0 || refused) && (
            <ul className="case-review-errors" role="alert" data-review-errors>
              {problems.map((f) => (
                <li key={f} data-review-error={f}>
                  {problemText(f)}
                </li>
              ))}
              {refused && <li data-review-error="refused">{refused}</li>}
            </ul>
          )}
        </form>
      )}
    </div>
  );
}
