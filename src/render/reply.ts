/** The thread reply that tells people a card turned to a failure: a new message notifies. Pure. */
import { inLanguage } from '../language.js';
import { inertText } from './escape.js';
import type { Notice } from './model.js';
import { mentionInText } from './text.js';

export function renderFinishReply(notice: Notice, runUrl: string): { text: string } {
  const mentions = notice.mentions.map(mentionInText).join(' ');
  // A text message: one language, the notice's first.
  const result = inertText(inLanguage(notice.title, notice.languages[0] ?? 'en_us'), 200);
  const first = mentions ? `${mentions} ${result}` : result;
  return { text: runUrl ? `${first}\n${runUrl}` : first };
}
