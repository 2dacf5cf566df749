/**
 * deliver() and finish() in process, against the fake Feishu server through the real
 * transport (createFeishu): what reached the chat, and what the two return.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryDeps, deliver, type NoticeRun } from '../src/deliver.js';
import { createFeishu } from '../src/feishu/index.js';
import { finish } from '../src/finish.js';
import { readSettings } from '../src/inputs.js';
import { noticeRenderer, type RenderNotice } from '../src/render/index.js';
import type { Settings } from '../src/settings.js';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import { defaultInputs, FIXTURES, githubEnv, inputVariable } from './support/run-action.js';
import { runContextFor } from './support/run-context.js';

const CHAT = 'oc_test_chat';
const ctx = runContextFor(githubEnv('push', join(FIXTURES, 'push.json'), '/tmp'));
/** What main passes: render/'s renderer for this run, its page and its shared directory. */
const run: NoticeRun = { render: noticeRenderer(ctx), runUrl: ctx.runUrl, runnerTemp: undefined };

let fake: FakeFeishu;
beforeAll(async () => {
  fake = await startFakeFeishu();
});
afterAll(async () => {
  await fake.close();
});

/** Settings as the action reads them: action.yml's defaults under the given inputs. */
async function settingsWith(inputs: Record<string, string>): Promise<Settings> {
  const env = { ...defaultInputs() };
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  return readSettings({
    getInput: (name) => (env[inputVariable(name)] ?? '').trim(),
    setSecret: () => {},
  });
}

async function withDeps<T>(
  settings: Settings,
  use: (deps: DeliveryDeps, warnings: string[]) => Promise<T>,
): Promise<T> {
  const warnings: string[] = [];
  const feishu = createFeishu({
    baseUrl: settings.baseUrl,
    app: settings.app,
    webhook: settings.webhook,
    limits: { retries: 1, timeoutMs: 5_000 },
    prefetchToken: false,
    onToken: () => {},
    debug: () => {},
  });
  try {
    return await use(
      { ...feishu, warning: (m) => warnings.push(m), info: () => {}, now: Date.now },
      warnings,
    );
  } finally {
    feishu.dispose();
  }
}

const app = () => ({ 'app-id': 'cli_test_app', 'app-secret': 'test-secret', domain: fake.url });

function header(content: string): { template?: string; title?: { content?: string } } {
  return (JSON.parse(content) as { header?: object }).header ?? {};
}

describe('deliver and finish, in process', () => {
  it('deliver sends one card to the chat and reports its ID', async () => {
    const settings = await settingsWith({ ...app(), to: CHAT, status: 'success', title: 'One' });
    const delivery = await withDeps(settings, (deps) => deliver(settings, run, [], deps));
    expect(delivery.failures).toEqual([]);
    const stored = fake.messages(CHAT).find((m) => m.message_id === delivery.sent[0]?.messageId);
    expect(stored?.msg_type).toBe('interactive');
    expect(header(stored?.content ?? '{}').template).toBe('green');
    expect(delivery.sent[0]?.chatId).toBe(CHAT);
  });

  it('finish turns an in-progress card green in place, with no new message', async () => {
    const settings = await settingsWith({ ...app(), to: CHAT, status: 'in_progress' });
    const startedAt = Date.now();
    const delivery = await withDeps(settings, (deps) => deliver(settings, run, [], deps));
    const sent = delivery.sent[0];
    expect(sent?.messageId).toBeTruthy();
    const before = fake.messages(CHAT).length;
    const state = {
      startedAt,
      messages: [{ messageId: sent?.messageId ?? '', chatId: sent?.chatId ?? '' }],
      updated: [],
      images: [],
    };
    const outcome = await withDeps(settings, (deps) =>
      finish(settings, run, state, 'success', deps),
    );
    expect(outcome.failures).toEqual([]);
    expect(outcome.done).toEqual([`Finished ${sent?.messageId} as success.`]);
    expect(fake.messages(CHAT)).toHaveLength(before);
    const card = fake.messages(CHAT).find((m) => m.message_id === sent?.messageId);
    expect(card?.updates).toBe(1);
    expect(header(card?.content ?? '{}').template).toBe('green');
  });

  it('finish posts the result anew, with a warning, when the card was recalled meanwhile', async () => {
    const settings = await settingsWith({ ...app(), to: CHAT, status: 'in_progress' });
    const delivery = await withDeps(settings, (deps) => deliver(settings, run, [], deps));
    const id = delivery.sent[0]?.messageId ?? '';
    await withDeps(settings, async (deps) => deps.client?.recall(id));
    const before = fake.messages(CHAT).length;
    const state = {
      startedAt: Date.now(),
      messages: [{ messageId: id, chatId: CHAT }],
      updated: [],
      images: [],
    };
    const { outcome, warnings } = await withDeps(settings, async (deps, warnings) => ({
      outcome: await finish(settings, run, state, 'failure', deps),
      warnings,
    }));
    expect(outcome.failures).toEqual([]);
    expect(outcome.done[0]).toMatch(/^Posted the result as om_/);
    expect(warnings.join('\n')).toMatch(/Could not update/);
    const latest = fake.messages(CHAT).slice(before);
    expect(latest).toHaveLength(1);
    expect(header(latest[0]?.content ?? '{}').template).toBe('red');
  });

  it('deliver and finish send what the render function they are given makes', async () => {
    const settings = await settingsWith({ ...app(), to: CHAT, status: 'in_progress' });
    // render/'s own renderer, with every card's header colour replaced by one render/ never
    // gives these statuses: delivery must send exactly what it is handed, and so must finish.
    const marked: RenderNotice = (noticeSettings, facts) => {
      const rendered = noticeRenderer(ctx)(noticeSettings, facts);
      const mark = (contents: ReturnType<typeof rendered.messages>) =>
        contents.map((m) => ({
          ...m,
          content: {
            ...m.content,
            header: { template: facts.status === 'success' ? 'indigo' : 'purple' },
          },
        }));
      return { ...rendered, messages: (viaWebhook) => mark(rendered.messages(viaWebhook)) };
    };
    const markedRun = { ...run, render: marked };
    const delivery = await withDeps(settings, (deps) => deliver(settings, markedRun, [], deps));
    const id = delivery.sent[0]?.messageId ?? '';
    const sent = () => fake.messages(CHAT).find((m) => m.message_id === id);
    expect(header(sent()?.content ?? '{}').template).toBe('purple');
    const state = {
      startedAt: Date.now(),
      messages: [{ messageId: id, chatId: CHAT }],
      updated: [],
      images: [],
    };
    await withDeps(settings, (deps) => finish(settings, markedRun, state, 'success', deps));
    expect(header(sent()?.content ?? '{}').template).toBe('indigo');
  });
});
