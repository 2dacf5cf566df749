/**
 * What a notice says, independent of how it is drawn. Text in a Span is literal
 * (escaped by each renderer for its format); only `markdown` spans carry the workflow
 * author's own markup, which is passed through.
 */
import type { LinkButton } from '../settings.js';
import type { Status } from '../status.js';

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
  /** Plain text; carries the key in a form that survives history's flattening. */
  footer: string;
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

/**
 * The footer: "feishu-notify · run #42 · key «deploy-prod»". It is one plain-text run, so it
 * survives history's flattening of a card as a line of its own; the key sits in guillemets so
 * `deploy-prod` never matches `deploy-prod-eu`.
 */
export function footerText(runNumber: string, key: string | undefined): string {
  const parts = [BRAND];
  if (runNumber) parts.push(`run #${runNumber}`);
  if (key) parts.push(`key «${key}»`);
  return parts.join(SEPARATOR);
}

/**
 * Whether a line (of a message's flattened text) is our footer for this key. The whole line
 * must have the footer's shape: event text inside a card can contain "key «x»" but can never
 * form a line of its own that starts with the brand (and escaping breaks its guillemets).
 */
export function isFooterOfKey(line: string, key: string): boolean {
  const suffix = `${SEPARATOR}key «${key}»`;
  const trimmed = line.trim();
  if (!trimmed.startsWith(BRAND) || !trimmed.endsWith(suffix)) return false;
  const middle = trimmed.slice(BRAND.length, trimmed.length - suffix.length);
  return /^(?: · run #\d+)?$/.test(middle);
}
