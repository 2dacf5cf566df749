/**
 * The terminal preview of a message: a box drawn from its content JSON (a card, a text or a
 * post), with the header's colour, wrapped to a width, with or without ANSI colours. What
 * `npm run preview` prints; the README's pictures come from card-html.ts instead.
 */
import { type Block, type Inline, parseMarkdown } from './card-html.js';

interface Style {
  bold?: boolean;
  italic?: boolean;
  strike?: boolean;
  dim?: boolean;
  link?: string;
  code?: boolean;
  fg?: number;
}
interface Segment {
  text: string;
  style: Style;
}
type Line = Segment[];

/** 256-colour backgrounds for the card header templates, with a readable foreground. */
const HEADER_ANSI: Record<string, { bg: number; fg: number }> = {
  blue: { bg: 27, fg: 15 },
  wathet: { bg: 39, fg: 16 },
  turquoise: { bg: 37, fg: 16 },
  green: { bg: 28, fg: 15 },
  yellow: { bg: 178, fg: 16 },
  orange: { bg: 208, fg: 16 },
  red: { bg: 160, fg: 15 },
  carmine: { bg: 162, fg: 15 },
  violet: { bg: 127, fg: 15 },
  purple: { bg: 92, fg: 15 },
  indigo: { bg: 61, fg: 15 },
  grey: { bg: 244, fg: 16 },
  default: { bg: 252, fg: 16 },
};
const TAG_FG: Record<string, number> = {
  blue: 33,
  wathet: 39,
  turquoise: 37,
  green: 34,
  yellow: 178,
  orange: 208,
  red: 196,
  carmine: 162,
  violet: 127,
  purple: 93,
  indigo: 62,
  grey: 245,
  neutral: 245,
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters take no column
const ZERO_WIDTH = /[\u0000-\u001f\u007f-\u009f\u200b-\u200d\u2060\p{M}]/u;
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f000}-\u{1faff}\u{20000}-\u{3fffd}\p{Emoji_Presentation}]/u;

/** Columns a string takes in a terminal (wide CJK and emoji count two). */
export function displayWidth(text: string): number {
  const chars = Array.from(text);
  let width = 0;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ZERO_WIDTH.test(ch)) continue;
    if (WIDE.test(ch) || (/\p{Extended_Pictographic}/u.test(ch) && chars[i + 1] === '\ufe0f'))
      width += 2;
    else width += 1;
  }
  return width;
}

function inlineSegments(nodes: Inline[], style: Style = {}): Segment[] {
  return nodes.flatMap((n): Segment[] => {
    switch (n.t) {
      case 'text':
        return [{ text: n.text, style }];
      case 'bold':
        return inlineSegments(n.children, { ...style, bold: true });
      case 'italic':
        return inlineSegments(n.children, { ...style, italic: true });
      case 'strike':
        return inlineSegments(n.children, { ...style, strike: true });
      case 'code':
        return [{ text: n.text, style: { ...style, code: true } }];
      case 'link':
        return inlineSegments(n.children, { ...style, link: n.href });
      case 'at':
        return [{ text: n.label, style: { ...style, fg: 33 } }];
      case 'color':
        return inlineSegments(n.children, { ...style, fg: TAG_FG[n.color] ?? 33 });
      case 'tag':
        return [{ text: `[${n.text}]`, style: { ...style, fg: TAG_FG[n.color] ?? 245 } }];
      case 'br':
        return [{ text: '\n', style }];
    }
    return [];
  });
}

/** Splits segments on embedded newlines into separate lines. */
function splitLines(segments: Segment[]): Line[] {
  const lines: Line[] = [[]];
  for (const seg of segments) {
    const parts = seg.text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (part) lines[lines.length - 1]?.push({ text: part, style: seg.style });
    });
  }
  return lines;
}

function blockLines(blocks: Block[]): Line[] {
  const out: Line[] = [];
  for (const b of blocks) {
    switch (b.t) {
      case 'p':
        for (const line of b.lines) out.push(...splitLines(inlineSegments(line)));
        break;
      case 'h':
        out.push(...splitLines(inlineSegments(b.inline, { bold: true })));
        break;
      case 'ul':
      case 'ol':
        b.items.forEach((item, i) => {
          const marker = b.t === 'ul' ? '• ' : `${b.start + i}. `;
          out.push([{ text: marker, style: {} }, ...inlineSegments(item)]);
        });
        break;
      case 'quote':
        for (const line of b.lines)
          out.push([{ text: '│ ', style: { dim: true } }, ...inlineSegments(line, { dim: true })]);
        break;
      case 'code':
        for (const line of b.text.split('\n')) out.push([{ text: line, style: { code: true } }]);
        break;
      case 'hr':
        out.push([{ text: '\u0000hr', style: {} }]);
        break;
    }
  }
  return out;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const textOf = (v: unknown): string => (isObject(v) ? str(v.content) || str(v.text) : str(v));

interface BoxPart {
  kind: 'lines' | 'rule' | 'gap';
  lines?: Line[];
}

function elementParts(node: unknown, parts: BoxPart[]): void {
  if (!isObject(node)) return;
  const push = (lines: Line[]) => {
    if (parts.length > 0 && parts[parts.length - 1]?.kind === 'lines') parts.push({ kind: 'gap' });
    parts.push({ kind: 'lines', lines });
  };
  switch (node.tag) {
    case 'markdown': {
      const lines = blockLines(parseMarkdown(str(node.content)));
      // An hr inside markdown becomes a rule of the box.
      let run: Line[] = [];
      for (const line of lines) {
        if (line[0]?.text === '\u0000hr') {
          if (run.length) push(run);
          run = [];
          parts.push({ kind: 'rule' });
        } else run.push(line);
      }
      if (run.length) push(run);
      break;
    }
    case 'div':
    case 'plain_text':
    case 'lark_md': {
      const text = node.tag === 'div' ? node.text : node;
      const t = isObject(text) ? text : {};
      const dim = t.text_size === 'notation' || t.text_color === 'grey';
      const lines =
        t.tag === 'lark_md'
          ? blockLines(parseMarkdown(textOf(t)))
          : textOf(t)
              .split('\n')
              .map((l) => [{ text: l, style: { dim } }]);
      push(lines);
      break;
    }
    case 'hr':
      parts.push({ kind: 'rule' });
      break;
    case 'img':
      push([
        [
          {
            text: `🖼  ${textOf(node.alt) || 'image'}  (${str(node.img_key)})`,
            style: { dim: true },
          },
        ],
      ]);
      break;
    case 'button':
      push([buttonSegments([node])]);
      break;
    case 'action':
      push([buttonSegments(Array.isArray(node.actions) ? node.actions : [])]);
      break;
    case 'column_set': {
      const columns = Array.isArray(node.columns) ? node.columns : [];
      const inner = columns.flatMap((c) =>
        isObject(c) && Array.isArray(c.elements) ? (c.elements as unknown[]) : [],
      );
      if (inner.every((e) => isObject(e) && e.tag === 'button')) push([buttonSegments(inner)]);
      else for (const e of inner) elementParts(e, parts);
      break;
    }
    default:
      push([[{ text: `[${str(node.tag) || 'element'}]`, style: { dim: true } }]]);
  }
}

function buttonSegments(buttons: unknown[]): Line {
  const line: Line = [];
  for (const b of buttons) {
    if (!isObject(b)) continue;
    const url =
      (Array.isArray(b.behaviors) ? b.behaviors : [])
        .map((x) => (isObject(x) ? str(x.default_url) : ''))
        .find(Boolean) || str(b.url);
    if (line.length > 0) line.push({ text: ' ', style: {} });
    const primary = str(b.type).startsWith('primary');
    line.push({
      text: `[ ${textOf(b.text)} ]`,
      style: { bold: primary, fg: primary ? 33 : undefined, link: url || undefined },
    });
  }
  return line;
}

/** Wraps a line of segments to `width` columns, breaking at spaces where it can. */
function wrap(line: Line, width: number): Line[] {
  const out: Line[] = [[]];
  let used = 0;
  const tokens: Segment[] = line.flatMap((seg) =>
    seg.text
      .split(/(\s+)/)
      .filter(Boolean)
      .map((text) => ({ text, style: seg.style })),
  );
  for (const token of tokens) {
    const w = displayWidth(token.text);
    if (/^\s+$/.test(token.text)) {
      if (used > 0 && used + w <= width) {
        out[out.length - 1]?.push(token);
        used += w;
      }
      continue;
    }
    if (used + w > width && used > 0) {
      const last = out[out.length - 1];
      if (last && /^\s+$/.test(last[last.length - 1]?.text ?? '')) last.pop();
      out.push([]);
      used = 0;
    }
    if (w <= width) {
      out[out.length - 1]?.push(token);
      used += w;
      continue;
    }
    // A word longer than the line: hard-break it.
    let piece = '';
    for (const ch of Array.from(token.text)) {
      const cw = displayWidth(ch);
      if (used + displayWidth(piece) + cw > width) {
        out[out.length - 1]?.push({ text: piece, style: token.style });
        out.push([]);
        used = 0;
        piece = '';
      }
      piece += ch;
    }
    if (piece) {
      out[out.length - 1]?.push({ text: piece, style: token.style });
      used += displayWidth(piece);
    }
  }
  return out;
}

/** What a terminal shows of a text: no zero-width breaks, and no control characters at all. */
function visible(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b\u2060]/g, '');
}

function paint(seg: Segment, color: boolean): string {
  const text = visible(seg.text);
  if (!color) return text;
  const s = seg.style;
  const codes: string[] = [];
  if (s.bold) codes.push('1');
  if (s.dim) codes.push('2');
  if (s.italic) codes.push('3');
  if (s.link && s.fg === undefined) codes.push('4', '38;5;33');
  if (s.strike) codes.push('9');
  if (s.fg !== undefined) codes.push(`38;5;${s.fg}`);
  if (s.code) codes.push('38;5;166');
  const styled = codes.length ? `\x1b[${codes.join(';')}m${text}\x1b[0m` : text;
  // OSC 8: a clickable link in terminals that support it, plain text elsewhere.
  return s.link ? `\x1b]8;;${s.link}\x1b\\${styled}\x1b]8;;\x1b\\` : styled;
}

export interface TerminalOptions {
  color: boolean;
  /** Total width of the box in columns. */
  width: number;
}

/** A box-drawn, terminal-readable rendering of one message's content. */
export function terminalPreview(msgType: string, content: Json, options: TerminalOptions): string {
  const inner = Math.max(20, options.width - 4);
  const { color } = options;
  const header: Line[] = [];
  const parts: BoxPart[] = [];
  let template = 'default';
  let label = msgType;
  const links: string[] = [];

  if (msgType === 'interactive' && content.type === 'template' && isObject(content.data)) {
    label = 'template card';
    const d = content.data;
    header.push([{ text: `Template ${str(d.template_id)}`, style: { bold: true } }]);
    if (d.template_version_name)
      header.push([{ text: `version ${str(d.template_version_name)}`, style: {} }]);
    const vars = isObject(d.template_variable) ? d.template_variable : {};
    parts.push({
      kind: 'lines',
      lines: Object.entries(vars).map(([k, v]) => [
        { text: `${k}: `, style: { bold: true } },
        { text: JSON.stringify(v), style: {} },
      ]),
    });
  } else if (msgType === 'interactive') {
    label = content.schema === '2.0' ? 'card 2.0' : 'card';
    const h = isObject(content.header) ? content.header : {};
    template = str(h.template) || 'default';
    header.push([{ text: textOf(h.title), style: { bold: true } }]);
    const sub: Line = [];
    if (textOf(h.subtitle)) sub.push({ text: textOf(h.subtitle), style: {} });
    for (const t of Array.isArray(h.text_tag_list) ? h.text_tag_list : []) {
      if (isObject(t)) sub.push({ text: `  [${textOf(t.text)}]`, style: { bold: true } });
    }
    if (sub.length) header.push(sub);
    const elements = isObject(content.body) ? content.body.elements : content.elements;
    for (const el of Array.isArray(elements) ? elements : []) elementParts(el, parts);
  } else if (msgType === 'text') {
    const text = str(content.text)
      .replace(/<at user_id="all"><\/at>/g, '@All')
      .replace(
        /<at user_id="([^"]*)">([^<]*)<\/at>/g,
        (_m, id: string, name: string) => `@${name || id}`,
      );
    parts.push({
      kind: 'lines',
      lines: text.split('\n').map((l) => [{ text: l, style: {} }]),
    });
  } else if (msgType === 'post') {
    const lang = Object.values(content).find(isObject) ?? {};
    header.push([{ text: str(lang.title), style: { bold: true } }]);
    const lines: Line[] = [];
    for (const p of Array.isArray(lang.content) ? lang.content : []) {
      const line: Line = [];
      for (const run of Array.isArray(p) ? p : []) {
        if (!isObject(run)) continue;
        if (run.tag === 'text') line.push({ text: str(run.text), style: {} });
        else if (run.tag === 'a')
          line.push({ text: str(run.text), style: { link: str(run.href) } });
        else if (run.tag === 'at')
          line.push({
            text: `@${run.user_id === 'all' ? 'All' : str(run.user_id)}`,
            style: { fg: 33 },
          });
        else if (run.tag === 'md')
          for (const [i, l] of blockLines(parseMarkdown(str(run.text))).entries()) {
            if (i > 0) {
              lines.push([...line]);
              line.length = 0;
            }
            line.push(...l);
          }
        else if (run.tag === 'img')
          line.push({ text: `🖼  ${str(run.image_key)}`, style: { dim: true } });
      }
      lines.push(line);
    }
    parts.push({ kind: 'lines', lines });
  } else if (msgType === 'image') {
    parts.push({
      kind: 'lines',
      lines: [[{ text: `🖼  image ${str(content.image_key)}`, style: { dim: true } }]],
    });
  } else {
    parts.push({
      kind: 'lines',
      lines: JSON.stringify(content, null, 2)
        .split('\n')
        .map((l) => [{ text: l, style: {} }]),
    });
  }

  const collectLinks = (line: Line) => {
    for (const seg of line)
      if (seg.style.link && !links.includes(seg.style.link)) links.push(seg.style.link);
  };
  const row = (line: Line, bg?: { bg: number; fg: number }) => {
    collectLinks(line);
    const used = line.reduce((n, s) => n + displayWidth(s.text), 0);
    const pad = ' '.repeat(Math.max(0, inner - used));
    if (bg && color) {
      const body = line
        .map(
          (s) => `\x1b[48;5;${bg.bg};38;5;${bg.fg}${s.style.bold ? ';1' : ''}m${visible(s.text)}`,
        )
        .join('');
      return `│\x1b[48;5;${bg.bg}m ${body}\x1b[48;5;${bg.bg}m${pad} \x1b[0m│`;
    }
    return `│ ${line.map((s) => paint(s, color)).join('')}${pad} │`;
  };
  const out: string[] = [];
  const title = ` ${label}${template !== 'default' ? ` · ${template}` : ''} `;
  out.push(`╭─${title}${'─'.repeat(Math.max(0, inner + 1 - displayWidth(title)))}╮`);
  if (header.length > 0) {
    const look = HEADER_ANSI[template] ?? HEADER_ANSI.default;
    for (const line of header) for (const w of wrap(line, inner)) out.push(row(w, look));
    out.push(`├${'─'.repeat(inner + 2)}┤`);
  }
  for (const part of parts) {
    if (part.kind === 'rule') out.push(`├${'┄'.repeat(inner + 2)}┤`);
    else if (part.kind === 'gap') out.push(row([]));
    else for (const line of part.lines ?? []) for (const w of wrap(line, inner)) out.push(row(w));
  }
  out.push(`╰${'─'.repeat(inner + 2)}╯`);
  if (links.length > 0 && !color) {
    out.push('Links:');
    for (const link of links) out.push(`  ${link}`);
  }
  return out.join('\n');
}
