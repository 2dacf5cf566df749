/** Settings + run context (+ what delivery learned, e.g. image keys) -> a Notice. Pure. */
import type { RunContext } from '../context.js';
import type { FailureReport } from '../github/jobs.js';
import type { Streak } from '../notify-on.js';
import type { FeishuPerson, MentionTarget, NeededJob, Settings } from '../settings.js';
import { parseStatus, STATUS_LOOK, type Status } from '../status.js';
import { eventFacts } from './events.js';
import { whatFailedList } from './failures.js';
import {
  footerElementId,
  footerText,
  type Mention,
  type Notice,
  type NoticeFact,
  type NoticeList,
} from './model.js';

export interface NoticeExtras {
  /** Uploaded images, in input order. */
  images?: { key: string; alt: string }[];
  /** The status to show instead of the settings' (the post step's final status). */
  status?: Status;
  /** How long the job ran since the first notice, shown when finishing it. */
  durationMs?: number;
  /** What failed, read from GitHub: shown first among the lists. */
  whatFailed?: FailureReport;
  /** A recovery or a repeated failure, against the key's previous notice. */
  streak?: Streak;
  /** Feishu accounts found for GitHub logins (by e-mail); the user map wins over them. */
  people?: Record<string, FeishuPerson>;
}

/** How a streak changes the default title's phrase and the status tag. */
const STREAK_LOOK: Record<Streak, { phrase: string; label: string }> = {
  fixed: { phrase: 'fixed', label: 'Fixed' },
  'still-failing': { phrase: 'still failing', label: 'Still failing' },
};

export function buildNotice(
  settings: Settings,
  ctx: RunContext,
  extras: NoticeExtras = {},
): Notice {
  const status = extras.status ?? settings.status ?? statusFromNeeds(settings.needs);
  const look = { ...STATUS_LOOK[status], ...(extras.streak ? STREAK_LOOK[extras.streak] : {}) };
  const event = eventFacts(ctx);
  const workflow = ctx.workflow || 'Workflow';
  const title = settings.title
    ? `${look.icon} ${settings.title}`
    : `${look.icon} ${workflow} ${look.phrase}${ctx.repository ? ` · ${ctx.repository}` : ''}`;
  // The tag shows the status and a default title the repository: the subtitle adds where and which run.
  const subtitle = [
    settings.title ? ctx.repository : '',
    event.branch,
    ctx.runNumber ? `run #${ctx.runNumber}` : '',
  ]
    .filter(Boolean)
    .join(' · ');

  const facts: NoticeFact[] = [];
  if (extras.durationMs !== undefined) {
    facts.push({ label: 'Duration', value: [{ text: formatDuration(extras.durationMs) }] });
  }
  facts.push(...event.facts);
  for (const field of settings.fields) {
    facts.push({ label: field.label, value: [{ text: field.value, markdown: true }] });
  }

  const lists: NoticeList[] = [];
  if (extras.whatFailed && extras.whatFailed.jobs.length > 0)
    lists.push(whatFailedList(extras.whatFailed));
  if (settings.needs.length > 0) lists.push(jobsList(settings.needs));
  lists.push(...event.lists);

  return {
    status,
    ...(extras.streak ? { label: look.label } : {}),
    title,
    subtitle,
    message: settings.message,
    facts,
    lists,
    images: extras.images ?? [],
    mentions: resolveMentions(
      settings.mentions,
      { ...extras.people, ...settings.userMap },
      event.authorLogin ?? ctx.actor,
      ctx.actor,
    ),
    buttons: [...event.buttons, ...settings.buttons],
    footer: footerText(ctx.runNumber, settings.key, status),
    ...(settings.key ? { footerId: footerElementId(settings.key) } : {}),
  };
}

/** failure if any needed job failed, else cancelled if any was cancelled, else success. */
export function statusFromNeeds(needs: NeededJob[]): Status {
  const results = needs.map((job) => parseStatus(job.result));
  if (results.includes('failure')) return 'failure';
  if (results.includes('cancelled')) return 'cancelled';
  return 'success';
}

function jobsList(needs: NeededJob[]): NoticeList {
  return {
    title: 'Jobs',
    total: needs.length,
    items: needs.map((job) => {
      const status = parseStatus(job.result);
      const icon = status ? STATUS_LOOK[status].icon : '❔';
      return {
        spans: [{ text: `${icon} ` }, { text: job.name }, { text: ` ${job.result}` }],
      };
    }),
  };
}

function resolveMentions(
  targets: MentionTarget[],
  userMap: Record<string, FeishuPerson>,
  authorLogin: string,
  actorLogin: string,
): Mention[] {
  const mentions: Mention[] = [];
  const person = (login: string): Mention | undefined => {
    if (!login) return undefined;
    return userMap[login.toLowerCase()] ?? { kind: 'name', name: login };
  };
  for (const target of targets) {
    const resolved =
      target.kind === 'author'
        ? person(authorLogin)
        : target.kind === 'actor'
          ? person(actorLogin)
          : target;
    if (resolved && !mentions.some((m) => JSON.stringify(m) === JSON.stringify(resolved))) {
      mentions.push(resolved);
    }
  }
  return mentions;
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}
