/**
 * Recalling notices: by message ID, or by key (found in chat history). A message already
 * gone is done, not a failure; only the bot's own messages are ever candidates.
 */
import { asError } from './errors.js';
import type { FeishuClient } from './feishu/client.js';
import { FeishuError, GONE_CODES } from './feishu/errors.js';
import { settleLimit } from './pool.js';
import { isFooterOfKey } from './render/model.js';

/** Recalls and history reads share the per-app rate limit with sends: keep a few in flight. */
const RECALL_CONCURRENCY = 4;

export interface RecallOutcome {
  recalled: string[];
  /** Already recalled or deleted: nothing to do. */
  alreadyGone: string[];
  /** Past the tenant's recall window: a warning, not a failure. */
  tooOld: string[];
  failures: { target: string; error: Error }[];
}

export async function recallMessages(client: FeishuClient, ids: string[]): Promise<RecallOutcome> {
  const outcome: RecallOutcome = { recalled: [], alreadyGone: [], tooOld: [], failures: [] };
  const unique = [...new Set(ids)];
  const results = await settleLimit(unique, RECALL_CONCURRENCY, (id) => client.recall(id));
  results.forEach((result, i) => {
    const id = unique[i] as string;
    if (result.status === 'fulfilled') outcome.recalled.push(id);
    else if (result.reason instanceof FeishuError && GONE_CODES.has(result.reason.code))
      outcome.alreadyGone.push(id);
    else if (result.reason instanceof FeishuError && result.reason.code === 230009)
      outcome.tooOld.push(id);
    else outcome.failures.push({ target: `recall ${id}`, error: asError(result.reason) });
  });
  return outcome;
}

export interface KeySearch {
  key: string;
  appId: string;
  /** Seconds since the epoch: nothing older is looked at. */
  since: number;
  /** Messages never to recall (the notice just sent). */
  keep: ReadonlySet<string>;
}

/** The bot's own, undeleted messages in a chat whose footer carries exactly this key. */
export async function findKeyedMessages(
  client: FeishuClient,
  chatId: string,
  search: KeySearch,
): Promise<string[]> {
  const found: string[] = [];
  const sinceMs = search.since * 1000;
  for await (const page of client.history(chatId, search.since)) {
    for (const item of page) {
      if (item.createTime < sinceMs) continue;
      if (item.senderType !== 'app' || item.senderId !== search.appId) continue;
      if (item.deleted || search.keep.has(item.messageId)) continue;
      const lines = flattenContent(item.content).split('\n');
      if (lines.some((line) => isFooterOfKey(line, search.key))) found.push(item.messageId);
    }
  }
  return found;
}

/**
 * History gives a card as a flattened view, not the card JSON: gather every string in it
 * (titles, text runs), wherever the shape puts them.
 */
export function flattenContent(content: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return content;
  }
  const strings: string[] = [];
  const visit = (node: unknown) => {
    if (typeof node === 'string') strings.push(node);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') Object.values(node).forEach(visit);
  };
  visit(parsed);
  return strings.join('\n');
}

export async function recallByKey(
  client: FeishuClient,
  chatIds: string[],
  search: KeySearch,
): Promise<RecallOutcome> {
  const scans = await settleLimit(chatIds, RECALL_CONCURRENCY, (chatId) =>
    findKeyedMessages(client, chatId, search),
  );
  const failures: RecallOutcome['failures'] = [];
  const ids: string[] = [];
  scans.forEach((scan, i) => {
    if (scan.status === 'fulfilled') ids.push(...scan.value);
    else failures.push({ target: `history of ${chatIds[i]}`, error: asError(scan.reason) });
  });
  const outcome = await recallMessages(client, ids);
  outcome.failures.unshift(...failures);
  return outcome;
}
