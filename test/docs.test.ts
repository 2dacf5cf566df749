/**
 * The docs stay true: the README's reference is what the generator makes from action.yml,
 * every input is documented, every workflow snippet is valid YAML that names only real inputs
 * and interpolates nothing into a `run:` script, and the preview tools render every sample
 * event with the project's own renderer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  generateReadme,
  generateSections,
  ROOT,
  readAction,
  readSection,
} from '../scripts/gen-readme.js';
import { listEvents, renderPreview, terminalPreview } from '../scripts/preview.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ACTION = readAction(join(ROOT, 'action.yml'));
const RECALL = readAction(join(ROOT, 'recall/action.yml'));
const WORKFLOWS = join(ROOT, '.github/workflows');

/** The README's ```yaml blocks, with the line each starts on. */
function readmeYamlBlocks(): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const re = /^```ya?ml\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(README); m; m = re.exec(README)) {
    blocks.push({ line: README.slice(0, m.index).split('\n').length, text: m[1] ?? '' });
  }
  return blocks;
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

describe('the generated reference', () => {
  it('is what `npm run docs` writes (run it and commit README.md if this fails)', () => {
    const generated = generateReadme(README);
    for (const name of Object.keys(generateSections())) {
      expect(readSection(README, name), `section ${name}`).toBe(readSection(generated, name));
    }
    expect(generated).toBe(README);
  });

  it('notices a stale README', () => {
    const stale = README.replace('| `app-id`', '| `app-id-old`');
    expect(stale).not.toBe(README);
    expect(generateReadme(stale)).toBe(README);
    expect(applySections(README, { inputs: 'stale' })).not.toBe(README);
  });

  it('documents every input and output of both actions', () => {
    for (const action of [ACTION, RECALL]) {
      for (const [name, input] of Object.entries(action.inputs ?? {})) {
        expect(input.description?.trim(), `description of ${name}`).toBeTruthy();
        expect(README).toMatch(new RegExp(`\\| \`${name}\`[ |]`));
      }
      for (const [name, output] of Object.entries(action.outputs ?? {})) {
        expect(output.description?.trim(), `description of output ${name}`).toBeTruthy();
        expect(README).toMatch(new RegExp(`\\| \`${name}\` +\\|`));
      }
    }
  });
});

describe('workflow snippets', () => {
  const blocks = readmeYamlBlocks();

  it('the README has the recipes as YAML blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  it('every README YAML block is valid YAML', () => {
    for (const block of blocks) {
      expect(() => parse(block.text), `README.md line ${block.line}`).not.toThrow();
    }
  });

  it('every step using the action names only inputs that exist', () => {
    const sources = [
      ...blocks.map((b) => ({ where: `README.md line ${b.line}`, text: b.text })),
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
    const refs = [...README.matchAll(/uses: (\S*feishu-notify\S*)/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^feishu-notify\/feishu-notify(\/recall)?@v1$/);
    }
    expect(README).not.toMatch(/<owner>|your-org\//);
  });

  it('interpolates no expression into a run: script (script injection)', () => {
    const sources = [
      ...blocks.map((b) => ({ where: `README.md line ${b.line}`, text: b.text })),
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
    const links = [...README.matchAll(/(?:\]\(|src=")((?!https?:|#)[^)"\s]+)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(existsSync(join(ROOT, link ?? '')), link).toBe(true);
  });

  it('gives the two set-up commands verbatim', () => {
    expect(README).toContain('npm ci && npm run preview');
    expect(README).toContain('npm ci && npm test');
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
