// In-process fake of the Feishu / Lark open platform HTTP API (the subset feishu-notify uses).
//
// Used by end-to-end tests that spawn `node dist/index.js`, by fault-injection tests and by a
// benchmark run with tsx, so it depends on node:http and node:crypto only (no vitest import).
// Behaviour follows the project's API notes (feishu-api-notes.md); where the real API is not documented the
// choice made here is noted in a comment.

import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeCardkit, mountCardkit } from './fake-cardkit.js';

export interface FakeChat {
  chat_id: string;
  name: string;
  /** Default true. A chat the bot is not in answers 230002 and is not listed. */
  botIsMember?: boolean;
  /** Only group admins may @all here: a message mentioning all answers 11235 (default false). */
  atAllAdminsOnly?: boolean;
}

export interface FakeUser {
  open_id: string;
  union_id?: string;
  user_id?: string;
  email?: string;
}

export interface FakeOptions {
  /** Default 'cli_test_app'. */
  appId?: string;
  /** Default 'test-secret'. */
  appSecret?: string;
  /** Delay added before every response, errors and webhooks included (default 0). */
  latencyMs?: number;
  /** Default: one chat { chat_id: 'oc_test_chat', name: 'CI Alerts' }. */
  chats?: FakeChat[];
  /** Default: one user ou_test_user / on_test_user / u_test / dev@example.com. */
  users?: FakeUser[];
  /** Default 7200. */
  tokenTtlSeconds?: number;
  /** Messages per chat per sliding second, send + reply together (default 5) -> 400 / 230020. */
  chatRateLimitPerSecond?: number;
  /** Default 86400 -> 230009 past it. */
  recallWindowSeconds?: number;
  webhooks?: { token: string; secret?: string; keyword?: string; atAllAdminsOnly?: boolean }[];
  /** Scopes the app lacks; every endpoint needing one of them answers 400 / 99991672. */
  missingScopes?: string[];
  /** Default 0: any free port (a fixed one is for `npm run fake`, which a hand-written .env names). */
  port?: number;
}

/** What `card_msg_content_type` asks history to show of a card (absent: the default view). */
export type CardView = 'default' | 'raw_card_content' | 'user_card_content';

export interface StoredMessage {
  message_id: string;
  chat_id: string;
  msg_type: string;
  /** Exactly the JSON string that was sent (or last PATCHed). */
  content: string;
  /** ms */
  create_time: number;
  /** ms */
  update_time?: number;
  sender: { id: string; id_type: 'app_id' | 'open_id'; sender_type: 'app' | 'user' };
  deleted: boolean;
  uuid?: string;
  parent_id?: string;
  reply_in_thread?: boolean;
  updates: number;
}

export interface RecordedRequest {
  method: string;
  /** pathname, without the query */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; multipart as MultipartSummary; unparseable text as the raw string; none: undefined. */
  body: unknown;
  /** Date.now() at arrival */
  at: number;
}

export interface MultipartSummary {
  fields: Record<string, string>;
  files: { field: string; filename: string; size: number; contentType: string }[];
}

export type Fault =
  /** Answer this instead of handling. A string body is written as-is (e.g. an HTML 502 page). */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Destroy the socket before handling (nothing stored). */
  | { kind: 'reset' }
  /** Handle the request fully (message stored), then destroy the socket without answering. */
  | { kind: 'drop-after-write' }
  /** Handle the request fully, then answer HTTP 200 with this text (an HTML page, cut JSON). */
  | { kind: 'garble-after-write'; body: string }
  /** Wait, then handle normally. */
  | { kind: 'delay'; ms: number }
  /** Wait until `open` settles, then handle normally: lines up requests from many processes. */
  | { kind: 'gate'; open: Promise<unknown> }
  /** Never answer; the socket stays open until close(). */
  | { kind: 'hang' };

export interface FaultRule {
  method?: string;
  /** string: exact pathname (e.g. '/open-apis/im/v1/messages'); RegExp: tested on the pathname. */
  path?: string | RegExp;
  /** Default 1; Infinity allowed. */
  times?: number;
  fault: Fault;
}

export interface FakeFeishu {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: RecordedRequest[];
  /** All stored messages (deleted ones included) in creation order. */
  messages(chatId?: string): StoredMessage[];
  images: Map<string, { filename: string; size: number; format: string }>;
  /** Successful answers of the token endpoint (a repeat that returns the same token counts too). */
  tokensIssued: number;
  addMessage(
    m: Partial<StoredMessage> & { chat_id: string; content: string; msg_type: string },
  ): StoredMessage;
  inject(rule: FaultRule): void;
  /** Every issued token becomes invalid -> 99991663 until a new one is fetched. */
  revokeTokens(): void;
  /**
   * The app is over its rate limit for `seconds`: every open-API call (the token too) answers
   * 429 / 99991400 with `x-ogw-ratelimit-reset` = the whole seconds left, until then.
   */
  throttleApp(seconds: number): void;
  setLatency(ms: number): void;
  webhookMessages(token: string): Array<{ body: unknown; at: number }>;
  /** Buzzes accepted by urgent_app, in order. */
  urgents: Array<{ messageId: string; userIds: string[] }>;
  /**
   * Lets `ms` of time pass for every stored message (their create and update times move back),
   * so a test can walk a stream of notices through days: the recall and update windows and the
   * uuid window follow. Per-chat rate counters are cleared.
   */
  advance(ms: number): void;
  /** The chat a message to this recipient lands in (p2p chat `oc_p2p_<open_id>` for users). */
  chatIdFor(receiveIdType: string, receiveId: string): string | undefined;
  /** Card entities (CardKit v1): see fake-cardkit.ts. */
  cardkit: FakeCardkit;
  /** Stops the server; also destroys hung and keep-alive sockets. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Limits and constants

const KB = 1024;
const CARD_MAX_BYTES = 30 * KB;
const POST_MAX_BYTES = 30 * KB;
const TEXT_MAX_BYTES = 150 * KB;
const WEBHOOK_MAX_BYTES = 20 * KB;
const IMAGE_MAX_BYTES = 10 * KB * KB;
/** Bodies beyond this are not kept in memory (the image endpoint still answers 234006). */
const BODY_CAP_BYTES = 16 * KB * KB;
const CARD_MAX_ELEMENTS = 200;
const UUID_MAX_CHARS = 50;
const UUID_WINDOW_MS = 60 * 60 * 1000;
const UPDATE_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;
const TOKEN_REUSE_MIN_LEFT_MS = 30 * 60 * 1000;
const WEBHOOK_PER_SECOND = 5;
const WEBHOOK_PER_MINUTE = 100;
const CHATS_PAGE_MAX = 100;
const HISTORY_PAGE_MAX = 50;
const DEFAULT_PAGE_SIZE = 20;
const TENANT_KEY = 'tk';
const RECALLED_CONTENT = JSON.stringify({ text: 'This message was recalled' });
/** A custom bot's post tags (Feishu's custom-bot guide); anything else is refused here. */
const WEBHOOK_POST_TAGS = new Set(['text', 'a', 'at', 'img']);

const MSG_TYPES = new Set([
  'text',
  'post',
  'image',
  'interactive',
  'file',
  'audio',
  'media',
  'sticker',
  'share_chat',
  'share_user',
]);
const RECEIVE_ID_TYPES = new Set(['chat_id', 'open_id', 'union_id', 'user_id', 'email']);

/**
 * Scopes per endpoint. The real platform wants one of several equivalent scopes; the fake
 * denies an endpoint when any scope listed here for it is in `missingScopes`, which is what a
 * test configuring `missingScopes: ['x']` means.
 */
const SCOPES = {
  send: ['im:message', 'im:message:send_as_bot'],
  update: ['im:message', 'im:message:update'],
  recall: ['im:message', 'im:message:recall'],
  upload: ['im:resource'],
  chats: ['im:chat', 'im:chat:readonly'],
  history: ['im:message.group_msg', 'im:message:readonly'],
  historyP2p: ['im:message.p2p_msg', 'im:message:readonly'],
  /** Sending to receive_id_type=user_id (Feishu's send-message doc). */
  userId: ['contact:user.employee_id:readonly'],
  urgent: ['im:message.urgent'],
  contactIds: ['contact:user.id:readonly'],
} as const;

/**
 * What history shows of a card JSON 2.0 by default: its title and this line, not its body
 * (openclaw/openclaw#78289, riba2534/feishu-cli PR #127, NousResearch/hermes-agent#33090).
 */
export const DEGRADED_CARD_TEXT = '请升级至最新版本客户端，以查看内容';

// ---------------------------------------------------------------------------------------------
// Small helpers

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function newLogId(): string {
  // Real log ids look like 20240101120000ABCDEF...; only uniqueness matters here.
  return `fake${Date.now()}${randomHex(8).toUpperCase()}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function headerString(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  if (Array.isArray(v)) return v[0] ?? '';
  return v ?? '';
}

/** Strict non-negative integer parse for query parameters; undefined when absent. */
function parseIntParam(raw: string | undefined): number | undefined | 'invalid' {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) return 'invalid';
  return Number(raw);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function encodePageToken(kind: string, offset: number): string {
  return Buffer.from(`${kind}:${offset}`, 'utf8').toString('base64url');
}

function decodePageToken(kind: string, token: string): number | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^([a-z]+):(\d{1,9})$/.exec(text);
  if (!m || m[1] !== kind) return undefined;
  return Number(m[2]);
}

// ---------------------------------------------------------------------------------------------
// Multipart parsing (binary safe)

interface MultipartPart {
  name: string;
  filename?: string;
  contentType: string;
  data: Buffer;
}

function boundaryOf(contentType: string): string | undefined {
  if (!/^multipart\/form-data\b/i.test(contentType.trim())) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Returns undefined when the body is not well-formed multipart. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else return undefined;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) return undefined;
    const headerText = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) return undefined;
    const data = body.subarray(headerEnd + 4, next);
    let name: string | undefined;
    let filename: string | undefined;
    let contentType = '';
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'content-disposition') {
        name = /\bname="([^"]*)"/i.exec(value)?.[1] ?? /\bname=([^;\s]+)/i.exec(value)?.[1];
        filename =
          /\bfilename="([^"]*)"/i.exec(value)?.[1] ?? /\bfilename=([^;\s]+)/i.exec(value)?.[1];
      } else if (key === 'content-type') {
        contentType = value;
      }
    }
    if (name === undefined) return undefined;
    parts.push(
      filename === undefined ? { name, contentType, data } : { name, filename, contentType, data },
    );
    pos = next + 2;
  }
}

/** Image format from magic bytes, for the formats the platform accepts. */
export function sniffImageFormat(data: Buffer): string | undefined {
  const starts = (bytes: number[], at = 0): boolean =>
    data.length >= at + bytes.length && bytes.every((b, i) => data[at + i] === b);
  const ascii = (s: string, at = 0): boolean => starts([...Buffer.from(s, 'latin1')], at);
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii('GIF87a') || ascii('GIF89a')) return 'gif';
  if (ascii('RIFF') && ascii('WEBP', 8)) return 'webp';
  if (ascii('BM')) return 'bmp';
  if (starts([0x00, 0x00, 0x01, 0x00])) return 'ico';
  if (starts([0x49, 0x49, 0x2a, 0x00]) || starts([0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii('ftyp', 4)) {
    const brand = data.subarray(8, 12).toString('latin1');
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) {
      return 'heic';
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Cards

function cardFailure(subCode: number, detail: string): { code: number; msg: string } {
  return {
    code: 230099,
    msg: `Failed to create card content, ext=ErrCode: ${subCode}; ErrMsg: ${detail}; ErrorValue: ; `,
  };
}

/** Counts every object carrying a `tag` key, recursively. */
function countTags(node: unknown): number {
  if (Array.isArray(node))
    return node.reduce((n: number, child: unknown) => n + countTags(child), 0);
  if (!isRecord(node)) return 0;
  let n = 'tag' in node ? 1 : 0;
  for (const value of Object.values(node)) n += countTags(value);
  return n;
}

function findTag(node: unknown, tag: string): boolean {
  if (Array.isArray(node)) return node.some((child) => findTag(child, tag));
  if (!isRecord(node)) return false;
  if (node.tag === tag) return true;
  return Object.values(node).some((value) => findTag(value, tag));
}

/**
 * The first post paragraph that breaks the rules, or undefined. An `md` tag takes a paragraph
 * of its own ("md 标签会独占一个或多个段落，不能与其他标签在一行中"); a custom bot takes only
 * `allowedTags`. What the real service answers is not documented: refusing is the strict choice.
 */
function badPostParagraph(post: JsonRecord, allowedTags?: Set<string>): string | undefined {
  for (const locale of Object.values(post)) {
    if (!isRecord(locale) || !Array.isArray(locale.content)) continue;
    for (const paragraph of locale.content) {
      if (!Array.isArray(paragraph)) return 'a paragraph is not a list of tags';
      const tags = paragraph.map((run) => (isRecord(run) ? String(run.tag) : ''));
      const other = allowedTags && tags.find((tag) => !allowedTags.has(tag));
      if (other !== undefined) return `tag ${other} is not supported here`;
      if (tags.includes('md') && tags.length > 1) return 'an md tag must have its paragraph alone';
    }
  }
  return undefined;
}

/** Whether a message's content mentions everyone (text, post or card markup). */
function mentionsAll(msgType: string, content: string): boolean {
  if (msgType === 'text' || msgType === 'interactive')
    return /<at (user_)?id="?all"?>/.test(content.replace(/\\"/g, '"'));
  if (msgType === 'post') return /"tag":"at","user_id":"all"/.test(content.replace(/\s/g, ''));
  return false;
}

function collectImgKeys(node: unknown, out: string[]): string[] {
  if (Array.isArray(node)) {
    for (const child of node) collectImgKeys(child, out);
  } else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'img_key' && typeof value === 'string') out.push(value);
      else collectImgKeys(value, out);
    }
  }
  return out;
}

/**
 * The languages a card may carry (Feishu's "configure multi-language content" page lists 16).
 * The card service's exact answer to another is not documented: modelled as a build failure.
 */
const CARD_LOCALES = new Set([
  'zh_cn',
  'en_us',
  'zh_hk',
  'zh_tw',
  'ja_jp',
  'id_id',
  'vi_vn',
  'th_th',
  'pt_br',
  'es_es',
  'ko_kr',
  'de_de',
  'fr_fr',
  'it_it',
  'ru_ru',
  'ms_my',
]);

/**
 * Which language history's flattened view of a multi-language card shows is not documented.
 * Modelled as Chinese (a Feishu tenant's default), so a key footer must be found in it.
 */
const HISTORY_LOCALE = 'zh_cn';

/**
 * JSON 2.0's languages: no card-wide `i18n_elements` / `i18n_header` (2.0 rejects properties it
 * does not support); `config.locales` a list of known languages; `i18n_content` only beside the
 * `content` of a text (plain_text, markdown, lark_md) or of `config.summary`, mapping known
 * languages to strings. Evidence: the JSON 2.0 release notes and the multi-language page.
 */
function checkLanguages(card: JsonRecord): { code: number; msg: string } | undefined {
  for (const key of ['i18n_elements', 'i18n_header']) {
    if (key in card) return cardFailure(200861, `unsupported property ${key} in schema V2`);
  }
  const config = isRecord(card.config) ? card.config : {};
  if ('locales' in config) {
    const locales = config.locales;
    if (
      !Array.isArray(locales) ||
      !locales.every((l) => typeof l === 'string' && CARD_LOCALES.has(l))
    )
      return cardFailure(200621, `invalid config.locales: ${JSON.stringify(locales)}`);
  }
  const bad: string[] = [];
  const visit = (node: unknown, textual: boolean) => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child, false);
      return;
    }
    if (!isRecord(node)) return;
    if ('i18n_content' in node) {
      const i18n = node.i18n_content;
      const beside = textual || ['plain_text', 'markdown', 'lark_md'].includes(String(node.tag));
      const shapeOk =
        isRecord(i18n) &&
        Object.entries(i18n).every(([l, v]) => CARD_LOCALES.has(l) && typeof v === 'string');
      if (!beside || typeof node.content !== 'string' || !shapeOk) bad.push(JSON.stringify(i18n));
    }
    for (const [key, value] of Object.entries(node))
      if (key !== 'i18n_content') visit(value, false);
  };
  visit(card.header, false);
  visit(card.body, false);
  visit(config.summary, true);
  return bad.length > 0 ? cardFailure(200621, `invalid i18n_content: ${bad[0]}`) : undefined;
}

/** A text's content as history's flattened view shows it (see HISTORY_LOCALE). */
function shownContent(node: JsonRecord): unknown {
  const localized = isRecord(node.i18n_content) ? node.i18n_content[HISTORY_LOCALE] : undefined;
  return typeof localized === 'string' ? localized : node.content;
}

function isTemplate(card: JsonRecord): boolean {
  return card.type === 'template';
}

function isSchema2(card: JsonRecord): boolean {
  return card.schema === '2.0';
}

/**
 * Checks a card (already parsed) the way the card service does for the checks we model:
 * template visibility, 2.0 shape, element count, `action` in 2.0, image keys.
 * `knownImages` undefined skips the image check (webhooks cannot upload images).
 */
function checkCard(
  card: unknown,
  knownImages: Map<string, unknown> | undefined,
): { code: number; msg: string } | undefined {
  if (!isRecord(card)) return cardFailure(200621, 'card is not a json object');
  if (isTemplate(card)) {
    const data = card.data;
    const templateId = isRecord(data) ? data.template_id : undefined;
    if (typeof templateId !== 'string' || templateId === '') {
      return cardFailure(200380, 'template_id is required');
    }
    if (templateId.startsWith('bad')) return cardFailure(200380, 'template is not visible');
    return undefined;
  }
  let count: number;
  if (isSchema2(card)) {
    const body = card.body;
    if (!isRecord(body) || !Array.isArray(body.elements)) {
      return cardFailure(200621, 'schema 2.0 card needs body.elements');
    }
    const languages = checkLanguages(card);
    if (languages) return languages;
    if (findTag(card, 'action')) {
      return cardFailure(
        200861,
        'cards of schema V2 no longer support this capability; unsupported tag action',
      );
    }
    count = countTags(body);
  } else {
    count = countTags(card.elements);
    if (isRecord(card.i18n_elements)) {
      for (const localized of Object.values(card.i18n_elements)) {
        count = Math.max(count, countTags(localized));
      }
    }
  }
  if (count > CARD_MAX_ELEMENTS) {
    return {
      code: 230099,
      msg: `Failed to create card content, ext=ErrCode: 11310; ErrMsg: card contains ${count} elements, exceeds the limit of ${CARD_MAX_ELEMENTS}; ErrorValue: ; `,
    };
  }
  if (knownImages) {
    const unknown = collectImgKeys(card, []).filter((key) => !knownImages.has(key));
    if (unknown.length > 0) return cardFailure(200570, `invalid image keys: ${unknown.join(',')}`);
  }
  return undefined;
}

/** Text runs of a card in document order: plain_text / lark_md / markdown content. */
function collectTextRuns(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectTextRuns(child, out);
    return;
  }
  if (!isRecord(node)) return;
  const tag = node.tag;
  const shown = shownContent(node);
  if (
    (tag === 'plain_text' || tag === 'lark_md' || tag === 'markdown') &&
    typeof shown === 'string'
  ) {
    if (shown !== '') out.push(shown);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    // Confirm dialogs and hover tips are not shown in the message itself.
    if (key === 'confirm' || key === 'hover_tips' || key === 'behaviors') continue;
    collectTextRuns(value, out);
  }
}

/**
 * The history view of an interactive message: not the card JSON but
 * `{"title": ..., "elements": [[{"tag":"text","text": ...}], ...]}`, one paragraph per text run
 * (header title; plain_text, markdown, `text.content`, button text, alt text in document order;
 * markdown kept as-is). Templates read `[template]`. Unparseable input is returned unchanged.
 */
export function flattenCardForHistory(content: string): string {
  const parsed = parseJson(content);
  if (!parsed.ok || !isRecord(parsed.value)) return content;
  const card = parsed.value;
  if (isTemplate(card)) {
    return JSON.stringify({ title: '', elements: [[{ tag: 'text', text: '[template]' }]] });
  }
  let title = '';
  const header = card.header;
  const shownTitle = isRecord(header) && isRecord(header.title) ? shownContent(header.title) : '';
  if (typeof shownTitle === 'string') title = shownTitle;
  const runs: string[] = [];
  if (isSchema2(card)) {
    collectTextRuns(isRecord(card.body) ? card.body.elements : undefined, runs);
  } else if (card.elements !== undefined) {
    collectTextRuns(card.elements, runs);
  } else if (isRecord(card.i18n_elements)) {
    collectTextRuns(Object.values(card.i18n_elements)[0], runs);
  }
  return JSON.stringify({ title, elements: runs.map((text) => [{ tag: 'text', text }]) });
}

/** The view `card_msg_content_type` asks for (absent: the default), or undefined: not one. */
function cardViewOf(raw: string | undefined): CardView | undefined {
  const view = raw ?? 'default';
  return view === 'default' || view === 'raw_card_content' || view === 'user_card_content'
    ? view
    : undefined;
}

/** The degraded stub history shows of a card JSON 2.0 when no card_msg_content_type is given. */
function degradedCard(card: JsonRecord): string {
  const header = card.header;
  const title =
    isRecord(header) && isRecord(header.title) && typeof header.title.content === 'string'
      ? header.title.content
      : '';
  return JSON.stringify({ title, elements: [[{ tag: 'text', text: DEGRADED_CARD_TEXT }]] });
}

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Markdown as Feishu's internal form keeps it: a list of runs (text and links), no `content`. */
function markdownRuns(markdown: string): JsonRecord[] {
  const runs: JsonRecord[] = [];
  const link = /\[([^\]]*)\]\(([^)\s]+)\)/g;
  let at = 0;
  for (const m of markdown.matchAll(link)) {
    if (m.index > at)
      runs.push({ tag: 'text', property: { content: markdown.slice(at, m.index) } });
    runs.push({ tag: 'link', property: { content: m[1], url: { url: m[2] } } });
    at = m.index + m[0].length;
  }
  if (at < markdown.length) runs.push({ tag: 'text', property: { content: markdown.slice(at) } });
  return runs;
}

/**
 * Feishu's internal form of a card part, as larksuite/cli's convert_lib/card.go reads it:
 * every tagged object `{tag, id, property: {...}}` with camelCase names, markdown as runs.
 * The `id` of an element sent with an `element_id` is that id (a guess: the CLI reads `id` but
 * no source shows it equal to the sent element_id); other elements get a generated one.
 */
function internalForm(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(internalForm);
  if (!isRecord(node)) return node;
  const property: JsonRecord = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'tag' || key === 'element_id') continue;
    property[camelCase(key)] = internalForm(value);
  }
  if (typeof node.tag !== 'string') return property;
  if (node.tag === 'markdown' && typeof node.content === 'string') {
    delete property.content;
    property.elements = markdownRuns(node.content);
  }
  const id = typeof node.element_id === 'string' ? node.element_id : `e_${randomHex(4)}`;
  return { tag: node.tag, id, property };
}

/** `raw_card_content`: `{json_card, json_attachment, card_schema}` with the card in internal form. */
function rawCard(card: JsonRecord): string {
  const body = isRecord(card.body) ? card.body : { elements: card.elements ?? [] };
  const header = isRecord(card.header) ? card.header : {};
  const jsonCard = {
    schema: isSchema2(card) ? 2 : 1,
    config: internalForm(card.config ?? {}),
    header: { property: internalForm(header) },
    body: { property: { elements: internalForm(isRecord(body) ? (body.elements ?? []) : []) } },
  };
  return JSON.stringify({
    json_card: JSON.stringify(jsonCard),
    json_attachment: JSON.stringify({}),
    card_schema: isSchema2(card) ? 2 : 1,
  });
}

/** What history's `body.content` shows of a card, by the view asked for. */
export function cardInHistory(content: string, view: CardView): string {
  if (view === 'user_card_content') return content;
  const parsed = parseJson(content);
  if (!parsed.ok || !isRecord(parsed.value) || isTemplate(parsed.value))
    return flattenCardForHistory(content);
  if (view === 'raw_card_content') return rawCard(parsed.value);
  return isSchema2(parsed.value) ? degradedCard(parsed.value) : flattenCardForHistory(content);
}

/** A post reads back as one language's body: `{title, content}`. */
function postInHistory(content: string): string {
  const parsed = parseJson(content);
  if (!parsed.ok || !isRecord(parsed.value)) return content;
  const locale = Object.values(parsed.value).find(isRecord);
  return locale ? JSON.stringify(locale) : content;
}

// ---------------------------------------------------------------------------------------------
// The server

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  truncated: boolean;
  json: { ok: true; value: unknown } | { ok: false };
  now: number;
}

interface ChatState {
  chat_id: string;
  name: string;
  botIsMember: boolean;
  p2p: boolean;
  atAllAdminsOnly?: boolean;
}

interface SendData {
  [key: string]: unknown;
}

function ok(data: unknown = {}): Reply {
  return { status: 200, body: { code: 0, msg: 'success', data } };
}

function fail(status: number, code: number, msg: string, extra: JsonRecord = {}): Reply {
  const logId = newLogId();
  return {
    status,
    body: { code, msg, error: { log_id: logId, ...extra } },
    headers: { 'X-Tt-Logid': logId },
  };
}

function validationFailed(detail: string): Reply {
  return fail(400, 99992402, 'field validation failed', {
    field_violations: [{ field: detail, description: detail }],
  });
}

export async function startFakeFeishu(options: FakeOptions = {}): Promise<FakeFeishu> {
  const appId = options.appId ?? 'cli_test_app';
  const appSecret = options.appSecret ?? 'test-secret';
  const tokenTtlMs = (options.tokenTtlSeconds ?? 7200) * 1000;
  const chatRateLimit = options.chatRateLimitPerSecond ?? 5;
  const recallWindowMs = (options.recallWindowSeconds ?? 86400) * 1000;
  const missingScopes = new Set(options.missingScopes ?? []);
  let latencyMs = options.latencyMs ?? 0;

  const chats = new Map<string, ChatState>();
  for (const c of options.chats ?? [{ chat_id: 'oc_test_chat', name: 'CI Alerts' }]) {
    chats.set(c.chat_id, {
      chat_id: c.chat_id,
      name: c.name,
      botIsMember: c.botIsMember ?? true,
      p2p: false,
      atAllAdminsOnly: c.atAllAdminsOnly ?? false,
    });
  }
  const users: FakeUser[] = options.users ?? [
    {
      open_id: 'ou_test_user',
      union_id: 'on_test_user',
      user_id: 'u_test',
      email: 'dev@example.com',
    },
  ];
  const webhooks = new Map(
    (options.webhooks ?? []).map((w) => [w.token, { ...w, accepted: [] as number[] }]),
  );
  const webhookStore = new Map<string, Array<{ body: unknown; at: number }>>();

  const stored: StoredMessage[] = [];
  const byId = new Map<string, StoredMessage>();
  const uuidSeen = new Map<string, { at: number; data: SendData }>();
  const chatSends = new Map<string, number[]>();
  /** token -> expiry (ms) */
  const tokens = new Map<string, number>();
  let currentToken: string | undefined;
  const images = new Map<string, { filename: string; size: number; format: string }>();
  const requests: RecordedRequest[] = [];
  const faults: Array<FaultRule & { left: number }> = [];
  const urgents: Array<{ messageId: string; userIds: string[] }> = [];

  const hung = new Set<ServerResponse>();
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closed = false;

  let tokensIssued = 0;
  /** Sends (by app and uuid) being processed right now. */
  const inFlight = new Set<string>();
  let appThrottledUntil = 0;

  function sleep(ms: number): Promise<void> {
    if (ms <= 0 || closed) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          sleepers.delete(sleeper);
          resolve();
        }, ms),
        resolve,
      };
      sleepers.add(sleeper);
    });
  }

  // ---- recipients and chats

  function findUser(type: string, id: string): FakeUser | undefined {
    return users.find((u) => {
      switch (type) {
        case 'open_id':
          return u.open_id === id;
        case 'union_id':
          return u.union_id === id;
        case 'user_id':
          return u.user_id === id;
        case 'email':
          return u.email !== undefined && u.email.toLowerCase() === id.toLowerCase();
        default:
          return false;
      }
    });
  }

  function p2pChatId(user: FakeUser): string {
    return `oc_p2p_${user.open_id}`;
  }

  function ensureP2pChat(user: FakeUser): ChatState {
    const id = p2pChatId(user);
    let chat = chats.get(id);
    if (!chat) {
      chat = { chat_id: id, name: '', botIsMember: true, p2p: true };
      chats.set(id, chat);
    }
    return chat;
  }

  function p2pUserOf(chatId: string): FakeUser | undefined {
    return users.find((u) => p2pChatId(u) === chatId);
  }

  // ---- messages

  function appSender(): StoredMessage['sender'] {
    return { id: appId, id_type: 'app_id', sender_type: 'app' };
  }

  function rootOf(m: StoredMessage): string | undefined {
    if (m.parent_id === undefined) return undefined;
    let root = m.parent_id;
    for (let guard = 0; guard < 1000; guard++) {
      const parent = byId.get(root);
      if (!parent || parent.parent_id === undefined) break;
      root = parent.parent_id;
    }
    return root;
  }

  /** `view` undefined: the answer to a send; otherwise history's view of a card. */
  function messageView(m: StoredMessage, cardView?: CardView): JsonRecord {
    // A card entity's message shows the entity as it stands now.
    let content = cardkit.contentOf(m.content, cardView !== undefined) ?? m.content;
    if (cardView) {
      if (m.deleted) content = RECALLED_CONTENT;
      else if (m.msg_type === 'interactive') content = cardInHistory(content, cardView);
      else if (m.msg_type === 'post') content = postInHistory(content);
    }
    const view: JsonRecord = {
      message_id: m.message_id,
      msg_type: m.msg_type,
      create_time: String(m.create_time),
      update_time: String(m.update_time ?? m.create_time),
      deleted: m.deleted,
      updated: m.updates > 0,
      chat_id: m.chat_id,
      sender: { ...m.sender, tenant_key: TENANT_KEY },
      body: { content },
    };
    const root = rootOf(m);
    if (root !== undefined) view.root_id = root;
    if (m.parent_id !== undefined) view.parent_id = m.parent_id;
    if (m.reply_in_thread)
      view.thread_id = `omt_${createHash('sha1')
        .update(root ?? '')
        .digest('hex')
        .slice(0, 16)}`;
    return view;
  }

  /** A reply inside a thread (reply_in_thread, or a reply to a message in one). */
  function inThread(m: StoredMessage): boolean {
    for (let at: StoredMessage | undefined = m, guard = 0; at && guard < 1000; guard++) {
      if (at.parent_id === undefined) return false;
      if (at.reply_in_thread) return true;
      at = byId.get(at.parent_id);
    }
    return false;
  }

  function store(m: StoredMessage): StoredMessage {
    stored.push(m);
    byId.set(m.message_id, m);
    return m;
  }

  function newMessageId(): string {
    return `om_${randomHex(16)}`;
  }

  // ---- faults

  function takeFault(method: string, path: string): Fault | undefined {
    for (let i = 0; i < faults.length; i++) {
      const rule = faults[i];
      if (!rule) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (rule.path !== undefined) {
        if (typeof rule.path === 'string' ? rule.path !== path : !rule.path.test(path)) continue;
      }
      rule.left -= 1;
      if (rule.left <= 0) faults.splice(i, 1);
      return rule.fault;
    }
    return undefined;
  }

  // ---- auth

  function checkAuth(ctx: Ctx): Reply | undefined {
    const header = headerString(ctx.headers, 'authorization').trim();
    if (header === '') {
      return fail(
        400,
        99991661,
        'Missing access token for authorization. Please make a request with token attached.',
      );
    }
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m || m[1] === undefined) {
      // Documented as "malformed" in the notes; the brief only names 99991661 / 99991663.
      return fail(400, 99991671, 'Invalid token format, expected "Bearer <token>".');
    }
    const expiry = tokens.get(m[1]);
    if (expiry === undefined || expiry <= ctx.now) {
      return fail(
        400,
        99991663,
        'Invalid access token for authorization. Please make a request with token attached.',
      );
    }
    return undefined;
  }

  function checkScopes(needed: readonly string[]): Reply | undefined {
    const missing = needed.filter((s) => missingScopes.has(s));
    if (missing.length === 0) return undefined;
    const list = missing.join(', ');
    return fail(
      400,
      99991672,
      `Access denied. One of the following scopes is required: [${list}]. Apply for the scope at https://open.feishu.cn/app/${appId}/auth?q=${encodeURIComponent(missing.join(','))}`,
      {
        // The brief says `subject`, the notes `scope`: both are given.
        permission_violations: missing.map((scope) => ({
          type: 'action_privilege_required',
          subject: scope,
          scope,
          description: `one of the scopes is required: ${scope}`,
        })),
      },
    );
  }

  const cardkit = mountCardkit({ appId, ok, fail, validationFailed, checkScopes });

  // ---- handlers

  function handleToken(ctx: Ctx): Reply {
    const body = ctx.json.ok ? ctx.json.value : undefined;
    const id = isRecord(body) ? body.app_id : undefined;
    const secret = isRecord(body) ? body.app_secret : undefined;
    if (typeof id !== 'string' || id !== appId) {
      return { status: 200, body: { code: 10003, msg: 'invalid param' } };
    }
    if (typeof secret !== 'string' || secret !== appSecret) {
      return { status: 200, body: { code: 10014, msg: 'app secret invalid' } };
    }
    // Real behaviour: the same token comes back while more than 30 minutes are left.
    let token = currentToken;
    let expiry = token === undefined ? undefined : tokens.get(token);
    if (token === undefined || expiry === undefined || expiry - ctx.now < TOKEN_REUSE_MIN_LEFT_MS) {
      token = `t-${randomHex(20)}`;
      expiry = ctx.now + tokenTtlMs;
      tokens.set(token, expiry);
      currentToken = token;
    }
    tokensIssued += 1;
    return {
      status: 200,
      body: {
        code: 0,
        msg: 'ok',
        tenant_access_token: token,
        expire: Math.max(0, Math.floor((expiry - ctx.now) / 1000)),
      },
    };
  }

  /** A content within its size limit (230025 past it) that parses as a JSON object (230001). */
  function sizedContent(
    content: string,
    size: number,
    limit: number | undefined,
  ): { reply: Reply } | { value: Record<string, unknown> } {
    if (limit !== undefined && size > limit) {
      return {
        reply: fail(
          400,
          230025,
          `The message content is too long: ${size} bytes, the limit is ${limit} bytes`,
        ),
      };
    }
    const parsed = parseJson(content);
    if (!parsed.ok || !isRecord(parsed.value)) {
      return { reply: fail(400, 230001, 'content is not a string in json format') };
    }
    return { value: parsed.value };
  }

  /**
   * Validates msg_type + content for send / reply. Returns the failure, or undefined.
   */
  function checkContent(msgType: unknown, content: unknown, bodyBytes: number): Reply | undefined {
    if (typeof msgType !== 'string' || msgType === '') return validationFailed('msg_type');
    if (!MSG_TYPES.has(msgType)) return fail(400, 230001, `invalid msg_type: ${msgType}`);
    if (typeof content !== 'string') {
      return fail(400, 230001, 'content is not a string in json format');
    }
    // The limits are on the request body (Feishu's send-message doc: "请求体最大不能超过"), where
    // the content is nested as a JSON string, not on the content alone.
    const size = bodyBytes;
    const limit =
      msgType === 'interactive'
        ? CARD_MAX_BYTES
        : msgType === 'post'
          ? POST_MAX_BYTES
          : msgType === 'text'
            ? TEXT_MAX_BYTES
            : undefined;
    const read = sizedContent(content, size, limit);
    if ('reply' in read) return read.reply;
    const value = read.value;
    switch (msgType) {
      case 'text':
        if (typeof value.text !== 'string')
          return fail(400, 230001, 'invalid text content: text is required');
        return undefined;
      case 'post': {
        const hasLocale = Object.values(value).some(
          (loc) => isRecord(loc) && Array.isArray(loc.content),
        );
        if (!hasLocale) return fail(400, 230001, 'invalid post content: no locale with content');
        const bad = badPostParagraph(value);
        return bad ? fail(400, 230001, `invalid post content: ${bad}`) : undefined;
      }
      case 'image':
        if (typeof value.image_key !== 'string' || !images.has(value.image_key)) {
          return fail(400, 230001, 'invalid image_key');
        }
        return undefined;
      case 'interactive': {
        if (value.type === 'card') return cardkit.checkSend(value);
        const bad = checkCard(value, images);
        return bad ? fail(400, bad.code, bad.msg) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** 11235 in a group that lets only admins @all (the whole message is refused). */
  function checkAtAll(chat: ChatState | undefined, msgType: unknown, content: unknown) {
    if (!chat?.atAllAdminsOnly || !mentionsAll(String(msgType), String(content))) return undefined;
    return fail(400, 11235, 'only group owners and admins can @all in this group');
  }

  function checkUuid(uuid: unknown): Reply | undefined {
    if (uuid === undefined || uuid === null) return undefined;
    if (typeof uuid !== 'string' || uuid.length > UUID_MAX_CHARS) {
      return fail(400, 230001, `invalid uuid: at most ${UUID_MAX_CHARS} characters`);
    }
    return undefined;
  }

  function dedupe(uuid: unknown, now: number): Reply | undefined {
    if (typeof uuid !== 'string' || uuid === '') return undefined;
    const seen = uuidSeen.get(`${appId}:${uuid}`);
    if (seen && now - seen.at < UUID_WINDOW_MS) return ok(seen.data);
    return undefined;
  }

  function checkChatRate(chatId: string, now: number): Reply | undefined {
    const times = (chatSends.get(chatId) ?? []).filter((t) => now - t < 1000);
    chatSends.set(chatId, times);
    if (times.length >= chatRateLimit) {
      return fail(400, 230020, 'The message sending frequency in the chat exceeds the limit');
    }
    return undefined;
  }

  function accept(
    ctx: Ctx,
    fields: {
      chat_id: string;
      msg_type: string;
      content: string;
      uuid: unknown;
      parent_id?: string;
      reply_in_thread?: boolean;
    },
  ): Reply {
    const m: StoredMessage = {
      message_id: newMessageId(),
      chat_id: fields.chat_id,
      msg_type: fields.msg_type,
      content: fields.content,
      create_time: ctx.now,
      update_time: ctx.now,
      sender: appSender(),
      deleted: false,
      updates: 0,
    };
    if (typeof fields.uuid === 'string' && fields.uuid !== '') m.uuid = fields.uuid;
    if (fields.parent_id !== undefined) m.parent_id = fields.parent_id;
    if (fields.reply_in_thread) m.reply_in_thread = true;
    store(m);
    const sentCard = parseJson(m.content);
    if (sentCard.ok && isRecord(sentCard.value)) cardkit.sent(sentCard.value, m.message_id);
    const sends = chatSends.get(m.chat_id) ?? [];
    sends.push(ctx.now);
    chatSends.set(m.chat_id, sends);
    const data: SendData = messageView(m);
    if (m.uuid !== undefined) uuidSeen.set(`${appId}:${m.uuid}`, { at: ctx.now, data });
    return ok(data);
  }

  function handleSend(ctx: Ctx): Reply {
    const denied = checkScopes(SCOPES.send);
    if (denied) return denied;
    const type = ctx.query.receive_id_type;
    if (type === undefined || !RECEIVE_ID_TYPES.has(type)) {
      return fail(400, 230001, `invalid receive_id_type: ${type ?? '(missing)'}`);
    }
    if (!ctx.json.ok || !isRecord(ctx.json.value)) return validationFailed('body');
    const body = ctx.json.value;
    if (typeof body.receive_id !== 'string' || body.receive_id === '') {
      return validationFailed('receive_id');
    }
    const badUuid = checkUuid(body.uuid);
    if (badUuid) return badUuid;
    if (type === 'user_id') {
      const needsEmployeeId = checkScopes(SCOPES.userId);
      if (needsEmployeeId) return needsEmployeeId;
    }
    let chatId: string;
    let dmUser: FakeUser | undefined;
    if (type === 'chat_id') {
      const chat = chats.get(body.receive_id);
      if (!chat) return fail(400, 230001, 'invalid receive_id');
      if (!chat.botIsMember) return fail(400, 230002, 'Bot/User can NOT be out of the chat.');
      chatId = chat.chat_id;
    } else {
      dmUser = findUser(type, body.receive_id);
      if (!dmUser) return fail(400, 230034, 'invalid receive_id');
      chatId = p2pChatId(dmUser);
    }
    const badContent = checkContent(body.msg_type, body.content, ctx.raw.length);
    if (badContent) return badContent;
    const repeat = dedupe(body.uuid, ctx.now);
    if (repeat) return repeat;
    const refusedAll = checkAtAll(chats.get(chatId), body.msg_type, body.content);
    if (refusedAll) return refusedAll;
    const limited = checkChatRate(chatId, ctx.now);
    if (limited) return limited;
    // The p2p chat appears with the first message a user receives.
    if (dmUser) ensureP2pChat(dmUser);
    return accept(ctx, {
      chat_id: chatId,
      msg_type: String(body.msg_type),
      content: String(body.content),
      uuid: body.uuid,
    });
  }

  function handleReply(ctx: Ctx, messageId: string): Reply {
    const denied = checkScopes(SCOPES.send);
    if (denied) return denied;
    if (!ctx.json.ok || !isRecord(ctx.json.value)) return validationFailed('body');
    const body = ctx.json.value;
    const parent = byId.get(messageId);
    if (!parent || parent.deleted) return fail(400, 230011, 'The message was withdrawn.');
    const chat = chats.get(parent.chat_id);
    if (!chat?.botIsMember) return fail(400, 230002, 'Bot/User can NOT be out of the chat.');
    const badUuid = checkUuid(body.uuid);
    if (badUuid) return badUuid;
    const badContent = checkContent(body.msg_type, body.content, ctx.raw.length);
    if (badContent) return badContent;
    const repeat = dedupe(body.uuid, ctx.now);
    if (repeat) return repeat;
    const refusedAll = checkAtAll(chat, body.msg_type, body.content);
    if (refusedAll) return refusedAll;
    const limited = checkChatRate(chat.chat_id, ctx.now);
    if (limited) return limited;
    return accept(ctx, {
      chat_id: chat.chat_id,
      msg_type: String(body.msg_type),
      content: String(body.content),
      uuid: body.uuid,
      parent_id: parent.message_id,
      reply_in_thread: body.reply_in_thread === true,
    });
  }

  function cardSharedFlagMissing(card: unknown): boolean {
    if (!isRecord(card) || isTemplate(card) || isSchema2(card)) return false;
    return !(isRecord(card.config) && card.config.update_multi === true);
  }

  function handlePatch(ctx: Ctx, messageId: string): Reply {
    const denied = checkScopes(SCOPES.update);
    if (denied) return denied;
    const m = byId.get(messageId);
    if (!m) return fail(400, 230001, 'invalid message_id');
    if (m.deleted) return fail(400, 230011, 'The message was withdrawn.');
    if (m.sender.sender_type !== 'app' || m.sender.id !== appId) {
      return fail(400, 230027, 'not the sender: only the sender can update this message');
    }
    if (m.msg_type !== 'interactive') {
      return fail(400, 230001, 'only interactive messages can be patched');
    }
    if (ctx.now - m.create_time > UPDATE_WINDOW_MS) {
      return fail(400, 230031, 'The message can only be updated within 14 days of sending.');
    }
    if (!ctx.json.ok || !isRecord(ctx.json.value)) return validationFailed('body');
    const content = ctx.json.value.content;
    if (typeof content !== 'string') {
      return fail(400, 230001, 'content is not a string in json format');
    }
    const read = sizedContent(content, ctx.raw.length, CARD_MAX_BYTES);
    if ('reply' in read) return read.reply;
    const bad = checkCard(read.value, images);
    if (bad) return fail(400, bad.code, bad.msg);
    const old = parseJson(m.content);
    if (cardSharedFlagMissing(read.value) || (old.ok && cardSharedFlagMissing(old.value))) {
      const f = cardFailure(200830, 'update_multi: card 1.0 must set config.update_multi to true');
      return fail(400, f.code, f.msg);
    }
    m.content = content;
    m.updates += 1;
    m.update_time = ctx.now;
    return ok({});
  }

  function handleDelete(ctx: Ctx, messageId: string): Reply {
    const denied = checkScopes(SCOPES.recall);
    if (denied) return denied;
    const m = byId.get(messageId);
    if (!m) return fail(400, 230110, 'message not found');
    if (m.deleted) return fail(400, 230011, 'The message was withdrawn.');
    if (m.sender.sender_type !== 'app' || m.sender.id !== appId) {
      return fail(
        400,
        230026,
        'No permission to recall this message: it was not sent by this bot.',
      );
    }
    if (ctx.now - m.create_time > recallWindowMs) {
      return fail(400, 230009, 'The message has exceeded the recall time limit.');
    }
    m.deleted = true;
    m.update_time = ctx.now;
    return ok({});
  }

  function handleUrgent(ctx: Ctx, messageId: string): Reply {
    const denied = checkScopes(SCOPES.urgent);
    if (denied) return denied;
    if (ctx.query.user_id_type !== 'open_id' && ctx.query.user_id_type !== 'user_id')
      return validationFailed('user_id_type');
    const m = byId.get(messageId);
    if (!m) return fail(400, 230001, 'invalid message_id');
    if (m.deleted) return fail(400, 230011, 'The message was withdrawn.');
    if (m.sender.sender_type !== 'app' || m.sender.id !== appId) {
      return fail(400, 230027, 'only the sender can buzz this message');
    }
    if (!ctx.json.ok || !isRecord(ctx.json.value)) return validationFailed('body');
    const list = ctx.json.value.user_id_list;
    if (!Array.isArray(list) || list.length === 0 || !list.every((u) => typeof u === 'string'))
      return validationFailed('user_id_list');
    const type = ctx.query.user_id_type;
    const invalid = list.filter((id) => !findUser(type, id));
    const valid = list.filter((id) => findUser(type, id));
    if (valid.length > 0) urgents.push({ messageId, userIds: valid });
    return ok({ invalid_user_id_list: invalid });
  }

  function handleImage(ctx: Ctx): Reply {
    const denied = checkScopes(SCOPES.upload);
    if (denied) return denied;
    if (ctx.truncated) return fail(400, 234006, 'The image exceeds the 10 MB limit.');
    const boundary = boundaryOf(headerString(ctx.headers, 'content-type'));
    if (!boundary) return fail(400, 234001, 'Invalid request param: expected multipart/form-data');
    const parts = parseMultipart(ctx.raw, boundary);
    if (!parts) return fail(400, 234001, 'Invalid request param: malformed multipart body');
    const imageType = parts.find((p) => p.name === 'image_type' && p.filename === undefined);
    if (imageType?.data.toString('utf8') !== 'message') {
      return fail(400, 234001, 'Invalid request param: image_type must be message');
    }
    const image = parts.find((p) => p.name === 'image');
    if (!image) return fail(400, 234001, 'Invalid request param: image is required');
    if (image.data.length === 0) return fail(400, 234010, 'File size is 0.');
    if (image.data.length > IMAGE_MAX_BYTES) {
      return fail(400, 234006, 'The image exceeds the 10 MB limit.');
    }
    const format = sniffImageFormat(image.data);
    if (!format) return fail(400, 234011, "Can't recognize image format.");
    const key = `img_v3_${randomHex(12)}`;
    images.set(key, { filename: image.filename ?? '', size: image.data.length, format });
    return ok({ image_key: key });
  }

  function pageSize(raw: string | undefined, max: number): number | Reply {
    const n = parseIntParam(raw);
    if (n === undefined) return DEFAULT_PAGE_SIZE;
    if (n === 'invalid' || n < 1 || n > max) {
      return validationFailed(`page_size must be between 1 and ${max}`);
    }
    return n;
  }

  function handleChats(ctx: Ctx): Reply {
    const denied = checkScopes(SCOPES.chats);
    if (denied) return denied;
    const size = pageSize(ctx.query.page_size, CHATS_PAGE_MAX);
    if (typeof size !== 'number') return size;
    let offset = 0;
    if (ctx.query.page_token) {
      const decoded = decodePageToken('chats', ctx.query.page_token);
      if (decoded === undefined) return validationFailed('page_token');
      offset = decoded;
    }
    // p2p chats are not listed by this endpoint.
    const visible = [...chats.values()].filter((c) => c.botIsMember && !c.p2p);
    const page = visible.slice(offset, offset + size);
    const hasMore = offset + size < visible.length;
    return ok({
      items: page.map((c) => ({
        chat_id: c.chat_id,
        name: c.name,
        description: '',
        external: false,
        chat_status: 'normal',
        avatar: '',
        owner_id: '',
        owner_id_type: 'open_id',
        tenant_key: TENANT_KEY,
      })),
      has_more: hasMore,
      page_token: hasMore ? encodePageToken('chats', offset + size) : '',
    });
  }

  function handleHistory(ctx: Ctx): Reply {
    const q = ctx.query;
    const chat = q.container_id === undefined ? undefined : chats.get(q.container_id);
    const denied = checkScopes(chat?.p2p ? SCOPES.historyP2p : SCOPES.history);
    if (denied) return denied;
    if (q.container_id_type !== 'chat') return validationFailed('container_id_type');
    if (!q.container_id) return validationFailed('container_id');
    if (!chat) return fail(400, 230001, 'invalid container_id');
    if (!chat.botIsMember) return fail(400, 230002, 'Bot/User can NOT be out of the chat.');
    const start = parseIntParam(q.start_time);
    const end = parseIntParam(q.end_time);
    if (start === 'invalid') return validationFailed('start_time');
    if (end === 'invalid') return validationFailed('end_time');
    const sort = q.sort_type ?? 'ByCreateTimeAsc';
    if (sort !== 'ByCreateTimeAsc' && sort !== 'ByCreateTimeDesc') {
      return validationFailed('sort_type');
    }
    const view = cardViewOf(q.card_msg_content_type);
    if (!view) return validationFailed('card_msg_content_type');
    const size = pageSize(q.page_size, HISTORY_PAGE_MAX);
    if (typeof size !== 'number') return size;
    let offset = 0;
    if (q.page_token) {
      const decoded = decodePageToken('history', q.page_token);
      if (decoded === undefined) return validationFailed('page_token');
      offset = decoded;
    }
    const matching = stored
      .map((m, index) => ({ m, index }))
      .filter(({ m }) => {
        if (m.chat_id !== chat.chat_id) return false;
        // A chat's history lists a thread's root only, never the replies in the thread.
        if (inThread(m)) return false;
        const seconds = Math.floor(m.create_time / 1000);
        if (start !== undefined && seconds < start) return false;
        if (end !== undefined && seconds > end) return false;
        return true;
      })
      .sort((a, b) => a.m.create_time - b.m.create_time || a.index - b.index)
      .map(({ m }) => m);
    if (sort === 'ByCreateTimeDesc') matching.reverse();
    const page = matching.slice(offset, offset + size);
    const hasMore = offset + size < matching.length;
    return ok({
      items: page.map((m) => messageView(m, view)),
      has_more: hasMore,
      page_token: hasMore ? encodePageToken('history', offset + size) : '',
    });
  }

  /**
   * E-mails (and mobiles) to IDs. Answer shape from feishu-api-notes.md and public callers of
   * the endpoint: `data.user_list[{email, user_id}]`, one entry per e-mail asked, `user_id`
   * absent when the tenant does not know the address; with user_id_type=open_id `user_id`
   * holds the open_id. At most 50 of each per request (more: field validation failed).
   * Guess: e-mails are matched case-insensitively, and the answer echoes the address as asked.
   */
  function handleBatchGetId(ctx: Ctx): Reply {
    const denied = checkScopes(SCOPES.contactIds);
    if (denied) return denied;
    const idType = ctx.query.user_id_type ?? 'open_id';
    if (!['open_id', 'union_id', 'user_id'].includes(idType))
      return validationFailed('user_id_type');
    const body = ctx.json.ok && isRecord(ctx.json.value) ? ctx.json.value : undefined;
    if (!body) return validationFailed('body');
    const emails = body.emails ?? [];
    const mobiles = body.mobiles ?? [];
    if (!Array.isArray(emails) || !emails.every((e) => typeof e === 'string'))
      return validationFailed('emails');
    if (!Array.isArray(mobiles)) return validationFailed('mobiles');
    if (emails.length > 50) return validationFailed('emails');
    if (mobiles.length > 50) return validationFailed('mobiles');
    const idOf = (user: FakeUser | undefined): string | undefined =>
      user === undefined
        ? undefined
        : idType === 'open_id'
          ? user.open_id
          : idType === 'union_id'
            ? user.union_id
            : user.user_id;
    return ok({
      user_list: (emails as string[]).map((email) => {
        const id = idOf(findUser('email', email));
        return id ? { email, user_id: id } : { email };
      }),
    });
  }

  /** One message, as history shows it (card_msg_content_type honoured for cards). */
  function handleGetMessage(ctx: Ctx, messageId: string): Reply {
    const m = byId.get(messageId);
    const chat = m ? chats.get(m.chat_id) : undefined;
    const denied = checkScopes(chat?.p2p ? SCOPES.historyP2p : SCOPES.history);
    if (denied) return denied;
    if (!m || !chat) return fail(400, 230001, 'invalid message_id');
    if (!chat.botIsMember) return fail(400, 230002, 'Bot/User can NOT be out of the chat.');
    const view = cardViewOf(ctx.query.card_msg_content_type);
    if (!view) return validationFailed('card_msg_content_type');
    return ok({ items: [messageView(m, view)] });
  }

  function webhookFail(code: number, msg: string): Reply {
    const r = fail(200, code, msg);
    if (isRecord(r.body)) r.body.data = {};
    return r;
  }

  function collectStrings(node: unknown, out: string[]): string[] {
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) for (const child of node) collectStrings(child, out);
    else if (isRecord(node)) for (const value of Object.values(node)) collectStrings(value, out);
    return out;
  }

  function handleWebhook(ctx: Ctx, token: string): Reply {
    const hook = webhooks.get(token);
    if (!hook) {
      return webhookFail(19001, 'param invalid: incoming webhook access token invalid');
    }
    if (ctx.truncated || ctx.raw.length > WEBHOOK_MAX_BYTES)
      return webhookFail(9499, 'Bad Request');
    if (!ctx.json.ok || !isRecord(ctx.json.value)) return webhookFail(9499, 'Bad Request');
    const body = ctx.json.value;
    if (hook.secret !== undefined) {
      const ts = typeof body.timestamp === 'number' ? String(body.timestamp) : body.timestamp;
      const signFail = (): Reply =>
        webhookFail(19021, 'sign match fail or timestamp is not within one hour from current time');
      if (typeof ts !== 'string' || !/^\d{1,12}$/.test(ts)) return signFail();
      if (Math.abs(ctx.now / 1000 - Number(ts)) > 3600) return signFail();
      const expected = createHmac('sha256', `${ts}\n${hook.secret}`).update('').digest('base64');
      if (body.sign !== expected) return signFail();
    }
    if (hook.keyword !== undefined) {
      const text = ctx.raw.toString('utf8');
      const decoded = collectStrings(body, []).join('\n');
      if (!text.includes(hook.keyword) && !decoded.includes(hook.keyword)) {
        return webhookFail(19024, 'Key Words Not Found');
      }
    }
    const content = body.content;
    switch (body.msg_type) {
      case 'text':
        if (!isRecord(content) || typeof content.text !== 'string') {
          return webhookFail(9499, 'Bad Request');
        }
        break;
      case 'post': {
        if (!isRecord(content) || !isRecord(content.post)) return webhookFail(9499, 'Bad Request');
        const bad = badPostParagraph(content.post, WEBHOOK_POST_TAGS);
        if (bad) return webhookFail(9499, `Bad Request: ${bad}`);
        break;
      }
      case 'image':
        if (!isRecord(content) || typeof content.image_key !== 'string') {
          return webhookFail(9499, 'Bad Request');
        }
        break;
      case 'share_chat':
        if (!isRecord(content) || typeof content.share_chat_id !== 'string') {
          return webhookFail(9499, 'Bad Request');
        }
        break;
      case 'interactive': {
        if (!isRecord(body.card)) return webhookFail(9499, 'Bad Request');
        // Same card checks as the app API (no image-key check: webhooks cannot upload).
        const bad = checkCard(body.card, undefined);
        if (bad) return webhookFail(bad.code, bad.msg);
        break;
      }
      default:
        return webhookFail(9499, 'Bad Request');
    }
    // Assumed like the app API's (not documented for custom bots): the whole message is refused.
    if (hook.atAllAdminsOnly) {
      const sent =
        body.msg_type === 'interactive' ? JSON.stringify(body.card) : JSON.stringify(content);
      if (mentionsAll(String(body.msg_type), sent))
        return webhookFail(11235, 'only group owners and admins can @all in this group');
    }
    hook.accepted = hook.accepted.filter((t) => ctx.now - t < 60_000);
    const lastSecond = hook.accepted.filter((t) => ctx.now - t < 1000).length;
    if (lastSecond >= WEBHOOK_PER_SECOND || hook.accepted.length >= WEBHOOK_PER_MINUTE) {
      return webhookFail(11232, 'frequency limited');
    }
    hook.accepted.push(ctx.now);
    const list = webhookStore.get(token) ?? [];
    list.push({ body, at: ctx.now });
    webhookStore.set(token, list);
    return {
      status: 200,
      body: { StatusCode: 0, StatusMessage: 'success', code: 0, msg: 'success', data: {} },
    };
  }

  function route(ctx: Ctx): Reply {
    const { method, path } = ctx;
    const notFound = (): Reply => ({ status: 404, body: { code: 404, msg: 'not found' } });
    if (!path.startsWith('/open-apis/')) return notFound();
    const p = path.slice('/open-apis'.length);

    if (p === '/auth/v3/tenant_access_token/internal') {
      return method === 'POST' ? handleToken(ctx) : notFound();
    }
    const hook = /^\/bot\/v2\/hook\/([^/]+)$/.exec(p);
    if (hook?.[1] !== undefined) {
      return method === 'POST' ? handleWebhook(ctx, safeDecode(hook[1])) : notFound();
    }

    let handler: (() => Reply) | undefined;
    const msg = /^\/im\/v1\/messages\/([^/]+)$/.exec(p);
    const reply = /^\/im\/v1\/messages\/([^/]+)\/reply$/.exec(p);
    const urgent = /^\/im\/v1\/messages\/([^/]+)\/urgent_app$/.exec(p);
    if (p === '/im/v1/messages' && method === 'POST') handler = () => handleSend(ctx);
    else if (p === '/im/v1/messages' && method === 'GET') handler = () => handleHistory(ctx);
    else if (reply?.[1] !== undefined && method === 'POST') {
      const id = reply[1];
      handler = () => handleReply(ctx, id);
    } else if (urgent?.[1] !== undefined && method === 'PATCH') {
      const id = urgent[1];
      handler = () => handleUrgent(ctx, id);
    } else if (msg?.[1] !== undefined && method === 'PATCH') {
      const id = msg[1];
      handler = () => handlePatch(ctx, id);
    } else if (msg?.[1] !== undefined && method === 'DELETE') {
      const id = msg[1];
      handler = () => handleDelete(ctx, id);
    } else if (p === '/im/v1/images' && method === 'POST') handler = () => handleImage(ctx);
    else if (p === '/im/v1/chats' && method === 'GET') handler = () => handleChats(ctx);
    else if (p === '/contact/v3/users/batch_get_id' && method === 'POST')
      handler = () => handleBatchGetId(ctx);
    else if (msg?.[1] !== undefined && method === 'GET') {
      const id = msg[1];
      handler = () => handleGetMessage(ctx, id);
    } else handler = cardkit.route(method, p, ctx.json.ok ? ctx.json.value : undefined, ctx.now);
    if (!handler) return notFound();
    return checkAuth(ctx) ?? handler();
  }

  // ---- HTTP plumbing

  function write(res: ServerResponse, reply: Reply): void {
    if (closed || res.destroyed || res.headersSent) return;
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    const hasHeader = (name: string): boolean =>
      Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());
    if (!hasHeader('x-tt-logid')) headers['X-Tt-Logid'] = newLogId();
    let payload: Buffer;
    if (typeof reply.body === 'string') {
      payload = Buffer.from(reply.body, 'utf8');
      if (!hasHeader('content-type')) headers['Content-Type'] = 'text/plain; charset=utf-8';
    } else if (Buffer.isBuffer(reply.body)) {
      payload = reply.body;
    } else {
      payload = Buffer.from(JSON.stringify(reply.body ?? {}), 'utf8');
      if (!hasHeader('content-type')) headers['Content-Type'] = 'application/json; charset=utf-8';
    }
    headers['Content-Length'] = String(payload.length);
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  function recordBody(headers: IncomingHttpHeaders, raw: Buffer, json: Ctx['json']): unknown {
    if (raw.length === 0) return undefined;
    const boundary = boundaryOf(headerString(headers, 'content-type'));
    if (boundary) {
      const parts = parseMultipart(raw, boundary);
      if (!parts) return raw.toString('latin1').slice(0, 4096);
      const summary: MultipartSummary = { fields: {}, files: [] };
      for (const part of parts) {
        if (part.filename === undefined) summary.fields[part.name] = part.data.toString('utf8');
        else {
          summary.files.push({
            field: part.name,
            filename: part.filename,
            size: part.data.length,
            contentType: part.contentType,
          });
        }
      }
      return summary;
    }
    return json.ok ? json.value : raw.toString('utf8');
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    try {
      for await (const chunk of req) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += buf.length;
        if (size > BODY_CAP_BYTES) truncated = true;
        else chunks.push(buf);
      }
    } catch {
      return; // client went away
    }
    if (closed) {
      req.socket.destroy();
      return;
    }
    const raw = truncated ? Buffer.alloc(0) : Buffer.concat(chunks);
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      url = new URL('http://127.0.0.1/');
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
    const isMultipart = boundaryOf(headerString(req.headers, 'content-type')) !== undefined;
    const json: Ctx['json'] =
      raw.length === 0 || isMultipart ? { ok: false } : parseJson(raw.toString('utf8'));
    const now = Date.now();
    requests.push({
      method,
      path: url.pathname,
      query,
      headers: { ...req.headers },
      body: recordBody(req.headers, raw, json),
      at: now,
    });

    if (appThrottledUntil > now && !url.pathname.startsWith('/open-apis/bot/')) {
      const reset = Math.ceil((appThrottledUntil - now) / 1000);
      const limited = fail(429, 99991400, 'request trigger frequency limit');
      limited.headers = {
        ...limited.headers,
        'x-ogw-ratelimit-limit': '50',
        'x-ogw-ratelimit-reset': String(reset),
      };
      await sleep(latencyMs);
      write(res, limited);
      return;
    }
    // A send whose uuid is still being processed (a retry that overtook its first attempt) is
    // answered "being sent" (230049) or, for a reply, "being processed" (18121). Which endpoint
    // answers which code is a guess; both are documented answers to a uuid in flight.
    const uuid = method === 'POST' && json.ok && isRecord(json.value) ? json.value.uuid : undefined;
    const isReply = /^\/open-apis\/im\/v1\/messages\/[^/]+\/reply$/.test(url.pathname);
    const flight =
      typeof uuid === 'string' && uuid && (isReply || url.pathname === '/open-apis/im/v1/messages')
        ? `${appId}:${uuid}`
        : undefined;
    if (flight && inFlight.has(flight)) {
      await sleep(latencyMs);
      write(
        res,
        isReply
          ? fail(400, 18121, 'the same create request is being processed, please try again later')
          : fail(400, 230049, 'the message is being sent, please try again later'),
      );
      return;
    }
    if (flight) inFlight.add(flight);
    try {
      const fault = takeFault(method, url.pathname);
      let dropAfterWrite = false;
      let garbled: string | undefined;
      if (fault) {
        switch (fault.kind) {
          case 'reset':
            req.socket.destroy();
            return;
          case 'hang':
            hung.add(res);
            res.on('close', () => hung.delete(res));
            return;
          case 'status': {
            await sleep(latencyMs);
            const status = fault.status;
            const body = fault.body ?? {
              code: status === 429 ? 99991400 : status,
              msg: status === 429 ? 'request trigger frequency limit' : 'injected fault',
              error: { log_id: newLogId() },
            };
            const reply: Reply = { status, body };
            if (fault.headers) reply.headers = fault.headers;
            write(res, reply);
            return;
          }
          case 'gate':
            await fault.open.catch(() => undefined);
            if (closed) return;
            break;
          case 'delay':
            await sleep(fault.ms);
            if (closed) return;
            break;
          case 'drop-after-write':
            dropAfterWrite = true;
            break;
          case 'garble-after-write':
            garbled = fault.body;
            break;
        }
      }

      const ctx: Ctx = {
        method,
        path: url.pathname,
        query,
        headers: req.headers,
        raw,
        truncated,
        json,
        now: Date.now(),
      };
      let reply: Reply;
      try {
        reply = route(ctx);
      } catch (err) {
        reply = fail(500, 1500, `fake-feishu internal error: ${String(err)}`);
      }
      await sleep(latencyMs);
      if (dropAfterWrite) {
        req.socket.destroy();
        return;
      }
      write(res, garbled === undefined ? reply : { status: 200, body: garbled });
    } finally {
      if (flight) inFlight.delete(flight);
    }
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.destroy();
      }
    });
  });
  // Never let a keep-alive socket hold close() up; close() also calls closeAllConnections().
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const fake: FakeFeishu = {
    url: `http://127.0.0.1:${port}`,
    requests,
    images,
    urgents,
    advance(ms) {
      for (const m of stored) {
        m.create_time -= ms;
        if (m.update_time !== undefined) m.update_time -= ms;
      }
      for (const seen of uuidSeen.values()) seen.at -= ms;
      chatSends.clear();
    },
    get tokensIssued() {
      return tokensIssued;
    },
    messages(chatId) {
      return chatId === undefined ? [...stored] : stored.filter((m) => m.chat_id === chatId);
    },
    addMessage(m) {
      let chat = chats.get(m.chat_id);
      if (!chat) {
        const user = p2pUserOf(m.chat_id);
        if (!user) throw new Error(`fake-feishu: addMessage to unknown chat ${m.chat_id}`);
        chat = ensureP2pChat(user);
      }
      const message: StoredMessage = {
        ...m,
        message_id: m.message_id ?? newMessageId(),
        create_time: m.create_time ?? Date.now(),
        sender: m.sender ?? appSender(),
        deleted: m.deleted ?? false,
        updates: m.updates ?? 0,
      };
      if (byId.has(message.message_id)) {
        throw new Error(`fake-feishu: duplicate message_id ${message.message_id}`);
      }
      return store(message);
    },
    inject(rule) {
      faults.push({ ...rule, left: rule.times ?? 1 });
    },
    revokeTokens() {
      tokens.clear();
      currentToken = undefined;
    },
    throttleApp(seconds) {
      appThrottledUntil = Date.now() + seconds * 1000;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    webhookMessages(token) {
      return [...(webhookStore.get(token) ?? [])];
    },
    cardkit: cardkit.fake,
    chatIdFor(receiveIdType, receiveId) {
      if (receiveIdType === 'chat_id') return chats.has(receiveId) ? receiveId : undefined;
      const user = findUser(receiveIdType, receiveId);
      return user ? p2pChatId(user) : undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.resolve();
      }
      sleepers.clear();
      for (const res of hung) res.destroy();
      hung.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
