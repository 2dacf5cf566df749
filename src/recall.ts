/**
 * Taking notices out of a chat: by message ID, or every notice of a key (found in chat
 * history). Feishu lets a bot recall its own message for 24 hours and update a card for 14
 * days, so a notice of a key is recalled while it can be, collapsed into a compact grey card
 * after that, and left (reported) once even that is past. A message already gone is done.
 */
import { asError } from './errors.js';
import type { FeishuClient } from './feishu/client.js';
import { isGone, isPastRecallWindow, isTooOldToUpdate } from './feishu/errors.js';
import { type KeyedNotice, listKeyNotices, newestFirst } from './history.js';
import { settleLimit } from './pool.js';
import type { OlderNotice } from './render/index.js';

/** Recalls and history reads share the per-app rate limit with sends: keep a few in flight. */
const RECALL_CONCURRENCY = 4;
const HOUR_MS = 3600 * 1000;
/** A bot may recall its own message this long (past it: 230009). */
export const RECALL_WINDOW_MS = 24 * HOUR_MS;
/** A card can be updated this long (past it: 230031). */
export const UPDATE_WINDOW_MS = 14 * 24 * HOUR_MS;
/** Our clock and Feishu's differ a little: near a window's end, take the later step at once. */
const CLOCK_MARGIN_MS = 60 * 1000;

export interface RecallOutcome {
  recalled: string[];
  /** Already recalled or deleted: nothing to do. */
  alreadyGone: string[];
  /** Past the recall window, now a compact grey card that says why. */
  collapsed: string[];
  /** Past the recall window and not collapsible (too old, or not a card): left, reported. */
  tooOld: string[];
  failures: { target: string; error: Error }[];
}

export function emptyRecall(): RecallOutcome {
  return { recalled: [], alreadyGone: [], tooOld: [], collapsed: [], failures: [] };
}

export function mergeRecall(into: RecallOutcome, from: RecallOutcome): void {
  into.recalled.push(...from.recalled);
  into.alreadyGone.push(...from.alreadyGone);
  into.collapsed.push(...from.collapsed);
  into.tooOld.push(...from.tooOld);
  into.failures.push(...from.failures);
}

type Recalled = 'recalled' | 'gone' | 'too-old';

/** One recall. "Already gone" after an attempt whose answer was lost was this run's recall. */
async function recallOne(client: FeishuClient, id: string): Promise<Recalled> {
  try {
    await client.recall(id);
    return 'recalled';
  } catch (error) {
    if (isGone(error)) return error.earlierAttemptMayHaveLanded ? 'recalled' : 'gone';
    if (isPastRecallWindow(error)) return 'too-old';
    throw error;
  }
}

export async function recallMessages(client: FeishuClient, ids: string[]): Promise<RecallOutcome> {
  const outcome = emptyRecall();
  const unique = [...new Set(ids)];
  const results = await settleLimit(unique, RECALL_CONCURRENCY, (id) => recallOne(client, id));
  results.forEach((result, i) => {
    const id = unique[i] as string;
    if (result.status === 'rejected')
      outcome.failures.push({ target: `recall ${id}`, error: asError(result.reason) });
    else if (result.value === 'recalled') outcome.recalled.push(id);
    else if (result.value === 'gone') outcome.alreadyGone.push(id);
    else outcome.tooOld.push(id);
  });
  return outcome;
}

export interface KeySettlement {
  key: string;
  appId: string;
  /** Seconds since the epoch: nothing older is looked at. */
  since: number;
  /**
   * This run's own notice in each chat (replace): notices created after it belong to a newer
   * run and are never touched, so overlapping runs leave the newest notice, not none.
   */
  own: Map<string, { createTime: number; messageId: string }>;
  /** The card an older notice becomes past the recall window (superseded or withdrawn). */
  collapse(older: OlderNotice): Record<string, unknown>;
  now: number;
}

/**
 * Every older notice of the key in these chats: recalled within 24 hours, collapsed within 14
 * days (cards only), otherwise left and reported. A chat whose history cannot be read fails
 * alone.
 */
export async function settleKey(
  client: FeishuClient,
  chatIds: string[],
  settlement: KeySettlement,
): Promise<RecallOutcome> {
  const outcome = emptyRecall();
  const scans = await settleLimit(chatIds, RECALL_CONCURRENCY, (chatId) =>
    listKeyNotices(client, chatId, { ...settlement, stopAtCollapsed: true }),
  );
  const stale: KeyedNotice[] = [];
  scans.forEach((scan, i) => {
    const chatId = chatIds[i] as string;
    if (scan.status === 'rejected') {
      outcome.failures.push({ target: `history of ${chatId}`, error: asError(scan.reason) });
      return;
    }
    const own = settlement.own.get(chatId);
    for (const notice of scan.value) {
      if (notice.collapsed || notice.messageId === own?.messageId) continue;
      if (own && newestFirst(notice, own) <= 0) continue; // as new as ours, or newer
      stale.push(notice);
    }
  });
  const results = await settleLimit(stale, RECALL_CONCURRENCY, (notice) =>
    retire(client, notice, settlement),
  );
  results.forEach((result, i) => {
    const id = (stale[i] as KeyedNotice).messageId;
    if (result.status === 'rejected')
      outcome.failures.push({ target: `recall ${id}`, error: asError(result.reason) });
    else outcome[result.value].push(id);
  });
  return outcome;
}

type Retired = 'recalled' | 'alreadyGone' | 'collapsed' | 'tooOld';

async function retire(
  client: FeishuClient,
  notice: KeyedNotice,
  settlement: KeySettlement,
): Promise<Retired> {
  const age = settlement.now - notice.createTime;
  if (age < RECALL_WINDOW_MS - CLOCK_MARGIN_MS) {
    const recalled = await recallOne(client, notice.messageId);
    if (recalled === 'recalled') return 'recalled';
    if (recalled === 'gone') return 'alreadyGone';
  }
  if (notice.msgType !== 'interactive' || age > UPDATE_WINDOW_MS - CLOCK_MARGIN_MS) return 'tooOld';
  const card = settlement.collapse({ mark: notice.mark, title: notice.title });
  try {
    await client.update(notice.messageId, JSON.stringify(card));
    return 'collapsed';
  } catch (error) {
    if (isGone(error)) return 'alreadyGone';
    if (isTooOldToUpdate(error)) return 'tooOld';
    throw error;
  }
}
