/**
 * What a notice says, independent of how it is drawn. Text in a Span is literal
 * (escaped by each renderer for its format); only `markdown` spans carry the workflow
 * author's own markup, which is passed through.
 */
import { createHash } from 'node:crypto';
import { type Language, type Text, type Words, words } from '../language.js';
import { STATUS_LOOK, STATUSES, type Status } from '../status.js';
import { W } from './words.js';

export interface Span {
  /** Translated when the action wrote it (a duration, "yes"); event text is one copy. */
  text: Text;
  /** A URL we built or validated (see safeUrl). */
  href?: string;
  /** Author-written markdown (the message, fields): passed through unescaped. */
  markdown?: boolean;
}

export interface NoticeFact {
  label: Text;
  value: Span[];
}

export interface NoticeListItem {
  spans: Span[];
}

export interface NoticeList {
  title: Text;
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

export interface NoticeButton {
  label: Text;
  url: string;
}

export interface Notice {
  status: Status;
  /** The languages to write, the first where only one fits (see languagesFor). */
  languages: Language[];
  /** The status tag's words when they say more than the status ("Fixed"). */
  label?: Words;
  /** Plain text with the status icon. */
  title: Text;
  /** Plain text: where and which run. */
  subtitle: Text;
  message?: string;
  facts: NoticeFact[];
  lists: NoticeList[];
  images: NoticeImage[];
  mentions: Mention[];
  buttons: NoticeButton[];
  /** Plain text; carries the key and status in a form that survives history's flattening. */
  footer: Text;
  /** The footer element's element_id when the notice has a key (see footerElementId). */
  footerId?: string;
  /** What failed first, for the thread reply (the card shows it all in `lists`). */
  firstFailure?: FirstFailure;
}

/** The first failed job, its first failed step and the step's (else the job's) log link. */
export interface FirstFailure {
  /** Untrusted (from the run): "test (20) — failed at step 4: Run unit tests", per language. */
  text: Text;
  url?: string;
  /** Failed jobs not named. */
  more: number;
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

/**
 * The footer's machine-readable marks, the same in every language: a history scan finds and
 * reads a notice whatever language its reader (or history's view) picked. The status is its
 * icon and a collapse a sign, so no word needs translating. Earlier versions wrote the English
 * words (`key «…»`, `failure`, `superseded`), still read.
 */
const KEY_MARK = '🔑';
const COLLAPSE_SIGN: Record<Collapse, string> = { superseded: '⤴️', withdrawn: '↩️' };
const LEGACY_KEY_MARK = 'key';

/** What a footer tells a later run: the key, the notice's status, and whether it was collapsed. */
export interface FooterMark {
  runNumber?: string;
  key: string;
  /** Absent in footers written before statuses were: read as unknown. */
  status?: Status;
  collapsed?: Collapse;
}

/**
 * The footer: "feishu-notify · 第 42 次运行 · 🔑 «deploy-prod» · ❌", and on a collapsed card
 * "… · ❌ · ⤴️". One plain-text run, so it survives every history view as a line of its own;
 * the key sits in guillemets so `deploy-prod` never matches `deploy-prod-eu`. Only the run's
 * words are translated.
 */
export function footerText(
  runNumber: string,
  key: string | undefined,
  status?: Status,
  collapsed?: Collapse,
): Words {
  const parts = [BRAND];
  if (runNumber) parts.push('{run}');
  if (key) {
    parts.push(`${KEY_MARK} «{key}»`);
    if (status) parts.push(STATUS_LOOK[status].icon);
    if (collapsed) parts.push(COLLAPSE_SIGN[collapsed]);
  }
  const line = parts.join(SEPARATOR);
  return words(
    { zh_cn: line, en_us: line, ja_jp: line },
    { run: words(W.runNumber, { n: runNumber }), key: key ?? '' },
  );
}

export function footerOf(mark: FooterMark): Words {
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Each way a status or collapse has been written in a footer, to what it means. */
const STATUS_MARKS = new Map<string, Status>([
  ...STATUSES.map((s) => [STATUS_LOOK[s].icon, s] as const),
  ...STATUSES.map((s) => [s, s] as const),
]);
const COLLAPSE_MARKS = new Map<string, Collapse>(
  (Object.keys(COLLAPSE_SIGN) as Collapse[]).flatMap((c) => [
    [COLLAPSE_SIGN[c], c] as const,
    [c, c] as const,
  ]),
);
const alternatives = (marks: Map<string, unknown>) =>
  [...marks.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|');

/**
 * Brand, then anything but guillemets (the run, in whatever words the card's language uses),
 * then the machine-readable part: the key in guillemets, the status, the collapse sign.
 */
const FOOTER_LINE = new RegExp(
  `^${BRAND}(?: · ([^«»]{1,80}?))? · (?:${KEY_MARK}|${LEGACY_KEY_MARK}) «([^«»]+)»(?: · (${alternatives(STATUS_MARKS)}))?(?: · (${alternatives(COLLAPSE_MARKS)}))?$`,
  'u',
);

/**
 * Reads a line (of a message's text) as our footer for this key, in any language and in the
 * form earlier versions wrote. The whole line must have the footer's shape: event text can
 * contain "🔑 «x»" but never with whole guillemets (escaping breaks them), and never as a line of
 * its own that starts with the brand.
 */
export function readFooter(line: string, key: string): FooterMark | undefined {
  const m = FOOTER_LINE.exec(line.trim());
  if (!m || m[2] !== key) return undefined;
  const mark: FooterMark = { key };
  const runNumber = m[1] ? /(\d+)/.exec(m[1])?.[1] : undefined;
  if (runNumber) mark.runNumber = runNumber;
  const status = m[3] ? STATUS_MARKS.get(m[3]) : undefined;
  if (status) mark.status = status;
  const collapsed = m[4] ? COLLAPSE_MARKS.get(m[4]) : undefined;
  if (collapsed) mark.collapsed = collapsed;
  return mark;
}
