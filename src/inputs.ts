/**
 * The one place inputs are read. Every value is validated here, into one typed Settings
 * object, so the rest of the action never sees a raw string and a bad input fails the step
 * before any request is made. Secrets are masked the moment they are read.
 */
import { Domains, Input } from './constants.js';
import { InputError } from './errors.js';
import { parseHandle } from './feishu/cardkit.js';
import { LANGUAGES, type Language, languagesFor } from './language.js';
import {
  byteLength,
  type Fitted,
  footerSlotOf,
  type MessageContent,
  type Oversize,
} from './render/content.js';
import type {
  Fact,
  FeishuPerson,
  FinishReply,
  LinkButton,
  MentionTarget,
  NeededJob,
  NoticeType,
  NotifyOn,
  Recipient,
  RunCardMode,
  Settings,
} from './settings.js';
import { sends } from './settings.js';
import { parseStatus, STATUSES } from './status.js';
import { parseObject } from './structured.js';

export interface InputSource {
  /** The input's value, trimmed; '' when not given. */
  getInput(name: string): string;
  setSecret(secret: string): void;
}

const NOTICE_TYPES: readonly NoticeType[] = ['card', 'text', 'post', 'image', 'template'];
const FINISH_REPLIES: readonly FinishReply[] = ['failure', 'always', 'never'];
/** Reaches last week's notice of a weekly stream (a scan stops early at a collapsed notice). */
export const DEFAULT_RECALL_WITHIN = '8d';
const NOTIFY_ON: readonly NotifyOn[] = ['always', 'failure', 'change'];
const JOB_ID = /^\d{1,20}$/;
const OPEN_ID = /^ou_[A-Za-z0-9_-]{1,64}$/;
const UNION_ID = /^on_[A-Za-z0-9_-]{1,64}$/;
const CHAT_ID = /^oc_[A-Za-z0-9_-]{1,64}$/;
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MESSAGE_ID = /^om_[A-Za-z0-9_-]{1,64}$/;
const TEMPLATE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TEMPLATE_VERSION = /^[A-Za-z0-9._-]{1,32}$/;
const EMAIL = /^(?=.{3,254}$)[^\s@<>"'`()[\]{},;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const PREFIXED_SHAPES: Record<string, RegExp> = {
  user_id: USER_ID,
  open_id: OPEN_ID,
  union_id: UNION_ID,
  chat_id: CHAT_ID,
  email: EMAIL,
};
const KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
/** A login, an Enterprise Managed User's `name_shortcode`, or an app's `name[bot]`. */
const GITHUB_LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}(_[A-Za-z0-9]{1,16})?(\[bot\])?$/;
const MAX_RECALL_WITHIN_SECONDS = 30 * 24 * 3600;
/** Bounds that keep a card within Feishu's 200 elements and 30 KB whatever else it holds. */
const MAX_FIELDS = 50;
const MAX_BUTTONS = 20;
const MAX_MENTIONS = 50;
const MAX_RECIPIENTS = 50;
const MAX_CHAT_NAME = 256;
const MAX_URL = 1000;

export async function readSettings(source: InputSource): Promise<Settings> {
  const get = (name: string) => source.getInput(name);
  const secret = (name: string) => {
    const value = get(name);
    if (value) source.setSecret(value);
    return value;
  };

  // Secrets first: masked before anything else can print them.
  const appId = get(Input.AppId);
  const appSecret = secret(Input.AppSecret);
  const webhookUrl = secret(Input.Webhook);
  const webhookSecret = secret(Input.WebhookSecret);
  const githubToken = secret(Input.GithubToken);
  if (webhookSecret && !webhookUrl) {
    throw new InputError(Input.WebhookSecret, 'is given without `webhook`');
  }
  for (const part of webhookSecretParts(webhookUrl)) source.setSecret(part);

  const type = oneOf(Input.Type, get(Input.Type) || 'card', NOTICE_TYPES);
  const contentText = get(Input.Content);
  const needsText = get(Input.Needs);
  const templateId = get(Input.TemplateId);
  const templateVariables = get(Input.TemplateVariables);
  // Parsed even without template-id: a broken value must not pass unnoticed.
  const variables = templateVariables
    ? await parseObject(Input.TemplateVariables, templateVariables)
    : {};

  const app = readApp(appId, appSecret);
  const settings: Settings = {
    app,
    noCredentials: !app && !webhookUrl && !bool(Input.DryRun, get(Input.DryRun), false),
    webhook: webhookUrl
      ? {
          url: httpUrl(Input.Webhook, webhookUrl, false),
          ...(webhookSecret ? { secret: webhookSecret } : {}),
        }
      : undefined,
    baseUrl: readDomain(get(Input.Domain)),
    recipients: unique(atMost(Input.To, list(get(Input.To)), MAX_RECIPIENTS).map(parseRecipient)),
    // Empty: derived from `needs` when given, else a plain info notice.
    status: readStatus(get(Input.Status)) ?? (needsText ? undefined : 'info'),
    title: get(Input.Title) || undefined,
    message: get(Input.Message) || undefined,
    fields: atMost(Input.Fields, lines(get(Input.Fields)), MAX_FIELDS).map(parseField),
    buttons: atMost(Input.Buttons, lines(get(Input.Buttons)), MAX_BUTTONS).map(parseButton),
    mentions: atMost(Input.Mention, list(get(Input.Mention)), MAX_MENTIONS).map(parseMention),
    userMap: await readUserMap(get(Input.UserMap)),
    type,
    languages: readLanguages(get(Input.Language), [get(Input.Domain), webhookUrl]),
    content: contentText ? await parseObject(Input.Content, contentText) : undefined,
    images: lines(get(Input.Images)),
    template: templateId
      ? {
          id: match(
            Input.TemplateId,
            templateId,
            TEMPLATE_ID,
            'a template ID from the card builder (letters, digits, _ and -)',
          ),
          version: optionalMatch(
            Input.TemplateVersion,
            get(Input.TemplateVersion),
            TEMPLATE_VERSION,
            'a version name such as 1.0.2',
          ),
          variables,
        }
      : undefined,
    replyTo: optionalMatch(Input.ReplyTo, get(Input.ReplyTo), MESSAGE_ID, 'a message ID (om_…)'),
    replyInThread: bool(Input.ReplyInThread, get(Input.ReplyInThread), false),
    update: optionalMatch(Input.Update, get(Input.Update), MESSAGE_ID, 'a message ID (om_…)'),
    recall: idList(Input.Recall, get(Input.Recall)).map((id) =>
      match(
        Input.Recall,
        id,
        MESSAGE_ID,
        'message IDs (om_…): a JSON array such as the message-ids output, or newline or comma separated',
      ),
    ),
    key: optionalMatch(Input.Key, get(Input.Key), KEY, KEY_RULE),
    replace: bool(Input.Replace, get(Input.Replace), false),
    recallKey: optionalMatch(Input.RecallKey, get(Input.RecallKey), KEY, KEY_RULE),
    recallWithinSeconds: duration(
      Input.RecallWithin,
      get(Input.RecallWithin) || DEFAULT_RECALL_WITHIN,
    ),
    needs: await readNeeds(needsText),
    runCard: readRunCard(get(Input.RunCard), needsText !== ''),
    row: optionalRow(get(Input.Row)),
    finish: get(Input.Finish) ? bool(Input.Finish, get(Input.Finish), false) : undefined,
    finishReply: oneOf(Input.FinishReply, get(Input.FinishReply) || 'failure', FINISH_REPLIES),
    urgent: oneOf(Input.Urgent, get(Input.Urgent) || 'off', ['off', 'app']) === 'app',
    githubToken: githubToken || undefined,
    jobId: optionalMatch(
      Input.JobId,
      get(Input.JobId),
      JOB_ID,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: it names the expression the default is
      "this job's numeric ID, as ${{ job.check_run_id }} gives it (leave it unset)",
    ),
    notifyOn: oneOf(Input.NotifyOn, get(Input.NotifyOn) || 'always', NOTIFY_ON),
    failOnError: bool(Input.FailOnError, get(Input.FailOnError), false),
    retries: integer(Input.Retries, get(Input.Retries) || '3', 0, 10),
    timeoutMs: Math.round(seconds(Input.Timeout, get(Input.Timeout) || '10', 1, 300) * 1000),
    dryRun: bool(Input.DryRun, get(Input.DryRun), false),
    summary: bool(Input.Summary, get(Input.Summary), true),
  };
  checkCombination(settings);
  return settings;
}

const KEY_RULE =
  '1–64 letters, digits and . _ : / -, starting with a letter or digit (e.g. deploy-prod)';

function readApp(appId: string, appSecret: string) {
  if (!appId && !appSecret) return undefined;
  if (!appId) throw new InputError(Input.AppId, 'is required when app-secret is given');
  if (!appSecret) throw new InputError(Input.AppSecret, 'is required when app-id is given');
  if (!/^cli_[A-Za-z0-9_]{1,64}$/.test(appId)) {
    throw InputError.invalid(
      Input.AppId,
      appId,
      'expected the App ID from the developer console (cli_…)',
    );
  }
  return { appId, appSecret };
}

function readDomain(raw: string): string {
  const name = raw.toLowerCase() || 'feishu';
  const known = Object.hasOwn(Domains, name) ? Domains[name] : undefined;
  if (known) return known;
  if (/^https?:\/\//i.test(raw)) return httpUrl(Input.Domain, raw, true);
  throw InputError.invalid(Input.Domain, raw, 'expected feishu, lark, or an http(s) base URL');
}

/**
 * `auto` (or nothing): every language, Chinese first on Feishu and English first on Lark (the
 * `domain`, or a webhook on Lark's host). `zh-CN` and `ZH_CN` are read as zh_cn.
 */
function readLanguages(raw: string, endpoints: string[]): Language[] {
  const choice = oneOf(Input.Language, raw.trim().replace(/-/g, '_') || 'auto', [
    'auto',
    ...LANGUAGES,
  ] as const);
  const lark = endpoints.some(
    (endpoint) => endpoint.toLowerCase() === 'lark' || onLarkHost(endpoint),
  );
  return languagesFor(choice, lark);
}

function onLarkHost(url: string): boolean {
  return URL.canParse(url) && /(^|\.)larksuite\.com$/i.test(new URL(url).hostname);
}

function httpUrl(input: string, raw: string, showValue: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    // The webhook URL is a secret: say what is wrong without repeating it.
    if (!showValue) throw new InputError(input, 'is not an http(s) URL');
    throw InputError.invalid(input, raw, 'expected an http(s) URL');
  }
  return raw.replace(/\/+$/, '');
}

function readStatus(raw: string) {
  if (!raw) return undefined;
  const status = parseStatus(raw);
  if (!status) {
    throw InputError.invalid(
      Input.Status,
      raw,
      `expected one of ${STATUSES.join(', ')} (or GitHub's spellings such as timed_out, neutral, action_required), usually \${{ job.status }}`,
    );
  }
  return status;
}

/** `to`: one recipient per line; commas also separate, except inside `chat:<name>`. */
function parseRecipient(raw: string): Recipient {
  const prefixed = /^(chat|user_id|open_id|union_id|chat_id|email):(.*)$/i.exec(raw);
  if (prefixed) {
    const [, prefix = '', rest = ''] = prefixed;
    const value = rest.trim();
    if (!value) throw InputError.invalid(Input.To, raw, `nothing follows "${prefix}:"`);
    const kind = prefix.toLowerCase();
    if (kind === 'chat') {
      if (value.length > MAX_CHAT_NAME)
        throw InputError.invalid(
          Input.To,
          raw,
          `a chat name has at most ${MAX_CHAT_NAME} characters`,
        );
      return { kind: 'chat-name', name: value };
    }
    const shape = PREFIXED_SHAPES[kind];
    if (shape && !shape.test(value)) {
      throw InputError.invalid(
        Input.To,
        raw,
        `the value after "${prefix}:" is not a valid ${kind}`,
      );
    }
    return { kind: 'id', idType: kind as 'user_id', id: value };
  }
  if (CHAT_ID.test(raw)) return { kind: 'id', idType: 'chat_id', id: raw };
  if (OPEN_ID.test(raw)) return { kind: 'id', idType: 'open_id', id: raw };
  if (UNION_ID.test(raw)) return { kind: 'id', idType: 'union_id', id: raw };
  if (EMAIL.test(raw)) return { kind: 'id', idType: 'email', id: raw };
  throw InputError.invalid(
    Input.To,
    raw,
    'expected a chat ID (oc_…), open_id (ou_…), union_id (on_…), an email address, user_id:<id>, or chat:<group name>',
  );
}

function parseMention(raw: string): MentionTarget {
  const word = raw.toLowerCase();
  if (word === 'all' || word === 'everyone' || word === '@all') return { kind: 'all' };
  if (word === 'author') return { kind: 'author' };
  if (word === 'actor') return { kind: 'actor' };
  const person = parsePerson(raw);
  if (person) return person;
  throw InputError.invalid(
    Input.Mention,
    raw,
    'expected all, author, actor, an open_id (ou_…), user_id:<id>, or an email address',
  );
}

function parsePerson(raw: string): FeishuPerson | undefined {
  if (OPEN_ID.test(raw)) return { kind: 'open_id', id: raw };
  if (EMAIL.test(raw)) return { kind: 'email', email: raw };
  const userId = /^user_id:(.+)$/.exec(raw)?.[1]?.trim();
  if (userId && USER_ID.test(userId)) return { kind: 'user_id', id: userId };
  return undefined;
}

async function readUserMap(raw: string): Promise<Record<string, FeishuPerson>> {
  if (!raw) return {};
  // Logins are names: `007` or `0xcafe` must stay the login they are, not become a number.
  const entries = await parseObject(Input.UserMap, raw, { scalarsAsWritten: true });
  const map: Record<string, FeishuPerson> = {};
  for (const [login, target] of Object.entries(entries)) {
    if (!GITHUB_LOGIN.test(login)) {
      throw InputError.invalid(Input.UserMap, login, 'keys must be GitHub logins');
    }
    const person = typeof target === 'string' ? parsePerson(target.trim()) : undefined;
    if (!person) {
      throw InputError.invalid(
        Input.UserMap,
        `${login}: ${typeof target === 'string' ? target : JSON.stringify(target)}`,
        'each login maps to an open_id (ou_…), user_id:<id> or an email address',
      );
    }
    // Logins are case-insensitive on GitHub.
    map[login.toLowerCase()] = person;
  }
  return map;
}

async function readNeeds(raw: string): Promise<NeededJob[]> {
  if (!raw) return [];
  const needs = await parseObject(Input.Needs, raw);
  return Object.entries(needs).map(([name, job]) => {
    const result = (job as { result?: unknown } | null)?.result;
    if (typeof result !== 'string') {
      throw InputError.invalid(
        Input.Needs,
        name,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: it names the expression users write
        'expected ${{ toJSON(needs) }}: every job needs a "result" string',
      );
    }
    return { name, result };
  });
}

function parseField(line: string): Fact {
  const at = line.indexOf(':');
  const label = at > 0 ? line.slice(0, at).trim() : '';
  const value = at > 0 ? line.slice(at + 1).trim() : '';
  if (!label || !value)
    throw InputError.invalid(Input.Fields, line, 'expected "Label: value" per line');
  return { label, value };
}

function parseButton(line: string): LinkButton {
  const at = line.lastIndexOf('|');
  const label = at > 0 ? line.slice(0, at).trim() : '';
  const url = at > 0 ? line.slice(at + 1).trim() : '';
  if (!label || !/^https?:\/\/[^\s]+$/i.test(url) || url.length > MAX_URL) {
    throw InputError.invalid(
      Input.Buttons,
      line,
      `expected "Label | https://url" per line (URLs up to ${MAX_URL} characters)`,
    );
  }
  return { label, url };
}

function readRunCard(raw: string, withNeeds: boolean): RunCardMode | undefined {
  if (!raw) return undefined;
  if (raw.toLowerCase() === 'start') return { kind: 'start' };
  const handle = parseHandle(raw);
  if (!handle) {
    throw InputError.invalid(
      Input.RunCard,
      raw,
      'expected start, or the card-id output of the job that started the card (passed through `needs`)',
    );
  }
  return { kind: withNeeds ? 'finish' : 'row', handle };
}

const MAX_ROW_LABEL = 100;

function optionalRow(raw: string): string | undefined {
  if (!raw) return undefined;
  if (Array.from(raw).length > MAX_ROW_LABEL) {
    throw InputError.invalid(Input.Row, raw, `a row label has at most ${MAX_ROW_LABEL} characters`);
  }
  return raw;
}

/** A run card is kept by the app bot in one chat; what cannot go with it says so. */
function checkRunCard(s: Settings): void {
  const mode = s.runCard;
  if (!mode) {
    if (s.row) throw new InputError(Input.Row, 'labels a row of a run card: it needs `run-card`');
    return;
  }
  if (s.webhook) {
    throw new InputError(
      Input.RunCard,
      'needs app credentials (app-id and app-secret) and no `webhook`: a custom bot (webhook) cannot update a card, so it cannot keep a live run card',
    );
  }
  const unused: [string, boolean][] = [
    [Input.Update, s.update !== undefined],
    [Input.ReplyTo, s.replyTo !== undefined],
    [Input.Recall, s.recall.length > 0],
    [Input.RecallKey, s.recallKey !== undefined],
    [Input.Key, s.key !== undefined],
    [Input.Images, s.images.length > 0],
    [Input.Content, s.content !== undefined],
    [Input.TemplateId, s.template !== undefined],
    [Input.Type, s.type !== 'card'],
  ];
  for (const [input, given] of unused) {
    if (given) throw new InputError(input, 'cannot be combined with `run-card`');
  }
  if (mode.kind === 'start') {
    const [first, ...rest] = s.recipients;
    if (first?.kind !== 'id' || rest.length > 0) {
      throw new InputError(
        Input.To,
        'takes exactly one chat ID (oc_…), open_id, union_id, email or user_id:<id> with run-card: start (a card entity is sent once)',
      );
    }
    if (s.needs.length > 0) {
      throw new InputError(
        Input.Needs,
        'finishes a run card: give run-card the card-id output of the start job, not start',
      );
    }
  } else if (s.recipients.length > 0) {
    throw new InputError(Input.To, "is the start job's: a later job writes to the card it started");
  }
}

function checkCombination(s: Settings): void {
  // What to send: checked whatever the credentials.
  if (s.replace && !s.key)
    throw new InputError(Input.Replace, 'needs `key`: the notices to replace');
  if (s.recallKey && s.replace) {
    throw new InputError(
      Input.RecallKey,
      'recalls without sending, so it cannot be combined with replace',
    );
  }
  if (s.type === 'template' && !s.template && !s.content) {
    throw new InputError(Input.TemplateId, 'is required with type: template');
  }
  if (s.type === 'image' && s.images.length === 0 && !s.content) {
    throw new InputError(Input.Images, 'is required with type: image');
  }
  if (s.images.length > 0 && (s.type === 'text' || s.type === 'template')) {
    throw new InputError(
      Input.Images,
      `cannot be shown in a ${s.type} message; use type: card, post or image`,
    );
  }
  // No credentials at all is how a fork's pull request or a Dependabot run looks (their secrets
  // are empty): not an input error but a skip, which main reports. Where-to is moot then.
  if (s.noCredentials) return;
  checkRunCard(s);
  // A preview needs no recipient.
  if (!s.dryRun && !sends(s) && !s.update && s.recall.length === 0 && !s.recallKey && !s.runCard) {
    throw new InputError(
      Input.To,
      'is required: give `to` (or `webhook`) to send, or `update`, `recall` or `recall-key`',
    );
  }
  if (s.recallKey && s.recipients.length === 0) {
    throw new InputError(
      Input.RecallKey,
      'needs `to`: the chats whose history is searched for the key',
    );
  }
  if (!s.app && s.webhook && !s.dryRun) {
    const appOnly: [string, unknown][] = [
      [Input.Images, s.images.length > 0 ? 'x' : ''],
      [Input.Update, s.update],
      [Input.Recall, s.recall.length > 0 ? 'x' : ''],
      [Input.RecallKey, s.recallKey],
      [Input.ReplyTo, s.replyTo],
      [Input.Replace, s.replace ? 'x' : ''],
    ];
    for (const [input, given] of appOnly) {
      if (given) {
        throw new InputError(
          input,
          'needs app credentials (app-id and app-secret): a custom-bot webhook can only post messages',
        );
      }
    }
  }
  if (s.recipients.length > 0 && !s.app && !s.dryRun) {
    throw new InputError(
      Input.AppId,
      'and app-secret are required to send to `to` (a webhook posts only to its own chat)',
    );
  }
  checkDestinations(s);
  checkNotifyOn(s);
}

/** notify-on compares with the key's previous notice, which only a group chat's history shows. */
function checkNotifyOn(s: Settings): void {
  if (s.notifyOn === 'always') return;
  if (!s.key) {
    throw new InputError(
      Input.Key,
      `is required with notify-on: ${s.notifyOn}: the previous notice of the key is what it compares with`,
    );
  }
  if (!sends(s)) {
    throw new InputError(Input.NotifyOn, `${s.notifyOn} decides whether to send: give \`to\``);
  }
  if (!s.recipients.some((r) => r.kind === 'chat-name' || r.idType === 'chat_id')) {
    throw new InputError(
      Input.NotifyOn,
      `${s.notifyOn} reads the key's previous notice from a group chat's history: give \`to\` a chat ID (oc_…) or chat:<name>`,
    );
  }
  if (s.update) {
    throw new InputError(
      Input.NotifyOn,
      `${s.notifyOn} decides whether to send a new notice, so it cannot be combined with update`,
    );
  }
}

/** Combinations of where-to and what-to-do that cannot all be honoured. */
function checkDestinations(s: Settings): void {
  if (s.update && s.type !== 'card' && s.type !== 'template') {
    throw new InputError(
      Input.Update,
      `updates a card in place: use type card or template, not ${s.type}`,
    );
  }
  if (s.update && s.recallKey) {
    throw new InputError(
      Input.RecallKey,
      'recalls without sending, so it cannot be combined with update',
    );
  }
  if (s.replyTo && (s.recipients.length > 0 || s.webhook)) {
    throw new InputError(
      Input.ReplyTo,
      "sends into the replied message's own chat: give it without `to` and `webhook`",
    );
  }
  if (s.content && s.images.length > 0) {
    throw new InputError(
      Input.Images,
      'cannot be shown in a verbatim `content`: put the image keys in it yourself',
    );
  }
  if (s.key) checkKeyCarried(s);
  if (s.recallKey && !s.recipients.some((r) => r.kind === 'chat-name' || r.idType === 'chat_id')) {
    throw new InputError(
      Input.RecallKey,
      'searches group chats: give `to` a chat ID (oc_…) or chat:<name>',
    );
  }
}

/** A key lives in the message's footer: a message that cannot carry one cannot have a key. */
function checkKeyCarried(s: Settings): void {
  const contentType = s.content ? s.type : undefined;
  const carrier =
    s.type === 'template'
      ? 'a template card has no footer of ours'
      : s.type === 'image'
        ? 'an image message has no footer'
        : contentType === 'text' || contentType === 'post'
          ? `a verbatim ${contentType} \`content\` has no footer; use type: card (or a card as \`content\`)`
          : s.content && !footerSlotOf(s.content)
            ? 'the card given as `content` has no elements list to add the footer to (a template, or i18n_elements only)'
            : undefined;
  if (carrier) {
    throw new InputError(
      Input.Key,
      `cannot be carried: ${carrier}, so later runs could never find the notice`,
    );
  }
}

/**
 * The last input check, on the rendered content: main renders before any request, and content
 * that cannot fit Feishu's limits even trimmed is the fault of an input, named here.
 */
export function contentsWithinLimits(settings: Settings, fitted: Fitted): MessageContent[] {
  if (fitted.oversize) throw oversizeError(settings, fitted.oversize);
  return fitted.contents;
}

function oversizeError(settings: Settings, oversize: Oversize): InputError {
  const { part, msgType, bytes, limit } = oversize;
  if (part !== 'notice') {
    // The author's own content or template variables, never trimmed.
    return new InputError(
      part === 'content' ? Input.Content : Input.TemplateVariables,
      `makes ${bytes} bytes of ${msgType} content as sent; Feishu accepts at most ${limit} bytes here`,
    );
  }
  // Trimmed as far as it goes and still too large: only the author's own parts can be the cause
  // (event text is trimmed away), so the error names the largest of them.
  const parts: [string, unknown][] = [
    [Input.Message, settings.message],
    [Input.Fields, settings.fields],
    [Input.Buttons, settings.buttons],
    [Input.Mention, settings.mentions],
    [Input.Title, settings.title],
  ];
  const [input] = parts.reduce((big, part) =>
    byteLength(part[1] ?? '') > byteLength(big[1] ?? '') ? part : big,
  );
  return new InputError(
    input,
    `makes the message ${bytes} bytes even with everything trimmed; Feishu accepts at most ${limit} bytes here`,
  );
}

// ---- small parsers, each naming its input in the error ----

/**
 * Newline- or comma-separated values. A comma inside `chat:<name>` belongs to the name unless
 * what follows it is a recipient of its own: `chat:Deploys, oc_…` is two recipients,
 * `chat:Ops, EU` one group.
 */
function list(raw: string): string[] {
  return lines(raw).flatMap((line) => {
    const items: string[] = [];
    for (const part of line.split(',')) {
      const last = items.length - 1;
      if (last >= 0 && /^chat:/i.test(items[last] ?? '') && !startsRecipient(part.trim())) {
        items[last] = `${items[last]},${part}`;
      } else {
        items.push(part);
      }
    }
    return items.map((item) => item.trim()).filter(Boolean);
  });
}

function startsRecipient(text: string): boolean {
  return (
    /^(chat|user_id|open_id|union_id|chat_id|email):/i.test(text) ||
    [CHAT_ID, OPEN_ID, UNION_ID, EMAIL].some((shape) => shape.test(text))
  );
}

/** IDs as a JSON array (what the message-ids output holds) or newline / comma separated. */
function idList(input: string, raw: string): string[] {
  if (!raw.startsWith('[')) return list(raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === 'string')) {
    throw InputError.invalid(input, raw, 'expected a JSON array of message IDs, e.g. ["om_…"]');
  }
  return parsed.map((id: string) => id.trim()).filter(Boolean);
}

/**
 * The parts of a webhook URL that may carry its secret: everything but the scheme and host.
 * The path as a whole and each of its segments long enough to be a token (Feishu's own words
 * such as `open-apis` or `hook` are not masked: that would garble every log line naming them).
 */
function webhookSecretParts(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const { pathname, search, hash } = new URL(url);
  const rest = `${pathname}${search}${hash}`;
  const parts = rest
    .split(/[/?&=#]/)
    .map((part) => part.trim())
    .filter((part) => part.length >= 8 && !PUBLIC_PATH_WORDS.has(part.toLowerCase()));
  return [...new Set([rest.length > 1 ? rest : '', ...parts].filter(Boolean))];
}

const PUBLIC_PATH_WORDS = new Set(['open-apis']);

function lines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** The same recipient twice would get the notice twice (each send has its own uuid). */
function unique(recipients: Recipient[]): Recipient[] {
  const seen = new Set<string>();
  return recipients.filter((r) => {
    const id = r.kind === 'chat-name' ? `chat:${r.name}` : `${r.idType}:${r.id}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function atMost(input: string, items: string[], max: number): string[] {
  if (items.length > max)
    throw new InputError(input, `has ${items.length} entries; at most ${max} are allowed`);
  return items;
}

function oneOf<T extends string>(input: string, raw: string, allowed: readonly T[]): T {
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value))
    throw InputError.invalid(input, raw, `expected one of ${allowed.join(', ')}`);
  return value;
}

function bool(input: string, raw: string, fallback: boolean): boolean {
  if (!raw) return fallback;
  const value = raw.toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw InputError.invalid(input, raw, 'expected true or false');
}

function integer(input: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw InputError.invalid(input, raw, `expected a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function seconds(input: string, raw: string, min: number, max: number): number {
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw InputError.invalid(input, raw, `expected a number of seconds from ${min} to ${max}`);
  }
  return value;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function duration(input: string, raw: string): number {
  const parsed = /^(\d+)\s*([smhd]?)$/i.exec(raw);
  const total = parsed
    ? Number(parsed[1]) * (UNIT_SECONDS[(parsed[2] || 's').toLowerCase()] ?? 1)
    : 0;
  if (!total || total > MAX_RECALL_WITHIN_SECONDS) {
    throw InputError.invalid(
      input,
      raw,
      'expected a duration such as 90m, 24h or 7d (at most 30d)',
    );
  }
  return total;
}

function match(input: string, raw: string, pattern: RegExp, allowed: string): string {
  if (!pattern.test(raw)) throw InputError.invalid(input, raw, `expected ${allowed}`);
  return raw;
}

function optionalMatch(input: string, raw: string, pattern: RegExp, allowed: string) {
  return raw ? match(input, raw, pattern, allowed) : undefined;
}
