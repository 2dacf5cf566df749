import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Payload, RunContext } from '../../src/context.js';
import { readSettings } from '../../src/inputs.js';
import { type MessageContent, renderContents } from '../../src/render/content.js';
import {
  clean,
  clip,
  inertMarkdown,
  inertText,
  safeUrl,
  TRUNCATED,
} from '../../src/render/escape.js';
import { buildNotice } from '../../src/render/notice.js';
import { runContextFor } from '../support/run-context.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/events/', import.meta.url));
const ZWSP = '\u200b';

/** Where links we build may point: the run's own repository and the deployment's environment. */
const TRUSTED_URL = /^(https:\/\/github\.com\/acme\/shop(\/|$)|https:\/\/shop\.acme\.dev\/)/;
const trusted = (url: string | undefined) => TRUSTED_URL.test(url ?? '');

const hostileFixture = JSON.parse(
  readFileSync(join(FIXTURES, 'hostile_push.json'), 'utf8'),
) as Payload;
const HOSTILE_BRANCH = String(hostileFixture.ref).replace(/^refs\/heads\//, '');

/** Attacks a reader must still see as the literal text (in HOSTILE and in the hostile fixture). */
const READABLE_ATTACKS = [
  '<at id=all></at>',
  '<at user_id="all"></at>',
  '[x](https://evil.example)',
  '![i](https://evil.example/a.png)',
  'https://evil.example/login',
  'www.evil.example',
  '<font color=red>RED</font>',
  '```js',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the attack
  '${{ secrets.X }}',
  '{"msg_type":"text"}',
  'admin@evil.example',
];

/** Text a contributor controls. */
const HOSTILE = [
  ...READABLE_ATTACKS,
  '\u202eevil\u202c',
  '\u0000\u0007\u001b[31m',
  '<a href="https://evil.example">a</a>',
  '<b>bold</b>',
  '# heading',
  '> quote',
  '| a | b |',
  '*em* _em_ ~~s~~',
  '&#60;at id=all&#62;&#60;/at&#62;',
  '<text_tag color=red>t</text_tag>',
].join(' ');

function baseEnv(event: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: join(FIXTURES, `${event}.json`),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_SHA: '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807',
    GITHUB_ACTOR: 'mallory',
    GITHUB_WORKFLOW: 'Deploy',
    GITHUB_JOB: 'deploy',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    ...extra,
  };
}

function hostileCtx(): RunContext {
  return runContextFor(
    baseEnv('push', {
      GITHUB_EVENT_PATH: join(FIXTURES, 'hostile_push.json'),
      GITHUB_REF: `refs/heads/${HOSTILE_BRANCH}`,
      GITHUB_REF_NAME: HOSTILE_BRANCH,
      GITHUB_SHA: '3333333333333333333333333333333333333333',
      // A fork can rename the workflow and job a pull_request run shows.
      GITHUB_WORKFLOW: `CI ${HOSTILE}`,
      GITHUB_JOB: `job <at id=all></at>`,
      GITHUB_ACTOR: 'mallory',
    }),
  );
}

async function renderAll(
  ctx: RunContext,
  values: Record<string, string> = {},
): Promise<{ type: string; webhook: boolean; message: MessageContent }[]> {
  const out: { type: string; webhook: boolean; message: MessageContent }[] = [];
  for (const type of ['card', 'text', 'post']) {
    const settings = await readSettings({
      getInput: (name) =>
        ({ 'dry-run': 'true', to: 'oc_chat1', status: 'failure', type, ...values })[name]?.trim() ??
        '',
      setSecret: () => {},
    });
    const notice = buildNotice(settings, ctx);
    for (const webhook of [false, true]) {
      const [message] = renderContents(settings, notice, webhook);
      if (message) out.push({ type, webhook, message });
    }
  }
  return out;
}

/** Every string in a JSON value, with the path that leads to it. */
function strings(node: unknown, path = ''): { path: string; value: string }[] {
  if (typeof node === 'string') return [{ path, value: node }];
  if (Array.isArray(node)) return node.flatMap((n, i) => strings(n, `${path}[${i}]`));
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  }
  return [];
}

/** Markdown links [text](href) and images ![alt](src) in a string. */
const MD_LINK = /!?\[[^\]]*\]\(([^)\s]*)\)/g;

/**
 * The safety properties of one rendered content: no mention, no untrusted link or image,
 * no font/HTML markup, no bare http(s) URL but ours, no invisible controls; it is JSON.
 */
function expectInert(content: Record<string, unknown>, where: string): void {
  const json = JSON.stringify(content);
  expect(JSON.parse(json), where).toEqual(content);
  for (const { path, value } of strings(content)) {
    const at = `${where} ${path}`;
    expect(value, at).not.toMatch(/<at[\s>]/i);
    expect(value, at).not.toMatch(/<font/i);
    expect(value, at).not.toMatch(/<text_tag/i);
    expect(value, at).not.toMatch(/<a[\s>]/i);
    expect(value, at).not.toMatch(/<b>/i);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: controls must not survive
    expect(value, at).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
    // Every markdown link is one we built, to a trusted place.
    for (const [, href] of value.matchAll(MD_LINK)) {
      expect(trusted(href), `${at}: link to ${href}`).toBe(true);
    }
    // Outside those links (and the href/url fields we set), no URL a client would link.
    const isUrlField = /\.(href|default_url)$/.test(path);
    const rest = value.replace(MD_LINK, '');
    for (const [url] of rest.matchAll(/https?:\/\/[^\s"'<>)\]]*/gi)) {
      expect(trusted(url), `${at}: bare ${isUrlField ? 'url' : 'link'} ${url}`).toBe(true);
    }
    expect(rest, at).not.toMatch(/\bwww\.evil/i);
    expect(rest, at).not.toMatch(/@evil\.example/);
  }
}

/** What the reader sees: entities decoded, zero-width spaces removed. */
function readable(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replaceAll(ZWSP, '');
}

describe('the hostile push fixture', () => {
  it('renders to inert content in every format, by app and by webhook', async () => {
    const rendered = await renderAll(hostileCtx(), { mention: 'author, actor' });
    expect(rendered).toHaveLength(6);
    for (const { type, webhook, message } of rendered) {
      expectInert(message.content, `${type}${webhook ? ' (webhook)' : ''}`);
    }
  });

  it('still lets the reader read the literal text', async () => {
    const rendered = await renderAll(hostileCtx());
    for (const { type, message } of rendered) {
      const seen = readable(
        strings(message.content)
          .map((s) => s.value)
          .join('\n'),
      );
      for (const piece of [
        ...READABLE_ATTACKS,
        '<font color=red>Mallory</font>',
        'feat/<at_id=all></at>[x](https://evil.example)',
      ]) {
        expect(seen, `${type}: ${piece}`).toContain(piece);
      }
    }
  });

  it('trims the 10 kB commit message with a visible marker', async () => {
    for (const { type, message } of await renderAll(hostileCtx())) {
      const seen = readable(JSON.stringify(message.content));
      expect(seen, type).toContain(TRUNCATED);
      expect(seen, type).not.toContain('Overflow '.repeat(100));
    }
  });

  it('keeps hostile text on its line: no heading, list or fence can start', async () => {
    const [card] = await renderAll(hostileCtx());
    const markdown = strings(card?.message.content).filter((s) =>
      /^\.body\.elements\[\d+\]\.content$/.test(s.path),
    );
    expect(markdown.length).toBeGreaterThanOrEqual(2);
    for (const { value } of markdown) {
      for (const line of value.split('\n')) {
        // Each line is one of ours: a fact or a list title (**…**), or a list item.
        expect(line).toMatch(/^(\*\*[^*]+\*\*(: | \(\d+\)$)|- )/);
        expect(line).not.toMatch(/^(#|>|```|\|)/);
      }
    }
  });
});

/** Every string leaf of a payload made hostile, except URLs, SHAs and numbers we rely on. */
function poison(node: unknown, key = ''): unknown {
  if (typeof node === 'string') {
    if (/url$|^compare$|sha$|^id$|^ref$|^schedule$/.test(key)) return node;
    return `${node} ${HOSTILE}`;
  }
  if (Array.isArray(node)) return node.map((n) => poison(n, key));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        key === 'inputs' ? `${k}<at id=all></at>` : k,
        poison(v, k),
      ]),
    );
  }
  return node;
}

describe.each([
  'pull_request',
  'pull_request_target',
  'release',
  'workflow_dispatch',
  'workflow_run',
  'deployment',
  'deployment_status',
  'merge_group',
  'issues',
])('%s with every text field hostile', (event) => {
  it('renders inert content', async () => {
    const clean = runContextFor(
      baseEnv(event, {
        GITHUB_HEAD_REF: event.startsWith('pull_request') ? `fix ${HOSTILE}` : '',
      }),
    );
    const ctx = { ...clean, payload: poison(clean.payload) as Payload };
    const rendered = await renderAll(ctx, { mention: 'author' });
    for (const { type, webhook, message } of rendered) {
      expectInert(message.content, `${event} ${type}${webhook ? ' (webhook)' : ''}`);
    }
    const seen = readable(JSON.stringify(rendered[0]?.message.content));
    expect(seen).toContain('<at id=all></at>');
  });
});

describe('URLs from the payload', () => {
  const base = runContextFor(baseEnv('pull_request'));

  it('a javascript: URL never becomes a link or a button', async () => {
    const payload = poison(base.payload) as Payload;
    const pr = {
      ...(payload.pull_request as object),
      html_url: 'javascript:alert(document.cookie)',
    };
    const rendered = await renderAll({ ...base, payload: { ...payload, pull_request: pr } });
    for (const { message } of rendered) {
      expect(JSON.stringify(message.content)).not.toContain('javascript:');
    }
  });

  it('a URL that tries to close the link stays inside it', async () => {
    const pr = {
      ...(base.payload.pull_request as object),
      html_url: 'https://github.com/acme/shop/pull/128) [x](https://evil.example',
    };
    const [card] = await renderAll({ ...base, payload: { ...base.payload, pull_request: pr } });
    const markdown = strings(card?.message.content)
      .map((s) => s.value)
      .join('\n');
    const hrefs = [...markdown.matchAll(MD_LINK)].map((m) => m[1] ?? '');
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(trusted(href), href).toBe(true);
    expect(markdown).not.toContain('](https://evil.example');
  });
});

describe('escape functions', () => {
  it('clean removes controls and bidi overrides, and folds lines when asked', () => {
    expect(clean('a\u0000b\u0007c\u001b[0m\u202ed\u2066e\u200ff')).toBe('abc[0mdef');
    expect(clean('one\r\n  two\nthree')).toBe('one two three');
    expect(clean('one\ntwo\tthree', false)).toBe('one\ntwo\tthree');
  });

  it('clip keeps short text and marks cut text, never splitting a character', () => {
    expect(clip('short', 10)).toBe('short');
    const cut = clip('😀'.repeat(50), 20);
    expect(Array.from(cut).length).toBeLessThanOrEqual(20);
    expect(cut.endsWith(TRUNCATED)).toBe(true);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('inertMarkdown turns markup into entities and breaks links and mentions', () => {
    const out = inertMarkdown('<at id=all></at> [x](https://e.example) *b* @me www.e.example', 500);
    expect(out).not.toMatch(/[<>[\]()*@]/);
    expect(out).not.toContain('://');
    expect(readable(out)).toBe('<at id=all></at> [x](https://e.example) *b* @me www.e.example');
  });

  it.each(['- item', '+ item', '1. item', '= x'])('inertMarkdown never opens a list: %j', (s) => {
    const out = inertMarkdown(s, 100);
    expect(out.startsWith(ZWSP)).toBe(true);
    expect(readable(out)).toBe(s);
  });

  it('inertText breaks tags, links and URLs but keeps the text readable', () => {
    const out = inertText(
      '<at user_id="all"></at> [x](https://e.example) www.e.example a@b.c',
      500,
    );
    expect(out).not.toMatch(/<[a-z/]/i);
    expect(out).not.toContain('](');
    expect(out).not.toContain('://');
    expect(out).not.toMatch(/www\./);
    expect(readable(out)).toBe(
      '<at user_id="all"></at> [x](https://e.example) www.e.example a@b.c',
    );
  });

  it.each([
    ['https://github.com/acme/shop/pull/1', 'https://github.com/acme/shop/pull/1'],
    ['http://ci.acme.dev:8080/x?y=1#z', 'http://ci.acme.dev:8080/x?y=1#z'],
    ['HTTPS://GitHub.com/a', 'https://github.com/a'],
    ['https://x.example/a)b(c', 'https://x.example/a%29b%28c'],
    ['https://x.example/[a]', 'https://x.example/%5Ba%5D'],
  ])('safeUrl(%j) = %j', (raw, safe) => {
    expect(safeUrl(raw)).toBe(safe);
  });

  it.each([
    'javascript:alert(1)',
    'data:text/html,<b>x</b>',
    'ftp://x.example/',
    '/relative/path',
    'not a url',
    '',
  ])('safeUrl rejects %j', (raw) => {
    expect(safeUrl(raw)).toBeUndefined();
  });

  it('safeUrl rejects what is not a string', () => {
    for (const raw of [undefined, null, 42, {}, ['https://x.example']]) {
      expect(safeUrl(raw)).toBeUndefined();
    }
  });

  const piece = fc.oneof(
    fc.constantFrom(...HOSTILE.split(' '), '&', '&#60;', '\n', '\u200b', '-', '1.', '😀'),
    fc.string({ maxLength: 8 }),
  );
  const hostileText = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));

  it('property: inertMarkdown output has no markup and reads as the clean input', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 20, max: 400 }), (text, max) => {
        const out = inertMarkdown(text, max);
        expect(out.replace(/&#\d+;/g, '')).not.toMatch(/[&<>[\]()*_#`~|\\!${}@]/);
        expect(out).not.toMatch(/https?:\/\//i);
        expect(readable(out)).toBe(clip(clean(text), max).replaceAll(ZWSP, ''));
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('property: inertText output has no tag, link or URL and reads as the clean input', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 20, max: 400 }), (text, max) => {
        const out = inertText(text, max);
        expect(out).not.toMatch(new RegExp(`<(?!${ZWSP})`));
        expect(out).not.toContain('](');
        expect(out).not.toMatch(/https?:\/\//i);
        expect(out.replaceAll(ZWSP, '')).toBe(clip(clean(text), max).replaceAll(ZWSP, ''));
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
