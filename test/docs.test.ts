/**
 * The docs stay true: both READMEs' references are what the generator makes from action.yml
 * (the Chinese one from translations that are complete and current), every input is
 * documented, every workflow snippet is valid YAML that names only real inputs and
 * interpolates nothing into a `run:` script, the Chinese README has every recipe and every
 * troubleshooting code of the English one, and the preview tools render every sample event
 * with the project's own renderer.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  decodeEntities,
  inlineText,
  pageHtml,
  parseInline,
  parseMarkdown,
} from '../scripts/card-html.js';
import {
  applySections,
  chinese,
  ENGLISH,
  fingerprint,
  generateReadme,
  generateSections,
  ROOT,
  readAction,
  readSection,
  readTranslations,
  referenceItems,
  TRANSLATIONS_FILE,
  TranslationError,
  type Translations,
  translationProblems,
} from '../scripts/gen-readme.js';
import { listEvents, renderPreview } from '../scripts/preview.js';
import { terminalPreview } from '../scripts/terminal-card.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const README_ZH = readFileSync(join(ROOT, 'README.zh-CN.md'), 'utf8');
const READMES = [
  { name: 'README.md', text: README },
  { name: 'README.zh-CN.md', text: README_ZH },
];
const ITEMS = referenceItems();
/**
 * The Chinese reference's language, built when a test needs it: when a translation is missing
 * or stale, each test that needs it fails with the list of what to translate, and the rest run.
 */
const chineseLanguage = () => chinese(readTranslations(), ITEMS);
const ACTION = readAction(join(ROOT, 'action.yml'));
const RECALL = readAction(join(ROOT, 'recall/action.yml'));
const WORKFLOWS = join(ROOT, '.github/workflows');

/** A README's ```yaml blocks, with the line each starts on. */
function readmeYamlBlocks(readme: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const re = /^```ya?ml\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(readme); m; m = re.exec(readme)) {
    blocks.push({ line: readme.slice(0, m.index).split('\n').length, text: m[1] ?? '' });
  }
  return blocks;
}

/**
 * What a workflow does, whatever language its free text is in: every key path, with the values
 * of `uses`, `runs-on`, `if`, `run` and the action's inputs that are not prose. Two READMEs'
 * recipes match when their shapes do, so the Chinese one may translate a `title` or `message`
 * but cannot drop a step, an input or a job.
 */
function workflowShape(node: unknown, path = ''): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => workflowShape(item, `${path}[${i}]`));
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => workflowShape(value, `${path}.${key}`));
  }
  const prose = /\.(title|message|fields|name)$/.test(path);
  return [prose ? path : `${path}=${String(node)}`];
}

/** The section of a README under a `## ` heading, up to the next one. */
function section(readme: string, heading: string): string {
  const from = readme.indexOf(`\n## ${heading}\n`);
  expect(from, `heading "${heading}"`).toBeGreaterThanOrEqual(0);
  const to = readme.indexOf('\n## ', from + 1);
  return readme.slice(from, to < 0 ? undefined : to);
}

/** The error codes in the first column of a section's table rows. */
function tableCodes(text: string): string[] {
  return [...text.matchAll(/^\| ([\d, ]+?) +\|/gm)]
    .flatMap((m) => (m[1] ?? '').split(/,\s*/))
    .sort();
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

interface Step {
  uses?: unknown;
  with?: Record<string, unknown>;
  run?: unknown;
}

/** Every object in a parsed YAML document. */
function* objects(node: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(node)) for (const item of node) yield* objects(item);
  else if (node && typeof node === 'object') {
    yield node as Record<string, unknown>;
    for (const value of Object.values(node)) yield* objects(value);
  }
}

/** The inputs an action reference may name: the main action's or the recall step's. */
function inputsFor(uses: string): string[] | undefined {
  if (/^(feishu-notify\/feishu-notify|\.)\/recall(@|$)/.test(uses))
    return Object.keys(RECALL.inputs ?? {});
  if (/^(feishu-notify\/feishu-notify@|\.\/?$)/.test(uses)) return Object.keys(ACTION.inputs ?? {});
  return undefined;
}

function workflowFiles(): { name: string; text: string }[] {
  return readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => ({
      name: `.github/workflows/${f}`,
      text: readFileSync(join(WORKFLOWS, f), 'utf8'),
    }));
}

describe.each([
  { name: 'README.md', readme: README, languageOf: () => ENGLISH },
  { name: 'README.zh-CN.md', readme: README_ZH, languageOf: chineseLanguage },
])('the generated reference in $name', ({ readme, languageOf }) => {
  it('is what `npm run docs` writes (run it and commit the README if this fails)', () => {
    const language = languageOf();
    const generated = generateReadme(readme, ROOT, language);
    for (const name of Object.keys(generateSections(ROOT, language))) {
      expect(readSection(readme, name, language), `section ${name}`).toBe(
        readSection(generated, name, language),
      );
    }
    expect(generated).toBe(readme);
  });

  it('notices a stale README', () => {
    const language = languageOf();
    const stale = readme.replace('| `app-id`', '| `app-id-old`');
    expect(stale).not.toBe(readme);
    expect(generateReadme(stale, ROOT, language)).toBe(readme);
    expect(applySections(readme, { inputs: 'stale' }, language)).not.toBe(readme);
  });

  it('documents every input and output of both actions', () => {
    for (const action of [ACTION, RECALL]) {
      for (const [name, input] of Object.entries(action.inputs ?? {})) {
        expect(input.description?.trim(), `description of ${name}`).toBeTruthy();
        expect(readme).toMatch(new RegExp(`\\| \`${name}\`[ |]`));
      }
      for (const [name, output] of Object.entries(action.outputs ?? {})) {
        expect(output.description?.trim(), `description of output ${name}`).toBeTruthy();
        expect(readme).toMatch(new RegExp(`\\| \`${name}\` +\\|`));
      }
    }
  });
});

describe(`the Chinese descriptions (${TRANSLATIONS_FILE})`, () => {
  /** A deep copy of the translations file, to break. */
  const translations = (): Translations => structuredClone(readTranslations());

  it('translate every input and output of both actions, from their current English', () => {
    expect(ITEMS.length).toBeGreaterThanOrEqual(50);
    expect(ITEMS.map((i) => i.action)).toContain('recall/action.yml');
    expect(translationProblems(ITEMS, readTranslations())).toEqual([]);
  });

  it('are Chinese, and the Chinese table shows them, not the English', () => {
    const zhLanguage = chineseLanguage();
    const table = `${readSection(README_ZH, 'inputs', zhLanguage)}\n${readSection(README_ZH, 'recall-outputs', zhLanguage)}`;
    for (const item of ITEMS) {
      const zh = zhLanguage.describe(item);
      expect(zh, `${item.action} ${item.name}`).toMatch(/\p{Script=Han}/u);
      expect(zh).not.toBe(item.english);
    }
    expect(table).toContain('| 输入 ');
    expect(table).toContain('| 输出 ');
    expect(table).not.toContain(ACTION.inputs?.['app-id']?.description ?? '?');
  });

  it('a missing translation fails, naming the input and the English to translate', () => {
    const broken = translations();
    delete broken['action.yml']?.inputs?.timeout;
    const problems = translationProblems(ITEMS, broken);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('action.yml input "timeout" has no translation');
    expect(problems[0]).toContain(ACTION.inputs?.timeout?.description);
    expect(() => chinese(broken, ITEMS)).toThrow(TranslationError);
  });

  it('an input added to action.yml without a translation fails', () => {
    const added = [
      ...ITEMS,
      { action: 'recall/action.yml', kind: 'inputs' as const, name: 'brand-new', english: 'New.' },
    ];
    expect(translationProblems(added, readTranslations())).toEqual([
      `recall/action.yml input "brand-new" has no translation: add \`zh\` and \`source: "${fingerprint('New.')}"\` for "New."`,
    ]);
  });

  it('a changed English description fails until the translation is checked again', () => {
    const changed = ITEMS.map((item) =>
      item.action === 'recall/action.yml' && item.kind === 'outputs' && item.name === 'error'
        ? { ...item, english: `${item.english} Now with more.` }
        : item,
    );
    const problems = translationProblems(changed, readTranslations());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('recall/action.yml output "error" was translated from an older');
    expect(problems[0]).toContain(`source: "${fingerprint(`${changed.at(-1)?.english}`)}"`);
  });

  it('a translation of an input that no longer exists fails', () => {
    const extra = translations();
    const outputs = extra['action.yml']?.outputs ?? {};
    outputs['gone-output'] = { source: '00000000', zh: '已删除' };
    expect(translationProblems(ITEMS, extra)).toEqual([
      'action.yml output "gone-output" is translated but does not exist: remove it',
    ]);
  });

  it('an empty translation or an unquoted fingerprint fails', () => {
    const broken = translations();
    const inputs = broken['recall/action.yml']?.inputs ?? {};
    inputs.key = { ...inputs.key, zh: ' ' };
    // What YAML makes of an unquoted all-digit fingerprint: a number, never equal to the text.
    inputs.within = { ...inputs.within, source: Number(inputs.within?.source) };
    const problems = translationProblems(ITEMS, broken);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('input "key" has no translation');
    expect(problems[1]).toContain('input "within" was translated from an older description');
  });

  it('`npm run docs:check` fails on a missing translation and on a stale Chinese table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
    try {
      for (const file of [
        'action.yml',
        'recall',
        'README.md',
        'README.zh-CN.md',
        'docs',
        'scripts',
      ])
        cpSync(join(ROOT, file), join(dir, file), { recursive: true });
      for (const file of ['biome.json', 'package.json', '.gitignore'])
        cpSync(join(ROOT, file), join(dir, file));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      const check = () =>
        spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-readme.ts', '--check'], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
        });

      const clean = check();
      expect(clean.stderr).toBe('');
      expect(clean.status).toBe(0);

      const translationsPath = join(dir, TRANSLATIONS_FILE);
      const original = readFileSync(translationsPath, 'utf8');
      writeFileSync(translationsPath, original.replace(/^ {4}dry-run:\n.*\n.*\n/m, ''));
      const missing = check();
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('action.yml input "dry-run" has no translation');
      expect(missing.stdout).toContain('README.md reference is up to date.');

      writeFileSync(translationsPath, original.replaceAll('该应用的 App Secret。', '应用密钥。'));
      const stale = check();
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain('README.zh-CN.md is out of date');
      expect(stale.stderr).toContain('sections: inputs, recall-inputs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('README.zh-CN.md is the whole README', () => {
  it('links to the English README, and the English one back', () => {
    expect(README_ZH.split('\n').slice(0, 5).join('\n')).toContain('[English](README.md)');
    expect(README.split('\n').slice(0, 5).join('\n')).toContain('[简体中文](README.zh-CN.md)');
  });

  it('has every recipe of README.md, step for step and input for input', () => {
    const shapes = (readme: string) =>
      readmeYamlBlocks(readme).map((b) => workflowShape(parse(b.text)).join('\n'));
    const english = shapes(README);
    expect(english.length).toBeGreaterThanOrEqual(10);
    expect(shapes(README_ZH)).toEqual(english);
  });

  it('has the same sections, in the same order', () => {
    const headings = (readme: string) => [...readme.matchAll(/^(#{2,4}) /gm)].map((m) => m[1]);
    expect(headings(README_ZH)).toEqual(headings(README));
  });

  it('explains every error code README.md does', () => {
    const english = tableCodes(section(README, 'Troubleshooting'));
    expect(english.length).toBeGreaterThanOrEqual(25);
    expect(tableCodes(section(README_ZH, '故障排查'))).toEqual(english);
  });

  it('names every scope README.md asks for, with the console names in Chinese', () => {
    const scopes = (text: string) =>
      [...text.matchAll(/^ *\| `([a-z_.:]+)` +\|/gm)].map((m) => m[1]);
    const english = scopes(section(README, 'Quick start'));
    expect(english).toContain('im:message.group_msg');
    expect(scopes(section(README_ZH, '快速上手'))).toEqual(english);
    for (const name of [
      '开发者后台',
      '凭证与基础信息',
      '添加应用能力',
      '权限管理',
      '版本管理与发布',
    ])
      expect(section(README_ZH, '快速上手')).toContain(name);
  });
});

describe.each(READMES)('workflow snippets in $name', ({ name: file, text: readme }) => {
  const blocks = readmeYamlBlocks(readme);

  it('the README has the recipes as YAML blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  it('every README YAML block is valid YAML', () => {
    for (const block of blocks) {
      expect(() => parse(block.text), `${file} line ${block.line}`).not.toThrow();
    }
  });

  it('every step using the action names only inputs that exist', () => {
    const sources = [
      ...blocks.map((b) => ({ where: `${file} line ${b.line}`, text: b.text })),
      ...workflowFiles().map((f) => ({ where: f.name, text: f.text })),
    ];
    let checked = 0;
    for (const { where, text } of sources) {
      for (const step of objects(parse(text)) as Generator<Step>) {
        if (typeof step.uses !== 'string') continue;
        const known = inputsFor(step.uses);
        if (!known) continue;
        checked++;
        for (const name of Object.keys(step.with ?? {})) {
          expect(known, `${where}: input "${name}" of ${step.uses}`).toContain(name);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('refers to the action by one name, never a placeholder owner', () => {
    const refs = [...readme.matchAll(/uses: (\S*feishu-notify\S*)/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^feishu-notify\/feishu-notify(\/recall)?@v1$/);
    }
    expect(readme).not.toMatch(/<owner>|your-org\//);
  });

  it('interpolates no expression into a run: script (script injection)', () => {
    const sources = [
      ...blocks.map((b) => ({ where: `${file} line ${b.line}`, text: b.text })),
      ...workflowFiles().map((f) => ({ where: f.name, text: f.text })),
      { where: 'action.yml', text: readFileSync(join(ROOT, 'action.yml'), 'utf8') },
      { where: 'recall/action.yml', text: readFileSync(join(ROOT, 'recall/action.yml'), 'utf8') },
    ];
    let runs = 0;
    for (const { where, text } of sources) {
      for (const step of objects(parse(text)) as Generator<Step>) {
        if (typeof step.run !== 'string') continue;
        runs++;
        expect(step.run, `${where}: run script`).not.toMatch(/\$\{\{/);
      }
    }
    expect(runs).toBeGreaterThan(0);
  });

  it('example.yml runs each notifying step only when its secrets exist', () => {
    const example = parse(readFileSync(join(WORKFLOWS, 'example.yml'), 'utf8')) as {
      jobs: Record<string, { steps: (Step & { if?: string })[] }>;
    };
    for (const [job, { steps }] of Object.entries(example.jobs)) {
      for (const step of steps) {
        if (typeof step.uses === 'string' && inputsFor(step.uses)) {
          expect(step.if, `example.yml job ${job}`).toMatch(/env\.FEISHU_(APP_ID|WEBHOOK) != ''/);
        }
      }
    }
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/(?:\]\(|src=")((?!https?:|#)[^)"\s]+)/g)].map(
      (m) => m[1] ?? '',
    );
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      // The Chinese pictures are drawn by scripts/screenshot.sh from cards that speak Chinese,
      // which come with the `language` input (issue 14). Until the action has it they cannot
      // exist, and the English picture they stand beside must; from then on they must exist.
      const waiting = !('language' in (ACTION.inputs ?? {})) && link.endsWith('.zh-CN.png');
      const file = waiting ? link.replace(/\.zh-CN\.png$/, '.png') : link;
      expect(existsSync(join(ROOT, file)), link).toBe(true);
    }
  });

  it('links only to headings that exist', () => {
    const anchors = new Set([...readme.matchAll(/^#{1,4} (.+)$/gm)].map((m) => slug(m[1] ?? '')));
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThanOrEqual(7);
    for (const link of links) expect(anchors, `#${link}`).toContain(link);
  });

  it('gives the two set-up commands verbatim', () => {
    expect(readme).toContain('npm ci && npm run preview');
    expect(readme).toContain('npm ci && npm test');
  });
});

describe('card-html: Feishu markdown as the client shows it', () => {
  it('parses bold, links, lists and mentions', () => {
    const blocks = parseMarkdown('**Run**: [#42](https://x.test/1)\n- one\n- two <at id=all></at>');
    expect(blocks.map((b) => b.t)).toEqual(['p', 'ul']);
    const [p] = blocks;
    expect(p?.t === 'p' && p.lines[0]?.map((n) => n.t)).toEqual(['bold', 'text', 'link']);
    expect(inlineText(parseInline('two <at id=all></at>'))).toBe('two @All');
  });

  it('decodes entities after parsing, so escaped markup is shown, not obeyed', () => {
    const nodes = parseInline(
      '&#91;x&#93;&#40;https:\u200b//evil.test&#41; &#42;&#42;no&#42;&#42;',
    );
    expect(nodes.every((n) => n.t === 'text')).toBe(true);
    expect(inlineText(nodes)).toBe('[x](https:\u200b//evil.test) **no**');
    expect(decodeEntities('&lt;at id=all&gt; &sim; &#x41; &bogus;')).toBe(
      '<at id=all> ~ A &bogus;',
    );
  });

  it('renders the hostile push fixture without a link, mention or tag from the event', async () => {
    const preview = await renderPreview({ event: 'hostile_push' });
    const [card] = preview.contents;
    const html = pageHtml('interactive', card?.content ?? {});
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https:\/\/github\.com\/acme\/shop\b/);
    expect(html).not.toMatch(/<span class="at">/);
    expect(html).not.toMatch(/<(img|script|font)\b/i);
  });
});

describe('npm run preview', () => {
  const events = listEvents();

  it('has the sample events the README promises', () => {
    for (const name of [
      'push',
      'pull_request',
      'release',
      'workflow_run',
      'deployment_status',
      'schedule',
    ]) {
      expect(events).toContain(name);
    }
  });

  it.each(events)('renders %s as card, text and post, with nothing undefined', async (event) => {
    for (const type of ['card', 'text', 'post']) {
      const preview = await renderPreview({ event, inputs: { type, status: 'failure' } });
      const [content] = preview.contents;
      expect(content, `${event} ${type}`).toBeDefined();
      if (!content) continue;
      const box = terminalPreview(content.msgType, content.content, { color: false, width: 80 });
      const html = pageHtml(content.msgType, content.content);
      for (const text of [box, html, preview.summary, JSON.stringify(content.content)]) {
        expect(text).not.toMatch(/undefined|\[object Object\]|\bNaN\b/);
      }
      for (const line of box.split('\n').filter((l) => l.startsWith('│')))
        expect(line.endsWith('│'), `${event} ${type}: ${line}`).toBe(true);
    }
  });

  it('runs from the command line as the README says, and sends nothing without credentials', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const name of ['FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_TO']) delete env[name];
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/preview.ts', '--event', 'pull_request', '--status', 'failure'],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('"schema": "2.0"');
    // The summary's preview is the text message: Chinese on Feishu; the card carries English too.
    expect(result.stdout).toContain('拉取请求：#128');
    expect(result.stdout).toContain('"content": "**Pull request**"');
    expect(result.stdout).toContain('### Feishu notice (dry run: nothing sent)');
    expect(result.stdout).toContain('Nothing was sent');
  });

  it('--language sets the input and --reader shows the card as that reader sees it', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const name of ['FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_TO']) delete env[name];
    const preview = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/preview.ts', ...args], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
    const japanese = preview('--language', 'ja_jp', '--type', 'text');
    expect(japanese.status, japanese.stderr).toBe(0);
    expect(japanese.stdout).toContain('Deploy が成功しました');
    const reader = preview('--reader', 'zh_cn');
    expect(reader.status, reader.stderr).toBe(0);
    const terminal = reader.stdout.slice(reader.stdout.indexOf('== Preview'));
    expect(terminal).toContain('Deploy 运行成功');
    expect(terminal).toContain('查看运行');
  });
});
