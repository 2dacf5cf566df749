/**
 * Which mentions a message can carry, by how it is sent. Pure.
 *
 * Through a custom-bot webhook a card mentions by open_id only, and a text or post `user_id`
 * mention shows only a name; through the app, text and post mention by open_id or user_id, not
 * by e-mail. A mention that cannot notify is shown as the name it was given, and reported once.
 */
import type { FeishuMsgType } from './content.js';
import type { Mention, Notice } from './model.js';

export function unsupportedMentions(
  notice: Notice,
  msgType: FeishuMsgType,
  viaWebhook: boolean,
): Mention[] {
  if (msgType === 'image') return [];
  const richText = msgType === 'text' || msgType === 'post';
  return notice.mentions.filter(
    (m) => (m.kind === 'email' && (viaWebhook || richText)) || (m.kind === 'user_id' && viaWebhook),
  );
}

/** The notice with every mention it cannot carry turned into a plain name. */
export function withSupportedMentions(
  notice: Notice,
  msgType: FeishuMsgType,
  viaWebhook: boolean,
): Notice {
  const unsupported = new Set(unsupportedMentions(notice, msgType, viaWebhook));
  if (unsupported.size === 0) return notice;
  return {
    ...notice,
    mentions: notice.mentions.map((m) =>
      unsupported.has(m) ? { kind: 'name', name: nameOf(m) } : m,
    ),
  };
}

/** The notice without its @all (for a group that lets only admins @all). */
export function withoutMentionAll(notice: Notice): Notice {
  return { ...notice, mentions: notice.mentions.filter((m) => m.kind !== 'all') };
}

export function nameOf(mention: Mention): string {
  switch (mention.kind) {
    case 'all':
      return 'all';
    case 'email':
      return mention.email;
    case 'name':
      return mention.name;
    default:
      return mention.id;
  }
}
