/** The thread reply that tells people a card turned to a failure: a new message notifies. Pure. */
import { inertText } from './escape.js';
import type { Notice } from './model.js';
import { mentionInText } from './text.js';

export function renderFinishReply(notice: Notice, runUrl: string): { text: string } {
  const mentions = notice.mentions.map(mentionInText).join(' ');
  const result = inertText(notice.title, 200);
  const first = mentions ? `${mentions} ${result}` : result;
  return { text: runUrl ? `${first}\n${runUrl}` : first };
}
