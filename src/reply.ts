/**
 * Updating a card in place is silent: Feishu sends no push and lights no unread badge for a
 * PATCH (deepcoldy/botmux PR #247, baileyh8/hermes-feishu-streaming-card PR #220). When a card
 * turns to a failure, cancellation or time-out, a reply in its thread tells the people named in
 * `mention`; with `urgent: app` they are buzzed on that reply too.
 */
import { randomUUID } from 'node:crypto';
import { asError } from './errors.js';
import type { FeishuClient } from './feishu/client.js';
import type { RenderedNotice } from './render/index.js';
import type { FinishReply, Settings } from './settings.js';
import type { Status } from './status.js';

export function wantsReply(when: FinishReply, status: Status): boolean {
  if (when === 'never') return false;
  return when === 'always' || status === 'failure' || status === 'cancelled';
}

export interface ReplyReport {
  info(message: string): void;
  warning(message: string): void;
}

/** Replies in the card's thread when the settings ask for it; a refused buzz only warns. */
export async function replyToCard(
  client: FeishuClient,
  messageId: string,
  rendered: Pick<RenderedNotice, 'notice' | 'reply'>,
  settings: Settings,
  runUrl: string,
  report: ReplyReport,
): Promise<void> {
  const { notice } = rendered;
  if (!wantsReply(settings.finishReply, notice.status)) return;
  const content = JSON.stringify(rendered.reply(runUrl));
  const reply = await client.reply(messageId, 'text', content, true, randomUUID());
  report.info(`Replied in the thread of ${messageId}: ${reply.messageId}.`);
  if (!settings.urgent) return;
  const people = notice.mentions.flatMap((m) => (m.kind === 'open_id' ? [m.id] : []));
  if (people.length === 0) {
    report.warning('urgent: app buzzes people mentioned by open_id (ou_…), and none were.');
    return;
  }
  try {
    const refused = await client.urgent(reply.messageId, people);
    const buzzed = people.filter((id) => !refused.includes(id));
    if (buzzed.length > 0) report.info(`Buzzed ${buzzed.join(', ')}.`);
    if (refused.length > 0) report.warning(`Feishu did not buzz ${refused.join(', ')}.`);
  } catch (error) {
    report.warning(
      `Could not buzz the mentioned people (${asError(error).message}); the reply was sent.`,
    );
  }
}
