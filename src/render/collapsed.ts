/**
 * The compact grey card a notice becomes when it can no longer be recalled (past 24 hours)
 * but can still be updated: one line saying why, and its key footer, so later scans still know
 * it and stop there. Pure.
 */
import { footerElement } from './card.js';
import { inertMarkdown, inertText } from './escape.js';
import { type FooterMark, footerElementId, footerOf } from './model.js';

export interface CollapsedCard {
  /** The footer the notice had; its collapse word is set here. */
  mark: FooterMark;
  /** The notice's title as history showed it ('' when not shown). */
  title: string;
  /** The run that superseded it; absent: it was withdrawn. */
  supersededBy?: { label: string; url: string };
}

export function renderCollapsedCard(collapsed: CollapsedCard): Record<string, unknown> {
  const superseded = collapsed.supersededBy !== undefined;
  const label = superseded ? 'Superseded' : 'Withdrawn';
  const by = collapsed.supersededBy;
  const line = by
    ? by.url
      ? `Superseded by [${inertMarkdown(by.label, 80)}](${by.url}).`
      : `Superseded by ${inertMarkdown(by.label, 80)}.`
    : 'Withdrawn.';
  const title = inertText(collapsed.title || label, 200);
  const mark: FooterMark = {
    ...collapsed.mark,
    collapsed: superseded ? 'superseded' : 'withdrawn',
  };
  return {
    schema: '2.0',
    config: { update_multi: true, width_mode: 'fill', summary: { content: `${label}: ${title}` } },
    header: {
      title: { tag: 'plain_text', content: title },
      template: 'grey',
      text_tag_list: [
        { tag: 'text_tag', text: { tag: 'plain_text', content: label }, color: 'neutral' },
      ],
    },
    body: {
      elements: [
        { tag: 'markdown', content: line, text_size: 'notation' },
        footerElement(footerOf(mark), footerElementId(mark.key)),
      ],
    },
  };
}
