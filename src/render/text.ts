/** Notice -> text and post (rich text) content. Pure. */

import { spansToMarkdown } from './card.js';
import { clip, inertText, TRUNCATED } from './escape.js';
import type { Budget, Mention, Notice, NoticeFact, NoticeList, Span } from './model.js';

function spansToText(spans: Span[], budget: Budget): string {
  return spans
    .map((s) =>
      s.markdown ? clip(s.text, budget.valueChars) : inertText(s.text, budget.valueChars),
    )
    .join('');
}

function listLines(list: NoticeList, budget: Budget): string[] {
  const shown = list.items.slice(0, budget.listItems);
  const lines = shown.map((item) => `• ${spansToText(item.spans, budget)}`);
  const hidden = list.total - shown.length;
  if (hidden > 0) lines.push(`• ${hidden} more${TRUNCATED}`);
  return [`${list.title} (${list.total}):`, ...lines];
}

export function mentionInText(mention: Mention): string {
  switch (mention.kind) {
    case 'all':
      return '<at user_id="all"></at>';
    case 'open_id':
    case 'user_id':
      return `<at user_id="${mention.id}"></at>`;
    // Text mentions take an open_id or user_id only: an e-mail is shown, not mentioned.
    case 'email':
      return inertText(mention.email, 100);
    case 'name':
      return `@${inertText(mention.name, 60)}`;
  }
}

export function renderText(notice: Notice, budget: Budget): { text: string } {
  const lines = [inertText(notice.title, 200)];
  if (notice.message) lines.push(clip(notice.message, budget.messageChars));
  for (const fact of notice.facts)
    lines.push(`${inertText(fact.label, 60)}: ${spansToText(fact.value, budget)}`);
  for (const list of notice.lists) lines.push(...listLines(list, budget));
  for (const button of notice.buttons) lines.push(`${button.label}: ${button.url}`);
  if (notice.mentions.length > 0) lines.push(notice.mentions.map(mentionInText).join(' '));
  lines.push(notice.footer);
  return { text: lines.join('\n') };
}

type PostRun = Record<string, unknown>;

/** Spans as post runs; the author's markdown as a text run (see factParagraphs for md). */
function spansToPost(spans: Span[], budget: Budget): PostRun[] {
  return spans.map((s) => {
    if (s.markdown) return { tag: 'text', text: clip(s.text, budget.valueChars) };
    const text = inertText(s.text, budget.valueChars);
    return s.href ? { tag: 'a', text, href: s.href } : { tag: 'text', text };
  });
}

/** A label that needs no escaping to be bold in markdown. */
const PLAIN_LABEL = /^[\p{L}\p{N} ._-]{1,60}$/u;

/**
 * One fact. An `md` tag must have its paragraph to itself (Feishu's post rules), and a custom
 * bot's posts take no `md` at all: the author's markdown goes in an md paragraph of its own, or
 * as plain text through a webhook.
 */
function factParagraphs(fact: NoticeFact, budget: Budget, markdown: boolean): PostRun[][] {
  const label = inertText(fact.label, 60);
  if (!markdown || !fact.value.some((s) => s.markdown)) {
    return [[{ tag: 'text', text: `${label}: ` }, ...spansToPost(fact.value, budget)]];
  }
  const value = spansToMarkdown(fact.value, budget);
  if (PLAIN_LABEL.test(fact.label)) return [[{ tag: 'md', text: `**${fact.label}**: ${value}` }]];
  return [[{ tag: 'text', text: `${label}:` }], [{ tag: 'md', text: value }]];
}

function mentionInPost(mention: Mention): PostRun {
  switch (mention.kind) {
    case 'all':
      return { tag: 'at', user_id: 'all' };
    case 'open_id':
    case 'user_id':
      return { tag: 'at', user_id: mention.id };
    case 'email':
      return { tag: 'text', text: inertText(mention.email, 100) };
    case 'name':
      return { tag: 'text', text: `@${inertText(mention.name, 60)}` };
  }
}

/** `viaWebhook`: a custom bot's posts take the tags text, a, at and img only. */
export function renderPost(
  notice: Notice,
  budget: Budget,
  viaWebhook = false,
): Record<string, unknown> {
  const paragraphs: PostRun[][] = [];
  paragraphs.push([{ tag: 'text', text: inertText(notice.subtitle, 200) }]);
  if (notice.message) {
    const message = clip(notice.message, budget.messageChars);
    paragraphs.push([viaWebhook ? { tag: 'text', text: message } : { tag: 'md', text: message }]);
  }
  for (const fact of notice.facts) paragraphs.push(...factParagraphs(fact, budget, !viaWebhook));
  for (const list of notice.lists) {
    paragraphs.push(...listLines(list, budget).map((line) => [{ tag: 'text', text: line }]));
  }
  for (const image of notice.images) paragraphs.push([{ tag: 'img', image_key: image.key }]);
  if (notice.buttons.length > 0) {
    paragraphs.push(
      notice.buttons.flatMap((b, i) => [
        ...(i > 0 ? [{ tag: 'text', text: ' · ' }] : []),
        { tag: 'a', text: inertText(b.label, 40), href: b.url },
      ]),
    );
  }
  if (notice.mentions.length > 0) paragraphs.push(notice.mentions.map(mentionInPost));
  paragraphs.push([{ tag: 'text', text: notice.footer }]);
  return { zh_cn: { title: inertText(notice.title, 200), content: paragraphs } };
}
