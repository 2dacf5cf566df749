/**
 * The notice part of the settings + run context (+ what delivery learned, e.g. image keys) ->
 * a Notice. Pure.
 */
import type { RunContext } from '../context.js';
import type { FailureReport } from '../github/jobs.js';
import { joinText, perLanguage, type Text, type Words, words } from '../language.js';
import type { Streak } from '../notify-on.js';
import type { FeishuPerson, MentionTarget, NeededJob, NoticeSettings } from '../settings.js';
import { parseStatus, STATUS_LOOK, type Status } from '../status.js';
import { eventFacts } from './events.js';
import { firstFailure, whatFailedList } from './failures.js';
import {
  footerElementId,
  footerText,
  type Mention,
  type Notice,
  type NoticeFact,
  type NoticeList,
} from './model.js';
import { resultWord, STATUS_TITLE, STREAK_LABEL, STREAK_TITLE, W } from './words.js';

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

export function buildNotice(
  settings: NoticeSettings,
  ctx: RunContext,
  extras: NoticeExtras = {},
): Notice {
  const status = extras.status ?? settings.status ?? statusFromNeeds(settings.needs);
  const look = STATUS_LOOK[status];
  const event = eventFacts(ctx);
  // The author's title stays as written; the default one is the action's, so it is translated.
  const title: Text = settings.title
    ? `${look.icon} ${settings.title}`
    : joinText([
        `${look.icon} `,
        words(extras.streak ? STREAK_TITLE[extras.streak] : STATUS_TITLE[status], {
          workflow: ctx.workflow || W.workflow,
        }),
        ctx.repository ? ` · ${ctx.repository}` : '',
      ]);
  // The tag shows the status and a default title the repository: the subtitle adds where and which run.
  const subtitle = joinText(
    [
      settings.title ? ctx.repository : '',
      event.branch,
      ctx.runNumber ? words(W.runNumber, { n: ctx.runNumber }) : '',
    ].filter(Boolean),
    ' · ',
  );

  const facts: NoticeFact[] = [];
  if (extras.durationMs !== undefined) {
    facts.push({ label: W.duration, value: [{ text: formatDuration(extras.durationMs) }] });
  }
  facts.push(...event.facts);
  for (const field of settings.fields) {
    facts.push({ label: field.label, value: [{ text: field.value, markdown: true }] });
  }

  const lists: NoticeList[] = [];
  const failedFirst = extras.whatFailed && firstFailure(extras.whatFailed);
  if (extras.whatFailed && failedFirst) lists.push(whatFailedList(extras.whatFailed));
  if (settings.needs.length > 0) lists.push(jobsList(settings.needs));
  lists.push(...event.lists);

  return {
    status,
    languages: settings.languages,
    ...(extras.streak ? { label: STREAK_LABEL[extras.streak] } : {}),
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
    ...(failedFirst ? { firstFailure: failedFirst } : {}),
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
    title: W.jobs,
    total: needs.length,
    items: needs.map((job) => {
      const status = parseStatus(job.result);
      const icon = status ? STATUS_LOOK[status].icon : '❔';
      return {
        spans: [
          { text: `${icon} ` },
          { text: job.name },
          { text: ' ' },
          { text: resultWord(job.result) },
        ],
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

/** "1h 2m 5s", "1 小时 2 分 5 秒", "1時間2分5秒": the largest unit first, none left out after it. */
export function formatDuration(ms: number): Words {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [
    ...(h > 0 ? [words(W.hours, { n: h })] : []),
    ...(h > 0 || m > 0 ? [words(W.minutes, { n: m })] : []),
    words(W.seconds, { n: s }),
  ];
  return perLanguage((language) =>
    parts.map((part) => part[language]).join(W.durationGap[language]),
  );
}
