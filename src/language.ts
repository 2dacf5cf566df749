/**
 * The languages the action writes in. Feishu names them zh_cn, en_us and ja_jp in cards
 * (`config.locales`, `i18n_content`) and posts alike, so those are the names used throughout.
 */
export const LANGUAGES = ['zh_cn', 'en_us', 'ja_jp'] as const;
export type Language = (typeof LANGUAGES)[number];

/** One phrase in every language. `{name}` marks a value filled in by `words()`. */
export type Words = Readonly<Record<Language, string>>;

/** Text in a notice: the author's or the event's own (one copy), or the action's (translated). */
export type Text = string | Words;

export function isWords(text: Text): text is Words {
  return typeof text !== 'string';
}

/** The text as a reader of `language` sees it. */
export function inLanguage(text: Text, language: Language): string {
  return isWords(text) ? text[language] : text;
}

/**
 * Fills `{name}` placeholders in every language: a translated value in the same language, any
 * other value as it is.
 */
export function words(phrase: Words, values: Record<string, Text | number> = {}): Words {
  return perLanguage((language) =>
    phrase[language].replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = Object.hasOwn(values, name) ? values[name] : undefined;
      if (value === undefined) return whole;
      return typeof value === 'number' ? String(value) : inLanguage(value, language);
    }),
  );
}

/** A phrase written by a function of the language. */
export function perLanguage(write: (language: Language) => string): Words {
  return { zh_cn: write('zh_cn'), en_us: write('en_us'), ja_jp: write('ja_jp') };
}

/** Text built from parts, some translated and some not: one copy unless a part is translated. */
export function joinText(parts: Text[], separator = ''): Text {
  if (!parts.some(isWords)) return (parts as string[]).join(separator);
  return perLanguage((language) => parts.map((part) => inLanguage(part, language)).join(separator));
}

/**
 * `auto` writes every language (each reader's client picks one); where one language must be
 * chosen (text messages, the job summary) it is the first: Chinese on Feishu, English on Lark.
 */
export function languagesFor(choice: 'auto' | Language, lark: boolean): Language[] {
  if (choice !== 'auto') return [choice];
  return lark ? ['en_us', 'zh_cn', 'ja_jp'] : ['zh_cn', 'en_us', 'ja_jp'];
}
