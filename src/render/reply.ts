/** The thread reply that tells people a card turned to a failure: a new message notifies. Pure. */
import { inLanguage, words } from '../language.js';
import { inertText } from './escape.js';
import type { Notice } from './model.js';
import { mentionInText } from './text.js';
import { W } from './words.js';

export function renderFinishReply(notice: Notice, runUrl: string): { text: string } {
  const mentions = notice.mentions.map(mentionInText).join(' ');
  // A text message: one language, the notice's first.
  const language = notice.languages[0] ?? 'en_us';
  const result = inertText(inLanguage(notice.title, language), 200);
  const lines = [mentions ? `${mentions} ${result}` : result];
  // What failed first, one click from its log: the people told can start there.
  const failure = notice.firstFailure;
  if (failure) {
    const more =
      failure.more > 0 ? ` (${words(W.moreFailedJobs, { n: failure.more })[language]})` : '';
    lines.push(`${inertText(inLanguage(failure.text, language), 200)}${more}`);
    if (failure.url) lines.push(failure.url);
  }
  if (runUrl && runUrl !== failure?.url) lines.push(runUrl);
  return { text: lines.join('\n') };
}
