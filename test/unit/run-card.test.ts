/** The run card's pure parts and its client's sequence scheme, against the fake's rules. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CardKit, formatHandle, parseHandle } from '../../src/feishu/cardkit.js';
import { FeishuClient } from '../../src/feishu/client.js';
import { createTransport } from '../../src/feishu/http.js';
import { DEFAULT_POLICY } from '../../src/feishu/retry.js';
import {
  ROWS_END,
  rowElement,
  rowElementId,
  rowsFromReadBack,
  runCard,
} from '../../src/render/run-card.js';
import { type FakeFeishu, startFakeFeishu } from '../support/fake-feishu.js';

describe('row element IDs', () => {
  it('follow Feishu’s rule and stay unique over many labels', () => {
    const labels = [
      ...Array.from({ length: 2000 }, (_, i) => `test (node ${i})`),
      'build',
      'Build',
      'build ',
      '测试 (linux)',
      '',
    ];
    const ids = labels.map(rowElementId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,19}$/);
    expect(new Set(ids).size).toBe(labels.length);
    expect(rowElementId('build')).toBe(rowElementId('build'));
  });
});

const notice = {
  status: 'in_progress' as const,
  languages: ['en_us' as const],
  title: '⏳ Deploy in progress',
  subtitle: 'main',
  facts: [],
  lists: [],
  images: [],
  mentions: [],
  buttons: [],
  footer: 'feishu-notify · run #1',
};

describe('the run card', () => {
  it('puts the rows, then the divider new rows go before, above the footer', () => {
    const rows = [
      rowElement({ label: 'a', status: 'success', durationMs: 3000, languages: ['en_us'] }),
    ];
    const card = runCard(notice, rows) as { body: { elements: Record<string, unknown>[] } };
    const ids = card.body.elements.map((e) => e.element_id ?? e.tag);
    expect(ids.slice(-3)).toEqual([rowElementId('a'), ROWS_END, 'div']);
    expect(rows[0]?.content).toBe('✅ **a** · Succeeded · 3s');
  });

  it('reads rows back from the internal form, marking rows nobody finished', () => {
    const running = rowElement({ label: 'b', status: 'in_progress', languages: ['en_us'] });
    const done = rowElement({
      label: 'a',
      status: 'failure',
      durationMs: 61_000,
      languages: ['en_us'],
    });
    const back = {
      body: {
        property: {
          elements: [
            { tag: 'markdown', id: 'intro', property: { content: 'x' } },
            { tag: 'markdown', id: done.element_id, property: { content: done.content } },
            { tag: 'markdown', id: running.element_id, property: { content: running.content } },
          ],
        },
      },
    };
    expect(rowsFromReadBack(back)).toEqual([
      done,
      { ...running, content: '❔ **b** · No result reported' },
    ]);
  });

  it('reads a row kept as runs (text and links), as history may give markdown', () => {
    const runs = [
      { tag: 'text', property: { content: '❌ **a** · Failed · ' } },
      { tag: 'link', property: { content: 'Run tests', url: { url: 'https://github.com/x' } } },
    ];
    const back = {
      body: {
        property: {
          elements: [{ tag: 'markdown', id: rowElementId('a'), property: { elements: runs } }],
        },
      },
    };
    expect(rowsFromReadBack(back)?.[0]?.content).toBe(
      '❌ **a** · Failed · [Run tests](https://github.com/x)',
    );
  });

  it.each([
    [{ elements: [{ tag: 'text' }] }],
    [{ elements: [{ tag: 'at', property: { content: 'x' } }] }],
    [{ elements: [{ tag: 'link', property: { content: 'x' } }] }],
    [{}],
  ])(
    'refuses a read-back whose row text is not whole (rewriting would lose it): %j',
    (property) => {
      const back = {
        body: { property: { elements: [{ tag: 'markdown', id: rowElementId('a'), property }] } },
      };
      expect(rowsFromReadBack(back)).toBeUndefined();
      expect(rowsFromReadBack({})).toBeUndefined();
    },
  );
});

describe('a row in every language of the card', () => {
  const languages = ['zh_cn', 'en_us', 'ja_jp'] as const;

  it('names the step a failed leg stopped at, inert, linked only through a safe URL', () => {
    const step = { name: 'Test <at id=all></at> [x](y)', url: 'https://github.com/a/b#step:3:1' };
    const row = rowElement({
      label: 'a',
      status: 'failure',
      durationMs: 5000,
      step,
      languages: [...languages],
    });
    const link = '(https://github.com/a/b#step:3:1)';
    const name = 'Test &#60;at id=all&#62;&#60;/at&#62; &#91;x&#93;&#40;y&#41;';
    expect(row.content).toBe(`❌ **a** · Failed · 5s · [failed at ${name}]${link}`);
    expect(row.i18n_content).toMatchObject({
      zh_cn: `❌ **a** · 失败 · 5 秒 · [失败于 ${name}]${link}`,
    });
    for (const url of ['javascript:alert(1)', 'not a url', undefined]) {
      const bare = rowElement({
        label: 'a',
        status: 'failure',
        step: { name: 'T', url },
        languages: ['en_us'],
      });
      expect(bare.content).toBe('❌ **a** · Failed · failed at T');
    }
    // A leg that succeeded has no step to name.
    expect(rowElement({ label: 'a', status: 'success', step, languages: ['en_us'] }).content).toBe(
      '✅ **a** · Succeeded',
    );
  });

  it.each([
    ['as the card spells them', { zh_cn: 'z', en_us: 'e' }],
    ['camelCased like the property names', { zhCn: 'z', enUs: 'e' }],
  ])('reads the languages back %s, and marks a row never finished in each', (_, keys) => {
    const running = rowElement({ label: 'b', status: 'in_progress', languages: [...languages] });
    const variants = running.i18n_content as Record<string, string>;
    const i18nContent = Object.fromEntries(
      Object.entries(keys).map(([key, l]) => [key, variants[l === 'z' ? 'zh_cn' : 'en_us']]),
    );
    const back = {
      body: {
        property: {
          elements: [
            {
              tag: 'markdown',
              id: running.element_id,
              property: { content: running.content, i18nContent },
            },
          ],
        },
      },
    };
    expect(rowsFromReadBack(back)).toEqual([
      {
        tag: 'markdown',
        element_id: running.element_id,
        content: '❔ **b** · No result reported',
        i18n_content: { zh_cn: '❔ **b** · 未报告结果', en_us: '❔ **b** · No result reported' },
      },
    ]);
  });
});

describe('the card handle', () => {
  it('round-trips and refuses anything else', () => {
    const handle = { cardId: '7355372766134157313', createdAt: 1764629000123, messageId: 'om_x1' };
    expect(parseHandle(formatHandle(handle))).toEqual(handle);
    for (const bad of ['start', 'om_1', '1:2:om_1', 'a:1764629000123:oc_1', ''])
      expect(parseHandle(bad)).toBeUndefined();
  });
});

describe('sequences from independent writers', () => {
  let fake: FakeFeishu;
  beforeEach(async () => {
    fake = await startFakeFeishu();
  });
  afterEach(() => fake.close());

  function writer(clockOffsetMs: number) {
    const transport = createTransport(5000);
    const client = new FeishuClient({
      transport,
      policy: { ...DEFAULT_POLICY, retries: 2 },
      debug: () => undefined,
      baseUrl: fake.url,
      appId: 'cli_test_app',
      appSecret: 'test-secret',
    });
    const kit = new CardKit(client, { now: () => Date.now() + clockOffsetMs });
    return { kit, dispose: () => transport.dispose() };
  }

  it('a whole-card write at an exact sequence is a compare-and-set: any write since refuses it', async () => {
    const final = writer(0);
    const leg = writer(0);
    try {
      const created = await final.kit.create(runCard(notice, []));
      const handle = { ...created, messageId: 'om_unsent' };
      const mark = () =>
        final.kit.addElements(handle, 'insert_before', ROWS_END, [
          {
            tag: 'markdown',
            element_id: `res_${Math.random().toString(16).slice(2, 10)}`,
            content: 'x',
          },
        ]);
      // Nobody wrote after the mark: the card takes the rewrite.
      let at = await mark();
      await final.kit.replaceCard(handle, runCard(notice, []), at + 1);
      // A leg's row lands after the mark: the rewrite is refused once, not retried higher.
      at = await mark();
      await leg.kit.addElements(handle, 'insert_before', ROWS_END, [
        rowElement({ label: 'late', status: 'in_progress', languages: ['en_us'] }),
      ]);
      const tries = final.kit.stats.tries;
      await expect(
        final.kit.replaceCard(handle, runCard(notice, []), at + 1),
      ).rejects.toMatchObject({
        code: 300317,
      });
      expect(final.kit.stats.tries - tries).toBe(1);
      const shownNow = JSON.stringify(fake.cardkit.cards.get(created.cardId)?.card);
      expect(shownNow).toContain('**late**');
    } finally {
      final.dispose();
      leg.dispose();
    }
  });

  it('a writer whose clock is 5 s behind still lands its row, after a few lost races', async () => {
    const ahead = writer(0);
    const behind = writer(-5000);
    try {
      const created = await ahead.kit.create(runCard(notice, []));
      const handle = { ...created, messageId: 'om_unsent' };
      await ahead.kit.addElements(handle, 'insert_before', ROWS_END, [
        rowElement({ label: 'a', status: 'in_progress', languages: ['en_us'] }),
      ]);
      await behind.kit.addElements(handle, 'insert_before', ROWS_END, [
        rowElement({ label: 'b', status: 'in_progress', languages: ['en_us'] }),
      ]);
      expect(behind.kit.stats.conflicts).toBeGreaterThan(0);
      // And the writer ahead, whose next value may now be below the one that won, recovers too.
      await ahead.kit.replaceElement(
        handle,
        rowElementId('a'),
        rowElement({ label: 'a', status: 'success', languages: ['en_us'] }),
      );
      const entity = fake.cardkit.cards.get(created.cardId);
      const body = entity?.card.body as { elements: { content?: string }[] } | undefined;
      const contents = (body?.elements ?? []).map((e) => e.content);
      expect(contents).toContain('✅ **a** · Succeeded');
      expect(contents).toContain('⏳ **b** · In progress');
    } finally {
      ahead.dispose();
      behind.dispose();
    }
  });
});
