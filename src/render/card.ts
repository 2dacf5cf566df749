/**
 * Notice -> card JSON 2.0. Pure.
 *
 * Several languages in one card: JSON 2.0 has no card-wide `i18n_elements`; each text-bearing
 * property (`plain_text` and `markdown` content) takes `i18n_content` beside `content`, and
 * `config.locales` lists the languages the card carries. Only the action's own words differ by
 * language, so only they are written more than once: a translated fact label and its value are
 * separate elements, and the author's and the event's text stays one copy.
 */
import {
  isWords,
  type Language,
  perLanguage,
  type Text,
  inLanguage as textIn,
  words,
} from '../language.js';
import { STATUS_LOOK } from '../status.js';
import { clip, inertMarkdown, inertText } from './escape.js';
import type { Budget, Mention, Notice, NoticeFact, NoticeList, Span } from './model.js';
import { STATUS_LABEL, W } from './words.js';

type Element = Record<string, unknown>;

/** Header templates that text tags do not share a name with. */
const TAG_COLOR: Record<string, string> = { grey: 'neutral', wathet: 'wathet' };

/** Writes one property's text in each language of the card. */
type Write = (language: Language) => string;

/**
 * `content` (and `i18n_content` when the languages differ). `content` is what a reader whose
 * client language the card does not carry sees: English when the card carries it.
 */
export function localized(languages: Language[], write: Write): Record<string, unknown> {
  const fallback = languages.includes('en_us') ? 'en_us' : (languages[0] ?? 'en_us');
  const content = write(fallback);
  if (languages.length < 2) return { content };
  const variants = Object.fromEntries(languages.map((language) => [language, write(language)]));
  if (Object.values(variants).every((variant) => variant === content)) return { content };
  return { content, i18n_content: variants };
}

/** Feishu builds at most this many tagged components (nested ones too) into a card. */
export const CARD_MAX_ELEMENTS = 200;

/**
 * The card, facts as rows (one copy of each value); with so many images and buttons that rows
 * would pass the element limit, facts as one block instead (values repeated per language, so
 * the size trimming applies to them).
 */
export function renderCard(notice: Notice, budget: Budget): Record<string, unknown> {
  const card = drawCard(notice, budget, 'rows');
  return countElements(card) <= CARD_MAX_ELEMENTS ? card : drawCard(notice, budget, 'block');
}

/** Counts every tagged component of a card (nested ones too). */
export function countElements(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + countElements(item), 0);
  if (node === null || typeof node !== 'object') return 0;
  const own = 'tag' in node && typeof (node as { tag: unknown }).tag === 'string' ? 1 : 0;
  return Object.values(node).reduce((sum: number, child) => sum + countElements(child), own);
}

function drawCard(
  notice: Notice,
  budget: Budget,
  layout: 'rows' | 'block',
): Record<string, unknown> {
  const languages = notice.languages;
  const look = STATUS_LOOK[notice.status];
  const plain = (write: Write): Element => ({ tag: 'plain_text', ...localized(languages, write) });
  const markdown = (write: Write): Element => ({ tag: 'markdown', ...localized(languages, write) });
  const title = (l: Language) => inertText(textIn(notice.title, l), 200);

  const elements: Element[] = [];
  if (notice.message) {
    const message = clip(notice.message, budget.messageChars);
    elements.push(markdown(() => message));
  }
  // The author's fields (their own labels) are one block in any layout: one copy either way.
  const asRows = layout === 'rows' ? notice.facts.filter((f) => isWords(f.label)) : [];
  for (const fact of asRows) elements.push(factRow(fact, budget, markdown));
  const inBlock = notice.facts.filter((f) => !asRows.includes(f));
  if (inBlock.length > 0) {
    elements.push(
      markdown((l) =>
        inBlock
          .map(
            (f) =>
              `**${inertMarkdown(textIn(f.label, l), 60)}**: ${spansToMarkdown(f.value, budget, l)}`,
          )
          .join('\n'),
      ),
    );
  }
  for (const list of notice.lists) elements.push(...listElements(list, budget, markdown));
  for (const image of notice.images) {
    elements.push({
      tag: 'img',
      img_key: image.key,
      alt: { tag: 'plain_text', content: inertText(image.alt, 100) },
      scale_type: 'fit_horizontal',
      preview: true,
    });
  }
  if (notice.mentions.length > 0) {
    const mentions = notice.mentions.map(mentionInCard).join(' ');
    elements.push(markdown(() => mentions));
  }
  if (notice.buttons.length > 0) {
    elements.push({
      tag: 'column_set',
      flex_mode: 'flow',
      horizontal_spacing: '8px',
      columns: notice.buttons.map((b, i) => ({
        tag: 'column',
        width: 'auto',
        elements: [
          {
            tag: 'button',
            text: plain((l) => inertText(textIn(b.label, l), 40)),
            type: i === 0 ? 'primary' : 'default',
            size: 'small',
            behaviors: [{ type: 'open_url', default_url: b.url }],
          },
        ],
      })),
    });
  }
  elements.push({ tag: 'hr' });
  elements.push(footerElement(notice.footer, notice.footerId, languages));

  return {
    schema: '2.0',
    config: {
      update_multi: true,
      width_mode: 'fill',
      ...(languages.length > 1 ? { locales: languages } : {}),
      summary: localized(languages, title),
    },
    header: {
      title: plain(title),
      subtitle: plain((l) => inertText(textIn(notice.subtitle, l), 200)),
      template: look.color,
      text_tag_list: [
        {
          tag: 'text_tag',
          text: plain((l) => textIn(notice.label ?? STATUS_LABEL[notice.status], l)),
          color: TAG_COLOR[look.color] ?? look.color,
        },
      ],
    },
    body: { elements },
  };
}

/**
 * The footer line in each language (only the run's words differ), with the key's element_id
 * when there is a key (see footerElementId).
 */
export function footerElement(
  footer: Text,
  id: string | undefined,
  languages: Language[],
): Element {
  return {
    tag: 'div',
    ...(id ? { element_id: id } : {}),
    text: {
      tag: 'plain_text',
      ...localized(languages, (l) => textIn(footer, l)),
      text_size: 'notation',
      text_color: 'grey',
    },
  };
}

/**
 * A fact whose label the action wrote: the label (in every language) and the value (one copy,
 * unless it holds words of the action's too, like a duration) side by side.
 */
function factRow(fact: NoticeFact, budget: Budget, markdown: (write: Write) => Element): Element {
  return {
    tag: 'column_set',
    flex_mode: 'none',
    horizontal_spacing: '8px',
    columns: [
      {
        tag: 'column',
        width: 'auto',
        elements: [markdown((l) => `**${inertMarkdown(textIn(fact.label, l), 60)}**`)],
      },
      {
        tag: 'column',
        width: 'weighted',
        weight: 1,
        elements: [markdown((l) => spansToMarkdown(fact.value, budget, l))],
      },
    ],
  };
}

export function spansToMarkdown(spans: Span[], budget: Budget, language: Language): string {
  return spans
    .map((span) => {
      const text = textIn(span.text, language);
      if (span.markdown) return clip(text, budget.valueChars);
      const shown = inertMarkdown(text, budget.valueChars);
      return span.href ? `[${shown}](${span.href})` : shown;
    })
    .join('');
}

/** Heading, items and what was left out: three elements, so the items stay one copy. */
function listElements(
  list: NoticeList,
  budget: Budget,
  markdown: (write: Write) => Element,
): Element[] {
  const shown = list.items.slice(0, budget.listItems);
  const hidden = list.total - shown.length;
  const heading = words(W.listHeading, {
    title: perLanguage((l) => `**${textIn(list.title, l)}**`),
    total: list.total,
  });
  const elements = [markdown((l) => heading[l])];
  if (shown.length > 0) {
    elements.push(
      markdown((l) =>
        shown.map((item) => `- ${spansToMarkdown(item.spans, budget, l)}`).join('\n'),
      ),
    );
  }
  if (hidden > 0) {
    const more = words(W.moreItems, { n: hidden });
    elements.push(markdown((l) => `- ${more[l]}`));
  }
  return elements;
}

export function mentionInCard(mention: Mention): string {
  switch (mention.kind) {
    case 'all':
      return '<at id=all></at>';
    case 'open_id':
    case 'user_id':
      return `<at id=${mention.id}></at>`;
    case 'email':
      return `<at email=${mention.email}></at>`;
    case 'name':
      return `@${inertMarkdown(mention.name, 60)}`;
  }
}
