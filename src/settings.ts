import type { CardHandle } from './feishu/cardkit.js';
import type { ReceiveIdType } from './feishu/client.js';
import type { Language } from './language.js';
import type { Status } from './status.js';

export type Recipient =
  | { kind: 'id'; idType: ReceiveIdType; id: string }
  /** A group the bot is in, by its exact name; resolved through the chat list. */
  | { kind: 'chat-name'; name: string };

/** Someone a notice mentions; `author`/`actor` are resolved from the run with the user map. */
export type MentionTarget =
  | { kind: 'all' }
  | { kind: 'open_id'; id: string }
  | { kind: 'user_id'; id: string }
  | { kind: 'email'; email: string }
  | { kind: 'author' }
  | { kind: 'actor' };

/** A GitHub login mapped to the Feishu account it mentions. */
export type FeishuPerson = Exclude<MentionTarget, { kind: 'all' | 'author' | 'actor' }>;

/** What the `type` input asks for; render/ turns it into Feishu's msg_type. */
export type NoticeType = 'card' | 'text' | 'post' | 'image' | 'template';

/** When a notice is sent: every time, on anything but success (and the recovery), or on a change. */
export type NotifyOn = 'always' | 'failure' | 'change';

/** When a card finished or updated in place also gets a thread reply (which notifies). */
export type FinishReply = 'failure' | 'always' | 'never';

export interface Fact {
  label: string;
  value: string;
}

export interface LinkButton {
  label: string;
  url: string;
}

export interface NeededJob {
  name: string;
  result: string;
}

export interface AppCredentials {
  appId: string;
  appSecret: string;
}

export interface WebhookTarget {
  url: string;
  secret?: string;
}

export interface TemplateSettings {
  id: string;
  version?: string;
  variables: Record<string, unknown>;
}

/**
 * The run card (`run-card`): `start` posts it; a handle adds this job's row (and the post step
 * finishes it), or, with `needs`, finishes the whole card.
 */
export type RunCardMode = { kind: 'start' } | { kind: 'row' | 'finish'; handle: CardHandle };

/** Everything the action was asked to do, read and validated once (see inputs.ts). */
export interface Settings {
  app?: AppCredentials;
  /**
   * Neither app credentials nor a webhook, outside a dry run: how a pull request from a fork or a
   * Dependabot run looks (secrets are empty there). The step skips with a warning.
   */
  noCredentials: boolean;
  webhook?: WebhookTarget;
  /** API base URL without a trailing slash. */
  baseUrl: string;
  recipients: Recipient[];
  /** Undefined only when it is to be derived from `needs`. */
  status?: Status;
  title?: string;
  message?: string;
  fields: Fact[];
  buttons: LinkButton[];
  mentions: MentionTarget[];
  userMap: Record<string, FeishuPerson>;
  type: NoticeType;
  /** The languages the action's own words are written in; the first where only one fits. */
  languages: Language[];
  /** Verbatim message content (the `content` input), already parsed. */
  content?: Record<string, unknown>;
  images: string[];
  template?: TemplateSettings;
  replyTo?: string;
  replyInThread: boolean;
  update?: string;
  recall: string[];
  key?: string;
  replace: boolean;
  recallKey?: string;
  recallWithinSeconds: number;
  needs: NeededJob[];
  runCard?: RunCardMode;
  /** The label of this job's row on the run card; undefined: the job's name. */
  row?: string;
  /** true / false when given; undefined = finish in the post step when the card is in progress. */
  finish?: boolean;
  finishReply: FinishReply;
  /** Buzz the mentioned people on the thread reply (urgent: app). */
  urgent: boolean;
  /** Reads the run's jobs and annotations for the "what failed" section; masked. */
  githubToken?: string;
  /** This job's ID (its check run ID), when the runner gives it. */
  jobId?: string;
  notifyOn: NotifyOn;
  failOnError: boolean;
  retries: number;
  timeoutMs: number;
  dryRun: boolean;
  summary: boolean;
}

/**
 * The part of the settings the renderer reads: what the notice says and how it is shaped. render/
 * takes only this, so it cannot reach credentials, recipients or delivery options.
 */
export type NoticeSettings = Pick<
  Settings,
  | 'status'
  | 'title'
  | 'message'
  | 'fields'
  | 'buttons'
  | 'mentions'
  | 'userMap'
  | 'type'
  | 'languages'
  | 'content'
  | 'template'
  | 'key'
  | 'needs'
>;

/** Whether this run posts a new notice (as opposed to only updating or recalling). */
export function sends(settings: Settings): boolean {
  return (
    settings.recallKey === undefined &&
    (settings.recipients.length > 0 ||
      settings.webhook !== undefined ||
      settings.replyTo !== undefined)
  );
}
