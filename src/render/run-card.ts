/**
 * The run card: one card per workflow run, a row per job or matrix leg. Pure.
 * A row is one markdown element whose element_id is derived from its label, so the leg that
 * owns a row can rewrite it without knowing anything else of the card, and no two labels
 * share an element.
 */
import { createHash } from 'node:crypto';
import { LANGUAGES, type Language, perLanguage, type Words, words } from '../language.js';
import { STATUS_LOOK, type Status } from '../status.js';
import { localized, renderCard } from './card.js';
import { inertMarkdown, safeUrl } from './escape.js';
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
/** A step's name is a job's own text: as short as a label. */
const MAX_STEP = 100;
/** A row nobody finished (its job ended without its post step) says so at the end. */
const UNREPORTED_ICON = '❔';

/** Where a failed or cancelled leg stopped, linked to that step's log. */
const STOPPED_AT: Partial<Record<Status, Words>> = {
  failure: { en_us: 'failed at {step}', zh_cn: '失败于 {step}', ja_jp: '失敗箇所: {step}' },
  cancelled: { en_us: 'stopped at {step}', zh_cn: '停止于 {step}', ja_jp: '停止箇所: {step}' },
};

/** The step a leg stopped at (read from GitHub; its name is untrusted text). */
export interface StoppedStep {
  name: string;
  /** `<job html_url>#step:<n>:1`; a link only if safeUrl accepts it. */
  url?: string;
}

export interface Row {
  label: string;
  status: Status;
  durationMs?: number;
  /** Where a failed or cancelled leg stopped, when GitHub said so in time. */
  step?: StoppedStep;
  /** The languages of the leg that writes the row (its `language` input; the same as the card's when every job passes the same). */
  languages: Language[];
}

/** `row_` and 16 hex digits of the label's SHA-256: 64 bits, so two labels never meet in practice. */
export function rowElementId(label: string): string {
  return `${ROW_PREFIX}${createHash('sha256').update(label).digest('hex').slice(0, 16)}`;
}

export function rowElement(row: Row): Element {
  const look = STATUS_LOOK[row.status];
  const label = `${look.icon} **${inertMarkdown(row.label, MAX_LABEL)}**`;
  const duration = row.durationMs === undefined ? undefined : formatDuration(row.durationMs);
  const stopped = stoppedAt(row);
  const write = (l: Language) =>
    [label, STATUS_LABEL[row.status][l], duration?.[l], stopped?.[l]]
      .filter((part) => part !== undefined)
      .join(' · ');
  return {
    tag: 'markdown',
    element_id: rowElementId(row.label),
    ...localized(row.languages, write),
  };
}

/** "failed at <step>": the step's name made inert, linked to its log when the URL is safe. */
function stoppedAt(row: Row): Words | undefined {
  const phrase = STOPPED_AT[row.status];
  if (!phrase || !row.step) return undefined;
  const text = words(phrase, { step: inertMarkdown(row.step.name, MAX_STEP) });
  const href = safeUrl(row.step.url);
  if (!href) return text;
  return perLanguage((l) => `[${text[l]}](${href})`);
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

/** The overall result as one line among the rows (the final job's mark, or its fallback). */
export function resultLine(elementId: string, notice: Notice): Element {
  const look = STATUS_LOOK[notice.status];
  return {
    tag: 'markdown',
    element_id: elementId,
    ...localized(notice.languages, (l) => `${look.icon} **${STATUS_LABEL[notice.status][l]}**`),
  };
}

/** The body elements of a card read back in the internal form (`{tag, id, property}`). */
function readBackElements(jsonCard: Record<string, unknown>): unknown[] | undefined {
  const body = jsonCard.body as { property?: { elements?: unknown } } | undefined;
  const elements = body?.property?.elements;
  return Array.isArray(elements) ? elements : undefined;
}

/** Whether a card read back shows an element with this id among its top-level elements. */
export function hasElement(jsonCard: Record<string, unknown>, elementId: string): boolean {
  return (readBackElements(jsonCard) ?? []).some(
    (e) => (e as { id?: unknown } | null)?.id === elementId,
  );
}

/**
 * Whether a card read back already shows this final result in its header: its colour, and a
 * title that opens with the result's icon (as every card title does).
 */
export function finishedAs(jsonCard: Record<string, unknown>, status: Status): boolean {
  const header = (jsonCard.header as { property?: Element } | undefined)?.property ?? {};
  const title = (header.title as { property?: { content?: unknown } } | undefined)?.property;
  const look = STATUS_LOOK[status];
  return (
    header.template === look.color &&
    typeof title?.content === 'string' &&
    title.content.startsWith(look.icon)
  );
}

/**
 * The rows of a card read back in Feishu's internal form (`body.property.elements`, elements
 * `{tag, id, property}`), as elements to write again; rows still running are marked as never
 * reported. Undefined when a row's text cannot be read whole (then the card must not be
 * rewritten, or that row would be lost).
 */
export function rowsFromReadBack(jsonCard: Record<string, unknown>): Element[] | undefined {
  const elements = readBackElements(jsonCard);
  if (!elements) return undefined;
  const rows: Element[] = [];
  for (const element of elements as { tag?: unknown; id?: unknown; property?: Element }[]) {
    if (typeof element?.id !== 'string' || !ROW_ID.test(element.id)) continue;
    const property = element.property ?? {};
    const content = element.tag === 'markdown' ? markdownOf(property) : undefined;
    const variants = i18nOf(property);
    if (content === undefined || variants === null) return undefined;
    rows.push({
      tag: 'markdown',
      element_id: element.id,
      content: finalText(content),
      ...(variants
        ? {
            i18n_content: Object.fromEntries(
              Object.entries(variants).map(([language, text]) => [language, finalText(text)]),
            ),
          }
        : {}),
    });
  }
  return rows;
}

/**
 * A row's text in each language (`i18nContent`): undefined when it has one copy, null when a
 * variant is not plain text. How the internal form spells the language keys is not documented
 * (the card's own `zh_cn`, or camelCased like the property names): both are read.
 */
function i18nOf(property: Element): Record<string, string> | undefined | null {
  const variants = property.i18nContent ?? property.i18n_content;
  if (variants === undefined) return undefined;
  if (!variants || typeof variants !== 'object' || Array.isArray(variants)) return null;
  const read: Record<string, string> = {};
  for (const [key, text] of Object.entries(variants)) {
    if (typeof text !== 'string') return null;
    const language = LANGUAGES.find(
      (l) => l.replace('_', '') === key.replace(/[_-]/, '').toLowerCase(),
    );
    if (language) read[language] = text;
  }
  return read;
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
