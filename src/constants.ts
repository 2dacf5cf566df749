/** Input names as written in action.yml: one place, so a rename cannot miss a reader. */
export const Input = {
  AppId: 'app-id',
  AppSecret: 'app-secret',
  Domain: 'domain',
  Webhook: 'webhook',
  WebhookSecret: 'webhook-secret',
  To: 'to',
  Status: 'status',
  Title: 'title',
  Message: 'message',
  Fields: 'fields',
  Buttons: 'buttons',
  Mention: 'mention',
  UserMap: 'user-map',
  Type: 'type',
  Language: 'language',
  Content: 'content',
  Images: 'images',
  TemplateId: 'template-id',
  TemplateVersion: 'template-version',
  TemplateVariables: 'template-variables',
  ReplyTo: 'reply-to',
  ReplyInThread: 'reply-in-thread',
  Update: 'update',
  Recall: 'recall',
  Key: 'key',
  Replace: 'replace',
  RecallKey: 'recall-key',
  RecallWithin: 'recall-within',
  Needs: 'needs',
  RunCard: 'run-card',
  Row: 'row',
  Finish: 'finish',
  JobStatus: 'job-status',
  FinishReply: 'finish-reply',
  Urgent: 'urgent',
  JobId: 'job-id',
  GithubToken: 'github-token',
  NotifyOn: 'notify-on',
  FailOnError: 'fail-on-error',
  Retries: 'retries',
  Timeout: 'timeout',
  DryRun: 'dry-run',
  Summary: 'summary',
} as const;

export const Output = {
  MessageId: 'message-id',
  MessageIds: 'message-ids',
  ChatIds: 'chat-ids',
  ImageKeys: 'image-keys',
  Recalled: 'recalled',
  Collapsed: 'collapsed',
  Content: 'content',
  Error: 'error',
  Notified: 'notified',
  PreviousStatus: 'previous-status',
  CardId: 'card-id',
} as const;

/** The recall step (recall/action.yml) passes its inputs under the action's names: these. */
export const RECALL_STEP_INPUTS: Record<string, string> = {
  recall: 'message-ids',
  'recall-key': 'key',
  'recall-within': 'within',
};

/** Set by the recall step, so errors name its own inputs. */
export const RECALL_STEP_ENV = 'FEISHU_NOTIFY_RECALL_STEP';

/** Names under which the main step hands the post step what it needs (core.saveState). */
export const State = {
  IsPost: 'isPost',
  Finish: 'finish',
  /** The run-card row this job's main step added, for its post step to finish. */
  RunCardRow: 'runCardRow',
} as const;

export const Domains: Record<string, string> = {
  feishu: 'https://open.feishu.cn',
  lark: 'https://open.larksuite.com',
};
