/**
 * Errors from the Feishu API and the network, with what the user should do about them.
 * Messages are built from the code, Feishu's msg and log_id only: never from a URL, a
 * header or a body, so they can never carry a token, a secret or a webhook address.
 */

/** What to tell the user for codes they can act on. */
const HINTS: Record<number, string> = {
  10003: 'check the app-id secret: it must be the App ID of a self-built app (cli_…)',
  // Feishu's code list names 10014 "app unavailable"; a wrong secret has been answered with
  // 10014 "app secret invalid" too (the notes call it uncertain): both causes are named.
  10014:
    'the app is unavailable: check whether it is disabled in the developer console, and check the app-secret secret',
  10015: 'check the app-secret secret: it does not match the app',
  99991543: 'check the app credentials (app-id, app-secret) and that the app is enabled',
  99991662: 'check the app credentials (app-id, app-secret) and that the app is enabled',
  99991673: 'check the app credentials (app-id, app-secret) and that the app is enabled',
  99991665:
    'the app lacks a permission this call needs: grant it in the developer console (Permissions & Scopes), then publish a new app version',
  230027:
    'the app lacks a permission this call needs (reading group history needs im:message.group_msg): grant it in the developer console, then publish a new app version',
  230035:
    'the bot may not send in this chat: check the group settings (who may post, external chats)',
  230071:
    'the bot has no permission for this operation in this chat: check its role and the group settings',
  232009: 'the chat is not available (disbanded, or the ID is wrong)',
  11235:
    'only group admins may @all in this group: the notice is sent again without @all (or drop `mention: all`)',
  11247: "Feishu's rate limit was hit",
  230049: 'the same message (uuid) is still being sent',
  18121: 'the same request (uuid) is still being processed',
  99991401:
    "the app's IP allow-list blocks this runner: allow its address in the developer console",
  99991672:
    'grant the missing scope in the developer console (Permissions & Scopes), then publish a new app version',
  230001:
    'Feishu\'s generic "invalid parameter": the text after ext= names it (the recipient ID and its type, or the content)',
  230002: 'add the bot to the chat (group settings → Bots → Add bot), or check the chat ID',
  230006: 'enable the Bot feature of the app in the developer console and publish a version',
  230009: 'the message is older than the recall window set by your tenant admin',
  230011: 'the message was already recalled or deleted',
  230013: "the user is outside the app's availability: widen it in the developer console",
  230020: "the chat is over Feishu's 5 messages per second limit",
  230025: 'the message content is too long',
  230026: "only the bot's own messages can be recalled",
  230031: 'the card is older than 14 days and can no longer be updated',
  230034:
    'check the recipient ID and its type (oc_ chat, ou_ open_id, on_ union_id, email, user_id:)',
  230053: 'the user has stopped the bot; they must re-enable it',
  230099: 'the card could not be built: see the sub-code in the message',
  230110: 'the message was already recalled or deleted',
  234006: 'the image is over 10 MB',
  234007: 'enable the Bot feature of the app',
  234010: 'the image is empty',
  234011: 'the image format is not supported',
  234039: 'the image resolution is too high',
  19001: 'check the webhook URL: its token is not valid',
  19021:
    'check webhook-secret: the signature did not match (or the runner clock is off by over an hour)',
  19022: "the webhook's IP allow-list blocks this runner",
  19024: "the message lacks the webhook's required keyword: add it to the title or message",
};

export class FeishuError extends Error {
  override name = 'FeishuError';
  /**
   * A retry's answer after an earlier attempt went unanswered: that attempt may have done the
   * work (a recall that then reads "already gone" was this run's own).
   */
  earlierAttemptMayHaveLanded = false;
  constructor(
    readonly operation: string,
    readonly code: number,
    readonly feishuMsg: string,
    readonly logId: string | undefined,
    readonly httpStatus: number,
    readonly hint: string | undefined,
  ) {
    const parts = [`Feishu error ${code} in ${operation}: ${feishuMsg}`];
    if (hint) parts.push(`→ ${hint}`);
    if (logId) parts.push(`(log_id ${logId})`);
    super(parts.join(' '));
  }
}

export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(
    readonly operation: string,
    readonly reason: string,
    readonly timedOut: boolean,
  ) {
    super(`${operation} failed: ${reason}`);
  }
}

export interface ErrorBody {
  code?: unknown;
  msg?: unknown;
  StatusCode?: unknown;
  StatusMessage?: unknown;
  error?: { log_id?: unknown; permission_violations?: { subject?: unknown; scope?: unknown }[] };
}

/** The scope a 99991672 answer says is missing, from the structured field or the message. */
function missingScope(body: ErrorBody): string | undefined {
  for (const v of body.error?.permission_violations ?? []) {
    const scope = v.scope ?? v.subject;
    if (typeof scope === 'string' && scope) return scope;
  }
  const inMsg = typeof body.msg === 'string' ? /\[([a-z:._, ]+)\]/i.exec(body.msg)?.[1] : undefined;
  return inMsg?.split(',')[0]?.trim() || undefined;
}

export function feishuError(
  operation: string,
  code: number,
  body: ErrorBody,
  httpStatus: number,
  headerLogId?: string,
): FeishuError {
  const msg =
    typeof body.msg === 'string' ? body.msg : String(body.StatusMessage ?? 'unknown error');
  const logId = typeof body.error?.log_id === 'string' ? body.error.log_id : headerLogId;
  let hint = HINTS[code];
  if (code === 99991672) {
    const scope = missingScope(body);
    hint = `grant the scope ${scope ?? 'named above'} in the developer console (Permissions & Scopes), then publish a new app version`;
  }
  if (code === 230099) {
    const sub = /ErrCode:\s*(\d+)/.exec(msg)?.[1];
    if (sub)
      hint = `the card could not be built (sub-code ${sub}${CARD_SUBCODES[sub] ? `: ${CARD_SUBCODES[sub]}` : ''})`;
  }
  return new FeishuError(operation, code, msg, logId, httpStatus, hint);
}

const CARD_SUBCODES: Record<string, string> = {
  '200621': 'the card JSON could not be parsed',
  '200380': 'the template does not exist or has no published version',
  '200381': 'the template is not visible to this app',
  '100290': 'a mentioned user is not valid',
  '200570': 'an image key is not valid',
  '200861': 'a tag that card JSON 2.0 does not support',
  '11310': 'more than 200 card elements',
};

/** Codes that say the token is no good: fetch a fresh one once and repeat the call. */
export const TOKEN_CODES = new Set([99991661, 99991663, 99991664, 99991671]);

/**
 * Codes that say "slow down": retried after the reset time or a backoff. A webhook's 9499
 * ("bad request / too many requests") is not among them: it mostly answers a malformed body,
 * which a retry would only repeat; the webhook's own limit answers 11232.
 */
export const THROTTLE_CODES = new Set([230020, 99991400, 11232, 11233, 11247]);

/**
 * "The same uuid is still in flight": a retry that overtook the first attempt (which timed out
 * on our side but is still being processed). Retried with the same uuid: the repeat then answers
 * with the message the first attempt created.
 */
export const IN_FLIGHT_CODES = new Set([230049, 18121]);

const AT_ALL_REFUSED = 11235;

/** A group that lets only admins @all refused the notice's @all. */
export function isAtAllRefused(error: unknown): error is FeishuError {
  return error instanceof FeishuError && error.code === AT_ALL_REFUSED;
}

const GONE_CODES = new Set([230011, 230110]);

/** The message was recalled or deleted: recall counts it as done, update sends anew. */
export function isGone(error: unknown): error is FeishuError {
  return error instanceof FeishuError && GONE_CODES.has(error.code);
}

/** Past the tenant's recall window (230009): left in place, with a warning. */
export function isPastRecallWindow(error: unknown): error is FeishuError {
  return error instanceof FeishuError && error.code === 230009;
}

const PERMISSION_CODES = new Set([230027, 99991672]);

/** The app lacks a permission or scope for the call (as opposed to a fault or a timeout). */
export function isPermissionRefused(error: unknown): error is FeishuError {
  return error instanceof FeishuError && PERMISSION_CODES.has(error.code);
}

/** A card older than 14 days can no longer be updated (230031). */
export function isTooOldToUpdate(error: unknown): error is FeishuError {
  return error instanceof FeishuError && error.code === 230031;
}
