/**
 * An HTML approximation of what a Feishu / Lark client shows for a message: card JSON 2.0
 * (and 1.0, for `content`), templates, text, post and image messages. Used by
 * `npm run preview -- --html out.html` and to draw the README's picture (scripts/screenshot.sh).
 *
 * It is a preview, not the client: it follows the card's structure and Feishu's markdown
 * dialect closely enough to judge layout, colours and escaping. In particular it decodes
 * HTML entities after the markdown is parsed, as Feishu does, so text the action escaped
 * (`&#42;`, `&#91;`, …) reads as the literal characters and never turns into markup.
 */

// ---------------------------------------------------------------------------------------------
// Feishu's markdown dialect, parsed into a small tree (shared with the terminal preview)

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'bold' | 'italic' | 'strike'; children: Inline[] }
  | { t: 'code'; text: string }
  | { t: 'link'; href: string; children: Inline[] }
  | { t: 'at'; label: string }
  | { t: 'color'; color: string; children: Inline[] }
  | { t: 'tag'; color: string; text: string }
  | { t: 'br' };

export type Block =
  | { t: 'p'; lines: Inline[][] }
  | { t: 'h'; level: number; inline: Inline[] }
  | { t: 'ul' | 'ol'; items: Inline[][]; start: number }
  | { t: 'quote'; lines: Inline[][] }
  | { t: 'code'; text: string }
  | { t: 'hr' };

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  // Feishu shows &sim; as a plain tilde (it is the documented way to escape `~`).
  sim: '~',
};

/** Decodes numeric and the common named HTML entities, as the Feishu client shows them. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, body) => {
    if (body[0] === '#') {
      const hex = body[1] === 'x' || body[1] === 'X';
      const code = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

interface InlineRule {
  re: RegExp;
  make(m: RegExpExecArray): Inline;
}

/** Tried in order at each position; the first that matches wins. */
const INLINE_RULES: InlineRule[] = [
  { re: /`([^`\n]+)`/y, make: (m) => ({ t: 'code', text: decodeEntities(m[1] ?? '') }) },
  {
    re: /<at\s+(id|email|user_id)\s*=\s*(["']?)([^"'>\s]*)\2\s*>([^<]*)<\/at>/y,
    make: (m) => ({ t: 'at', label: mentionLabel(m[1] ?? '', m[3] ?? '', m[4] ?? '') }),
  },
  {
    re: /<font\s+color\s*=\s*(["']?)([\w-]+)\1\s*>([\s\S]*?)<\/font>/y,
    make: (m) => ({ t: 'color', color: m[2] ?? '', children: parseInline(m[3] ?? '') }),
  },
  {
    re: /<text_tag\s+color\s*=\s*(["']?)([\w-]+)\1\s*>([\s\S]*?)<\/text_tag>/y,
    make: (m) => ({ t: 'tag', color: m[2] ?? '', text: decodeEntities(m[3] ?? '') }),
  },
  { re: /<br\s*\/?>/y, make: () => ({ t: 'br' }) },
  {
    re: /\[((?:[^[\]\n]|\[[^\]\n]*\])*)\]\(([^()\s]+)\)/y,
    make: (m) => ({
      t: 'link',
      href: decodeEntities(m[2] ?? ''),
      children: parseInline(m[1] ?? ''),
    }),
  },
  {
    re: /\*\*(?=\S)([\s\S]+?)\*\*/y,
    make: (m) => ({ t: 'bold', children: parseInline(m[1] ?? '') }),
  },
  {
    re: /~~(?=\S)([\s\S]+?)~~/y,
    make: (m) => ({ t: 'strike', children: parseInline(m[1] ?? '') }),
  },
  {
    re: /\*(?=\S)([^*\n]+?)\*/y,
    make: (m) => ({ t: 'italic', children: parseInline(m[1] ?? '') }),
  },
  {
    // Bare URLs become links in the client; text the action escaped has them broken.
    re: /https?:\/\/[^\s<>()[\]"'`]+/y,
    make: (m) => ({ t: 'link', href: m[0], children: [{ t: 'text', text: m[0] }] }),
  },
];

function mentionLabel(kind: string, who: string, name: string): string {
  if (name.trim()) return `@${decodeEntities(name.trim())}`;
  if (who === 'all') return '@All';
  if (kind === 'email') return `@${who.split('@')[0] ?? who}`;
  return `@${who}`;
}

/** Parses one run of inline markdown. Entities are decoded in text only, after parsing. */
export function parseInline(source: string): Inline[] {
  const out: Inline[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer) out.push({ t: 'text', text: decodeEntities(buffer) });
    buffer = '';
  };
  let i = 0;
  outer: while (i < source.length) {
    for (const rule of INLINE_RULES) {
      rule.re.lastIndex = i;
      const m = rule.re.exec(source);
      if (m) {
        flush();
        out.push(rule.make(m));
        i += m[0].length;
        continue outer;
      }
    }
    const ch = source.codePointAt(i) ?? 0;
    const s = String.fromCodePoint(ch);
    buffer += s;
    i += s.length;
  }
  flush();
  return out;
}

/** Parses card markdown into blocks: paragraphs (single newlines are line breaks), lists, … */
export function parseMarkdown(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: Inline[][] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) blocks.push({ t: 'p', lines: paragraph });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*```/.test(line)) {
      endParagraph();
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i] ?? ''); i++) code.push(lines[i] ?? '');
      blocks.push({ t: 'code', text: code.join('\n') });
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*(\d+)[.)]\s+(.*)$/.exec(line);
    if (bullet || numbered) {
      endParagraph();
      const kind = bullet ? 'ul' : 'ol';
      const last = blocks[blocks.length - 1];
      const item = parseInline((bullet ? bullet[1] : numbered?.[2]) ?? '');
      if (last && last.t === kind) last.items.push(item);
      else blocks.push({ t: kind, items: [item], start: Number(numbered?.[1] ?? 1) });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      endParagraph();
      blocks.push({
        t: 'h',
        level: heading[1]?.length ?? 1,
        inline: parseInline(heading[2] ?? ''),
      });
      continue;
    }
    if (/^\s*(-{3,}|\*{3,}|_{3,})\s*$/.test(line)) {
      endParagraph();
      blocks.push({ t: 'hr' });
      continue;
    }
    const quote = /^\s*>\s?(.*)$/.exec(line);
    if (quote) {
      endParagraph();
      const last = blocks[blocks.length - 1];
      const inline = parseInline(quote[1] ?? '');
      if (last && last.t === 'quote') last.lines.push(inline);
      else blocks.push({ t: 'quote', lines: [inline] });
      continue;
    }
    if (line.trim() === '') {
      endParagraph();
      continue;
    }
    paragraph.push(parseInline(line));
  }
  endParagraph();
  return blocks;
}

/** The text a reader sees, without markup: used by tests and the terminal preview. */
export function inlineText(nodes: Inline[]): string {
  return nodes
    .map((n) => {
      switch (n.t) {
        case 'text':
        case 'code':
        case 'tag':
          return n.text;
        case 'at':
          return n.label;
        case 'br':
          return '\n';
        default:
          return inlineText(n.children);
      }
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Colours: Feishu's palette (the 500 shade of each header template and text colour)

export const PALETTE: Record<string, { solid: string; text: string }> = {
  blue: { solid: '#3370ff', text: '#245bdb' },
  wathet: { solid: '#14c0ff', text: '#037eaa' },
  turquoise: { solid: '#00d6b9', text: '#078372' },
  green: { solid: '#34c724', text: '#237b19' },
  yellow: { solid: '#ffc60a', text: '#8f6a00' },
  orange: { solid: '#ff8800', text: '#b26206' },
  red: { solid: '#f54a45', text: '#d83931' },
  carmine: { solid: '#f01d94', text: '#b81d74' },
  violet: { solid: '#d136d1', text: '#9f2b9f' },
  purple: { solid: '#7f3bf5', text: '#6425d0' },
  indigo: { solid: '#4954e6', text: '#3b43b6' },
  grey: { solid: '#8f959e', text: '#646a73' },
  neutral: { solid: '#8f959e', text: '#646a73' },
  default: { solid: '#8f959e', text: '#1f2329' },
};

function colour(name: string | undefined): { solid: string; text: string } {
  return (
    PALETTE[(name ?? '').toLowerCase()] ?? (PALETTE.default as { solid: string; text: string })
  );
}

/** `hex` mixed with white: `amount` 0 is white, 1 is the colour. */
function tint(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(255 - (255 - c) * amount);
  const [r, g, b] = [mix((n >> 16) & 255), mix((n >> 8) & 255), mix(n & 255)];
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

// ---------------------------------------------------------------------------------------------
// HTML

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function safeHref(href: string): string {
  return /^https?:\/\//i.test(href) ? escapeHtml(href) : '#';
}

function inlineHtml(nodes: Inline[]): string {
  return nodes
    .map((n) => {
      switch (n.t) {
        case 'text':
          return escapeHtml(n.text);
        case 'bold':
          return `<strong>${inlineHtml(n.children)}</strong>`;
        case 'italic':
          return `<em>${inlineHtml(n.children)}</em>`;
        case 'strike':
          return `<del>${inlineHtml(n.children)}</del>`;
        case 'code':
          return `<code>${escapeHtml(n.text)}</code>`;
        case 'link':
          return `<a href="${safeHref(n.href)}">${inlineHtml(n.children)}</a>`;
        case 'at':
          return `<span class="at">${escapeHtml(n.label)}</span>`;
        case 'color':
          return `<span style="color:${colour(n.color).text}">${inlineHtml(n.children)}</span>`;
        case 'tag':
          return textTagHtml(n.text, n.color);
        case 'br':
          return '<br>';
      }
      return '';
    })
    .join('');
}

export function markdownHtml(source: string): string {
  return parseMarkdown(source)
    .map((b) => {
      switch (b.t) {
        case 'p':
          return `<p>${b.lines.map(inlineHtml).join('<br>')}</p>`;
        case 'h':
          return `<h${Math.min(b.level + 2, 6)}>${inlineHtml(b.inline)}</h${Math.min(b.level + 2, 6)}>`;
        case 'ul':
          return `<ul>${b.items.map((i) => `<li>${inlineHtml(i)}</li>`).join('')}</ul>`;
        case 'ol':
          return `<ol start="${b.start}">${b.items.map((i) => `<li>${inlineHtml(i)}</li>`).join('')}</ol>`;
        case 'quote':
          return `<blockquote>${b.lines.map(inlineHtml).join('<br>')}</blockquote>`;
        case 'code':
          return `<pre>${escapeHtml(b.text)}</pre>`;
        case 'hr':
          return '<hr>';
      }
      return '';
    })
    .join('');
}

function textTagHtml(text: string, color: string | undefined): string {
  const c = colour(color);
  return `<span class="tag" style="background:${tint(c.solid, 0.2)};color:${c.text}">${escapeHtml(text)}</span>`;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const textOf = (v: unknown): string => (isObject(v) ? str(v.content) || str(v.text) : str(v));

/** A `text` object (plain_text or lark_md) with its size and colour. */
function textObjectHtml(text: unknown): string {
  if (!isObject(text)) return escapeHtml(str(text));
  const size = str(text.text_size);
  const classes = ['text', size ? `size-${size}` : ''].filter(Boolean).join(' ');
  const color = str(text.text_color);
  const style = color && color !== 'default' ? ` style="color:${colour(color).text}"` : '';
  const body =
    text.tag === 'lark_md' || text.tag === 'markdown'
      ? markdownHtml(textOf(text))
      : escapeHtml(textOf(text)).replace(/\n/g, '<br>');
  return `<div class="${classes}"${style}>${body}</div>`;
}

function buttonHtml(el: Json): string {
  const behaviors = Array.isArray(el.behaviors) ? el.behaviors : [];
  const url =
    behaviors.map((b) => (isObject(b) ? str(b.default_url) : '')).find(Boolean) ||
    str(el.url) ||
    (isObject(el.multi_url) ? str(el.multi_url.url) : '');
  const type = str(el.type) || 'default';
  const kind = type.startsWith('primary')
    ? 'primary'
    : type.startsWith('danger')
      ? 'danger'
      : 'default';
  const size = str(el.size) || 'medium';
  const label = escapeHtml(textOf(el.text));
  return `<a class="button ${kind} ${escapeHtml(size)}" href="${safeHref(url)}">${label}</a>`;
}

function elementHtml(node: unknown): string {
  if (!isObject(node)) return '';
  const el = node;
  switch (el.tag) {
    case 'markdown': {
      const align = str(el.text_align);
      const style = align ? ` style="text-align:${escapeHtml(align)}"` : '';
      const size = str(el.text_size);
      return `<div class="md${size ? ` size-${escapeHtml(size)}` : ''}"${style}>${markdownHtml(str(el.content))}</div>`;
    }
    case 'div':
      return textObjectHtml(el.text);
    case 'plain_text':
    case 'lark_md':
      return textObjectHtml(el);
    case 'hr':
      return '<hr class="divider">';
    case 'img': {
      const alt = textOf(el.alt) || 'image';
      return `<div class="img" title="${escapeHtml(str(el.img_key))}"><span class="img-icon">🖼</span><span>${escapeHtml(alt)}</span></div>`;
    }
    case 'button':
      return `<div class="buttons">${buttonHtml(el)}</div>`;
    case 'action': {
      const actions = Array.isArray(el.actions) ? el.actions : [];
      return `<div class="buttons">${actions.map((a) => (isObject(a) && a.tag === 'button' ? buttonHtml(a) : elementHtml(a))).join('')}</div>`;
    }
    case 'note': {
      const parts = Array.isArray(el.elements) ? el.elements : [];
      return `<div class="text size-notation grey">${parts.map((p) => escapeHtml(textOf(p))).join(' ')}</div>`;
    }
    case 'column_set': {
      const columns = Array.isArray(el.columns) ? el.columns : [];
      const gap = str(el.horizontal_spacing) || '8px';
      const wrap = el.flex_mode === 'flow' || el.flex_mode === 'bisect' ? 'wrap' : 'nowrap';
      const cols = columns
        .map((c) => {
          if (!isObject(c)) return '';
          const weighted = c.width === 'weighted';
          const flex = weighted ? `flex:${Number(c.weight) || 1} 1 0` : 'flex:0 0 auto';
          const inner = (Array.isArray(c.elements) ? c.elements : []).map(elementHtml).join('');
          return `<div class="column" style="${flex}">${inner}</div>`;
        })
        .join('');
      const onlyButtons = columns.every(
        (c) =>
          isObject(c) &&
          Array.isArray(c.elements) &&
          c.elements.every((e) => isObject(e) && e.tag === 'button'),
      );
      const cls = onlyButtons ? 'columns buttons-row' : 'columns';
      return `<div class="${cls}" style="gap:${escapeHtml(gap)};flex-wrap:${wrap}">${cols}</div>`;
    }
    default:
      return `<div class="unknown">[${escapeHtml(str(el.tag) || 'element')}]</div>`;
  }
}

function headerHtml(header: Json): string {
  const template = str(header.template) || 'default';
  const c = colour(template);
  const bg = template === 'default' ? '#ffffff' : tint(c.solid, 0.14);
  const title = escapeHtml(textOf(header.title));
  const subtitle = textOf(header.subtitle);
  const tags = (Array.isArray(header.text_tag_list) ? header.text_tag_list : [])
    .filter(isObject)
    .map((t) => textTagHtml(textOf(t.text), str(t.color)))
    .join('');
  return [
    `<div class="header" style="background:${bg}">`,
    `<div class="title-row"><div class="title">${title}</div>${tags}</div>`,
    subtitle ? `<div class="subtitle">${escapeHtml(subtitle)}</div>` : '',
    '</div>',
  ].join('');
}

/** A card JSON (2.0, or 1.0 with top-level `elements`) -> the card's HTML. */
export function cardHtml(card: Json): string {
  if (card.type === 'template' && isObject(card.data)) return templateHtml(card.data);
  const header = isObject(card.header) ? headerHtml(card.header) : '';
  const elements = isObject(card.body)
    ? card.body.elements
    : Array.isArray(card.elements)
      ? card.elements
      : [];
  const body = (Array.isArray(elements) ? elements : []).map(elementHtml).join('');
  return `<div class="card">${header}<div class="body">${body}</div></div>`;
}

function templateHtml(data: Json): string {
  const vars = isObject(data.template_variable) ? data.template_variable : {};
  const rows = Object.entries(vars)
    .map(([k, v]) => `<li><code>${escapeHtml(k)}</code>: ${escapeHtml(JSON.stringify(v))}</li>`)
    .join('');
  return [
    '<div class="card"><div class="header" style="background:#f2f3f5">',
    `<div class="title-row"><div class="title">Template card ${escapeHtml(str(data.template_id))}</div></div>`,
    `<div class="subtitle">${data.template_version_name ? `version ${escapeHtml(str(data.template_version_name))} · ` : ''}drawn by Feishu from the card builder</div></div>`,
    `<div class="body"><div class="md"><p>Variables:</p><ul>${rows || '<li>none</li>'}</ul></div></div></div>`,
  ].join('');
}

function textMessageHtml(content: Json): string {
  const text = str(content.text);
  const html = escapeHtml(text)
    .replace(/&lt;at user_id=&quot;all&quot;&gt;&lt;\/at&gt;/g, '<span class="at">@All</span>')
    .replace(
      /&lt;at user_id=&quot;([^&]*)&quot;&gt;([^&]*)&lt;\/at&gt;/g,
      (_m, id: string, name: string) => `<span class="at">@${name || id}</span>`,
    )
    .replace(/\n/g, '<br>');
  return `<div class="bubble">${html}</div>`;
}

function postHtml(content: Json): string {
  const lang = Object.values(content).find(isObject) ?? {};
  const title = str(lang.title);
  const paragraphs = Array.isArray(lang.content) ? lang.content : [];
  const runHtml = (run: unknown): string => {
    if (!isObject(run)) return '';
    switch (run.tag) {
      case 'text':
        return escapeHtml(str(run.text));
      case 'a':
        return `<a href="${safeHref(str(run.href))}">${escapeHtml(str(run.text))}</a>`;
      case 'at':
        return `<span class="at">@${run.user_id === 'all' ? 'All' : escapeHtml(str(run.user_name) || str(run.user_id))}</span>`;
      case 'md':
        return markdownHtml(str(run.text)).replace(/^<p>|<\/p>$/g, '');
      case 'img':
        return `<div class="img"><span class="img-icon">🖼</span><span>${escapeHtml(str(run.image_key))}</span></div>`;
      default:
        return '';
    }
  };
  const body = paragraphs
    .map((p) => `<p>${(Array.isArray(p) ? p : []).map(runHtml).join('')}</p>`)
    .join('');
  return `<div class="bubble post">${title ? `<div class="post-title">${escapeHtml(title)}</div>` : ''}<div class="md">${body}</div></div>`;
}

/**
 * A message as a reader whose client is set to `language` sees it: every `content` with an
 * `i18n_content` in that language takes it, and a post shows that language's body. A language
 * the message does not carry falls back to what Feishu shows: `content`, or the first body.
 */
export function asReader(msgType: string, content: Json, language: string): Json {
  if (msgType === 'post') {
    const body = content[language] ?? Object.values(content).find(isObject);
    return isObject(body) ? { [language]: body } : content;
  }
  if (msgType !== 'interactive') return content;
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isObject(node)) return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node))
      if (key !== 'i18n_content') out[key] = visit(value);
    const localized = isObject(node.i18n_content) ? node.i18n_content[language] : undefined;
    if (typeof localized === 'string') out.content = localized;
    return out;
  };
  return visit(content) as Json;
}

/** One message's content -> its HTML as the client would show it (without the page). */
export function messageHtml(msgType: string, content: Json): string {
  switch (msgType) {
    case 'interactive':
      return cardHtml(content);
    case 'text':
      return textMessageHtml(content);
    case 'post':
      return postHtml(content);
    case 'image':
      return `<div class="img bubble-img"><span class="img-icon">🖼</span><span>${escapeHtml(str(content.image_key))}</span></div>`;
    default:
      return `<pre class="bubble">${escapeHtml(JSON.stringify(content, null, 2))}</pre>`;
  }
}

const HTML_LANG: Record<string, string> = { zh_cn: 'zh-CN', en_us: 'en', ja_jp: 'ja' };

export interface PageOptions {
  /** The bot's name shown above the message. */
  botName?: string;
  /** The time shown beside the name. */
  time?: string;
  /** Width of the chat column in CSS pixels. */
  width?: number;
  /** Page title. */
  title?: string;
  /** The reader's language (zh_cn, en_us, ja_jp): CJK text is drawn with its glyphs. */
  language?: string;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;padding:20px 24px 24px;background:#f5f6f7;color:#1f2329;
 font:14px/22px -apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans","Noto Sans CJK SC","Helvetica Neue",Arial,sans-serif,"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji";
 -webkit-font-smoothing:antialiased}
.chat{display:flex;gap:12px;align-items:flex-start}
.avatar{flex:0 0 36px;height:36px;border-radius:50%;background:linear-gradient(135deg,#3370ff,#14c0ff);
 color:#fff;font-weight:600;font-size:13px;display:flex;align-items:center;justify-content:center}
.message{flex:1 1 auto;min-width:0}
.meta{font-size:12px;line-height:20px;color:#8f959e;margin-bottom:4px;display:flex;gap:6px;align-items:center}
.meta .name{color:#646a73}
.bot{font-size:11px;line-height:16px;padding:0 4px;border-radius:4px;background:#e1eaff;color:#245bdb}
.card{background:#fff;border:1px solid #dee0e3;border-radius:8px;overflow:hidden;box-shadow:0 1px 2px rgba(31,35,41,.04)}
.header{padding:12px 16px}
.title-row{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.title{font-size:16px;line-height:24px;font-weight:600;color:#1f2329;word-break:break-word}
.subtitle{font-size:14px;line-height:22px;color:#646a73;margin-top:2px}
.tag{display:inline-block;font-size:12px;line-height:20px;padding:0 6px;border-radius:4px;font-weight:500;white-space:nowrap;vertical-align:1px}
.body{padding:12px 16px 12px;display:flex;flex-direction:column;gap:8px}
.md p{margin:0}
.md ul,.md ol{margin:0;padding-left:22px}
.md li{margin:0}
.md h3,.md h4,.md h5,.md h6{margin:0;font-size:16px;line-height:24px}
.md blockquote{margin:0;padding-left:10px;border-left:2px solid #dee0e3;color:#646a73}
.md pre,.md code{font-family:"SF Mono",Menlo,Consolas,"Noto Sans Mono","DejaVu Sans Mono",monospace;font-size:13px}
.md code{background:#f2f3f5;border-radius:4px;padding:1px 4px}
.md pre{background:#f5f6f7;border-radius:6px;padding:8px 12px;margin:0;white-space:pre-wrap}
.md strong{font-weight:600}
a{color:#245bdb;text-decoration:none}
.at{color:#245bdb}
.text{word-break:break-word}
.size-notation{font-size:12px;line-height:20px}
.grey{color:#8f959e}
hr,.divider{border:0;border-top:1px solid #dee0e3;margin:4px 0}
.img{display:flex;align-items:center;justify-content:center;flex-direction:column;gap:4px;
 background:#f2f3f5;border:1px dashed #d0d3d6;border-radius:6px;min-height:120px;color:#8f959e;font-size:12px}
.img-icon{font-size:28px;line-height:32px}
.columns{display:flex;align-items:flex-start}
.column{min-width:0;display:flex;flex-direction:column;gap:8px}
.buttons{display:flex;gap:8px;flex-wrap:wrap}
.button{display:inline-flex;align-items:center;justify-content:center;border-radius:6px;
 border:1px solid #d0d3d6;background:#fff;color:#1f2329;white-space:nowrap;font-size:14px}
.button.small{height:28px;padding:0 12px}
.button.tiny{height:24px;padding:0 8px;font-size:12px}
.button.medium{height:32px;padding:0 16px}
.button.large{height:40px;padding:0 20px}
.button.primary{background:#3370ff;border-color:#3370ff;color:#fff}
.button.danger{background:#fff;border-color:#f54a45;color:#f54a45}
.unknown{border:1px dashed #d0d3d6;border-radius:6px;padding:4px 8px;color:#8f959e;font-size:12px}
.bubble{display:inline-block;max-width:100%;background:#fff;border:1px solid #dee0e3;border-radius:8px;padding:8px 12px;white-space:normal;word-break:break-word}
.post-title{font-weight:600;font-size:16px;line-height:24px;margin-bottom:4px}
.post .md p{margin:0 0 2px}
.bubble-img{width:240px}
`;

/** A standalone HTML page showing the message as it would sit in a chat. */
export function pageHtml(msgType: string, content: Json, options: PageOptions = {}): string {
  const botName = options.botName ?? 'feishu-notify';
  const initials = botName
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join('');
  const width = options.width ?? 560;
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(HTML_LANG[options.language ?? ''] ?? 'en')}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(options.title ?? 'Feishu message preview')}</title>`,
    `<style>${CSS}.chat{max-width:${width + 48}px}</style>`,
    '</head><body>',
    '<div class="chat">',
    `<div class="avatar">${escapeHtml(initials || 'FN')}</div>`,
    '<div class="message">',
    `<div class="meta"><span class="name">${escapeHtml(botName)}</span><span class="bot">Bot</span>${options.time ? `<span>${escapeHtml(options.time)}</span>` : ''}</div>`,
    messageHtml(msgType, content),
    '</div></div>',
    '</body></html>',
    '',
  ].join('\n');
}
