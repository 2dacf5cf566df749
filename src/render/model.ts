/**
 * What a notice says, independent of how it is drawn. Text in a Span is literal
 * (escaped by each renderer for its format); only `markdown` spans carry the workflow
 * author's own markup, which is passed through.
 */
import { createHash } from 'node:crypto';
import type { LinkButton } from '../settings.js';
import { STATUSES, type Status } from '../status.js';

export interface Span {
  text: string;
  /** A URL we built or validated (see safeUrl). */
  href?: string;
  /** Author-written markdown (the message, fields): passed through unescaped. */
  markdown?: boolean;
}

export interface NoticeFact {
  label: string;
  value: Span[];
}

export interface NoticeListItem {
  spans: Span[];
}

export interface NoticeList {
  title: string;
  items: NoticeListItem[];
  /** How many items there were before the list was trimmed. */
  total: number;
}

export type Mention =
  | { kind: 'all' }
  | { kind: 'open_id'; id: string }
  | { kind: 'user_id'; id: string }
  | { kind: 'email'; email: string }
  /** A person we could not map to a Feishu account: shown by name, never mentioned. */
  | { kind: 'name'; name: string };

export interface NoticeImage {
  key: string;
  alt: string;
}

export interface Notice {
  status: Status;
  /** The status tag's words when they say more than the status ("Fixed"). */
  label?: string;
  /** Plain text with the status icon. */
  title: string;
  /** Plain text: the status label and the repository. */
  subtitle: string;
  message?: string;
  facts: NoticeFact[];
  lists: NoticeList[];
  images: NoticeImage[];
  mentions: Mention[];
  buttons: LinkButton[];
  /** Plain text; carries the key and status in a form that survives history's flattening. */
  footer: string;
  /** The footer element's element_id when the notice has a key (see footerElementId). */
  footerId?: string;
}

/** Maxima for the parts of a notice that grow with the input; shrunk until the content fits. */
export interface Budget {
  messageChars: number;
  valueChars: number;
  listItems: number;
}

export const FULL_BUDGET: Budget = { messageChars: 6000, valueChars: 300, listItems: 20 };

export function scaleBudget(scale: number): Budget {
  return {
    messageChars: Math.max(200, Math.floor(FULL_BUDGET.messageChars * scale)),
    valueChars: Math.max(40, Math.floor(FULL_BUDGET.valueChars * scale)),
    listItems: Math.max(1, Math.floor(FULL_BUDGET.listItems * scale)),
  };
}

const BRAND = 'feishu-notify';
const SEPARATOR = ' · ';

/** How a notice that a later run took over, or that was withdrawn, reads in its footer. */
export type Collapse = 'superseded' | 'withdrawn';
const COLLAPSES: readonly Collapse[] = ['superseded', 'withdrawn'];

/** What a footer tells a later run: the key, the notice's status, and whether it was collapsed. */
export interface FooterMark {
  runNumber?: string;
  key: string;
  /** Absent in footers written before statuses were: read as unknown. */
  status?: Status;
  collapsed?: Collapse;
}

/**
 * The footer: "feishu-notify · run #42 · key «deploy-prod» · failure", and on a collapsed card
 * "… · failure · superseded". One plain-text run, so it survives every history view as a line
 * of its own; the key sits in guillemets so `deploy-prod` never matches `deploy-prod-eu`. The
 * status and collapse words are fixed identifiers, not prose: they stay the same whatever
 * language the rest of the card is written in, so any later run can read them back.
 */
export function footerText(
  runNumber: string,
  key: string | undefined,
  status?: Status,
  collapsed?: Collapse,
): string {
  const parts = [BRAND];
  if (runNumber) parts.push(`run #${runNumber}`);
  if (key) {
    parts.push(`key «${key}»`);
    if (status) parts.push(status);
    if (collapsed) parts.push(collapsed);
  }
  return parts.join(SEPARATOR);
}

export function footerOf(mark: FooterMark): string {
  return footerText(mark.runNumber ?? '', mark.key, mark.status, mark.collapsed);
}

/**
 * The footer element's element_id, derived from the key: letters, digits and underscores,
 * starting with a letter, 20 characters (Feishu's rule). History views that keep element ids
 * find the footer by it; event text can never set one.
 */
export function footerElementId(key: string): string {
  return `fnk_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * Brand, then anything but guillemets (the run, in whatever words the card's language uses),
 * then the machine-readable part: the key in guillemets, the status, the collapse word.
 */
const FOOTER_LINE = new RegExp(
  `^${BRAND}(?: · ([^«»]{1,80}?))? · key «([^«»]+)»(?: · (${STATUSES.join('|')}))?(?: · (${COLLAPSES.join('|')}))?$`,
);

/**
 * Reads a line (of a message's text) as our footer for this key. The whole line must have the
 * footer's shape: event text can contain "key «x»" but never with whole guillemets (escaping
 * breaks them), and never as a line of its own that starts with the brand.
 */
export function readFooter(line: string, key: string): FooterMark | undefined {
  const m = FOOTER_LINE.exec(line.trim());
  if (!m || m[2] !== key) return undefined;
  const mark: FooterMark = { key };
  const runNumber = m[1] ? /#(\d+)/.exec(m[1])?.[1] : undefined;
  if (runNumber) mark.runNumber = runNumber;
  if (m[3]) mark.status = m[3] as Status;
  if (m[4]) mark.collapsed = m[4] as Collapse;
  return mark;
}
