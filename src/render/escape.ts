/**
 * Untrusted text (anything from the event: commit messages, titles, branch names, logins)
 * is turned inert here, and only here: it can never mention anyone, become a link or an
 * image, change the markup around it, or reorder what the reader sees. The reader still
 * sees the literal text.
 */

/** C0/C1 controls (but tab and newline) and the bidi marks and overrides that reorder text. */
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Zero-width space: breaks a pattern a client would act on without changing what is read. */
const ZWSP = '\u200b';

/** Characters card markdown gives a meaning to, as numeric HTML entities. */
const MARKDOWN_ENTITIES: Record<string, string> = {
  '&': '&#38;',
  '<': '&#60;',
  '>': '&#62;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '(': '&#40;',
  ')': '&#41;',
  '#': '&#35;',
  '`': '&#96;',
  '~': '&#126;',
  '|': '&#124;',
  '\\': '&#92;',
  '!': '&#33;',
  $: '&#36;',
  '{': '&#123;',
  '}': '&#125;',
  '@': '&#64;',
};
const MARKDOWN_SPECIAL = /[&<>*_[\]()#`~|\\!${}@]/g;

const MAX_URL_LENGTH = 2048;

/**
 * Marks the end of text cut short to fit a limit. No words: the text it ends is one copy
 * whatever the reader's language.
 */
export const TRUNCATED = '… ✂️';

/** Removes invisible controls; folds line breaks into a space when the text must stay on one line. */
export function clean(text: string, singleLine = true): string {
  const visible = text.replace(INVISIBLE, '');
  return singleLine ? visible.replace(/[ \t]*[\r\n]+[ \t]*/g, ' ') : visible;
}

/** Shortens text to at most `max` characters (code points), marking the cut. */
export function clip(text: string, max: number): string {
  // Never more code points than UTF-16 units; and a long text is walked only as far as the cut.
  if (text.length <= max) return text;
  const keep = Math.max(0, max - TRUNCATED.length);
  let count = 0;
  let index = 0;
  let keepEnd = 0;
  for (const char of text) {
    if (count === keep) keepEnd = index;
    count++;
    index += char.length;
    if (count > max) return `${text.slice(0, keepEnd).trimEnd()}${TRUNCATED}`;
  }
  return text;
}

/**
 * Breaks bare URLs, `www.` hosts and e-mail addresses so no client turns them into links, and
 * opening guillemets so event text never spells a footer's key marker (see model.ts).
 */
function unlink(text: string): string {
  return text
    .replace(/«/g, `«${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
    .replace(/@/g, `@${ZWSP}`);
}

/** Untrusted text for card markdown (and post `md` runs): every markup character is an entity. */
export function inertMarkdown(text: string, max: number): string {
  const safe = unlink(clip(clean(text), max)).replace(
    MARKDOWN_SPECIAL,
    (c) => MARKDOWN_ENTITIES[c] ?? c,
  );
  // A leading "-", "+" or "1." would start a list when a value opens a line.
  return safe.replace(/^([-+=]|\d+\.)/, (m) => `${ZWSP}${m}`);
}

/**
 * Untrusted text for places that show text literally but where clients still look for
 * `<at …>`, `[label](url)` and bare links: text messages, post `text` runs, plain_text.
 */
export function inertText(text: string, max: number, singleLine = true): string {
  return unlink(clip(clean(text, singleLine), max))
    .replace(/</g, `<${ZWSP}`)
    .replace(/\]\(/g, `]${ZWSP}(`);
}

/**
 * A URL that is safe to put behind a link we build: http(s) only, and with the characters
 * that would end a markdown link or break out of it percent-encoded.
 */
export function safeUrl(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // A link is a few hundred bytes at most; a giant one in a payload would crowd out the card.
  if (url.href.length > MAX_URL_LENGTH) return undefined;
  return url.href.replace(
    /[()<>[\]"'`\s{}|\\^]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
