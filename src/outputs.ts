/** Outputs and the job summary: what was sent, to whom, and a readable preview. */
import { Output } from './constants.js';
import type { Delivery } from './deliver.js';
import type { MessageContent } from './render/content.js';
import type { Notice } from './render/model.js';
import { scaleBudget } from './render/model.js';
import { renderText } from './render/text.js';
import type { Status } from './status.js';

export interface OutputSink {
  setOutput(name: string, value: string): void;
}

/** The `content` output: the one content, or a list when several messages went (type: image). */
export function contentOutput(contents: MessageContent[], indent?: number): string {
  return JSON.stringify(
    contents.length === 1 ? contents[0]?.content : contents.map((c) => c.content),
    null,
    indent,
  );
}

export function writeOutputs(
  sink: OutputSink,
  delivery: Delivery,
  error: string | undefined,
): void {
  const ids =
    delivery.updated.length > 0
      ? delivery.updated
      : delivery.sent.map((s) => s.messageId).filter(Boolean);
  const chats = delivery.sent.map((s) => s.chatId).filter(Boolean);
  sink.setOutput(Output.MessageId, ids[0] ?? '');
  sink.setOutput(Output.MessageIds, JSON.stringify(ids));
  sink.setOutput(Output.ChatIds, JSON.stringify([...new Set(chats)]));
  sink.setOutput(Output.ImageKeys, JSON.stringify(delivery.imageKeys));
  sink.setOutput(Output.Recalled, JSON.stringify(delivery.recall.recalled));
  sink.setOutput(Output.Collapsed, JSON.stringify(delivery.recall.collapsed));
  sink.setOutput(
    Output.Content,
    delivery.contents.length > 0 ? contentOutput(delivery.contents) : '',
  );
  sink.setOutput(Output.Error, error ?? '');
}

/** Whether anything reached a chat, and the previous result notify-on compared with. */
export function writeNotifyOutputs(
  sink: OutputSink,
  delivery: Delivery,
  previous: Status | undefined,
): void {
  const notified = delivery.sent.length > 0 || delivery.updated.length > 0;
  sink.setOutput(Output.Notified, String(notified));
  sink.setOutput(Output.PreviousStatus, previous ?? '');
}

/** Markdown for the job summary. Only our own rendering of the notice goes in: no secrets. */
export function summaryMarkdown(
  notice: Notice | undefined,
  delivery: Delivery,
  dryRun: boolean,
  error?: string,
): string {
  const lines: string[] = [`### Feishu notice${dryRun ? ' (dry run: nothing sent)' : ''}`, ''];
  if (delivery.sent.length > 0 || delivery.updated.length > 0) {
    lines.push('| To | Message ID | Chat ID |', '| --- | --- | --- |');
    for (const id of delivery.updated) lines.push(`| updated in place | \`${id}\` | |`);
    for (const s of delivery.sent)
      lines.push(
        `| ${cell(s.target)} | ${s.messageId ? `\`${s.messageId}\`` : '—'} | ${s.chatId ? `\`${s.chatId}\`` : '—'} |`,
      );
    lines.push('');
  }
  if (delivery.recall.recalled.length > 0)
    lines.push(`Recalled: ${delivery.recall.recalled.map((id) => `\`${id}\``).join(', ')}`, '');
  if (delivery.recall.collapsed.length > 0)
    lines.push(
      `Collapsed (past the 24-hour recall window): ${delivery.recall.collapsed.map((id) => `\`${id}\``).join(', ')}`,
      '',
    );
  if (delivery.recall.alreadyGone.length > 0)
    lines.push(
      `Already gone: ${delivery.recall.alreadyGone.map((id) => `\`${id}\``).join(', ')}`,
      '',
    );
  for (const f of delivery.failures)
    lines.push(`> ⚠️ ${cell(f.target)}: ${cell(f.error.message)}`, '');
  if (error && delivery.failures.length === 0) lines.push(`> ⚠️ ${cell(error)}`, '');
  if (notice) {
    lines.push(
      '<details open><summary>Preview</summary>',
      '',
      '```text',
      renderText(notice, scaleBudget(1)).text.replace(/```/g, "'''"),
      '```',
      '</details>',
      '',
    );
  }
  if (delivery.contents.length > 0) {
    lines.push(
      '<details><summary>Content JSON</summary>',
      '',
      '```json',
      contentOutput(delivery.contents, 2),
      '```',
      '</details>',
      '',
    );
  }
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
