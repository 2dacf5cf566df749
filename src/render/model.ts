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
  code?: boolean;
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

/** The footer's key marker: «key» in guillemets, so `deploy-prod` never matches `deploy-prod-eu`. */
export function keyMarker(key: string): string {
  return `key «${key}»`;
}

export function hasKeyMarker(flattened: string, key: string): boolean {
  return flattened.includes(keyMarker(key));
}
