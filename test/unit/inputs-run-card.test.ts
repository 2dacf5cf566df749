/** run-card and row: read into Settings, and every combination that cannot work refused by name. */
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../src/inputs.js';

const APP = { 'app-id': 'cli_a1b2c3d4e5', 'app-secret': 'sEcReT-app-0123456789abcdef' };
const HANDLE = '7355372766134157313:1764629000123:om_abc123';

function read(values: Record<string, string>) {
  return readSettings({ getInput: (name) => (values[name] ?? '').trim(), setSecret: () => {} });
}

describe('run-card', () => {
  it('start needs one recipient; a handle adds a row, or with needs finishes the card', async () => {
    expect((await read({ ...APP, 'run-card': 'start', to: 'oc_x' })).runCard).toEqual({
      kind: 'start',
    });
    const row = await read({ ...APP, 'run-card': HANDLE, row: 'test (20)' });
    expect(row.runCard).toEqual({
      kind: 'row',
      handle: { cardId: '7355372766134157313', createdAt: 1764629000123, messageId: 'om_abc123' },
    });
    expect(row.row).toBe('test (20)');
    const needs = JSON.stringify({ test: { result: 'failure' } });
    expect((await read({ ...APP, 'run-card': HANDLE, needs })).runCard?.kind).toBe('finish');
  });

  it.each([
    [{ 'run-card': 'begin', to: 'oc_x' }, 'Input "run-card" has an invalid value "begin"'],
    [{ 'run-card': 'start' }, 'Input "to" takes exactly one chat ID'],
    [{ 'run-card': 'start', to: 'oc_x, oc_y' }, 'Input "to" takes exactly one chat ID'],
    [{ 'run-card': 'start', to: 'chat:CI' }, 'Input "to" takes exactly one chat ID'],
    [{ 'run-card': 'start', to: 'oc_x', needs: '{"a":{"result":"success"}}' }, 'Input "needs"'],
    [{ 'run-card': HANDLE, to: 'oc_x' }, 'Input "to" is the start job\'s'],
    [{ 'run-card': HANDLE, key: 'k' }, 'Input "key" cannot be combined with `run-card`'],
    [{ 'run-card': HANDLE, type: 'text' }, 'Input "type" cannot be combined with `run-card`'],
    [{ row: 'x', to: 'oc_x' }, 'Input "row" labels a row of a run card'],
    [{ 'run-card': HANDLE, row: 'x'.repeat(101) }, 'Input "row" has an invalid value'],
  ])('refuses %j', async (values, message) => {
    await expect(read({ ...APP, ...values })).rejects.toThrow(message);
  });

  it('refuses a webhook-only setup: a custom bot cannot update a card', async () => {
    const webhook = 'https://open.feishu.cn/open-apis/bot/v2/hook/abcdefgh-1234';
    const setups: Record<string, string>[] = [{ webhook }, { webhook, ...APP }];
    for (const values of setups) {
      await expect(read({ ...values, 'run-card': 'start', to: 'oc_x' })).rejects.toThrow(
        'a custom bot (webhook) cannot update a card',
      );
    }
  });

  it('without any credentials (a fork) is skipped like every other send, not refused', async () => {
    const settings = await read({ 'run-card': 'start', to: 'oc_x' });
    expect(settings.noCredentials).toBe(true);
  });
});
