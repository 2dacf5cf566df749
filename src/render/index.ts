/**
 * The renderer as delivery uses it. main.ts makes one per run (noticeRenderer) and hands it to
 * deliver and finish, which know nothing of how a notice or a card is made. Pure.
 */
import type { RunContext } from '../context.js';
import { type Text, words } from '../language.js';
import type { NoticeSettings } from '../settings.js';
import { type CollapsedCard, renderCollapsedCard } from './collapsed.js';
import {
  type Fitted,
  fitContents,
  type MessageContent,
  msgTypeOf,
  renderContents,
} from './content.js';
import { nameOf, unsupportedMentions, withoutMentionAll } from './mentions.js';
import type { Notice } from './model.js';
import { buildNotice, type NoticeExtras } from './notice.js';
import { renderFinishReply } from './reply.js';
import { W } from './words.js';

export type { Fitted, MessageContent, Notice, NoticeExtras };

/**
 * This run's notice from the notice part of the settings and what is known by now (the status,
 * uploaded images, what failed, who to mention): the notice, and every message made of it.
 */
export type RenderNotice = (settings: NoticeSettings, facts: NoticeExtras) => RenderedNotice;

export interface RenderedNotice {
  /** What the job summary shows. */
  notice: Notice;
  /** Its message(s) as sent through the app or a custom-bot webhook, trimmed to fit. */
  messages(viaWebhook: boolean): MessageContent[];
  /** The same, or why they cannot fit (input checking turns that into an input error). */
  fit(viaWebhook: boolean): Fitted;
  /** The same without its @all (for a group that lets only admins @all); none without one. */
  withoutMentionAll(viaWebhook: boolean): MessageContent[] | undefined;
  /** Who it names but cannot notify sent this way: shown as names. */
  unmentionable(viaWebhook: boolean): string[];
  /** The short card a webhook gets with the result: its title and first fact, no mentions. */
  shortCard(): MessageContent | undefined;
  /** This run as the notices it replaces name it. */
  runLabel: Text;
  /** The text reply in a card's thread that tells the mentioned people the result. */
  reply(runUrl: string): { text: string };
  /**
   * The compact card an older notice of the key becomes past the recall window, in this run's
   * languages: superseded by this run (its URL given, for `replace`) or withdrawn (`recall-key`).
   */
  collapsed(older: OlderNotice, supersededByUrl?: string): Record<string, unknown>;
}

/** An older notice as history shows it: its footer and its title ('' when not shown). */
export type OlderNotice = Pick<CollapsedCard, 'mark' | 'title'>;

export function noticeRenderer(ctx: RunContext): RenderNotice {
  return (settings, facts) => {
    const notice = buildNotice(settings, ctx, facts);
    const runLabel = ctx.runNumber ? words(W.runNumber, { n: ctx.runNumber }) : W.newerRun;
    return {
      notice,
      messages: (viaWebhook) => renderContents(settings, notice, viaWebhook),
      fit: (viaWebhook) => fitContents(settings, notice, viaWebhook),
      withoutMentionAll: (viaWebhook) =>
        notice.mentions.some((m) => m.kind === 'all')
          ? renderContents(settings, withoutMentionAll(notice), viaWebhook)
          : undefined,
      unmentionable: (viaWebhook) => unmentionable(settings, notice, viaWebhook),
      shortCard: () => shortCard(settings, notice),
      runLabel,
      reply: (runUrl) => renderFinishReply(notice, runUrl),
      collapsed: (older, supersededByUrl) =>
        renderCollapsedCard({
          ...older,
          languages: settings.languages,
          ...(supersededByUrl !== undefined
            ? { supersededBy: { label: runLabel, url: supersededByUrl } }
            : {}),
        }),
    };
  };
}

function unmentionable(settings: NoticeSettings, notice: Notice, viaWebhook: boolean): string[] {
  // The author's own content and a template carry their own mentions, if any.
  if (settings.content || settings.type === 'template') return [];
  return unsupportedMentions(notice, msgTypeOf(settings), viaWebhook).map(nameOf);
}

function shortCard(settings: NoticeSettings, notice: Notice): MessageContent | undefined {
  const short: Notice = {
    ...notice,
    message: undefined,
    lists: [],
    images: [],
    mentions: [],
    facts: notice.facts.slice(0, 1),
  };
  const [card] = renderContents({ ...settings, type: 'card', content: undefined }, short, true);
  return card;
}
