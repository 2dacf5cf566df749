/**
 * The result of a key's previous notice, read back from the chats' real history in any of its
 * shapes (history.ts; the footer carries the status, see render/model.ts). This is what `notify-on` compares with; it needs
 * no GitHub token, only the app's history scope.
 */
import type { DeliveryDeps } from './deliver.js';
import { describeError } from './errors.js';
import type { FeishuClient } from './feishu/client.js';
import { newestFirst, readNotice } from './history.js';
import { settleLimit } from './pool.js';
import type { Settings } from './settings.js';
import { isFinal, type Status } from './status.js';

/** How far back a previous notice is looked for: a monthly stream still finds last month's. */
export const LOOK_BACK_SECONDS = 31 * 24 * 3600;

export interface PreviousNotice {
  messageId: string;
  createTime: number;
  status: Status;
}

/** The newest notice of the key with a final status in any of the chats, if there is one. */
export async function previousNotice(
  client: FeishuClient,
  chatIds: string[],
  search: { key: string; appId: string; since: number },
): Promise<PreviousNotice | undefined> {
  const scans = await settleLimit(chatIds, 4, (chatId) => newestInChat(client, chatId, search));
  let newest: PreviousNotice | undefined;
  for (const [i, scan] of scans.entries()) {
    // A chat whose history cannot be read must not pass for one with no previous notice.
    if (scan.status === 'rejected') {
      throw new Error(`the history of ${chatIds[i]}: ${describeError(scan.reason)}`);
    }
    if (scan.value && (!newest || scan.value.createTime > newest.createTime)) newest = scan.value;
  }
  return newest;
}

async function newestInChat(
  client: FeishuClient,
  chatId: string,
  search: { key: string; appId: string; since: number },
): Promise<PreviousNotice | undefined> {
  // Newest first, a page at a time: the scan stops at the first page holding a notice of the
  // key with a final result, however far back the look-back reaches (the lifecycle's
  // listKeyNotices reads the whole window, which a month of a busy chat makes long).
  for await (const page of client.history(chatId, search.since)) {
    const found: PreviousNotice[] = [];
    for (const item of page) {
      if (item.senderType !== 'app' || item.senderId !== search.appId || item.deleted) continue;
      const status = readNotice(item.content, search.key)?.mark.status;
      if (status && isFinal(status))
        found.push({ messageId: item.messageId, createTime: item.createTime, status });
    }
    if (found.length > 0) return found.sort(newestFirst)[0];
  }
  return undefined;
}

/**
 * notify-on's previous result, or undefined when it is not wanted or there is none. A history
 * that cannot be read warns and counts as "none": a notice too many beats a missed failure.
 */
export async function readPreviousStatus(
  settings: Settings,
  deps: DeliveryDeps,
): Promise<Status | undefined> {
  const { client } = deps;
  if (settings.notifyOn === 'always' || !settings.key || !settings.app || !client) return undefined;
  try {
    const names = settings.recipients.flatMap((r) => (r.kind === 'chat-name' ? [r.name] : []));
    const byName = names.length > 0 ? await client.listChats() : [];
    const chatIds = settings.recipients.flatMap((r) => {
      if (r.kind === 'chat-name')
        return byName.filter((c) => c.name === r.name).map((c) => c.chatId);
      return r.idType === 'chat_id' ? [r.id] : [];
    });
    const since = Math.floor(deps.now() / 1000) - LOOK_BACK_SECONDS;
    const found = await previousNotice(client, [...new Set(chatIds)], {
      key: settings.key,
      appId: settings.app.appId,
      since,
    });
    deps.info(
      found
        ? `The previous notice of key ${settings.key} (${found.messageId}) was ${found.status}.`
        : `No previous notice of key ${settings.key} in the last ${LOOK_BACK_SECONDS / 86400} days.`,
    );
    return found?.status;
  } catch (error) {
    deps.warning(
      `notify-on: ${settings.notifyOn} could not read the previous notice (${describeError(error)}); sending.`,
    );
    return undefined;
  }
}
