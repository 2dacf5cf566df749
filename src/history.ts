/**
 * Reading a key's notices back from a chat's history. History shows a message in one of
 * three shapes, and a notice must be recognised in each:
 * - `raw_card_content` (what every scan asks for, as Feishu's own CLI does):
 *   `{json_card: "<card>", json_attachment, card_schema}`, the card in Feishu's internal form
 *   (`{tag, id, property}` elements, markdown possibly as runs);
 * - the card as it was sent (`user_card_content`);
 * - the flattened view of 1.0 cards, text and post (`{title, elements: [[{tag, text}]]}`).
 * A card 2.0 read without a content type is a degraded stub (title plus "upgrade your client"):
 * it carries no footer, so it never matches.
 */
import type { FeishuClient } from './feishu/client.js';
import { type Collapse, type FooterMark, footerElementId, readFooter } from './render/model.js';
import type { Status } from './status.js';

export interface KeyedNotice {
  messageId: string;
  chatId: string;
  msgType: string;
  /** Feishu's create_time, ms. */
  createTime: number;
  /** The notice's status as its footer says (undefined: written before footers carried one). */
  status?: Status;
  /** Set when a later run collapsed it (superseded) or a recall by key did (withdrawn). */
  collapsed?: Collapse;
  /** Its footer as read, to be kept when it is collapsed. */
  mark: FooterMark;
  /** Its title where the view shows it, for the collapsed card. */
  title: string;
}

export interface NoticeSearch {
  key: string;
  /** Only this app's messages are notices. */
  appId: string;
  /** Seconds since the epoch: nothing older is read. */
  since: number;
  /**
   * Stop reading older pages once a collapsed notice of the key is met: a previous run
   * collapsed it, so everything older was dealt with then.
   */
  stopAtCollapsed?: boolean;
}

/**
 * A key's notices in a chat, newest first: this app's undeleted messages whose footer (found by
 * its element id where the view keeps ids, by its text otherwise) carries exactly this key.
 */
export async function listKeyNotices(
  client: FeishuClient,
  chatId: string,
  search: NoticeSearch,
): Promise<KeyedNotice[]> {
  const found: KeyedNotice[] = [];
  const sinceMs = search.since * 1000;
  for await (const page of client.history(chatId, search.since)) {
    let reachedCollapsed = false;
    for (const item of page) {
      if (item.createTime < sinceMs) continue;
      if (item.senderType !== 'app' || item.senderId !== search.appId || item.deleted) continue;
      const read = readNotice(item.content, search.key);
      if (!read) continue;
      found.push({
        messageId: item.messageId,
        chatId,
        msgType: item.msgType,
        createTime: item.createTime,
        ...(read.mark.status ? { status: read.mark.status } : {}),
        ...(read.mark.collapsed ? { collapsed: read.mark.collapsed } : {}),
        mark: read.mark,
        title: read.title,
      });
      if (read.mark.collapsed) reachedCollapsed = true;
    }
    if (search.stopAtCollapsed && reachedCollapsed) break;
  }
  return found.sort(newestFirst);
}

/** Newest first by create_time; equal times ordered by message ID so every run agrees. */
export function newestFirst(
  a: { createTime: number; messageId: string },
  b: { createTime: number; messageId: string },
): number {
  return b.createTime - a.createTime || (a.messageId < b.messageId ? 1 : -1);
}

/** The footer of this key in a message's content, in whichever shape history gave it. */
export function readNotice(
  content: string,
  key: string,
): { mark: FooterMark; title: string } | undefined {
  const parsed = parseJson(content);
  if (parsed === undefined) return undefined;
  // raw_card_content: the card itself is a JSON string inside.
  const card =
    isRecord(parsed) && typeof parsed.json_card === 'string'
      ? (parseJson(parsed.json_card) ?? {})
      : parsed;
  const id = footerElementId(key);
  const byId = findById(card, id);
  const mark =
    (byId !== undefined ? firstFooter(strings(byId), key) : undefined) ??
    firstFooter(strings(card), key);
  return mark ? { mark, title: titleOf(card) } : undefined;
}

function firstFooter(texts: string[], key: string): FooterMark | undefined {
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const mark = readFooter(line, key);
      if (mark) return mark;
    }
  }
  return undefined;
}

/** The element carrying this id: `element_id` as sent, `id` in the internal form. */
function findById(node: unknown, id: string): unknown {
  if (Array.isArray(node)) {
    for (const child of node) {
      const hit = findById(child, id);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (!isRecord(node)) return undefined;
  if (node.element_id === id || node.id === id) return node;
  for (const value of Object.values(node)) {
    const hit = findById(value, id);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Every string of a node in document order; markdown runs of one element joined into one. */
function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const child of node) strings(child, out);
  else if (isRecord(node)) {
    const runs = isRecord(node.property) ? node.property.elements : undefined;
    if (node.tag === 'markdown' && Array.isArray(runs)) out.push(runText(runs));
    else for (const value of Object.values(node)) strings(value, out);
  }
  return out;
}

function runText(runs: unknown[]): string {
  return runs
    .map((run) => {
      const property = isRecord(run) && isRecord(run.property) ? run.property : {};
      return typeof property.content === 'string' ? property.content : '';
    })
    .join('');
}

/** The card's title in any of the shapes: sent, internal (`property`), or flattened. */
function titleOf(card: unknown): string {
  if (!isRecord(card)) return '';
  if (typeof card.title === 'string') return card.title;
  const header = isRecord(card.header) ? card.header : {};
  const inner = isRecord(header.property) ? header.property : header;
  const title = inner.title;
  if (!isRecord(title)) return '';
  const property = isRecord(title.property) ? title.property : title;
  return typeof property.content === 'string' ? property.content : '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
