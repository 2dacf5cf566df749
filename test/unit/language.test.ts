/** The catalog of the action's words and the helpers that fill and join them. */
import { describe, expect, it } from 'vitest';
import { joinText, LANGUAGES, languagesFor, words } from '../../src/language.js';
import { footerText, readFooter } from '../../src/render/model.js';
import {
  PULL_REQUEST_ACTION,
  resultWord,
  STATUS_LABEL,
  STATUS_TITLE,
  STREAK_LABEL,
  STREAK_TITLE,
  W,
} from '../../src/render/words.js';
import { STATUSES } from '../../src/status.js';

const CJK = /[\u3040-\u30ff\u3400-\u9fff]/;

const entries = [
  ...Object.entries(W),
  ...STATUSES.flatMap((s) => [
    [`title ${s}`, STATUS_TITLE[s]] as const,
    [`label ${s}`, STATUS_LABEL[s]] as const,
  ]),
  ...Object.entries(PULL_REQUEST_ACTION),
  ...Object.entries(STREAK_TITLE),
  ...Object.entries(STREAK_LABEL).map(([k, v]) => [`label ${k}`, v] as const),
];

describe('the catalog', () => {
  it.each(entries)('%s: every language, the same placeholders', (_, phrase) => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const language of LANGUAGES) expect(typeof phrase[language]).toBe('string');
    expect(placeholders(phrase.zh_cn)).toEqual(placeholders(phrase.en_us));
    expect(placeholders(phrase.ja_jp)).toEqual(placeholders(phrase.en_us));
  });

  it.each(entries)('%s: Chinese is written in Chinese', (name, phrase) => {
    const words = phrase.zh_cn.replace(/\{\w+\}/g, '');
    // Punctuation and spacing entries have no letters at all.
    if (!/[A-Za-z]/.test(phrase.en_us.replace(/\{\w+\}/g, ''))) return;
    expect(words, String(name)).toMatch(CJK);
    expect(words, String(name)).not.toMatch(/[A-Za-z]{2,}/);
  });
});

describe('words', () => {
  it('fills placeholders in each language, translated values in the same language', () => {
    expect(words(W.listHeading, { title: W.commits, total: 3 })).toEqual({
      en_us: 'Commits (3)',
      zh_cn: '提交记录（共 3 条）',
      ja_jp: 'コミット（3 件）',
    });
  });

  it('leaves an unknown placeholder as it is and never reads the prototype', () => {
    expect(words({ en_us: '{constructor}', zh_cn: '{x}', ja_jp: '' }).en_us).toBe('{constructor}');
  });

  it('does not fill placeholders a value brings with it', () => {
    expect(words(W.runNumber, { n: '{n}' }).en_us).toBe('run #{n}');
  });
});

describe('joinText', () => {
  it('stays one copy when no part is translated', () => {
    expect(joinText(['a', 'b'], ' · ')).toBe('a · b');
    expect(joinText(['main', W.yes], ' · ')).toEqual({
      en_us: 'main · yes',
      zh_cn: 'main · 是',
      ja_jp: 'main · はい',
    });
  });
});

describe('resultWord', () => {
  it("keeps GitHub's word in English and translates it elsewhere; unknown ones stay", () => {
    expect(resultWord('failure')).toEqual({ en_us: 'failure', zh_cn: '失败', ja_jp: '失敗' });
    expect(resultWord('frobbed')).toBe('frobbed');
  });
});

describe('languagesFor', () => {
  it('auto: all three, Chinese first on Feishu and English first on Lark', () => {
    expect(languagesFor('auto', false)).toEqual(['zh_cn', 'en_us', 'ja_jp']);
    expect(languagesFor('auto', true)).toEqual(['en_us', 'zh_cn', 'ja_jp']);
    expect(languagesFor('ja_jp', false)).toEqual(['ja_jp']);
  });
});

describe('the key footer', () => {
  it('reads back key, run, status and collapse from every language, with no word to translate', () => {
    for (const status of STATUSES)
      for (const collapsed of [undefined, 'superseded', 'withdrawn'] as const) {
        const footer = footerText('42', 'deploy-prod', status, collapsed);
        for (const language of LANGUAGES) {
          expect(readFooter(footer[language], 'deploy-prod')).toEqual({
            key: 'deploy-prod',
            runNumber: '42',
            status,
            ...(collapsed ? { collapsed } : {}),
          });
          expect(readFooter(footer[language], 'deploy')).toBeUndefined();
        }
        const machine = footer.zh_cn.slice(footer.zh_cn.indexOf('🔑'));
        expect(machine.replace('deploy-prod', '')).not.toMatch(/[A-Za-z]/);
        expect(footer.en_us.endsWith(machine) && footer.ja_jp.endsWith(machine)).toBe(true);
      }
  });

  it('still reads the English words earlier versions wrote', () => {
    expect(readFooter('feishu-notify · run #41 · key «k» · failure · superseded', 'k')).toEqual({
      key: 'k',
      runNumber: '41',
      status: 'failure',
      collapsed: 'superseded',
    });
    expect(readFooter('feishu-notify · key «k»', 'k')).toEqual({ key: 'k' });
  });
});
