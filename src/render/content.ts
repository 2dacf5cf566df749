/**
 * The notice part of the settings + Notice -> the message content(s) to send, within Feishu's
 * size limits. Pure.
 * Built-in renderings shrink (with a visible marker) until they fit; the author's own
 * `content` is never altered beyond what updating needs. What cannot fit is a verdict
 * (`Oversize`), not an input error: which input is to blame is for input checking to say
 * (see contentsWithinLimits in inputs.ts).
 */
import type { NoticeSettings } from '../settings.js';
import { CARD_MAX_ELEMENTS, footerElement, renderCard } from './card.js';
import { withSupportedMentions } from './mentions.js';
import { type Budget, type Notice, scaleBudget } from './model.js';
import { renderPost, renderText } from './text.js';

export { countElements } from './card.js';

/** Feishu's msg_type of a message. */
export type FeishuMsgType = 'interactive' | 'text' | 'post' | 'image';

export interface MessageContent {
  msgType: FeishuMsgType;
  content: Record<string, unknown>;
}

export const LIMITS = {
  /**
   * Card and post requests, in UTF-8 bytes of the request body (Feishu's send-message limits are
   * on the body, where the content is nested as a JSON string: quotes and backslashes doubled).
   */
  cardBytes: 30 * 1024,
  textBytes: 150 * 1024,
  /** A custom-bot webhook's whole request body. */
  webhookBodyBytes: 20 * 1024,
  cardElements: CARD_MAX_ELEMENTS,
} as const;

/**
 * Room left in a request body around the content: msg_type, timestamp and sign in a webhook's;
 * receive_id (up to 64 characters), msg_type, uuid and reply_in_thread in the app's.
 */
const ENVELOPE_BYTES = 256;

const SCALES = [1, 0.5, 0.25, 0.12, 0.06, 0.03, 0];

export function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

export function msgTypeOf(settings: NoticeSettings): FeishuMsgType {
  switch (settings.type) {
    case 'card':
    case 'template':
      return 'interactive';
    default:
      return settings.type;
  }
}

export function limitFor(msgType: FeishuMsgType, viaWebhook: boolean): number {
  const own = msgType === 'text' ? LIMITS.textBytes : LIMITS.cardBytes;
  return (viaWebhook ? Math.min(own, LIMITS.webhookBodyBytes) : own) - ENVELOPE_BYTES;
}

/**
 * What a content adds to the request body: a webhook carries it as an object, the app API as a
 * JSON string inside the JSON body (18–31 % larger for a card: every quote is escaped again).
 */
export function sentBytes(content: unknown, viaWebhook: boolean): number {
  const json = JSON.stringify(content);
  return viaWebhook ? Buffer.byteLength(json, 'utf8') : Buffer.byteLength(JSON.stringify(json));
}

/**
 * Too large to send even trimmed as far as it goes: the author's own `content` or template
 * variables (never trimmed), or a notice whose own parts (message, fields, ...) are too large.
 */
export interface Oversize {
  part: 'content' | 'template' | 'notice';
  msgType: FeishuMsgType;
  /** What the content adds to the request body, as sent. */
  bytes: number;
  /** What Feishu accepts here. */
  limit: number;
}

/** The content(s) to deliver, or why they cannot be. */
export type Fitted = { contents: MessageContent[]; oversize?: undefined } | { oversize: Oversize };

/** The content(s) to deliver: one message, or one image message per image for type: image. */
export function fitContents(settings: NoticeSettings, given: Notice, viaWebhook: boolean): Fitted {
  const msgType = msgTypeOf(settings);
  const limit: Limit = { bytes: limitFor(msgType, viaWebhook), viaWebhook };
  const notice = withSupportedMentions(given, msgType, viaWebhook);
  const one = (part: Oversize['part'], sized: Sized): Fitted =>
    'content' in sized
      ? { contents: [{ msgType, content: sized.content }] }
      : { oversize: { part, msgType, bytes: sized.bytes, limit: limit.bytes } };
  if (settings.content) {
    const content = settings.key ? withFooter(settings.content, notice) : settings.content;
    return one('content', withinLimit(verbatim(content, msgType), limit));
  }
  switch (settings.type) {
    case 'image':
      return {
        contents: notice.images.map((image) => ({
          msgType: 'image',
          content: { image_key: image.key },
        })),
      };
    case 'template':
      return one('template', withinLimit(template(settings), limit));
    case 'text':
      return one('notice', fitWithin(renderText, notice, limit));
    case 'post':
      return one(
        'notice',
        fitWithin((n, b) => renderPost(n, b, viaWebhook), notice, limit),
      );
    case 'card':
      return one('notice', fitWithin(renderCard, notice, limit));
  }
}

/**
 * The content(s) to deliver, once input checking has vouched that they fit (main renders and
 * checks before any request): content that still cannot fit is a delivery failure.
 */
export function renderContents(
  settings: NoticeSettings,
  notice: Notice,
  viaWebhook: boolean,
): MessageContent[] {
  const fitted = fitContents(settings, notice, viaWebhook);
  if (fitted.oversize) {
    const { msgType, bytes, limit } = fitted.oversize;
    throw new Error(
      `the ${msgType} content is ${bytes} bytes as sent even with everything trimmed; Feishu accepts at most ${limit} bytes here`,
    );
  }
  return fitted.contents;
}

/** The room for a content: bytes it may add to the body, and how it is carried. */
interface Limit {
  bytes: number;
  viaWebhook: boolean;
}

/** A content within its limit, or the bytes of the smallest form that was still too large. */
type Sized = { content: Record<string, unknown> } | { bytes: number };

/**
 * Renders with smaller and smaller budgets until the content is within the limit. A post
 * repeats everything per language and a card its own words: when every language cannot fit
 * even trimmed, the first language alone is the last resort before giving up.
 */
function fitWithin(
  render: (notice: Notice, budget: Budget) => Record<string, unknown>,
  notice: Notice,
  limit: Limit,
): Sized {
  const attempts =
    notice.languages.length > 1
      ? [notice, { ...notice, languages: notice.languages.slice(0, 1) }]
      : [notice];
  let size = 0;
  for (const attempt of attempts) {
    const fits = (scale: number) => {
      const content = render(attempt, scaleBudget(scale));
      size = sentBytes(content, limit.viaWebhook);
      return size <= limit.bytes ? content : undefined;
    };
    const full = fits(1);
    if (full) return { content: full };
    // Trimmed to the least, still too large: no use trying the scales between.
    if (!fits(0)) continue;
    for (const scale of SCALES.slice(1)) {
      const content = fits(scale);
      if (content) return { content };
    }
  }
  return { bytes: size };
}

function template(settings: NoticeSettings): Record<string, unknown> {
  const t = settings.template;
  // Input checking refuses type: template without template-id (or a content).
  if (!t) throw new Error('type: template needs a template');
  return {
    type: 'template',
    data: {
      template_id: t.id,
      ...(t.version ? { template_version_name: t.version } : {}),
      template_variable: t.variables,
    },
  };
}

/** Where a card given as `content` can take our footer: 2.0 `body.elements`, 1.0 `elements`. */
export function footerSlotOf(card: Record<string, unknown>): 'body' | 'elements' | undefined {
  if (card.type === 'template') return undefined;
  const body = card.body as Record<string, unknown> | undefined;
  if (card.schema === '2.0') return Array.isArray(body?.elements) ? 'body' : undefined;
  return Array.isArray(card.elements) ? 'elements' : undefined;
}

/** The author's card with our key footer appended, so later runs can find it by key. */
function withFooter(card: Record<string, unknown>, notice: Notice): Record<string, unknown> {
  switch (footerSlotOf(card)) {
    case 'body': {
      const body = card.body as Record<string, unknown>;
      const footer = footerElement(notice.footer, notice.footerId, notice.languages);
      return { ...card, body: { ...body, elements: [...(body.elements as unknown[]), footer] } };
    }
    case 'elements':
      // Card 1.0 has no element_id (its footer is found by its text) and no i18n_content.
      return {
        ...card,
        elements: [
          ...(card.elements as unknown[]),
          footerElement(notice.footer, undefined, notice.languages.slice(0, 1)),
        ],
      };
    default:
      return card;
  }
}

function verbatim(
  content: Record<string, unknown>,
  msgType: FeishuMsgType,
): Record<string, unknown> {
  let result = content;
  // A card 1.0 can only be updated later if it (and its update) say update_multi.
  if (msgType === 'interactive' && content.schema !== '2.0' && content.type !== 'template') {
    const config = (content.config ?? {}) as Record<string, unknown>;
    result = { ...content, config: { ...config, update_multi: true } };
  }
  return result;
}

/** The author's own content is never trimmed: too large, its size is the verdict. */
function withinLimit(content: Record<string, unknown>, limit: Limit): Sized {
  const bytes = sentBytes(content, limit.viaWebhook);
  return bytes > limit.bytes ? { bytes } : { content };
}
