/**
 * Notice -> text and post (rich text) content. Pure. A text message is in one language (the
 * notice's first); a post carries a body per language, as Feishu's post format does natively.
 */
import { type Language, inLanguage as textIn, words } from '../language.js';
import { spansToMarkdown } from './card.js';
import { clip, inertText } from './escape.js';
import type { Budget, Mention, Notice, NoticeFact, NoticeList, Span } from './model.js';
import { W } from './words.js';

function spansToText(spans: Span[], budget: Budget, language: Language): string {
  return spans
    .map((s) => {
      const text = textIn(s.text, language);
      return s.markdown ? clip(text, budget.valueChars) : inertText(text, budget.valueChars);
    })
    .join('');
}

function listLines(list: NoticeList, budget: Budget, language: Language): string[] {
  const shown = list.items.slice(0, budget.listItems);
  const lines = shown.map((item) => `• ${spansToText(item.spans, budget, language)}`);
  const hidden = list.total - shown.length;
  if (hidden > 0) lines.push(`• ${words(W.moreItems, { n: hidden })[language]}`);
  const heading = words(W.listHeading, { title: list.title, total: list.total })[language];
  return [labelled(heading, language).trimEnd(), ...lines];
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

/** The label of a line: "Repository: …", "仓库：…", "リポジトリ：…". */
function labelled(label: string, language: Language): string {
  return `${label}${W.colon[language]}`;
}

export function renderText(notice: Notice, budget: Budget): { text: string } {
  const l = notice.languages[0] ?? 'en_us';
  const lines = [inertText(textIn(notice.title, l), 200)];
  if (notice.message) lines.push(clip(notice.message, budget.messageChars));
  for (const fact of notice.facts)
    lines.push(
      `${labelled(inertText(textIn(fact.label, l), 60), l)}${spansToText(fact.value, budget, l)}`,
    );
  for (const list of notice.lists) lines.push(...listLines(list, budget, l));
  for (const button of notice.buttons)
    lines.push(`${labelled(textIn(button.label, l), l)}${button.url}`);
  if (notice.mentions.length > 0) lines.push(notice.mentions.map(mentionInText).join(' '));
  lines.push(textIn(notice.footer, l));
  return { text: lines.join('\n') };
}

type PostRun = Record<string, unknown>;

/** Spans as post runs; the author's markdown as a text run (see factParagraphs for md). */
function spansToPost(spans: Span[], budget: Budget, language: Language): PostRun[] {
  return spans.map((s) => {
    if (s.markdown) return { tag: 'text', text: clip(textIn(s.text, language), budget.valueChars) };
    const text = inertText(textIn(s.text, language), budget.valueChars);
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
function factParagraphs(
  fact: NoticeFact,
  budget: Budget,
  markdown: boolean,
  l: Language,
): PostRun[][] {
  const label = inertText(textIn(fact.label, l), 60);
  if (!markdown || !fact.value.some((s) => s.markdown)) {
    return [[{ tag: 'text', text: labelled(label, l) }, ...spansToPost(fact.value, budget, l)]];
  }
  const value = spansToMarkdown(fact.value, budget, l);
  const plainLabel = textIn(fact.label, l);
  if (PLAIN_LABEL.test(plainLabel))
    return [[{ tag: 'md', text: `**${plainLabel}**${W.colon[l]}${value}` }]];
  return [[{ tag: 'text', text: labelled(label, l).trimEnd() }], [{ tag: 'md', text: value }]];
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

/**
 * One body per language. `viaWebhook`: a custom bot's posts take the tags text, a, at and img
 * only.
 */
export function renderPost(
  notice: Notice,
  budget: Budget,
  viaWebhook = false,
): Record<string, unknown> {
  return Object.fromEntries(
    notice.languages.map((language) => [language, postBody(notice, budget, viaWebhook, language)]),
  );
}

function postBody(
  notice: Notice,
  budget: Budget,
  viaWebhook: boolean,
  l: Language,
): Record<string, unknown> {
  const paragraphs: PostRun[][] = [];
  paragraphs.push([{ tag: 'text', text: inertText(textIn(notice.subtitle, l), 200) }]);
  if (notice.message) {
    const message = clip(notice.message, budget.messageChars);
    paragraphs.push([viaWebhook ? { tag: 'text', text: message } : { tag: 'md', text: message }]);
  }
  for (const fact of notice.facts) paragraphs.push(...factParagraphs(fact, budget, !viaWebhook, l));
  for (const list of notice.lists) {
    paragraphs.push(...listLines(list, budget, l).map((line) => [{ tag: 'text', text: line }]));
  }
  for (const image of notice.images) paragraphs.push([{ tag: 'img', image_key: image.key }]);
  if (notice.buttons.length > 0) {
    paragraphs.push(
      notice.buttons.flatMap((b, i) => [
        ...(i > 0 ? [{ tag: 'text', text: ' · ' }] : []),
        { tag: 'a', text: inertText(textIn(b.label, l), 40), href: b.url },
      ]),
    );
  }
  if (notice.mentions.length > 0) paragraphs.push(notice.mentions.map(mentionInPost));
  paragraphs.push([{ tag: 'text', text: textIn(notice.footer, l) }]);
  return { title: inertText(textIn(notice.title, l), 200), content: paragraphs };
}
