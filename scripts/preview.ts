/**
 * `npm run preview`: renders the notice for a bundled sample event with the action's own
 * renderer (src/) and prints the content JSON, a terminal preview of the card and the job
 * summary. Nothing is sent unless FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_TO are set:
 * then it runs the bundled dist/index.js exactly as a runner would, and the card arrives.
 *
 *   npm run preview -- [--event push] [--status success] [--type card|text|post] [--title …]
 *                      [--message …] [--field "Label: value"]… [--button "Label | https://…"]…
 *                      [--mention author] [--user-map "login: ou_…"] [--key deploy-prod]
 *                      [--needs '{"build":{"result":"failure"}}'] [--image path]…
 *                      [--workflow Deploy] [--server-url https://github.example.com]
 *                      [--html out.html] [--finish success] [--list] [--no-color]
 *                      [--jobs jobs.json]
 *
 * A failed or cancelled card shows the "what failed" section from a sample jobs payload
 * (test/fixtures/github/failed_run.json, or --jobs): GitHub's jobs answer plus an
 * `annotations` object by job ID. No token, no request.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { undelivered } from '../src/deliver.js';
import { describeError } from '../src/errors.js';
import { type FailureReport, failedJobs, failureAnnotations } from '../src/github/jobs.js';
import { wantsWhatFailed } from '../src/github/reads.js';
import { findImages } from '../src/images.js';
import { readSettings } from '../src/inputs.js';
import { inLanguage, type Language } from '../src/language.js';
import { contentOutput, summaryMarkdown } from '../src/outputs.js';
import { type MessageContent, renderContents } from '../src/render/content.js';
import type { Notice } from '../src/render/model.js';
import { buildNotice, statusFromNeeds } from '../src/render/notice.js';
import type { Settings } from '../src/settings.js';
import { parseCommandFile } from '../test/support/run-action.js';
import { runContextFor } from '../test/support/run-context.js';
import { asReader, type Block, type Inline, pageHtml, parseMarkdown } from './card-html.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const EVENTS_DIR = join(ROOT, 'test/fixtures/events');

// ---------------------------------------------------------------------------------------------
// Sample events and the run around them

/** Event names GitHub uses; a fixture named `<anything>_<event>` is that event. */
const GITHUB_EVENTS = [
  'push',
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
  'release',
  'workflow_run',
  'workflow_dispatch',
  'workflow_call',
  'deployment',
  'deployment_status',
  'schedule',
  'merge_group',
  'issues',
  'issue_comment',
  'create',
  'delete',
  'check_run',
  'check_suite',
  'repository_dispatch',
  'status',
  'discussion',
  'page_build',
];

/** The bundled sample events (fixture names, without .json). */
export function listEvents(): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** `hostile_push` -> `push`; a fixture named after an event is that event. */
export function eventNameOf(fixture: string): string {
  if (GITHUB_EVENTS.includes(fixture)) return fixture;
  const known = [...GITHUB_EVENTS]
    .sort((a, b) => b.length - a.length)
    .find((e) => fixture.endsWith(`_${e}`));
  return known ?? fixture;
}

type Payload = Record<string, unknown>;

function at(payload: unknown, path: string): string | undefined {
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' && node
    ? node
    : typeof node === 'number'
      ? String(node)
      : undefined;
}

export interface RunOptions {
  workflow?: string;
  job?: string;
  serverUrl?: string;
}

/** The GITHUB_* variables a runner would set for this event, so links and refs line up. */
export function githubEnvFor(
  eventName: string,
  payload: Payload,
  eventPath: string,
  options: RunOptions = {},
): Record<string, string> {
  const defaultBranch = at(payload, 'repository.default_branch') ?? 'main';
  let ref = `refs/heads/${defaultBranch}`;
  let sha = '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807';
  let headRef = '';
  let baseRef = '';
  switch (eventName) {
    case 'push':
      ref = at(payload, 'ref') ?? ref;
      sha = at(payload, 'after') ?? sha;
      break;
    case 'pull_request':
    case 'pull_request_review':
    case 'pull_request_review_comment':
    case 'pull_request_target': {
      const number = at(payload, 'pull_request.number') ?? at(payload, 'number') ?? '1';
      headRef = at(payload, 'pull_request.head.ref') ?? '';
      baseRef = at(payload, 'pull_request.base.ref') ?? defaultBranch;
      const target = eventName === 'pull_request_target';
      ref = target ? `refs/heads/${baseRef}` : `refs/pull/${number}/merge`;
      sha =
        (target
          ? at(payload, 'pull_request.base.sha')
          : at(payload, 'pull_request.merge_commit_sha')) ??
        at(payload, 'pull_request.head.sha') ??
        sha;
      break;
    }
    case 'release':
      ref = `refs/tags/${at(payload, 'release.tag_name') ?? 'v1.0.0'}`;
      break;
    case 'deployment':
    case 'deployment_status': {
      const r = at(payload, 'deployment.ref') ?? defaultBranch;
      ref = r.startsWith('refs/')
        ? r
        : /^v?\d+\.\d+/.test(r)
          ? `refs/tags/${r}`
          : `refs/heads/${r}`;
      sha = at(payload, 'deployment.sha') ?? sha;
      break;
    }
    case 'merge_group':
      ref = at(payload, 'merge_group.head_ref') ?? ref;
      sha = at(payload, 'merge_group.head_sha') ?? sha;
      break;
    case 'workflow_dispatch':
      ref = at(payload, 'ref') ?? ref;
      break;
  }
  const tag = ref.startsWith('refs/tags/');
  const refName = ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\//, '');
  const actor = at(payload, 'sender.login') ?? 'octocat';
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: at(payload, 'repository.full_name') ?? 'acme/shop',
    GITHUB_REPOSITORY_OWNER: at(payload, 'repository.owner.login') ?? 'acme',
    GITHUB_SERVER_URL: options.serverUrl ?? 'https://github.com',
    GITHUB_REF: ref,
    GITHUB_REF_NAME: refName,
    GITHUB_REF_TYPE: tag ? 'tag' : 'branch',
    GITHUB_HEAD_REF: headRef,
    GITHUB_BASE_REF: baseRef,
    GITHUB_SHA: sha,
    GITHUB_ACTOR: actor,
    GITHUB_TRIGGERING_ACTOR: actor,
    GITHUB_WORKFLOW: options.workflow ?? 'Deploy',
    GITHUB_JOB: options.job ?? 'deploy',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering with the action's own code

export const SAMPLE_JOBS = join(ROOT, 'test/fixtures/github/failed_run.json');

/** A jobs answer of GitHub's (`{jobs}`) with the annotations of each job by its ID. */
export function whatFailedFrom(file: string, cancelled: boolean): FailureReport {
  const sample = JSON.parse(readFileSync(file, 'utf8')) as {
    jobs?: unknown[];
    annotations?: Record<string, unknown[]>;
  };
  const report = failedJobs(sample.jobs ?? [], { cancelled });
  for (const job of report.jobs)
    job.annotations = failureAnnotations(sample.annotations?.[job.id] ?? []);
  return report;
}

export interface PreviewOptions extends RunOptions {
  /** A jobs sample for the "what failed" section of a failed card (default SAMPLE_JOBS). */
  jobs?: string;
  /** A fixture name from test/fixtures/events (default push). */
  event?: string;
  /** The action's inputs by their action.yml names (status, type, title, message, …). */
  inputs?: Record<string, string>;
}

export interface Preview {
  eventName: string;
  env: Record<string, string>;
  settings: Settings;
  notice: Notice;
  contents: MessageContent[];
  summary: string;
}

/** Settings, notice, content and job summary for a sample event, as a dry run renders them. */
export async function renderPreview(options: PreviewOptions = {}): Promise<Preview> {
  const fixture = options.event ?? 'push';
  const eventPath = join(EVENTS_DIR, `${fixture}.json`);
  if (!existsSync(eventPath)) {
    throw new Error(`No sample event "${fixture}". Bundled events: ${listEvents().join(', ')}`);
  }
  const eventName = eventNameOf(fixture);
  const payload = JSON.parse(readFileSync(eventPath, 'utf8')) as Payload;
  const env = githubEnvFor(eventName, payload, eventPath, options);
  const inputs: Record<string, string> = {
    to: 'oc_preview',
    // Without a status, one is derived from `needs` (or is info): as in the action.
    ...(options.inputs?.needs ? {} : { status: 'success' }),
    ...options.inputs,
    'dry-run': 'true',
  };
  const settings = await readSettings({
    getInput: (name) => (inputs[name] ?? '').trim(),
    setSecret: () => {},
  });
  const ctx = runContextFor(env);
  // Images are checked like the action checks them, and shown with placeholder keys.
  const images = await findImages(settings.images, process.cwd());
  const status = settings.status ?? statusFromNeeds(settings.needs);
  const notice = buildNotice(settings, ctx, {
    images: images.map((image, i) => ({ key: `img_preview_${i + 1}`, alt: image.name })),
    ...(wantsWhatFailed(settings, status)
      ? { whatFailed: whatFailedFrom(options.jobs ?? SAMPLE_JOBS, status === 'cancelled') }
      : {}),
  });
  const contents = renderContents(settings, notice, false);
  const delivery = undelivered(contents, notice);
  const summary = summaryMarkdown(notice, delivery, true);
  return { eventName, env, settings, notice, contents, summary };
}

// ---------------------------------------------------------------------------------------------
// The terminal preview: a box drawn from the content JSON

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

// ---------------------------------------------------------------------------------------------
// Sending for real, through the bundle, as a runner would

interface ActionRun {
  code: number | null;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

/** Runs dist/index.js with INPUT_* variables; the log is shown with masked values hidden. */
async function runBundle(
  env: Record<string, string>,
  inputs: Record<string, string>,
  secrets: string[],
  verbose: boolean,
  state: Record<string, string> = {},
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'feishu-notify-preview-'));
  try {
    const files = {
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STATE: join(dir, 'state'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    };
    for (const f of Object.values(files)) writeFileSync(f, '');
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('STATE_')) childEnv[k] = v;
    }
    Object.assign(childEnv, env, files, { GITHUB_WORKSPACE: process.cwd(), RUNNER_TEMP: dir });
    for (const [name, value] of Object.entries(inputs))
      childEnv[`INPUT_${name.toUpperCase()}`] = value;
    for (const [name, value] of Object.entries(state)) childEnv[`STATE_${name}`] = value;
    const child = spawn(process.execPath, [join(ROOT, 'dist/index.js')], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const show = (chunk: Buffer, stream: NodeJS.WriteStream) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (!line || line.startsWith('::add-mask::')) continue;
        if (line.startsWith('::debug::') && !verbose) continue;
        // Workflow commands read better as the runner shows them.
        let safe = line
          .replace(/^::(error|warning|notice)::/, '$1: ')
          .replace(/%0A/g, ' ')
          .replace(/%0D/g, '')
          .replace(/%25/g, '%');
        for (const secret of secrets) if (secret) safe = safe.split(secret).join('***');
        stream.write(`  | ${safe}\n`);
      }
    };
    child.stdout.on('data', (c: Buffer) => show(c, process.stdout));
    child.stderr.on('data', (c: Buffer) => show(c, process.stderr));
    // 'close', not 'exit': only then has all of the child's output been shown.
    const code = await new Promise<number | null>((done) => child.on('close', done));
    return {
      code,
      outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      state: parseCommandFile(readFileSync(files.GITHUB_STATE, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The command

const USAGE = `Usage: npm run preview -- [options]

Renders the notice for a bundled sample event with the action's own renderer and prints
the content JSON, a terminal preview and the job summary. Sends it for real when
FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_TO are set (FEISHU_DOMAIN=lark for Lark).

  --event <name>        sample event from test/fixtures/events (default push; --list shows them)
  --status <status>     success, failure, cancelled, skipped, in_progress, warning, info (default success)
  --type <type>         card (default), text or post
  --language <lang>     the language input: auto (default), zh_cn, en_us or ja_jp
  --reader <lang>       the preview (terminal, --html) as a reader whose Feishu is set to this
                        language (default: --language, or en_us with auto)
  --title <text>        card title
  --message <markdown>  message shown first in the card
  --field "L: v"        an extra fact (repeatable)
  --button "L | url"    an extra button (repeatable)
  --mention <who>       all, author, actor, ou_… or an email
  --user-map <map>      "login: ou_…" lines, for --mention author
  --key <key>           notice key, shown in the footer
  --needs <json>        a toJSON(needs) object, e.g. '{"build":{"result":"failure"}}'
  --jobs <file>         for a failed card: GitHub's jobs answer (+ "annotations" by job ID) to show
                        what failed (default test/fixtures/github/failed_run.json)
  --image <path>        an image to show (repeatable; checked like the action checks it)
  --workflow <name>     the workflow name (default Deploy)
  --job <id>            the job ID (default deploy)
  --server-url <url>    GITHUB_SERVER_URL, e.g. a GitHub Enterprise host
  --html <file>         also write an HTML approximation of the message to <file>
  --finish <status>     with a real send of an in_progress card: run the post step with this job status
  --list                list the sample events
  --no-color            no ANSI colours (default: colours when stdout is a terminal)
  --verbose             show the action's debug lines when sending
  -h, --help            this help`;

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      event: { type: 'string', default: 'push' },
      status: { type: 'string', default: 'success' },
      type: { type: 'string', default: 'card' },
      language: { type: 'string', default: 'auto' },
      reader: { type: 'string' },
      title: { type: 'string' },
      message: { type: 'string' },
      field: { type: 'string', multiple: true },
      button: { type: 'string', multiple: true },
      mention: { type: 'string' },
      'user-map': { type: 'string' },
      key: { type: 'string' },
      needs: { type: 'string' },
      jobs: { type: 'string' },
      image: { type: 'string', multiple: true },
      workflow: { type: 'string' },
      job: { type: 'string' },
      'server-url': { type: 'string' },
      html: { type: 'string' },
      finish: { type: 'string' },
      list: { type: 'boolean', default: false },
      'no-color': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (args.list) {
    for (const name of listEvents())
      console.log(`${name}${eventNameOf(name) !== name ? `  (${eventNameOf(name)})` : ''}`);
    return;
  }
  const color = process.stdout.isTTY === true && !args['no-color'] && !process.env.NO_COLOR;
  const h = (text: string) => (color ? `\n\x1b[1;36m== ${text}\x1b[0m` : `\n== ${text}`);

  const inputs: Record<string, string> = {
    status: args.status,
    type: args.type,
    language: args.language,
  };
  const reader = args.reader ?? (args.language === 'auto' ? 'en_us' : args.language);
  const optional: [string, string | undefined][] = [
    ['title', args.title],
    ['message', args.message],
    ['fields', args.field?.join('\n')],
    ['buttons', args.button?.join('\n')],
    ['mention', args.mention],
    ['user-map', args['user-map']],
    ['key', args.key],
    ['needs', args.needs],
    ['images', args.image?.join('\n')],
  ];
  for (const [name, value] of optional) if (value) inputs[name] = value;
  // With needs and no explicit status, the status is derived from the jobs.
  if (args.needs && !process.argv.some((a) => a === '--status' || a.startsWith('--status=')))
    delete inputs.status;

  const runOptions: RunOptions = {
    ...(args.workflow ? { workflow: args.workflow } : {}),
    ...(args.job ? { job: args.job } : {}),
    ...(args['server-url'] ? { serverUrl: args['server-url'].replace(/\/+$/, '') } : {}),
  };
  const preview = await renderPreview({
    event: args.event,
    inputs,
    ...(args.jobs ? { jobs: resolve(args.jobs) } : {}),
    ...runOptions,
  });
  const width = Math.min(Math.max((process.stdout.columns ?? 80) - 2, 40), 78);

  console.log(
    h(`Content JSON (${preview.contents[0]?.msgType ?? 'none'}, event ${preview.eventName})`),
  );
  console.log(contentOutput(preview.contents, 2));
  console.log(h('Job summary (markdown)'));
  console.log(preview.summary.trimEnd());
  console.log(h('Preview'));
  for (const c of preview.contents)
    console.log(
      terminalPreview(c.msgType, asReader(c.msgType, c.content, reader), { color, width }),
    );

  if (args.html) {
    const first = preview.contents[0];
    if (first) {
      const file = resolve(args.html);
      const seen = asReader(first.msgType, first.content, reader);
      const title = inLanguage(preview.notice.title, reader as Language);
      writeFileSync(
        file,
        pageHtml(first.msgType, seen, { title, time: '10:42', language: reader }),
      );
      console.log(h('HTML'));
      console.log(`Wrote ${file} (open it in a browser).`);
    }
  }

  const { FEISHU_APP_ID, FEISHU_APP_SECRET, FEISHU_TO, FEISHU_DOMAIN } = process.env;
  if (!FEISHU_APP_ID || !FEISHU_APP_SECRET || !FEISHU_TO) {
    console.log(h('Send it for real'));
    console.log(
      [
        'Nothing was sent. To send this notice to a chat, set the app credentials and a recipient:',
        '',
        '  FEISHU_APP_ID=cli_… FEISHU_APP_SECRET=… FEISHU_TO=oc_… npm run preview',
        '',
        'FEISHU_TO takes what the `to` input takes (a chat ID oc_…, an email, chat:<group name>);',
        "add FEISHU_DOMAIN=lark for Lark. The README's Quick start says how to get each value.",
      ].join('\n'),
    );
    return;
  }

  const distEntry = join(ROOT, 'dist/index.js');
  if (!existsSync(distEntry))
    throw new Error('dist/index.js is missing: run `npm run bundle` first.');
  console.log(h(`Sending for real to ${FEISHU_TO} through dist/index.js`));
  const sendInputs: Record<string, string> = {
    ...inputs,
    'app-id': FEISHU_APP_ID,
    'app-secret': FEISHU_APP_SECRET,
    to: FEISHU_TO,
    domain: FEISHU_DOMAIN ?? '',
    'fail-on-error': 'true',
    'job-status': '',
  };
  // The images input is read relative to the workspace, which is this directory.
  const secrets = [FEISHU_APP_SECRET];
  const result = await runBundle(preview.env, sendInputs, secrets, args.verbose);
  const outputs = Object.entries(result.outputs).filter(
    ([k, v]) => k !== 'content' && v && v !== '[]',
  );
  for (const [k, v] of outputs) console.log(`  ${k}: ${v}`);
  if (result.code !== 0) {
    process.exitCode = 1;
    console.log(
      "The send failed: see the error above (the README's Troubleshooting explains each Feishu code).",
    );
    return;
  }
  console.log(`Sent. Message ID ${result.outputs['message-id'] || '(none)'}.`);

  if (args.finish) {
    if (!result.state.finish) {
      console.log(
        '--finish: the main step saved nothing to finish (send with --status in_progress).',
      );
      return;
    }
    console.log(h(`Post step: finishing the card with job status ${args.finish}`));
    const post = await runBundle(
      preview.env,
      { ...sendInputs, 'job-status': args.finish },
      secrets,
      args.verbose,
      result.state,
    );
    if (post.code !== 0) process.exitCode = 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(`preview: ${describeError(error)}`);
    process.exitCode = 1;
  });
}
