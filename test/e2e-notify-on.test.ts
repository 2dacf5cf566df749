/**
 * Issue 13: notify only when it matters (notify-on, against the key's previous notice in the
 * chat's real history), and mention the author found by e-mail. Through the bundle, against
 * the fake Feishu (and the fake GitHub for a pull request's commit author).
 */
import { describe, expect, it } from 'vitest';
import { appOf, fakesPerTest } from './support/fakes.js';
import { runAction } from './support/run-action.js';

const CHAT = 'oc_test_chat';
const fakes = fakesPerTest();
const app = appOf;

function titleOf(content: string | undefined): string {
  return (JSON.parse(content ?? '{}') as { header: { title: { content: string } } }).header.title
    .content;
}

describe('notify-on', () => {
  it('change over success, success, failure, failure, success sends the 1st, 3rd and 5th (the recovery)', async () => {
    const f = await fakes.feishu();
    const results = ['success', 'success', 'failure', 'failure', 'success'];
    const runs = [];
    for (const [i, status] of results.entries()) {
      const result = await runAction({
        inputs: { ...app(f), to: CHAT, status, key: 'nightly', 'notify-on': 'change' },
        env: { GITHUB_RUN_NUMBER: String(100 + i) },
      });
      expect(result.code, result.stdout).toBe(0);
      runs.push(result);
    }
    expect(runs.map((r) => r.outputs.notified)).toEqual(['true', 'false', 'true', 'false', 'true']);
    expect(runs.map((r) => r.outputs['previous-status'])).toEqual([
      '',
      'success',
      'success',
      'failure',
      'failure',
    ]);
    const sent = f.messages(CHAT);
    expect(sent.map((m) => titleOf(m.content))).toEqual([
      '✅ Deploy succeeded · acme/shop',
      '❌ Deploy failed · acme/shop',
      '✅ Deploy fixed · acme/shop',
    ]);
    expect(sent.map((m) => /run #(\d+)/.exec(m.content)?.[1])).toEqual(['100', '102', '104']);
    const recovery = JSON.parse(sent[2]?.content ?? '{}');
    expect(recovery.header.text_tag_list[0].text.content).toBe('Fixed');
    // A run that sends nothing says why, sets no message ID and leaves the post step nothing.
    expect(runs[1]?.stdout).toContain(
      'Nothing sent: notify-on: change, the result is success and so was the previous notice.',
    );
    expect(runs[1]?.outputs['message-id']).toBe('');
    expect(runs[1]?.state.finish).toBeUndefined();
  }, 90_000); // five runs of the bundle in a row

  it('failure sends failures (titled "still failing" when repeated) and the recovery, not other successes', async () => {
    const f = await fakes.feishu();
    const results = ['success', 'failure', 'failure', 'success', 'success'];
    const notified = [];
    for (const status of results) {
      const result = await runAction({
        inputs: { ...app(f), to: CHAT, status, key: 'deploy-prod', 'notify-on': 'failure' },
      });
      expect(result.code, result.stdout).toBe(0);
      notified.push(result.outputs.notified);
    }
    expect(notified).toEqual(['false', 'true', 'true', 'true', 'false']);
    expect(f.messages(CHAT).map((m) => titleOf(m.content))).toEqual([
      '❌ Deploy failed · acme/shop',
      '❌ Deploy still failing · acme/shop',
      '✅ Deploy fixed · acme/shop',
    ]);
  }, 90_000); // five runs of the bundle in a row

  it("reads the previous result of its own key from the bot's notices: another key or a person's text spelling the footer do not count", async () => {
    const f = await fakes.feishu();
    const first = await runAction({
      inputs: { ...app(f), to: CHAT, status: 'failure', key: 'nightly', 'notify-on': 'change' },
    });
    expect(first.outputs.notified).toBe('true');
    // A newer notice of another key, and a human's text spoofing the footer.
    await runAction({ inputs: { ...app(f), to: CHAT, status: 'success', key: 'nightly-eu' } });
    f.addMessage({
      chat_id: CHAT,
      msg_type: 'text',
      content: JSON.stringify({ text: 'feishu-notify · run #9 · key «nightly» · success' }),
      sender: { id: 'ou_test_user', id_type: 'open_id', sender_type: 'user' },
    });
    const second = await runAction({
      inputs: { ...app(f), to: CHAT, status: 'failure', key: 'nightly', 'notify-on': 'change' },
    });
    expect(second.outputs['previous-status']).toBe('failure');
    expect(second.outputs.notified).toBe('false');
  });

  it('without key is an input error naming key, before any request', async () => {
    const f = await fakes.feishu();
    const result = await runAction({
      inputs: { ...app(f), to: CHAT, status: 'failure', 'notify-on': 'change' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::.*key.*notify-on: change/);
    expect(f.requests).toHaveLength(0);
  });

  it('a history that cannot be read warns and sends', async () => {
    const f = await fakes.feishu({ missingScopes: ['im:message.group_msg'] });
    const result = await runAction({
      inputs: { ...app(f), to: CHAT, status: 'success', key: 'nightly', 'notify-on': 'change' },
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(
      /::warning::notify-on: change could not read the previous notice/,
    );
    expect(result.outputs.notified).toBe('true');
    expect(f.messages(CHAT)).toHaveLength(1);
  });
});

describe('mention: author without a user map', () => {
  it('mentions a push author whose e-mail the tenant knows', async () => {
    const f = await fakes.feishu({
      users: [{ open_id: 'ou_mona', email: 'mona@acme.dev' }],
    });
    const result = await runAction({
      inputs: { ...app(f), to: CHAT, status: 'failure', mention: 'author', 'github-token': '' },
    });
    expect(result.code, result.stdout).toBe(0);
    expect(f.messages(CHAT)[0]?.content).toContain('<at id=ou_mona></at>');
    const lookup = f.requests.find((r) => r.path.endsWith('/users/batch_get_id'));
    expect(lookup?.query.user_id_type).toBe('open_id');
    expect(lookup?.body).toEqual({ emails: ['mona@acme.dev'] });
  });

  it("mentions a pull request's author through the head commit's e-mail (GitHub)", async () => {
    const f = await fakes.feishu({
      users: [{ open_id: 'ou_dev', email: 'dev@acme.dev' }],
    });
    const event = JSON.parse(
      (await import('node:fs')).readFileSync(
        new URL('./fixtures/events/pull_request.json', import.meta.url),
        'utf8',
      ),
    );
    const sha = event.pull_request.head.sha as string;
    const g = await fakes.github({ commits: { [sha]: { email: 'Dev@acme.dev' } } });
    const result = await runAction({
      event: 'pull_request',
      inputs: { ...app(f), to: CHAT, status: 'success', mention: 'author' },
      env: { GITHUB_API_URL: g.url },
    });
    expect(result.code, result.stdout).toBe(0);
    expect(f.messages(CHAT)[0]?.content).toContain('<at id=ou_dev></at>');
  });

  it('the user map wins; a no-reply address and a refused scope show the name', async () => {
    const f = await fakes.feishu({
      users: [{ open_id: 'ou_mona', email: 'mona@acme.dev' }],
    });
    const mapped = await runAction({
      inputs: {
        ...app(f),
        to: CHAT,
        mention: 'author',
        'user-map': 'monalisa: ou_mapped',
        'github-token': '',
      },
    });
    expect(f.messages(CHAT)[0]?.content).toContain('<at id=ou_mapped></at>');
    expect(f.requests.some((r) => r.path.endsWith('/batch_get_id'))).toBe(false);
    expect(mapped.code).toBe(0);

    const noReply = {
      head_commit: {
        id: '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807',
        message: 'x',
        author: {
          name: 'Mona',
          email: '1234+monalisa@users.noreply.github.com',
          username: 'monalisa',
        },
      },
    };
    await runAction({
      event: noReply,
      inputs: { ...app(f), to: CHAT, mention: 'author', 'github-token': '' },
    });
    expect(f.messages(CHAT)[1]?.content).toContain('@monalisa');
    expect(f.requests.some((r) => r.path.endsWith('/batch_get_id'))).toBe(false);

    const refused = await fakes.feishu({
      users: [{ open_id: 'ou_mona', email: 'mona@acme.dev' }],
      missingScopes: ['contact:user.id:readonly'],
    });
    const result = await runAction({
      inputs: { ...app(refused), to: CHAT, mention: 'author', 'github-token': '' },
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toContain('::warning::');
    expect(result.stdout).toContain('contact:user.id:readonly');
    expect(refused.messages(CHAT)[0]?.content).toContain('@monalisa');
    expect(refused.messages(CHAT)[0]?.content).not.toContain('<at id=ou_mona>');
  });
});
