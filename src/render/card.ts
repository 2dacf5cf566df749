/** Notice -> card JSON 2.0. Pure. */
import { STATUS_LOOK } from '../status.js';
import { clip, inertMarkdown, inertText, TRUNCATED } from './escape.js';
import type { Budget, Mention, Notice, NoticeList, Span } from './model.js';

type Element = Record<string, unknown>;

/** Header templates that text tags do not share a name with. */
const TAG_COLOR: Record<string, string> = { grey: 'neutral', wathet: 'wathet' };

export function renderCard(notice: Notice, budget: Budget): Record<string, unknown> {
  const look = STATUS_LOOK[notice.status];
  const title = inertText(notice.title, 200);
  const elements: Element[] = [];
  if (notice.message) elements.push(markdown(clip(notice.message, budget.messageChars)));
  if (notice.facts.length > 0) {
    elements.push(
      markdown(
        notice.facts
          .map((f) => `**${inertMarkdown(f.label, 60)}**: ${spansToMarkdown(f.value, budget)}`)
          .join('\n'),
      ),
    );
  }
  for (const list of notice.lists) elements.push(markdown(listToMarkdown(list, budget)));
  for (const image of notice.images) {
    elements.push({
      tag: 'img',
      img_key: image.key,
      alt: { tag: 'plain_text', content: inertText(image.alt, 100) },
      scale_type: 'fit_horizontal',
      preview: true,
    });
  }
  if (notice.mentions.length > 0)
    elements.push(markdown(notice.mentions.map(mentionInCard).join(' ')));
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
            text: { tag: 'plain_text', content: inertText(b.label, 40) },
            type: i === 0 ? 'primary' : 'default',
            size: 'small',
            behaviors: [{ type: 'open_url', default_url: b.url }],
          },
        ],
      })),
    });
  }
  elements.push({ tag: 'hr' });
  elements.push(footerElement(notice.footer, notice.footerId));

  return {
    schema: '2.0',
    config: { update_multi: true, width_mode: 'fill', summary: { content: title } },
    header: {
      title: { tag: 'plain_text', content: title },
      subtitle: { tag: 'plain_text', content: inertText(notice.subtitle, 200) },
      template: look.color,
      text_tag_list: [
        {
          tag: 'text_tag',
          text: { tag: 'plain_text', content: notice.label ?? look.label },
          color: TAG_COLOR[look.color] ?? look.color,
        },
      ],
    },
    body: { elements },
  };
}

/** The footer line, with the key's element_id when there is a key (see footerElementId). */
export function footerElement(footer: string, id: string | undefined): Element {
  return {
    tag: 'div',
    ...(id ? { element_id: id } : {}),
    text: { tag: 'plain_text', content: footer, text_size: 'notation', text_color: 'grey' },
  };
}

function markdown(content: string): Element {
  return { tag: 'markdown', content };
}

export function spansToMarkdown(spans: Span[], budget: Budget): string {
  return spans
    .map((span) => {
      if (span.markdown) return clip(span.text, budget.valueChars);
      const shown = inertMarkdown(span.text, budget.valueChars);
      return span.href ? `[${shown}](${span.href})` : shown;
    })
    .join('');
}

function listToMarkdown(list: NoticeList, budget: Budget): string {
  const shown = list.items.slice(0, budget.listItems);
  const lines = shown.map((item) => `- ${spansToMarkdown(item.spans, budget)}`);
  const hidden = list.total - shown.length;
  if (hidden > 0) lines.push(`- ${hidden} more${TRUNCATED}`);
  return [`**${list.title}** (${list.total})`, ...lines].join('\n');
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
