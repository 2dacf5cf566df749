/**
 * The "what failed" section: each failed job (linked to its log), its failed steps (each linked
 * to the step's first log line) and its first failure annotations. Every name and message in
 * it is untrusted text from the run: it goes into Spans as literal text, escaped by each
 * renderer; only URLs checked by safeUrl become links. Pure.
 */
import type { FailedStep, FailureReport } from '../github/jobs.js';
import { joinText, type Text, words } from '../language.js';
import { parseStatus, STATUS_LOOK } from '../status.js';
import { safeUrl } from './escape.js';
import type { FirstFailure, NoticeList, NoticeListItem, Span } from './model.js';
import { W } from './words.js';

export const WHAT_FAILED_TITLE = W.whatFailed;

export function whatFailedList(report: FailureReport): NoticeList {
  const items: NoticeListItem[] = [];
  for (const job of report.jobs) {
    const status = parseStatus(job.conclusion);
    const spans: Span[] = [
      { text: `${status ? STATUS_LOOK[status].icon : '❌'} ` },
      link(job.name, job.url),
    ];
    job.steps.forEach((step, i) => {
      spans.push({ text: i === 0 ? W.failedAt : ', ' });
      spans.push(link(stepName(step), step.url));
    });
    items.push({ spans });
    for (const annotation of job.annotations) {
      items.push({
        spans: [
          { text: '↳ ' },
          ...(annotation.location ? [{ text: `${annotation.location}: ` }] : []),
          { text: annotation.message },
        ],
      });
    }
  }
  const hidden = report.total - report.jobs.length;
  if (hidden > 0) items.push({ spans: [{ text: words(W.moreFailedJobs, { n: hidden }) }] });
  return { title: WHAT_FAILED_TITLE, items, total: items.length };
}

/** What the thread reply names: the first failed job and step, linked to the step's log. */
export function firstFailure(report: FailureReport): FirstFailure | undefined {
  const job = report.jobs[0];
  if (!job) return undefined;
  const step = job.steps[0];
  // The card's own words: "<job> — failed at step 4: <name>".
  const text = step ? joinText([job.name, W.failedAt, stepName(step)]) : job.name;
  const url = safeUrl(step?.url) ?? safeUrl(job.url);
  return { text, ...(url ? { url } : {}), more: Math.max(0, report.total - 1) };
}

function stepName(step: FailedStep): Text {
  return step.number ? words(W.step, { n: step.number, name: step.name }) : step.name;
}

function link(text: Text, url: string | undefined): Span {
  const href = safeUrl(url);
  return href ? { text, href } : { text };
}
