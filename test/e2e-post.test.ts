/** Issue 8: the post step finishes an in-progress card, emulating the runner's two stages. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import { type RunOptions, runAction } from './support/run-action.js';

let fake: FakeFeishu;
beforeEach(async () => {
  fake = await startFakeFeishu({
    webhooks: [{ token: 'hook-token-123456', secret: 'hook-secret' }],
  });
});
afterEach(async () => {
  await fake.close();
});

const CHAT = 'oc_test_chat';
const app = () => ({ 'app-id': 'cli_test_app', 'app-secret': 'test-secret', domain: fake.url });

/** Main step, then the post step with the saved state and the job's final status. */
async function mainThenPost(
  inputs: Record<string, string>,
  jobStatus: string,
  extra: RunOptions = {},
) {
  const main = await runAction({ ...extra, inputs });
  expect(main.code, main.stdout).toBe(0);
  const requestsBeforePost = fake.requests.length;
  const messagesBeforePost = fake.messages().length;
  const post = await runAction({
    ...extra,
    inputs: { ...inputs, 'job-status': jobStatus },
    state: main.state,
  });
  return { main, post, postRequests: fake.requests.slice(requestsBeforePost), messagesBeforePost };
}

describe('the post step', () => {
  it.each([
    ['success', 'green', '✅ Deploy succeeded · acme/shop', 0],
    ['failure', 'red', '❌ Deploy failed · acme/shop', 1],
    ['cancelled', 'grey', '⏹️ Deploy was cancelled · acme/shop', 1],
  ])(
    'turns an in-progress card %s in place, with the duration',
    async (jobStatus, colour, title, replies) => {
      const { main, post, postRequests, messagesBeforePost } = await mainThenPost(
        { ...app(), to: CHAT, status: 'in_progress' },
        jobStatus,
      );
      expect(main.state.finish).toBeTruthy();
      expect(post.code, post.stdout).toBe(0);
      // A failure or cancellation also gets a reply in the card's thread (finish-reply: failure).
      expect(fake.messages()).toHaveLength(messagesBeforePost + replies);
      const card = JSON.parse(fake.messages(CHAT)[0]?.content ?? '{}');
      expect(card.header.template).toBe(colour);
      expect(card.header.title.content).toBe(title);
      // The label in every language beside the value; the duration written each language's way.
      expect(JSON.stringify(card.body)).toMatch(
        /"\*\*Duration\*\*".*"content":"\d+s","i18n_content":\{"zh_cn":"\d+ 秒","en_us":"\d+s","ja_jp":"\d+秒"\}/,
      );
      // One token, one update (and the reply).
      expect(postRequests.map((r) => r.method)).toEqual(
        ['POST', 'PATCH', 'POST'].slice(0, 2 + replies),
      );
      expect(post.stdout).toContain(`Finished ${main.outputs['message-id']} as ${jobStatus}`);
    },
  );

  it('keeps the key in the finished card, so replace still finds it', async () => {
    await mainThenPost(
      { ...app(), to: CHAT, status: 'in_progress', key: 'deploy-prod' },
      'success',
    );
    expect(fake.messages(CHAT)[0]?.content).toContain('🔑 «deploy-prod»');
  });

  it('is silent after a card that was already final', async () => {
    const { main, post, postRequests } = await mainThenPost(
      { ...app(), to: CHAT, status: 'success' },
      'success',
    );
    expect(main.state.finish).toBeUndefined();
    expect(post.code).toBe(0);
    expect(postRequests).toHaveLength(0);
  });

  it('does nothing with finish: false', async () => {
    const { postRequests } = await mainThenPost(
      { ...app(), to: CHAT, status: 'in_progress', finish: 'false' },
      'failure',
    );
    expect(postRequests).toHaveLength(0);
  });

  it('finishes a final card too with finish: true', async () => {
    const { postRequests } = await mainThenPost(
      { ...app(), to: CHAT, status: 'success', finish: 'true', 'finish-reply': 'never' },
      'failure',
    );
    expect(postRequests.map((r) => r.method)).toEqual(['POST', 'PATCH']);
    expect(JSON.parse(fake.messages(CHAT)[0]?.content ?? '{}').header.template).toBe('red');
  });

  it('posts the result as a new message when the card is gone', async () => {
    const main = await runAction({ inputs: { ...app(), to: CHAT, status: 'in_progress' } });
    await runAction({ inputs: { ...app(), recall: main.outputs['message-id'] ?? '' } });
    const post = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', 'job-status': 'success' },
      state: main.state,
    });
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/::warning::Could not update/);
    const fresh = fake.messages(CHAT).filter((m) => !m.deleted);
    expect(fresh).toHaveLength(1);
    expect(JSON.parse(fresh[0]?.content ?? '{}').header.template).toBe('green');
  });

  it('finishes a card the main step updated; if it is gone by then, the result goes to `to`', async () => {
    const first = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', finish: 'false' },
    });
    const id = first.outputs['message-id'] ?? '';
    const inputs = { ...app(), update: id, to: CHAT, status: 'in_progress' };
    const main = await runAction({ inputs });
    expect(main.state.finish).toBeTruthy();
    await runAction({ inputs: { ...app(), recall: id } });
    const post = await runAction({
      inputs: { ...inputs, 'job-status': 'success' },
      state: main.state,
    });
    expect(post.code, post.stdout).toBe(0);
    const live = fake.messages(CHAT).filter((m) => !m.deleted);
    expect(live).toHaveLength(1);
    expect(live[0]?.message_id).not.toBe(id);
    expect(JSON.parse(live[0]?.content ?? '{}').header.template).toBe('green');
  });

  it('with a webhook, posts a short follow-up card with the final status', async () => {
    const webhook = `${fake.url}/open-apis/bot/v2/hook/hook-token-123456`;
    const { post } = await mainThenPost(
      { webhook, 'webhook-secret': 'hook-secret', status: 'in_progress' },
      'failure',
    );
    expect(post.code, post.stdout).toBe(0);
    const hooks = fake.webhookMessages('hook-token-123456');
    expect(hooks).toHaveLength(2);
    const followUp = hooks[1]?.body as {
      card: { header: { template: string; title: { content: string } } };
    };
    expect(followUp.card.header.template).toBe('red');
    expect(followUp.card.header.title.content).toContain('failed');
    expect(JSON.stringify(followUp.card)).toMatch(/Duration/);
  });

  it('warns, not fails, when the update fails, unless fail-on-error', async () => {
    const main = await runAction({ inputs: { ...app(), to: CHAT, status: 'in_progress' } });
    fake.inject({
      method: 'PATCH',
      times: Number.POSITIVE_INFINITY,
      fault: { kind: 'status', status: 400, body: { code: 230001, msg: 'invalid' } },
    });
    const warned = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', 'job-status': 'success' },
      state: main.state,
    });
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/::warning::.*230001/);
    const failed = await runAction({
      inputs: {
        ...app(),
        to: CHAT,
        status: 'in_progress',
        'job-status': 'success',
        'fail-on-error': 'true',
      },
      state: main.state,
    });
    expect(failed.code).toBe(1);
  });
});
