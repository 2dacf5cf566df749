import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../src/context.js';
import { InputError } from '../../src/errors.js';
import { webhookBody } from '../../src/feishu/webhook.js';
import { readNotice } from '../../src/history.js';
import { contentsWithinLimits, readSettings } from '../../src/inputs.js';
import {
  byteLength,
  countElements,
  fitContents,
  LIMITS,
  type MessageContent,
  renderContents,
} from '../../src/render/content.js';
import { TRUNCATED } from '../../src/render/escape.js';
import { buildNotice, formatDuration, type NoticeExtras } from '../../src/render/notice.js';
import type { Settings } from '../../src/settings.js';
import { githubEnv } from '../support/run-action.js';
import { runContextFor } from '../support/run-context.js';

// ---------- run contexts from the fixtures, as a runner would describe each event ----------

const FIXTURES = fileURLToPath(new URL('../fixtures/events/', import.meta.url));
const SHA = '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807';
const RUN_URL = 'https://github.com/acme/shop/actions/runs/1234567890';

/** The runner's variables for a push to acme/shop main, as the end-to-end harness sets them. */
const BASE_ENV = githubEnv('push', '', tmpdir());

const tag = { GITHUB_REF: 'refs/tags/v2.4.1', GITHUB_REF_NAME: 'v2.4.1', GITHUB_REF_TYPE: 'tag' };
const EVENT_ENV: Record<string, Record<string, string>> = {
  pull_request: {
    GITHUB_REF: 'refs/pull/128/merge',
    GITHUB_REF_NAME: '128/merge',
    GITHUB_HEAD_REF: 'feature/payment-retry',
    GITHUB_BASE_REF: 'main',
    GITHUB_SHA: 'e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0',
  },
  pull_request_target: { GITHUB_HEAD_REF: 'fix-typo', GITHUB_BASE_REF: 'main' },
  release: tag,
  deployment: tag,
  deployment_status: tag,
  merge_group: {
    GITHUB_REF: `refs/heads/gh-readonly-queue/main/pr-128-${SHA}`,
    GITHUB_REF_NAME: `gh-readonly-queue/main/pr-128-${SHA}`,
    GITHUB_SHA: 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12',
  },
};

const EVENTS = [
  'push',
  'pull_request',
  'pull_request_target',
  'release',
  'workflow_dispatch',
  'workflow_run',
  'deployment',
  'deployment_status',
  'schedule',
  'merge_group',
  'issues',
  'hostile_push',
] as const;

function ctxFor(event: string, env: Record<string, string> = {}): RunContext {
  return runContextFor({
    ...BASE_ENV,
    ...EVENT_ENV[event],
    GITHUB_EVENT_NAME: event.replace(/^hostile_/, ''),
    GITHUB_EVENT_PATH: join(FIXTURES, `${event}.json`),
    ...env,
  });
}

function ctxWithPayload(eventName: string, payload: Record<string, unknown>): RunContext {
  return { ...ctxFor('push'), eventName, payload };
}

// ---------- settings through the real input reader ----------

function settingsFor(values: Record<string, string> = {}): Promise<Settings> {
  return readSettings({
    getInput: (name) => ({ 'dry-run': 'true', to: 'oc_chat1', ...values })[name]?.trim() ?? '',
    setSecret: () => {},
  });
}

// ---------- reading the rendered content back ----------

interface Element {
  tag: string;
  content?: string;
  text?: { tag: string; content: string };
  columns?: { elements: Button[] }[];
  img_key?: string;
  alt?: { content: string };
}
interface Button {
  tag: string;
  text: { content: string };
  behaviors: { type: string; default_url: string }[];
}
interface Card {
  schema: string;
  config: Record<string, unknown>;
  header: {
    title: { tag: string; content: string };
    subtitle: { tag: string; content: string };
    template: string;
    text_tag_list: { text: { content: string }; color: string }[];
  };
  body: { elements: Element[] };
}
interface PostRun {
  tag: string;
  text?: string;
  href?: string;
  user_id?: string;
  image_key?: string;
}
type Post = Record<string, { title: string; content: PostRun[][] }>;

async function render(
  event: string,
  values: Record<string, string> = {},
  extras: NoticeExtras = {},
  ctx: RunContext = ctxFor(event),
  viaWebhook = false,
): Promise<MessageContent[]> {
  const settings = await settingsFor(values);
  // As main does before any request: render, and let input checking judge the size.
  return contentsWithinLimits(
    settings,
    fitContents(settings, buildNotice(settings, ctx, extras), viaWebhook),
  );
}

async function cardFor(
  event: string,
  values: Record<string, string> = {},
  extras: NoticeExtras = {},
  ctx?: RunContext,
): Promise<Card> {
  const [message] = await render(event, values, extras, ctx);
  expect(message?.msgType).toBe('interactive');
  return message?.content as unknown as Card;
}

async function textFor(
  event: string,
  values: Record<string, string> = {},
  ctx?: RunContext,
): Promise<string> {
  // English unless asked: a text message carries one language (Chinese with auto on Feishu).
  const [message] = await render(event, { language: 'en_us', ...values, type: 'text' }, {}, ctx);
  expect(message?.msgType).toBe('text');
  return String(message?.content.text);
}

async function postFor(
  event: string,
  values: Record<string, string> = {},
  ctx?: RunContext,
): Promise<Post> {
  const [message] = await render(event, { language: 'en_us', ...values, type: 'post' }, {}, ctx);
  expect(message?.msgType).toBe('post');
  return message?.content as unknown as Post;
}

/** What a reader sees of card markdown: entities decoded, zero-width spaces gone. */
function decode(markdown: string): string {
  return markdown
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/\u200b/g, '');
}

/** Card markdown without link targets and bold marks, decoded. */
function plain(markdown: string): string {
  return decode(markdown.replace(/\[([^\]]*)\]\(([^)]*)\)/g, '$1').replace(/\*\*/g, ''));
}

/** Every markdown element's content (`content`: English in a multi-language card), in order. */
function markdownOf(card: Card): string {
  const out: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const element = node as { tag?: string; content?: unknown };
      if (element.tag === 'markdown' && typeof element.content === 'string')
        out.push(element.content);
      else Object.values(node).forEach(visit);
    }
  };
  visit(card.body.elements);
  return out.join('\n');
}

/**
 * Every fact of the card, as label -> what the reader sees: the action's own facts are rows
 * (a label column, a value column), the author's fields "**Label**: value" lines.
 */
function factsOf(card: Card): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const element of card.body.elements) {
    const [label, value] = (element.columns ?? []).map((c) => c.elements[0] as unknown as Element);
    const m = /^\*\*(.+)\*\*$/.exec(label?.content ?? '');
    if (element.tag === 'column_set' && m && value?.tag === 'markdown')
      facts[plain(m[1] ?? '')] = plain(value.content ?? '');
    if (element.tag !== 'markdown') continue;
    for (const line of (element.content ?? '').split('\n')) {
      const field = /^\*\*(.+?)\*\*: (.*)$/.exec(line);
      if (field) facts[plain(field[1] ?? '')] = plain(field[2] ?? '');
    }
  }
  return facts;
}

function linksOf(card: Card): string[] {
  return [...markdownOf(card).matchAll(/\]\(([^)]*)\)/g)].map((m) => m[1] ?? '');
}

function buttonsOf(card: Card): { label: string; url: string }[] {
  return card.body.elements
    .filter((e) => e.tag === 'column_set')
    .flatMap((e) => e.columns ?? [])
    .flatMap((c) => c.elements)
    .filter((b) => b.tag === 'button')
    .map((b) => ({ label: b.text.content, url: b.behaviors[0]?.default_url ?? '' }));
}

function footerOf(card: Card): string {
  const last = card.body.elements.at(-1);
  return last?.text?.content ?? '';
}

/** The runs of the post's first body. */
function postRuns(post: Post): PostRun[] {
  return Object.values(post)[0]?.content.flat() ?? [];
}

const FORBIDDEN = /undefined|\bnull\b|\[object Object\]|NaN/;

// ---------- tests ----------

describe.each(EVENTS)('%s fixture', (event) => {
  it.each(['success', 'failure', 'in_progress'])('renders a card 2.0 (%s)', async (status) => {
    const card = await cardFor(event, { status });
    const json = JSON.stringify(card);
    expect(JSON.parse(json)).toEqual(card);
    expect(card.schema).toBe('2.0');
    expect(card.header.title.tag).toBe('plain_text');
    expect(card.header.subtitle.tag).toBe('plain_text');
    expect(Array.isArray(card.body.elements)).toBe(true);
    expect(card.body.elements.every((e) => typeof e.tag === 'string')).toBe(true);
    // Card 2.0 has no `action` container: buttons sit in columns.
    expect(json).not.toContain('"tag":"action"');
    expect(json).not.toMatch(FORBIDDEN);
    expect(byteLength(card)).toBeLessThanOrEqual(LIMITS.cardBytes);
    expect(countElements(card)).toBeLessThanOrEqual(LIMITS.cardElements);
    expect(buttonsOf(card)[0]).toEqual({ label: 'View run', url: RUN_URL });
    for (const b of buttonsOf(card)) expect(b.url).toMatch(/^https:\/\//);
    expect(factsOf(card)).toMatchObject({
      Repository: 'acme/shop',
      Actor: 'octocat',
      Workflow: 'Deploy',
      Job: 'deploy',
      Run: '#42',
    });
    expect(factsOf(card).Event).toBe(event.replace(/^hostile_/, ''));
  });

  it('renders text without placeholders, within the text limit', async () => {
    const text = await textFor(event, { status: 'failure' });
    expect(text).not.toMatch(FORBIDDEN);
    expect(text.split('\n')[0]).toBe('❌ Deploy failed · acme/shop');
    expect(text).toContain(`View run: ${RUN_URL}`);
    expect(text).toContain('Event: ');
    expect(byteLength({ text })).toBeLessThanOrEqual(LIMITS.textBytes);
  });

  it('renders a post of known tags, within the post limit', async () => {
    const post = await postFor(event, { status: 'success' });
    expect(post.en_us?.title).toBe('✅ Deploy succeeded · acme/shop');
    expect(JSON.stringify(post)).not.toMatch(FORBIDDEN);
    for (const run of postRuns(post)) {
      expect(['text', 'a', 'md', 'at', 'img']).toContain(run.tag);
      if (run.tag === 'a') expect(run.href).toMatch(/^https:\/\//);
    }
    expect(postRuns(post)).toContainEqual({ tag: 'a', text: 'View run', href: RUN_URL });
    expect(byteLength(post)).toBeLessThanOrEqual(LIMITS.cardBytes);
  });
});

describe('header', () => {
  it.each([
    ['success', 'green', 'Succeeded'],
    ['failure', 'red', 'Failed'],
    ['timed_out', 'red', 'Failed'],
    ['cancelled', 'grey', 'Cancelled'],
    ['skipped', 'grey', 'Skipped'],
    ['in_progress', 'blue', 'In progress'],
    ['warning', 'orange', 'Warning'],
    ['action_required', 'orange', 'Warning'],
    ['info', 'wathet', 'Info'],
    ['neutral', 'wathet', 'Info'],
  ])('status %s is %s with the label %s', async (status, colour, label) => {
    const card = await cardFor('push', { status });
    expect(card.header.template).toBe(colour);
    expect(card.header.text_tag_list[0]?.text.content).toBe(label);
    expect(card.header.subtitle.content).toBe('main · run #42');
  });

  it.each([
    ['success', '✅ Deploy succeeded · acme/shop'],
    ['failure', '❌ Deploy failed · acme/shop'],
    ['cancelled', '⏹️ Deploy was cancelled · acme/shop'],
    ['skipped', '⏭️ Deploy was skipped · acme/shop'],
    ['in_progress', '⏳ Deploy in progress · acme/shop'],
    ['warning', '⚠️ Deploy needs attention · acme/shop'],
  ])('default title for %s: %s', async (status, title) => {
    const card = await cardFor('push', { status });
    expect(card.header.title.content).toBe(title);
    expect(card.config.summary).toEqual({
      content: title,
      i18n_content: expect.objectContaining({ en_us: title }),
    });
  });

  it('says "Workflow" when the run has no workflow name', async () => {
    const card = await cardFor(
      'push',
      { status: 'success' },
      {},
      ctxFor('push', { GITHUB_WORKFLOW: '' }),
    );
    expect(card.header.title.content).toBe('✅ Workflow succeeded · acme/shop');
  });

  it('puts a custom title after the status icon', async () => {
    const card = await cardFor('push', { status: 'failure', title: 'Nightly build' });
    expect(card.header.title.content).toBe('❌ Nightly build');
  });

  it('shows the PR head branch in the subtitle', async () => {
    const card = await cardFor('pull_request', { status: 'success' });
    expect(card.header.subtitle.content).toBe('feature/payment-retry · run #42');
  });

  it('makes cards updatable', async () => {
    const card = await cardFor('push');
    expect(card.config.update_multi).toBe(true);
  });
});

describe('facts per event', () => {
  it('push: commit, compare and the commit list', async () => {
    const card = await cardFor('push');
    expect(factsOf(card)).toMatchObject({
      Branch: 'main',
      Commit: '9f3c2a1 Bump version to 2.4.1',
      Commits: '2',
    });
    expect(markdownOf(card)).toContain(
      '[2](https://github.com/acme/shop/compare/1a2b3c4d5e6f...9f3c2a1b7e6d)',
    );
    const list = plain(markdownOf(card));
    expect(list).toContain('Commits (2)');
    expect(list).toContain('4c5d6e7 Add checkout retry on payment timeouts — Mona Lisa');
    expect(list).toContain('9f3c2a1 Bump version to 2.4.1 — Mona Lisa');
    expect(list).not.toContain('Retries twice with backoff');
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['View run', 'Compare', 'Commit']);
    expect(buttonsOf(card)[2]?.url).toBe(`https://github.com/acme/shop/commit/${SHA}`);
  });

  it('pull_request: number, title, author, base ← head, and the head commit', async () => {
    const card = await cardFor('pull_request');
    expect(factsOf(card)).toMatchObject({
      'Pull request': '#128 Retry payment capture on gateway timeouts',
      Author: 'hubot',
      Merge: 'main ← acme:feature/payment-retry',
      Action: 'opened',
      Branch: 'feature/payment-retry',
      Commit: 'c0ffee1',
    });
    expect(linksOf(card)).toContain('https://github.com/acme/shop/pull/128');
    expect(buttonsOf(card)).toEqual([
      { label: 'View run', url: RUN_URL },
      { label: 'Pull request', url: 'https://github.com/acme/shop/pull/128' },
      {
        label: 'Commit',
        url: 'https://github.com/acme/shop/commit/c0ffee1234567890abcdef1234567890abcdef12',
      },
    ]);
  });

  it('pull_request_target: the fork head and the action', async () => {
    const card = await cardFor('pull_request_target');
    expect(factsOf(card)).toMatchObject({
      'Pull request': '#131 Fix typo in checkout page',
      Author: 'outside-contributor',
      Merge: 'main ← outside-contributor:fix-typo',
      Action: 'synchronize',
      Commit: 'fa11bac',
    });
  });

  it('release: tag and name, with a release button', async () => {
    const card = await cardFor('release');
    const facts = factsOf(card);
    expect(facts.Release).toBe('Shop 2.4.1');
    expect(facts.Tag).toBe('v2.4.1');
    expect(facts.Branch).toBeUndefined();
    expect(linksOf(card)).toContain('https://github.com/acme/shop/releases/tag/v2.4.1');
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['View run', 'Release', 'Commit']);
  });

  it('release: the tag is shown once', async () => {
    const md = markdownOf(await cardFor('release'));
    expect(md.match(/\*\*Tag\*\*/g)).toHaveLength(1);
  });

  it('release without a name falls back to the tag', async () => {
    const ctx = ctxFor('release');
    const release = { ...(ctx.payload.release as object), name: null };
    const card = await cardFor('release', {}, {}, { ...ctx, payload: { ...ctx.payload, release } });
    expect(factsOf(card).Release).toBe('v2.4.1');
  });

  it('workflow_dispatch: the inputs', async () => {
    const card = await cardFor('workflow_dispatch');
    const md = plain(markdownOf(card));
    expect(md).toContain('Inputs (3)');
    expect(md).not.toContain('notes');
    expect(md).toContain('- environment: staging');
    expect(md).toContain('- version: 2.4.1');
    expect(md).toContain('- dry_run: false');
  });

  it('workflow_run: the triggering workflow and its conclusion', async () => {
    const card = await cardFor('workflow_run');
    expect(factsOf(card)).toMatchObject({
      'Triggered by': 'CI #311',
      Conclusion: 'failure',
      Commit: '9f3c2a1 Bump version to 2.4.1',
    });
    expect(linksOf(card)).toContain('https://github.com/acme/shop/actions/runs/9876543210');
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['View run', 'Triggering run', 'Commit']);
  });

  it('deployment: environment and description', async () => {
    const card = await cardFor('deployment');
    expect(factsOf(card)).toMatchObject({
      Environment: 'production',
      Description: 'Deploy 2.4.1 to production',
      Tag: 'v2.4.1',
      Commit: '9f3c2a1',
    });
    expect(factsOf(card).State).toBeUndefined();
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['View run', 'Commit']);
  });

  it('deployment_status: environment, state and the environment URL', async () => {
    const card = await cardFor('deployment_status');
    expect(factsOf(card)).toMatchObject({
      Environment: 'production',
      State: 'success',
      Description: 'Deployment finished successfully.',
    });
    expect(buttonsOf(card)).toContainEqual({ label: 'Environment', url: 'https://shop.acme.dev/' });
  });

  it('schedule: the cron expression', async () => {
    const card = await cardFor('schedule');
    expect(factsOf(card).Schedule).toBe('0 3 * * *');
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['View run', 'Commit']);
  });

  it('merge_group: the queue base and the merge commit', async () => {
    const card = await cardFor('merge_group');
    expect(factsOf(card)).toMatchObject({
      'Merge queue': 'main',
      Commit: 'ab12cd3 Merge pull request #128 from acme/feature/payment-retry',
    });
  });

  it('issues: number and title, linked', async () => {
    const card = await cardFor('issues');
    expect(factsOf(card).Issue).toBe('#140 Checkout button unresponsive on Safari');
    expect(linksOf(card)).toContain('https://github.com/acme/shop/issues/140');
  });

  it('any other event: a sane generic card', async () => {
    const ctx = ctxWithPayload('watch', { action: 'started', sender: { login: 'stargazer' } });
    const card = await cardFor('watch', {}, {}, ctx);
    expect(factsOf(card)).toMatchObject({ Repository: 'acme/shop', Event: 'watch' });
    expect(JSON.stringify(card)).not.toMatch(FORBIDDEN);
    expect(buttonsOf(card).map((b) => b.label)).toEqual(['View run', 'Commit']);
  });

  it('payload fields of the wrong type are left out, never printed', async () => {
    const ctx = ctxWithPayload('pull_request', {
      number: { n: 1 },
      pull_request: {
        number: null,
        title: ['x'],
        user: 'hubot',
        html_url: 'javascript:alert(1)',
        base: { ref: 7 },
        head: null,
      },
    });
    const card = await cardFor('pull_request', {}, {}, ctx);
    const json = JSON.stringify(card);
    expect(json).not.toMatch(FORBIDDEN);
    expect(json).not.toContain('javascript:');
    expect(factsOf(card).Author).toBeUndefined();
  });

  it('an empty run context still renders', async () => {
    const ctx = runContextFor({});
    const settings = await settingsFor({ status: 'success' });
    const [message] = renderContents(settings, buildNotice(settings, ctx), false);
    const card = message?.content as unknown as Card;
    expect(JSON.stringify(card)).not.toMatch(FORBIDDEN);
    expect(card.header.title.content).toBe('✅ Workflow succeeded');
  });

  it('a re-run links its attempt', async () => {
    const card = await cardFor('push', {}, {}, ctxFor('push', { GITHUB_RUN_ATTEMPT: '3' }));
    expect(factsOf(card).Run).toBe('#42 (attempt 3)');
    expect(buttonsOf(card)[0]?.url).toBe(`${RUN_URL}/attempts/3`);
  });

  it('shows the duration and final status given by the post step', async () => {
    const card = await cardFor(
      'push',
      { status: 'in_progress' },
      { status: 'success', durationMs: 3_725_000 },
    );
    expect(card.header.template).toBe('green');
    expect(factsOf(card).Duration).toBe('1h 2m 5s');
    expect(formatDuration(65_000)).toEqual({ en_us: '1m 5s', zh_cn: '1 分 5 秒', ja_jp: '1分5秒' });
    expect(formatDuration(3_725_000)).toEqual({
      en_us: '1h 2m 5s',
      zh_cn: '1 小时 2 分 5 秒',
      ja_jp: '1時間2分5秒',
    });
    expect(formatDuration(400).en_us).toBe('0s');
    expect(formatDuration(-5).zh_cn).toBe('0 秒');
  });

  it('appends the author fields as markdown, after the event facts', async () => {
    const card = await cardFor('push', {
      fields: 'Env: **prod**\nLink: [docs](https://d.example)',
    });
    const md = markdownOf(card);
    expect(md).toContain('**Env**: **prod**');
    expect(md).toContain('**Link**: [docs](https://d.example)');
    expect(md.indexOf('**Env**')).toBeGreaterThan(md.indexOf('**Run**'));
  });

  it('passes the author message through as markdown, first in the body', async () => {
    const card = await cardFor('push', { message: 'Deployed **2.4.1** <at id=all></at>' });
    expect(card.body.elements[0]).toEqual({
      tag: 'markdown',
      content: 'Deployed **2.4.1** <at id=all></at>',
    });
  });

  it('shows uploaded images in order, with their alt text', async () => {
    const card = await cardFor(
      'push',
      {},
      {
        images: [
          { key: 'img_v3_a', alt: 'coverage.png' },
          { key: 'img_v3_b', alt: 'perf.png' },
        ],
      },
    );
    const images = card.body.elements.filter((e) => e.tag === 'img');
    expect(images.map((e) => [e.img_key, e.alt?.content])).toEqual([
      ['img_v3_a', 'coverage.png'],
      ['img_v3_b', 'perf.png'],
    ]);
  });
});

describe('buttons', () => {
  it('adds the author buttons after the event ones', async () => {
    const card = await cardFor('push', { buttons: 'Dashboard | https://grafana.acme.dev/d/shop' });
    expect(buttonsOf(card).at(-1)).toEqual({
      label: 'Dashboard',
      url: 'https://grafana.acme.dev/d/shop',
    });
    expect(card.body.elements.some((e) => e.tag === 'action')).toBe(false);
  });

  it('makes the first button primary', async () => {
    const card = await cardFor('push');
    const buttonRow = card.body.elements.find(
      (e) => e.tag === 'column_set' && e.columns?.[0]?.elements[0]?.tag === 'button',
    );
    const columns = buttonRow?.columns ?? [];
    const types = columns.map((c) => (c.elements[0] as unknown as { type: string }).type);
    expect(types[0]).toBe('primary');
    expect(types.slice(1).every((t) => t === 'default')).toBe(true);
  });
});

describe('GitHub Enterprise', () => {
  it('builds every link from GITHUB_SERVER_URL', async () => {
    const ctx = ctxFor('workflow_dispatch', { GITHUB_SERVER_URL: 'https://ghe.acme.corp/' });
    const card = await cardFor('workflow_dispatch', {}, {}, ctx);
    const urls = [...linksOf(card), ...buttonsOf(card).map((b) => b.url)];
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) expect(url.startsWith('https://ghe.acme.corp/acme/shop')).toBe(true);
    expect(JSON.stringify(card)).not.toContain('github.com');
    expect(buttonsOf(card)[0]?.url).toBe('https://ghe.acme.corp/acme/shop/actions/runs/1234567890');
    const text = await textFor('workflow_dispatch', {}, ctx);
    expect(text).not.toContain('github.com');
  });
});

describe('text and post renderings', () => {
  it('text: title, facts one per line, lists, buttons as links, footer last', async () => {
    const text = await textFor('push', { status: 'success', key: 'deploy-prod' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('✅ Deploy succeeded · acme/shop');
    expect(lines).toContain('Repository: acme/shop');
    expect(lines).toContain('Commit: 9f3c2a1 Bump version to 2.4.1');
    expect(lines).toContain('Commits (2):');
    expect(lines).toContain(`View run: ${RUN_URL}`);
    expect(lines).toContain(
      'Compare: https://github.com/acme/shop/compare/1a2b3c4d5e6f...9f3c2a1b7e6d',
    );
    expect(lines.at(-1)).toBe('feishu-notify · run #42 · 🔑 «deploy-prod» · ✅');
  });

  it('text: the message is passed through', async () => {
    const text = await textFor('push', { message: 'Line one\nLine **two**' });
    expect(text).toContain('Line one\nLine **two**');
  });

  it('post: title, subtitle, links as a-tags, the message as md', async () => {
    const post = await postFor('pull_request', { status: 'failure', message: 'See **logs**' });
    expect(post.en_us?.title).toBe('❌ Deploy failed · acme/shop');
    expect(post.en_us?.content[0]).toEqual([
      { tag: 'text', text: 'feature/payment-retry · run #42' },
    ]);
    expect(post.en_us?.content[1]).toEqual([{ tag: 'md', text: 'See **logs**' }]);
    expect(postRuns(post)).toContainEqual({
      tag: 'a',
      text: '#128',
      href: 'https://github.com/acme/shop/pull/128',
    });
    expect(post.en_us?.content.at(-1)).toEqual([{ tag: 'text', text: 'feishu-notify · run #42' }]);
  });

  it('post: images as img runs', async () => {
    const [post] = await render(
      'push',
      { type: 'post' },
      { images: [{ key: 'img_v3_a', alt: 'a' }] },
    );
    expect(postRuns(post?.content as unknown as Post)).toContainEqual({
      tag: 'img',
      image_key: 'img_v3_a',
    });
  });
});

describe('mentions', () => {
  const mention = 'all\nou_7d8a6e6df7621556ce0d21922b676706\nuser_id:u_42\nops@acme.dev';

  it('card: <at id=…> and <at email=…>', async () => {
    const md = markdownOf(await cardFor('push', { mention }));
    expect(md).toContain(
      '<at id=all></at> <at id=ou_7d8a6e6df7621556ce0d21922b676706></at> <at id=u_42></at> <at email=ops@acme.dev></at>',
    );
  });

  it('text: <at user_id="…">', async () => {
    const text = await textFor('push', { mention });
    expect(text).toContain('<at user_id="all"></at>');
    expect(text).toContain('<at user_id="ou_7d8a6e6df7621556ce0d21922b676706"></at>');
    expect(text).toContain('<at user_id="u_42"></at>');
    expect(text).not.toContain('user_id="ops@acme.dev"');
  });

  it('post: at-runs', async () => {
    const runs = postRuns(await postFor('push', { mention }));
    expect(runs).toContainEqual({ tag: 'at', user_id: 'all' });
    expect(runs).toContainEqual({ tag: 'at', user_id: 'ou_7d8a6e6df7621556ce0d21922b676706' });
  });

  it('author and actor through the user map', async () => {
    const values = {
      mention: 'author, actor',
      'user-map': 'MonaLisa: ou_mona\noctocat: octo@acme.dev',
    };
    const md = markdownOf(await cardFor('push', values));
    expect(md).toContain('<at id=ou_mona></at> <at email=octo@acme.dev></at>');
    const pr = markdownOf(await cardFor('pull_request', { ...values, mention: 'author' }));
    // hubot is not in the map: shown by name, never mentioned.
    expect(pr).not.toMatch(/<at /);
    expect(plain(pr)).toContain('@hubot');
  });

  it('mentions each person once', async () => {
    const md = markdownOf(await cardFor('push', { mention: 'all, @all, everyone' }));
    expect(md.match(/<at id=all><\/at>/g)).toHaveLength(1);
  });
});

describe('needs', () => {
  const needs = JSON.stringify({
    build: { result: 'success' },
    test: { result: 'failure' },
    lint: { result: 'skipped' },
  });

  it('derives the status and lists the jobs', async () => {
    const card = await cardFor('push', { needs });
    expect(card.header.template).toBe('red');
    const md = plain(markdownOf(card));
    expect(md).toContain('Jobs (3)');
    expect(md).toContain('- ✅ build success');
    expect(md).toContain('- ❌ test failure');
    expect(md).toContain('- ⏭️ lint skipped');
  });

  it('cancelled beats success, and success needs none failed', async () => {
    const cancelled = JSON.stringify({ a: { result: 'success' }, b: { result: 'cancelled' } });
    expect((await cardFor('push', { needs: cancelled })).header.template).toBe('grey');
    const ok = JSON.stringify({ a: { result: 'success' }, b: { result: 'skipped' } });
    expect((await cardFor('push', { needs: ok })).header.template).toBe('green');
  });

  it('an explicit status wins over the derived one', async () => {
    expect((await cardFor('push', { needs, status: 'warning' })).header.template).toBe('orange');
  });

  it('trims a long job list with a visible marker', async () => {
    const many = JSON.stringify(
      Object.fromEntries(Array.from({ length: 35 }, (_, i) => [`job-${i}`, { result: 'success' }])),
    );
    const md = markdownOf(await cardFor('push', { needs: many }));
    expect(md).toContain('**Jobs** (35)');
    expect(md).toContain('- 15 more not shown');
    const text = await textFor('push', { needs: many });
    expect(text).toContain('• 15 more not shown');
  });
});

describe('content that cannot be trimmed enough', () => {
  it('fails naming the input that makes it too large, rather than exceed the limit', async () => {
    const long = `https://example.com/${'a'.repeat(950)}`;
    const buttons = Array.from({ length: 20 }, (_, i) => `B${i} | ${long}${i}`).join('\n');
    // A webhook body holds 20 KB: twenty 1 kB button links cannot fit however the rest is cut.
    const error = await render('push', { buttons }, {}, undefined, true).catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('buttons');
    expect((error as InputError).message).toMatch(/even with everything trimmed/);
  });

  it('is a verdict of the renderer, never an input error: input checking names the input', async () => {
    const long = `https://example.com/${'a'.repeat(950)}`;
    const buttons = Array.from({ length: 20 }, (_, i) => `B${i} | ${long}${i}`).join('\n');
    const settings = await settingsFor({ buttons });
    const notice = buildNotice(settings, ctxFor('push'));
    const fitted = fitContents(settings, notice, true);
    expect(fitted.oversize).toMatchObject({ part: 'notice', msgType: 'interactive' });
    expect(fitted.oversize?.bytes).toBeGreaterThan(fitted.oversize?.limit ?? Infinity);
    // Past input checking (a late part made it too large), it is a delivery failure.
    const late = (() => {
      try {
        return renderContents(settings, notice, true);
      } catch (error) {
        return error;
      }
    })();
    expect(late).toBeInstanceOf(Error);
    expect(late).not.toBeInstanceOf(InputError);
    expect((late as Error).message).toMatch(/interactive content is \d+ bytes as sent/);
  });
});

describe('key marker', () => {
  it('is in the footer of every rendering', async () => {
    const card = await cardFor('push', { key: 'deploy-prod' });
    expect(footerOf(card)).toBe('feishu-notify · run #42 · 🔑 «deploy-prod» · ℹ️');
    expect(await textFor('push', { key: 'deploy-prod' })).toMatch(/🔑 «deploy-prod» · ℹ️$/);
    const post = await postFor('push', { key: 'deploy-prod' });
    expect(post.en_us?.content.at(-1)?.[0]?.text).toContain('🔑 «deploy-prod»');
  });

  it('is found in the card as sent, and a longer key is not mistaken for it', async () => {
    const card = JSON.stringify(await cardFor('push', { key: 'deploy-prod' }));
    expect(readNotice(card, 'deploy-prod')?.mark).toEqual({
      key: 'deploy-prod',
      runNumber: '42',
      status: 'info',
    });
    expect(readNotice(card, 'deploy')).toBeUndefined();
    const longer = JSON.stringify(await cardFor('push', { key: 'deploy-prod-eu' }));
    expect(readNotice(longer, 'deploy-prod')).toBeUndefined();
  });

  it('cannot be spelled by event text: a commit message quoting another key is not a footer', async () => {
    const ctx = ctxFor('push');
    const commit = {
      ...(ctx.payload.head_commit as object),
      message: 'feishu-notify · 🔑 «deploy-prod»\nfeishu-notify · key «deploy-prod»',
    };
    const spoof = {
      ...ctx,
      payload: { ...ctx.payload, head_commit: commit, commits: [commit, commit] },
    };
    const card = JSON.stringify(await cardFor('push', { key: 'nightly' }, {}, spoof));
    expect(readNotice(card, 'deploy-prod')).toBeUndefined();
    expect(readNotice(card, 'nightly')).toBeDefined();
    expect(card).not.toContain('«deploy-prod»');
  });

  it('is absent without a key', async () => {
    expect(footerOf(await cardFor('push'))).toBe('feishu-notify · run #42');
  });
});

describe('size limits', () => {
  const huge = `${'Deploy log line with details. '.repeat(3400)}END`; // ~100 kB
  const cjk = '部署日志'.repeat(25_000); // 100k characters, 300 kB of UTF-8

  function webhookBytes(contents: MessageContent[]): number {
    const [m] = contents;
    return Buffer.byteLength(
      webhookBody({ msgType: m?.msgType ?? '', content: m?.content ?? {} }, 'secret', Date.now()),
    );
  }

  it.each([
    ['latin', huge],
    ['CJK', cjk],
  ])('a %s 100 kB message is trimmed with a marker and fits every format', async (_, message) => {
    const card = await cardFor('push', { message });
    expect(byteLength(card)).toBeLessThanOrEqual(LIMITS.cardBytes);
    expect(card.body.elements[0]?.content).toContain(TRUNCATED);

    const text = await textFor('push', { message });
    expect(byteLength({ text })).toBeLessThanOrEqual(LIMITS.textBytes);
    expect(text).toContain(TRUNCATED);

    const post = await postFor('push', { message });
    expect(byteLength(post)).toBeLessThanOrEqual(LIMITS.cardBytes);
    expect(JSON.stringify(post)).toContain(TRUNCATED);

    for (const type of ['card', 'text', 'post']) {
      const contents = await render('push', { message, type }, {}, ctxFor('push'), true);
      expect(webhookBytes(contents)).toBeLessThanOrEqual(LIMITS.webhookBodyBytes);
      expect(JSON.stringify(contents[0]?.content)).toContain(TRUNCATED);
    }
  });

  it('a push of 500 commits lists some and says how many more', async () => {
    const push = ctxFor('push');
    const commits = Array.from({ length: 500 }, (_, i) => ({
      id: i.toString(16).padStart(40, 'a'),
      message: `Commit number ${i} ${'x'.repeat(200)}`,
      url: `https://github.com/acme/shop/commit/${i.toString(16).padStart(40, 'a')}`,
      author: { name: `Dev ${i}` },
    }));
    const ctx = { ...push, payload: { ...push.payload, commits } };
    const card = await cardFor('push', {}, {}, ctx);
    expect(byteLength(card)).toBeLessThanOrEqual(LIMITS.cardBytes);
    expect(factsOf(card).Commits).toBe('500');
    expect(markdownOf(card)).toMatch(/- \d+ more not shown/);
  });

  it('long field values are trimmed with a marker', async () => {
    const fields = Array.from({ length: 50 }, (_, i) => `Field ${i}: ${'v'.repeat(5000)}`).join(
      '\n',
    );
    for (const type of ['card', 'text', 'post']) {
      const [m] = await render('push', { fields, type });
      expect(byteLength(m?.content)).toBeLessThanOrEqual(
        type === 'text' ? LIMITS.textBytes : LIMITS.cardBytes,
      );
      expect(JSON.stringify(m?.content)).toContain(TRUNCATED);
    }
  });

  it('long field labels never push text or post over the limit', async () => {
    const fields = Array.from({ length: 50 }, (_, i) => `${'L'.repeat(5000)}${i}: v`).join('\n');
    // Either a clear input error, or a rendering that was trimmed to fit.
    for (const [type, limit] of [
      ['text', LIMITS.textBytes],
      ['post', LIMITS.cardBytes],
      ['card', LIMITS.cardBytes],
    ] as const) {
      const outcome = await render('push', { fields, type }).catch((e: unknown) => e);
      if (outcome instanceof InputError) expect(outcome.input).toBe('fields');
      else expect(byteLength((outcome as MessageContent[])[0]?.content)).toBeLessThanOrEqual(limit);
    }
  });

  it('many mentions never push a card over 30 kB', async () => {
    const mention = Array.from(
      { length: 1000 },
      (_, i) => `ou_${i.toString(16).padStart(32, '0')}`,
    ).join('\n');
    // Either a clear input error, or a card within the limit.
    const outcome = await render('push', { mention }).catch((e: unknown) => e);
    if (outcome instanceof InputError) expect(outcome.input).toBe('mention');
    else
      expect(byteLength((outcome as MessageContent[])[0]?.content)).toBeLessThanOrEqual(
        LIMITS.cardBytes,
      );
  });

  it('the most the inputs allow still fits 200 elements and 30 kB', async () => {
    const values = {
      message: huge,
      fields: Array.from({ length: 50 }, (_, i) => `Field ${i}: ${'v'.repeat(300)}`).join('\n'),
      buttons: Array.from({ length: 20 }, (_, i) => `Link ${i} | https://x.example/${i}`).join(
        '\n',
      ),
      needs: JSON.stringify(
        Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`j${i}`, { result: 'failure' }])),
      ),
      mention: 'all, ou_abc, user_id:u1',
      key: 'deploy-prod',
    };
    const images = Array.from({ length: 50 }, (_, i) => ({ key: `img_v3_${i}`, alt: `${i}.png` }));
    const card = await cardFor('push', values, { images });
    expect(countElements(card)).toBeLessThanOrEqual(LIMITS.cardElements);
    expect(byteLength(card)).toBeLessThanOrEqual(LIMITS.cardBytes);
    expect(footerOf(card)).toContain('🔑 «deploy-prod»');
  });

  it('keeps every language while trimming can make room, and the first alone past that', async () => {
    const cjk = (n: number) => '部署日志'.repeat(n);
    const values = {
      message: cjk(30_000),
      fields: Array.from({ length: 50 }, (_, i) => `字段${i}: ${cjk(300)}`).join('\n'),
      buttons: Array.from({ length: 20 }, (_, i) => `按钮${i} | https://x.example/${i}`).join('\n'),
      key: 'deploy-prod',
    };
    // A card repeats only its own words: all three languages fit, trimmed.
    const card = await cardFor('push', values);
    expect(card.config.locales).toEqual(['zh_cn', 'en_us', 'ja_jp']);
    expect(byteLength(card)).toBeLessThanOrEqual(LIMITS.cardBytes);
    // A post repeats everything per language: three bodies cannot fit, the first one does.
    const [post] = await render('push', { ...values, type: 'post' });
    expect(Object.keys(post?.content ?? {})).toEqual(['zh_cn']);
    expect(byteLength(post?.content)).toBeLessThanOrEqual(LIMITS.cardBytes);
    // A smaller post keeps all three.
    const [small] = await render('push', { type: 'post', message: cjk(100) });
    expect(Object.keys(small?.content ?? {})).toEqual(['zh_cn', 'en_us', 'ja_jp']);
  });

  it('a verbatim content that is too large is an input error, not trimmed', async () => {
    const content = JSON.stringify({ text: 'x'.repeat(200_000) });
    await expect(render('push', { type: 'text', content })).rejects.toThrow(InputError);
    await expect(render('push', { type: 'text', content })).rejects.toThrow(/content/);
  });
});

describe('other content types', () => {
  it('a template card with its variables', async () => {
    const [m] = await render('push', {
      type: 'template',
      'template-id': 'AAqk1234',
      'template-version': '1.0.2',
      'template-variables': '{"env": "prod"}',
    });
    expect(m).toEqual({
      msgType: 'interactive',
      content: {
        type: 'template',
        data: {
          template_id: 'AAqk1234',
          template_version_name: '1.0.2',
          template_variable: { env: 'prod' },
        },
      },
    });
  });

  it('type image sends one image message per image', async () => {
    const contents = await render(
      'push',
      { type: 'image', images: 'a.png\nb.png' },
      {
        images: [
          { key: 'img_v3_a', alt: 'a.png' },
          { key: 'img_v3_b', alt: 'b.png' },
        ],
      },
    );
    expect(contents).toEqual([
      { msgType: 'image', content: { image_key: 'img_v3_a' } },
      { msgType: 'image', content: { image_key: 'img_v3_b' } },
    ]);
  });

  it('a verbatim card 1.0 is made updatable; a 2.0 card is left alone', async () => {
    const [v1] = await render('push', {
      content: '{"elements": [], "config": {"wide_screen_mode": true}}',
    });
    expect(v1?.content).toEqual({
      elements: [],
      config: { wide_screen_mode: true, update_multi: true },
    });
    const v2 = { schema: '2.0', body: { elements: [] } };
    const [m] = await render('push', { content: JSON.stringify(v2) });
    expect(m?.content).toEqual(v2);
  });
});
