/**
 * The run card: one card per workflow run, a row per job or matrix leg. Pure.
 * A row is one markdown element whose element_id is derived from its label, so the leg that
 * owns a row can rewrite it without knowing anything else of the card, and no two labels
 * share an element.
 */
import { createHash } from 'node:crypto';
import type { Language } from '../language.js';
import { STATUS_LOOK, type Status } from '../status.js';
import { renderCard } from './card.js';
import { inertMarkdown } from './escape.js';
import { FULL_BUDGET, type Notice } from './model.js';
import { formatDuration } from './notice.js';
import { STATUS_LABEL, W } from './words.js';

type Element = Record<string, unknown>;

/** The divider under the rows: new rows go before it, so they stay above the footer. */
export const ROWS_END = 'rows_end';
const ROW_PREFIX = 'row_';
/** Feishu's rule for element_id: a letter first, then letters, digits and `_`, at most 20. */
const ROW_ID = /^row_[0-9a-f]{16}$/;
const MAX_LABEL = 100;
/** A row nobody finished (its job ended without its post step) says so at the end. */
const UNREPORTED_ICON = '❔';

export interface Row {
  label: string;
  status: Status;
  durationMs?: number;
  /** A row is one copy, written in one language: the first of the run that writes it. */
  language: Language;
}

/** `row_` and 16 hex digits of the label's SHA-256: 64 bits, so two labels never meet in practice. */
export function rowElementId(label: string): string {
  return `${ROW_PREFIX}${createHash('sha256').update(label).digest('hex').slice(0, 16)}`;
}

export function rowElement(row: Row): Element {
  const look = STATUS_LOOK[row.status];
  const l = row.language;
  const parts = [
    `${look.icon} **${inertMarkdown(row.label, MAX_LABEL)}**`,
    STATUS_LABEL[row.status][l],
  ];
  if (row.durationMs !== undefined) parts.push(formatDuration(row.durationMs)[l]);
  return { tag: 'markdown', element_id: rowElementId(row.label), content: parts.join(' · ') };
}

/** The notice as a card, with the rows (and the divider that marks their end) above the footer. */
export function runCard(notice: Notice, rows: Element[]): Element {
  const card = renderCard(notice, FULL_BUDGET);
  const body = card.body as { elements: Element[] };
  const divider = body.elements.map((e) => e.tag).lastIndexOf('hr');
  const at = divider >= 0 ? divider : body.elements.length;
  body.elements.splice(at, divider >= 0 ? 1 : 0, ...rows, { tag: 'hr', element_id: ROWS_END });
  return card;
}

/**
 * The rows of a card read back in Feishu's internal form (`body.property.elements`, elements
 * `{tag, id, property}`), as elements to write again; rows still running are marked as never
 * reported. Undefined when a row's text cannot be read whole (then the card must not be
 * rewritten, or that row would be lost).
 */
export function rowsFromReadBack(jsonCard: Record<string, unknown>): Element[] | undefined {
  const body = jsonCard.body as { property?: { elements?: unknown } } | undefined;
  const elements = body?.property?.elements;
  if (!Array.isArray(elements)) return undefined;
  const rows: Element[] = [];
  for (const element of elements as { tag?: unknown; id?: unknown; property?: Element }[]) {
    if (typeof element?.id !== 'string' || !ROW_ID.test(element.id)) continue;
    const content = element.tag === 'markdown' ? markdownOf(element.property ?? {}) : undefined;
    if (content === undefined) return undefined;
    rows.push({ tag: 'markdown', element_id: element.id, content: finalText(content) });
  }
  return rows;
}

/**
 * A markdown element's text in the internal form: `property.content`, or runs in
 * `property.elements` (text, and links as `{content, url: {url}}`). Undefined for any other
 * run: its text could not be written back as it was.
 */
function markdownOf(property: Element): string | undefined {
  if (typeof property.content === 'string') return property.content;
  if (!Array.isArray(property.elements)) return undefined;
  let text = '';
  for (const run of property.elements as { tag?: unknown; property?: Element }[]) {
    const content = run?.property?.content;
    if (typeof content !== 'string') return undefined;
    if (run.tag === 'text') text += content;
    else if (run.tag === 'link') {
      const url = (run.property?.url as { url?: unknown } | undefined)?.url;
      if (typeof url !== 'string') return undefined;
      text += `[${content}](${url})`;
    } else return undefined;
  }
  return text;
}

/** A row still running, in whichever language it was written, now says none was reported. */
function finalText(content: string): string {
  const icon = STATUS_LOOK.in_progress.icon;
  if (!content.startsWith(icon)) return content;
  for (const [language, label] of Object.entries(STATUS_LABEL.in_progress)) {
    const suffix = ` · ${label}`;
    if (!content.endsWith(suffix)) continue;
    const middle = content.slice(icon.length, content.length - suffix.length);
    return `${UNREPORTED_ICON}${middle} · ${W.noResult[language as Language]}`;
  }
  return content;
}
