/**
 * The compact grey card a notice becomes when it can no longer be recalled (past 24 hours)
 * but can still be updated: one line saying why, and its key footer, so later scans still know
 * it and stop there. Written in the languages of the run that collapses it. Pure.
 */
import { inLanguage, type Language, type Text, words } from '../language.js';
import { footerElement, localized } from './card.js';
import { inertMarkdown, inertText } from './escape.js';
import { type FooterMark, footerElementId, footerOf } from './model.js';
import { W } from './words.js';

export interface CollapsedCard {
  /** The footer the notice had; its collapse mark is set here. */
  mark: FooterMark;
  /** The notice's title as history showed it ('' when not shown). */
  title: string;
  /** The run that superseded it; absent: it was withdrawn. */
  supersededBy?: { label: Text; url: string };
  languages: Language[];
}

export function renderCollapsedCard(collapsed: CollapsedCard): Record<string, unknown> {
  const { languages } = collapsed;
  const by = collapsed.supersededBy;
  const label = by ? W.superseded : W.withdrawn;
  const line = (l: Language): string => {
    if (!by) return W.withdrawnLine[l];
    const run = inertMarkdown(inLanguage(by.label, l), 80);
    return words(W.supersededBy, { run: by.url ? `[${run}](${by.url})` : run })[l];
  };
  const title = (l: Language) => inertText(collapsed.title || label[l], 200);
  const mark: FooterMark = {
    ...collapsed.mark,
    collapsed: by ? 'superseded' : 'withdrawn',
  };
  return {
    schema: '2.0',
    config: {
      update_multi: true,
      width_mode: 'fill',
      ...(languages.length > 1 ? { locales: languages } : {}),
      summary: localized(languages, (l) => `${label[l]}${W.colon[l]}${title(l)}`),
    },
    header: {
      title: { tag: 'plain_text', ...localized(languages, title) },
      template: 'grey',
      text_tag_list: [
        {
          tag: 'text_tag',
          text: { tag: 'plain_text', ...localized(languages, (l) => label[l]) },
          color: 'neutral',
        },
      ],
    },
    body: {
      elements: [
        { tag: 'markdown', ...localized(languages, line), text_size: 'notation' },
        footerElement(footerOf(mark), footerElementId(mark.key), languages),
      ],
    },
  };
}
