/**
 * A minimal Feishu / Lark open-platform client for an app bot: token, send, reply, update,
 * recall, image upload, chat list and chat history. It knows nothing of GitHub.
 */
import { randomUUID } from 'node:crypto';
import { type CallContext, call, type Json } from './call.js';
import type { HttpRequest } from './http.js';
import { multipart } from './multipart.js';

/** How Feishu names the kind of ID in `receive_id`. */
export type ReceiveIdType = 'chat_id' | 'open_id' | 'union_id' | 'user_id' | 'email';

export interface SentMessage {
  messageId: string;
  chatId: string;
  /** Feishu's create_time (ms): orders notices of one key across overlapping runs. */
  createTime: number;
}

export interface Chat {
  chatId: string;
  name: string;
}

export interface HistoryItem {
  messageId: string;
  msgType: string;
  createTime: number;
  deleted: boolean;
  senderId: string;
  senderType: string;
  content: string;
}

export interface ImageFile {
  name: string;
  path: string;
  size: number;
}

export interface ClientOptions extends CallContext {
  baseUrl: string;
  appId: string;
  appSecret: string;
  /** Told every tenant token the moment it arrives, so the caller can keep it out of logs. */
  onToken?(token: string): void;
  now?(): number;
}

/** Refresh a little before the token expires, as the official SDKs do. */
const TOKEN_MARGIN_MS = 3 * 60 * 1000;

export class FeishuClient {
  /** A failed fetch stays cached too: bad credentials cost one request, not one per call. */
  private cached?: Promise<string>;
  private expiresAt = Number.POSITIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: ClientOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The tenant token: one request per run, shared by concurrent callers. */
  token(): Promise<string> {
    if (!this.cached || this.now() >= this.expiresAt) {
      this.expiresAt = Number.POSITIVE_INFINITY;
      this.cached = this.fetchToken();
    }
    return this.cached;
  }

  private async fetchToken() {
    const body = await call(this.options, 'get tenant token', () => ({
      method: 'POST',
      url: `${this.options.baseUrl}/open-apis/auth/v3/tenant_access_token/internal`,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ app_id: this.options.appId, app_secret: this.options.appSecret }),
    }));
    const expire = Number(body.expire ?? 7200);
    this.expiresAt = this.now() + expire * 1000 - TOKEN_MARGIN_MS;
    const token = String(body.tenant_access_token ?? '');
    if (token) this.options.onToken?.(token);
    return token;
  }

  /**
   * One authorised call under `/open-apis`. A JSON body given as a function is built afresh
   * for every attempt (a card write's `sequence` must grow from one attempt to the next).
   */
  async api(
    operation: string,
    method: HttpRequest['method'],
    path: string,
    body?: { json: unknown } | { multipart: ReturnType<typeof multipart> },
    idempotent = false,
  ): Promise<Json> {
    let used: Promise<string> | undefined;
    const build = async (): Promise<HttpRequest> => {
      used = this.token();
      const headers: Record<string, string> = { Authorization: `Bearer ${await used}` };
      const request: HttpRequest = {
        method,
        url: `${this.options.baseUrl}/open-apis${path}`,
        headers,
      };
      if (body && 'json' in body) {
        headers['Content-Type'] = 'application/json; charset=utf-8';
        request.body = JSON.stringify(typeof body.json === 'function' ? body.json() : body.json);
      } else if (body) {
        headers['Content-Type'] = body.multipart.contentType;
        headers['Content-Length'] = String(body.multipart.length);
        request.body = body.multipart;
      }
      return request;
    };
    return call(this.options, operation, build, {
      idempotent,
      // Several calls rejected with the same token fetch one fresh token between them.
      refreshToken: () => {
        if (this.cached === used) this.cached = undefined;
      },
    });
  }

  /** Sends a message; `uuid` makes retries of this one send post at most once. */
  async send(
    receiveIdType: ReceiveIdType,
    receiveId: string,
    msgType: string,
    content: string,
    uuid: string = randomUUID(),
  ): Promise<SentMessage> {
    const body = await this.api(
      `send to ${receiveId}`,
      'POST',
      `/im/v1/messages?receive_id_type=${receiveIdType}`,
      { json: { receive_id: receiveId, msg_type: msgType, content, uuid } },
      true,
    );
    return sentMessage(body);
  }

  async reply(
    messageId: string,
    msgType: string,
    content: string,
    inThread: boolean,
    uuid: string = randomUUID(),
  ): Promise<SentMessage> {
    const body = await this.api(
      `reply to ${messageId}`,
      'POST',
      `/im/v1/messages/${encodeURIComponent(messageId)}/reply`,
      {
        json: { msg_type: msgType, content, reply_in_thread: inThread, uuid },
      },
      true,
    );
    return sentMessage(body);
  }

  /** Replaces a card's content in place (PATCH). */
  async update(messageId: string, content: string): Promise<void> {
    await this.api(
      `update ${messageId}`,
      'PATCH',
      `/im/v1/messages/${encodeURIComponent(messageId)}`,
      {
        json: { content },
      },
      true,
    );
  }

  async recall(messageId: string): Promise<void> {
    await this.api(
      `recall ${messageId}`,
      'DELETE',
      `/im/v1/messages/${encodeURIComponent(messageId)}`,
      undefined,
      true,
    );
  }

  /**
   * Buzzes people on one of the bot's own messages (加急, in-app): scope im:message.urgent.
   * Returns the open_ids Feishu did not accept.
   */
  async urgent(messageId: string, openIds: string[]): Promise<string[]> {
    const body = await this.api(
      `buzz ${messageId}`,
      'PATCH',
      `/im/v1/messages/${encodeURIComponent(messageId)}/urgent_app?user_id_type=open_id`,
      { json: { user_id_list: openIds } },
      true,
    );
    const invalid = ((body.data ?? {}) as Json).invalid_user_id_list;
    return Array.isArray(invalid) ? invalid.map(String) : [];
  }

  async uploadImage(file: ImageFile): Promise<string> {
    const form = multipart(
      { image_type: 'message' },
      { field: 'image', filename: file.name, path: file.path, size: file.size },
    );
    const body = await this.api(`upload ${file.name}`, 'POST', '/im/v1/images', {
      multipart: form,
    });
    return String((body.data as Json | undefined)?.image_key ?? '');
  }

  /**
   * The open_ids of people of this tenant by e-mail (scope contact:user.id:readonly). An
   * address the tenant does not know comes back without an ID and is left out of the map.
   */
  async openIdsByEmail(emails: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < emails.length; i += EMAILS_PER_LOOKUP) {
      const batch = emails.slice(i, i + EMAILS_PER_LOOKUP);
      const body = await this.api(
        'look up people by e-mail',
        'POST',
        '/contact/v3/users/batch_get_id?user_id_type=open_id',
        { json: { emails: batch } },
      );
      const list = ((body.data ?? {}) as { user_list?: Json[] }).user_list ?? [];
      for (const user of list) {
        // With user_id_type=open_id the `user_id` field holds the open_id.
        const email = String(user.email ?? '').toLowerCase();
        const openId = String(user.user_id ?? '');
        if (email && openId) found.set(email, openId);
      }
    }
    return found;
  }

  /** Every chat the bot is in, following page_token (100 a page). */
  async listChats(): Promise<Chat[]> {
    const chats: Chat[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const query = `page_size=100${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`;
      const body = await this.api('list chats', 'GET', `/im/v1/chats?${query}`);
      const data = (body.data ?? {}) as { items?: Json[]; has_more?: boolean; page_token?: string };
      for (const item of data.items ?? []) {
        chats.push({ chatId: String(item.chat_id ?? ''), name: String(item.name ?? '') });
      }
      pageToken = nextPage(data, pageToken, ++pages);
    } while (pageToken);
    return chats;
  }

  /** A chat's messages since `startTime` (seconds), newest first, a page (50) at a time. */
  async *history(chatId: string, startTime: number): AsyncGenerator<HistoryItem[]> {
    let pageToken = '';
    let pages = 0;
    do {
      const query = new URLSearchParams({
        container_id_type: 'chat',
        container_id: chatId,
        start_time: String(startTime),
        sort_type: 'ByCreateTimeDesc',
        page_size: '50',
        // Without it a card JSON 2.0 reads as a stub (title + "upgrade your client"), footer
        // and all gone. Feishu's CLI always asks for this (shortcuts/im/im_chat_messages_list.go).
        card_msg_content_type: 'raw_card_content',
      });
      if (pageToken) query.set('page_token', pageToken);
      const body = await this.api(
        `read history of ${chatId}`,
        'GET',
        `/im/v1/messages?${query}`,
        undefined,
        true,
      );
      const data = (body.data ?? {}) as { items?: Json[]; has_more?: boolean; page_token?: string };
      yield (data.items ?? []).map(historyItem);
      pageToken = nextPage(data, pageToken, ++pages);
    } while (pageToken);
  }
}

/** batch_get_id takes at most 50 e-mails a request. */
const EMAILS_PER_LOOKUP = 50;

/** Chats (100 a page) or history (50 a page) beyond this many pages are not read. */
const MAX_PAGES = 200;

/** The next page token, or '' to stop: at the end, at the page cap, or on a token that repeats. */
function nextPage(
  data: { has_more?: boolean; page_token?: string },
  current: string,
  pages: number,
): string {
  const next = data.has_more ? String(data.page_token ?? '') : '';
  return next && next !== current && pages < MAX_PAGES ? next : '';
}

function sentMessage(body: Json): SentMessage {
  const data = (body.data ?? {}) as Json;
  return {
    messageId: String(data.message_id ?? ''),
    chatId: String(data.chat_id ?? ''),
    createTime: Number(data.create_time ?? 0),
  };
}

function historyItem(item: Json): HistoryItem {
  const sender = (item.sender ?? {}) as Json;
  const content = ((item.body ?? {}) as Json).content;
  return {
    messageId: String(item.message_id ?? ''),
    msgType: String(item.msg_type ?? ''),
    createTime: Number(item.create_time ?? 0),
    deleted: item.deleted === true,
    senderId: String(sender.id ?? ''),
    senderType: String(sender.sender_type ?? ''),
    content: typeof content === 'string' ? content : '',
  };
}
