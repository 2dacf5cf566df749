/**
 * Property-based tests of the renderer: random event payloads (hostile text, huge text, wrong
 * types) and random inputs go through readSettings + buildNotice + renderContents for card,
 * text and post, by the app API and by webhook. Whatever comes in, the renderer never throws,
 * its output parses, stays within Feishu's limits, and no untrusted field becomes a mention,
 * a markdown link or image, raw markup, or a URL a client would link.
 *
 * The trusted parts (inputs written by the workflow author) are drawn from a plain alphabet,
 * so any markup found in the output can only have come from the event.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunContext } from '../src/context.js';
import { webhookBody } from '../src/feishu/webhook.js';
import { readSettings } from '../src/inputs.js';
import { renderCard } from '../src/render/card.js';
import { countElements, type MessageContent, renderContents } from '../src/render/content.js';
import { safeUrl } from '../src/render/escape.js';
import { scaleBudget } from '../src/render/model.js';
import { buildNotice } from '../src/render/notice.js';
import { renderPost, renderText } from '../src/render/text.js';
import type { Settings } from '../src/settings.js';

const SEED = 20_240_501;
const NUM_RUNS = 200;
const KB = 1024;
const LIMIT = { card: 30 * KB, post: 30 * KB, text: 150 * KB, webhook: 20 * KB, elements: 200 };
const SERVER = 'https://github.com';
const REPO = 'acme/shop';
const ZWSP = '\u200b';

let casesRun = 0;
let renderingsChecked = 0;
/** Renderings whose full-size form was over the limit: the ones that had to shrink. */
let shrunk = 0;
afterAll(() => {
  // The figure the issue asks for: how many random cases went through the renderer.
  console.info(
    `property: ${casesRun} random cases, ${renderingsChecked} renderings checked, ${shrunk} had to shrink to fit (seed ${SEED})`,
  );
});

// ---- untrusted text

/** Every character card markdown escapes: five bytes each once escaped. */
const DENSE = '<>[]()*_#`~|\\!$' + '{}@&';

const HOSTILE = [
  '<at id=all></at>',
  '<at user_id="all"></at>',
  '<at user_id="all">',
  '<at id=ou_attacker></at>',
  '<at email=boss@corp.example></at>',
  '[click me](https://evil.example/phish)',
  '![pixel](https://evil.example/track.png)',
  '[ref]: https://evil.example',
  '<https://evil.example/auto>',
  'https://evil.example/p?q=1&r=2',
  'http://evil.example',
  'HTTPS://EVIL.EXAMPLE',
  'www.evil.example',
  'mail a.b+c@evil.example now',
  '<a href="https://evil.example">x</a>',
  '<font color=red>red</font>',
  '<text_tag color=red>tag</text_tag>',
  '<img src=x onerror=alert(1)>',
  '```js\nalert(1)\n```',
  '`code`',
  '**bold** __under__ ~~strike~~',
  '# heading',
  '- item',
  '1. item',
  '> quote',
  '| a | b |\n|---|---|',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the expression syntax is the hostile text
  '${{ secrets.APP_SECRET }}',
  '{{template_var}}',
  '"}]}\'',
  '\\u003cat id=all\\u003e',
  '&#60;at id=all&#62;',
  '&lt;at id=all&gt;',
  'javascript:alert(1)',
  'data:text/html,<b>x</b>',
  '\u0000\u0007\u001b[31m\u007f\u0085',
  '\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c',
  '\r\n\n\r',
  '\u2028\u2029\ufeff',
  'h\u200bttps://split.example',
  '👩‍👩‍👧 🇨🇳 漢字 ñ',
  DENSE,
];

const fragment = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
);

/** About n characters of h (whole copies: cutting one could split a surrogate pair). */
const repeatTo = ([h, n]: [string, number]) => h.repeat(Math.ceil(n / h.length));

/** One hostile fragment repeated to 1–100 kB. */
const huge = fc
  .tuple(fc.constantFrom(...HOSTILE), fc.integer({ min: 1_000, max: 100_000 }))
  .map(repeatTo);

/** Text that grows most when escaped or encoded: what pushes a rendering past the limits. */
const dense = fc
  .tuple(
    fc.constantFrom(DENSE, '<at id=all></at>', '漢字🇨🇳"\\'),
    fc.integer({ min: 300, max: 5_000 }),
  )
  .map(repeatTo);

const short = fc.array(fragment, { maxLength: 6 }).map((a) => a.join(' '));

/** Event text: mostly short hostile mixes, sometimes up to 100 kB of it. */
const untrusted = fc.oneof({ weight: 6, arbitrary: short }, { weight: 1, arbitrary: huge });

/** A field the payload should hold a string in, sometimes holding anything at all. */
const anyValue = fc.oneof(
  { weight: 10, arbitrary: untrusted },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 3 }) },
);

const sha = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 }),
  anyValue,
);

/**
 * URL fields: GitHub's own, any web URL, or hostile strings that must never become links.
 * Short ones here; the giant-URL case has its own test below (links over 2 kB are dropped).
 */
const urlValue = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abc123-/'), maxLength: 30 }).map((p) => `${SERVER}/${p}`),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'javascript:alert(1)',
    'data:text/html,x',
    'https://evil.example/[x](y)',
    'https://evil.example/<at id=all>',
    'https://evil.example/a b',
    'ftp://evil.example',
    '//evil.example',
  ),
  short,
  fc.anything({ maxDepth: 1 }),
);

const login = fc.oneof(
  fc.constantFrom('octocat', 'dependabot[bot]', 'all', 'mapped-user'),
  untrusted,
  anyValue,
);

const commit = (message: fc.Arbitrary<unknown>) =>
  fc.record({
    id: sha,
    message,
    url: urlValue,
    author: fc.record({ name: fc.oneof(anyValue, dense), username: login }),
  });

const payloadFields = fc.record(
  {
    action: anyValue,
    number: fc.oneof(fc.integer(), anyValue),
    forced: fc.oneof(fc.boolean(), anyValue),
    compare: urlValue,
    pusher: fc.record({ name: login }),
    head_commit: fc.record({ message: anyValue, author: fc.record({ username: login }) }),
    pull_request: fc.record({
      number: fc.oneof(fc.nat(), anyValue),
      title: anyValue,
      body: anyValue,
      html_url: urlValue,
      merged: fc.oneof(fc.boolean(), anyValue),
      user: fc.record({ login }),
      base: fc.record({ ref: anyValue }),
      head: fc.record({ label: anyValue, ref: anyValue, sha }),
    }),
    release: fc.record({
      name: anyValue,
      tag_name: anyValue,
      body: anyValue,
      html_url: urlValue,
      prerelease: fc.oneof(fc.boolean(), anyValue),
      author: fc.record({ login }),
    }),
    issue: fc.record({
      number: fc.oneof(fc.nat(), anyValue),
      title: anyValue,
      body: anyValue,
      html_url: urlValue,
      user: fc.record({ login }),
    }),
    inputs: fc.dictionary(
      untrusted,
      fc.oneof(untrusted, huge, dense, fc.integer(), fc.boolean(), anyValue),
      { maxKeys: 40 },
    ),
    workflow_run: fc.record({
      name: anyValue,
      html_url: urlValue,
      run_number: fc.oneof(fc.nat(), anyValue),
      conclusion: anyValue,
      status: anyValue,
      head_sha: sha,
      head_commit: fc.record({ message: anyValue }),
      actor: fc.record({ login }),
    }),
    deployment: fc.record({
      environment: anyValue,
      description: anyValue,
      sha,
      creator: fc.record({ login }),
    }),
    deployment_status: fc.record({
      environment_url: urlValue,
      target_url: urlValue,
      state: anyValue,
      description: anyValue,
      environment: anyValue,
    }),
    schedule: anyValue,
    merge_group: fc.record({
      head_sha: sha,
      base_ref: anyValue,
      head_commit: fc.record({ message: anyValue }),
    }),
  },
  // Any field may be missing.
  { requiredKeys: [] },
);

/** Commits are always there (a push's list is where renderings grow past the limits). */
const commits = fc.oneof(
  { weight: 6, arbitrary: fc.array(commit(anyValue), { maxLength: 5 }) },
  // Long pushes of long messages: the renderings that must shrink to fit.
  {
    weight: 5,
    arbitrary: fc.array(commit(fc.oneof(dense, huge, untrusted)), {
      minLength: 20,
      maxLength: 300,
    }),
  },
  { weight: 1, arbitrary: anyValue },
);

const payload = fc
  .tuple(payloadFields, commits)
  .map(([fields, list]) => ({ ...fields, commits: list }) as Record<string, unknown>);

const EVENTS = [
  'push',
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'release',
  'workflow_dispatch',
  'workflow_run',
  'deployment',
  'deployment_status',
  'schedule',
  'merge_group',
  'issues',
  'issue_comment',
  'repository_dispatch',
];

/** The run: the repository, server and IDs are the runner's; names and refs are not. */
const runContext = fc.record({
  // The events whose payloads carry long lists, more often.
  eventName: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('push', 'workflow_dispatch') },
    { weight: 6, arbitrary: fc.constantFrom(...EVENTS) },
  ),
  refName: untrusted,
  refType: fc.constantFrom('branch', 'tag', ''),
  actor: fc.oneof(fc.constantFrom('octocat', 'mapped-user'), untrusted),
  workflow: fc.oneof(fc.constant('Deploy'), untrusted),
  job: fc.oneof(fc.constant('deploy'), untrusted),
  sha: fc.oneof(fc.constant('9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807'), untrusted),
  runAttempt: fc.constantFrom('1', '2'),
  payload,
});

// ---- trusted inputs: a plain alphabet, so markup in the output can only come from the event

const plain = (max: number) =>
  fc.string({
    unit: fc.constantFrom(
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,;*_-',
    ),
    maxLength: max,
  });
const label = plain(20).map((s) => s.replace(/[\s,;]/g, '') || 'L');

const inputs = fc.record(
  {
    type: fc.constantFrom('card', 'text', 'post'),
    language: fc.constantFrom('', 'auto', 'zh_cn', 'en_us', 'ja_jp'),
    status: fc.constantFrom('success', 'failure', 'cancelled', 'in_progress', 'timed_out', ''),
    title: plain(300),
    message: fc.oneof(
      { weight: 2, arbitrary: plain(300) },
      { weight: 1, arbitrary: plain(40).map((s) => s.repeat(2_000)) },
    ),
    fields: fc
      .array(fc.tuple(label, plain(80)), { maxLength: 12 })
      .map((f) => f.map(([l, v]) => `${l}: ${v.trim() || 'v'}`).join('\n')),
    buttons: fc
      .array(fc.tuple(label, fc.constantFrom('a', 'b/c', 'd?e=1')), { maxLength: 6 })
      .map((b) => b.map(([l, p]) => `${l} | https://docs.example/${p}`).join('\n')),
    mention: fc
      .subarray(['all', 'author', 'actor', 'ou_abc123', 'user_id:u_1', 'dev@example.com'])
      .map((m) => m.join(',')),
    'user-map': fc.constantFrom('', 'mapped-user: ou_mapped', 'all: dev@example.com'),
    needs: fc.oneof(
      fc.constant(''),
      fc
        .array(fc.tuple(label, fc.constantFrom('success', 'failure', 'skipped', 'cancelled')), {
          maxLength: 120,
        })
        .map((jobs) =>
          JSON.stringify(Object.fromEntries(jobs.map(([n, r], i) => [`${n}${i}`, { result: r }]))),
        ),
    ),
    key: fc.constantFrom('', 'deploy-prod'),
  },
  { requiredKeys: ['type'] },
);

const images = fc.array(fc.constantFrom('img_v3_a', 'img_v3_b'), { maxLength: 8 });

// ---- checks

interface Allowed {
  urls: Set<string>;
}

/** URLs we may link: the payload's URL fields after safeUrl, the buttons', and our own. */
function allowedUrls(p: Record<string, unknown>): Allowed {
  const urls = new Set<string>();
  const add = (v: unknown) => {
    const safe = safeUrl(v);
    if (safe) urls.add(safe);
  };
  const at = (path: string) =>
    path
      .split('.')
      .reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as never)[k] : undefined), p);
  for (const path of [
    'compare',
    'pull_request.html_url',
    'release.html_url',
    'issue.html_url',
    'workflow_run.html_url',
    'deployment_status.environment_url',
    'deployment_status.target_url',
  ])
    add(at(path));
  if (Array.isArray(p.commits)) for (const c of p.commits) add((c as { url?: unknown })?.url);
  return { urls };
}

function isAllowed(url: string, allowed: Allowed): boolean {
  return (
    allowed.urls.has(url) ||
    url.startsWith('https://docs.example/') ||
    url === `${SERVER}/${REPO}` ||
    url.startsWith(`${SERVER}/${REPO}/`)
  );
}

/** No lone surrogate (String.prototype.isWellFormed is past this project's lib target). */
function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Legitimate mention tags, as the renderers write them. */
const MENTION_TAG = /<at (?:id=[A-Za-z0-9_]+|email=[^\s>]+|user_id="[A-Za-z0-9_]+")><\/at>/g;

/**
 * Checks one string of rendered output: strips our own mentions (counted) and links (checked
 * against the allowed URLs); what is left must hold no markup and nothing a client links.
 */
function checkString(s: string, allowed: Allowed, where: string): number {
  expect(isWellFormed(s), `${where}: lone surrogate`).toBe(true);
  let mentions = 0;
  let rest = s.replace(MENTION_TAG, () => {
    mentions++;
    return '';
  });
  rest = rest.replace(/\]\(([^)]*)\)/g, (_m, url: string) => {
    expect(isAllowed(url, allowed), `${where}: link to ${url}`).toBe(true);
    return ']';
  });
  // Bare URLs we put in text messages (button lines).
  rest = rest.replace(/https?:\/\/[^\s]+/g, (url) => (isAllowed(url, allowed) ? '' : url));
  const problems: [RegExp, string][] = [
    [/<[A-Za-z/!?]/, 'markup or a mention'],
    [/\]\(/, 'a markdown link'],
    [/[A-Za-z][A-Za-z0-9+.-]*:\/\//, 'a linkable URL'],
    [/\bwww\./i, 'a www. link'],
    [/[A-Za-z0-9._%+-]@[A-Za-z0-9-]+\.[A-Za-z]{2,}/, 'an e-mail link'],
  ];
  for (const [pattern, what] of problems) {
    const hit = pattern.exec(rest);
    expect(
      hit,
      `${where} holds ${what}: …${rest.slice(Math.max(0, (hit?.index ?? 0) - 30), (hit?.index ?? 0) + 40)}…`,
    ).toBeNull();
  }
  return mentions;
}

function strings(node: unknown, path: string, out: [string, string][]): [string, string][] {
  if (typeof node === 'string') out.push([path, node]);
  else if (Array.isArray(node)) {
    for (const [i, c] of node.entries()) strings(c, `${path}[${i}]`, out);
  } else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) strings(v, `${path}.${k}`, out);
  return out;
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Parses, sizes and scans one rendering; returns how many mentions it holds. */
function checkRendering(
  message: MessageContent,
  viaWebhook: boolean,
  allowed: Allowed,
  webhookSecret: string | undefined,
): number {
  const { msgType, content } = message;
  // What goes on the wire parses back to the same content.
  const wire = JSON.stringify(content);
  expect(JSON.parse(wire)).toEqual(content);
  const limit = msgType === 'text' ? LIMIT.text : LIMIT.card;
  expect(bytes(content)).toBeLessThanOrEqual(limit);
  if (msgType === 'interactive') {
    const body = (content as { body?: unknown }).body;
    expect(countElements(body)).toBeLessThanOrEqual(LIMIT.elements);
  }
  if (viaWebhook) {
    const hook = webhookBody({ msgType, content }, webhookSecret, Date.now());
    const size = Buffer.byteLength(hook, 'utf8');
    expect(size).toBeLessThanOrEqual(LIMIT.webhook);
    expect(() => JSON.parse(hook)).not.toThrow();
  }

  let mentions = 0;
  for (const [path, s] of strings(content, msgType, [])) {
    if (/\.(default_url|href)$/.test(path)) {
      expect(isAllowed(s, allowed), `${path} = ${s}`).toBe(true);
      continue;
    }
    if (/\.(img_key|image_key|tag|template|color|text_size|text_color|width|type)$/.test(path))
      continue;
    mentions += checkString(s, allowed, path);
  }
  if (msgType === 'post') {
    // Post mentions are `at` runs, not tags in text.
    mentions += strings(content, '', []).filter(
      ([p, v]) => p.endsWith('.tag') && v === 'at',
    ).length;
  }
  return mentions;
}

/**
 * Mentions the notice may carry: only those the trusted inputs asked for, and only those the
 * way of sending can carry (a webhook mentions by open_id only; text and post not by e-mail).
 */
function expectedMentions(
  notice: ReturnType<typeof buildNotice>,
  msgType: MessageContent['msgType'],
  viaWebhook: boolean,
  bodies: number,
): number {
  const mentioned = notice.mentions.filter(
    (m) =>
      m.kind !== 'name' &&
      (msgType === 'interactive' || m.kind !== 'email') &&
      !(viaWebhook && (m.kind === 'email' || m.kind === 'user_id')),
  ).length;
  // A post carries one body per language (the first alone when all cannot fit), each with them.
  return mentioned * bodies;
}

async function settingsFrom(raw: Record<string, string | undefined>): Promise<Settings> {
  const values: Record<string, string> = {
    'app-id': 'cli_test_app',
    'app-secret': 'secret',
    to: 'oc_test_chat',
    webhook: 'https://open.feishu.cn/open-apis/bot/v2/hook/abcdefgh12345678',
  };
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) values[k] = v;
  return readSettings({ getInput: (name) => values[name] ?? '', setSecret: () => undefined });
}

describe('renderer properties (fast-check)', () => {
  it(`never throws, parses, stays within limits, and turns no event text into a mention or link (${NUM_RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        inputs,
        runContext,
        images,
        fc.boolean(),
        async (raw, run, imageKeys, signed) => {
          casesRun++;
          const settings = await settingsFrom(raw);
          const ctx: RunContext = {
            serverUrl: SERVER,
            repository: REPO,
            ref: `refs/heads/${run.refName}`,
            runId: '1234567890',
            runNumber: '42',
            runUrl: `${SERVER}/${REPO}/actions/runs/1234567890`,
            ...run,
            payload: run.payload as Record<string, unknown>,
          };
          const notice = buildNotice(settings, ctx, {
            images: imageKeys.map((key) => ({ key, alt: run.refName })),
          });
          const allowed = allowedUrls(ctx.payload);
          const full = { card: renderCard, text: renderText, post: renderPost }[
            settings.type as 'card'
          ](notice, scaleBudget(1));
          if (bytes(full) > LIMIT.webhook - 256) shrunk++;
          for (const viaWebhook of [false, true]) {
            const contents = renderContents(settings, notice, viaWebhook);
            expect(contents).toHaveLength(1);
            const [message] = contents as [MessageContent];
            const mentions = checkRendering(
              message,
              viaWebhook,
              allowed,
              signed ? 'webhook-secret' : undefined,
            );
            const bodies = message.msgType === 'post' ? Object.keys(message.content).length : 1;
            expect(mentions).toBe(expectedMentions(notice, message.msgType, viaWebhook, bodies));
            renderingsChecked++;
          }
        },
      ),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true },
    );
    expect(casesRun).toBeGreaterThanOrEqual(NUM_RUNS);
    // The generators must reach past the limits, or the size checks above prove little.
    expect(shrunk).toBeGreaterThan(NUM_RUNS / 30);
    // CPU-bound: 200 cases take about 18 s alone on 2 cores, and over 30 s on a loaded machine.
  }, 120_000);
});

// ---- fixed examples: what the reader sees, and the limits at their edges

/** What a reader sees: entities decoded, our zero-width spaces gone. */
function shown(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replaceAll(ZWSP, '');
}

const HOSTILE_TITLE =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the expression syntax is the hostile text
  'Fix <at id=all></at> <at user_id="all"> [x](https://evil.example) ![i](https://evil.example/i.png) <font color=red>r</font> ${{ secrets.X }} `c` **b** www.evil.example a@evil.example';

function pullRequestContext(title: string, extra: Record<string, unknown> = {}): RunContext {
  return {
    serverUrl: SERVER,
    repository: REPO,
    eventName: 'pull_request',
    ref: 'refs/pull/7/merge',
    refName: 'feature/<at id=all></at>',
    refType: 'branch',
    sha: '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807',
    actor: 'octocat',
    workflow: 'CI',
    job: 'test',
    runId: '1',
    runNumber: '1',
    runAttempt: '1',
    runUrl: `${SERVER}/${REPO}/actions/runs/1`,
    payload: {
      pull_request: {
        number: 7,
        title,
        html_url: `${SERVER}/${REPO}/pull/7`,
        user: { login: 'octocat' },
        base: { ref: 'main' },
        head: { label: 'octocat:feature', sha: '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807' },
      },
      ...extra,
    },
  };
}

/**
 * Settings with `wanted` entries of a list input, or as many as readSettings accepts: an input
 * limit (an error naming the input) is as good an answer to a huge list as trimming it.
 */
async function mostAccepted(
  input: string,
  wanted: number,
  entry: (i: number) => string,
  separator = '\n',
): Promise<{ settings: Settings; count: number }> {
  for (let count = wanted; count > 0; count = count > 100 ? Math.floor(count / 2) : count - 1) {
    const value = Array.from({ length: count }, (_, i) => entry(i)).join(separator);
    try {
      return { settings: await settingsFrom({ type: 'card', [input]: value }), count };
    } catch (error) {
      expect((error as { input?: string }).input).toBe(input);
    }
  }
  throw new Error(`${input}: not even one entry accepted`);
}

describe('hostile text, fixed examples', () => {
  it.each(['card', 'text', 'post'])(
    '%s shows a hostile PR title as its literal text',
    async (type) => {
      const settings = await settingsFrom({ type });
      const notice = buildNotice(settings, pullRequestContext(HOSTILE_TITLE));
      const [message] = renderContents(settings, notice, false) as [MessageContent];
      const all = strings(message.content, '', [])
        .map(([, s]) => shown(s))
        .join('\n');
      expect(all).toContain(HOSTILE_TITLE);
      checkRendering(message, false, { urls: new Set([`${SERVER}/${REPO}/pull/7`]) }, undefined);
    },
  );

  it('trims 100 kB of event text with a visible marker and stays within 30 KB', async () => {
    const settings = await settingsFrom({ type: 'card' });
    const huge = '<at id=all></at> '.repeat(6_000);
    const notice = buildNotice(settings, pullRequestContext(huge));
    const [message] = renderContents(settings, notice, false) as [MessageContent];
    expect(bytes(message.content)).toBeLessThanOrEqual(LIMIT.card);
    expect(shown(JSON.stringify(message.content))).toContain('… ✂️');
  });

  it('a card with as many images and buttons as allowed stays within 200 elements', async () => {
    const { settings } = await mostAccepted(
      'buttons',
      60,
      (i) => `B${i} | https://docs.example/${i}`,
    );
    const notice = buildNotice(settings, pullRequestContext('t'), {
      images: Array.from({ length: 50 }, (_, i) => ({ key: `img_v3_${i}`, alt: `${i}` })),
    });
    const [message] = renderContents(settings, notice, false) as [MessageContent];
    expect(countElements((message.content as { body: unknown }).body)).toBeLessThanOrEqual(
      LIMIT.elements,
    );
  });

  it('a card whose commit URL is 60 kB still stays within 30 KB', async () => {
    const settings = await settingsFrom({ type: 'card' });
    const url = `https://evil.example/${'a'.repeat(60_000)}`;
    const sha = '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807';
    const ctx: RunContext = {
      ...pullRequestContext('t'),
      eventName: 'push',
      payload: {
        commits: [
          { id: sha, message: 'one', url },
          { id: sha, message: 'two', url },
        ],
      },
    };
    const [message] = renderContents(settings, buildNotice(settings, ctx), false) as [
      MessageContent,
    ];
    expect(bytes(message.content)).toBeLessThanOrEqual(LIMIT.card);
  });

  it.each([
    ['fields', (i: number) => `F${i}: ${DENSE.repeat(20)}`],
    [
      'buttons',
      (i: number) => `B${i}${'x'.repeat(40)} | https://docs.example/${'p'.repeat(200)}${i}`,
    ],
  ] as const)('a card with as many %s as allowed stays within 30 KB', async (input, line) => {
    const { settings } = await mostAccepted(input, 3_000, line);
    const notice = buildNotice(settings, pullRequestContext('t'));
    const [message] = renderContents(settings, notice, false) as [MessageContent];
    expect(bytes(message.content)).toBeLessThanOrEqual(LIMIT.card);
  });

  it('a card with as many mentions as allowed stays within 30 KB', async () => {
    const { settings } = await mostAccepted('mention', 1_500, (i) => `ou_${i}`, ',');
    const notice = buildNotice(settings, pullRequestContext('t'));
    const [message] = renderContents(settings, notice, false) as [MessageContent];
    expect(bytes(message.content)).toBeLessThanOrEqual(LIMIT.card);
  });
});
