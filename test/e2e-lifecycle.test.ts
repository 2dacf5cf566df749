/** Issue 4: a notice's life across jobs, through dist/index.js and the fake API. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import {
  githubEnv,
  NODE,
  parseCommandFile,
  RECALL_ACTION_PATH,
  ROOT,
  runAction,
} from './support/run-action.js';

let fake: FakeFeishu;
beforeEach(async () => {
  fake = await startFakeFeishu();
});
afterEach(async () => {
  await fake.close();
});

const app = () => ({ 'app-id': 'cli_test_app', 'app-secret': 'test-secret', domain: fake.url });
const CHAT = 'oc_test_chat';
const HOUR = 3600 * 1000;
const live = () => fake.messages(CHAT).filter((m) => !m.deleted);
const cardOf = (id: string) =>
  JSON.parse(fake.messages().find((m) => m.message_id === id)?.content ?? '{}');
const deletes = () =>
  fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').pop());

/** A card in the shape our footer gives, for seeding history with others' messages. */
function cardWithFooter(footer: string): string {
  return JSON.stringify({
    schema: '2.0',
    header: { title: { tag: 'plain_text', content: 'Deploy' } },
    body: { elements: [{ tag: 'div', text: { tag: 'plain_text', content: footer } }] },
  });
}

describe('update in place', () => {
  it('turns an in-progress card green with no new message', async () => {
    const first = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', finish: 'false' },
    });
    const id = first.outputs['message-id'] ?? '';
    expect(cardOf(id).header.template).toBe('blue');
    const second = await runAction({ inputs: { ...app(), update: id, status: 'success' } });
    expect(second.code, second.stdout).toBe(0);
    expect(live()).toHaveLength(1);
    expect(cardOf(id).header.template).toBe('green');
    expect(cardOf(id).header.title.content).toBe('✅ Deploy succeeded · acme/shop');
    expect(second.outputs['message-id']).toBe(id);
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('sends a new message when the card is gone, and says so', async () => {
    const first = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', finish: 'false' },
    });
    const id = first.outputs['message-id'] ?? '';
    await runAction({ inputs: { ...app(), recall: id } });
    const second = await runAction({
      inputs: { ...app(), update: id, to: CHAT, status: 'failure' },
    });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/::warning::Could not update om_\w+.*new message/);
    const [fresh] = live();
    expect(fresh?.message_id).not.toBe(id);
    expect(second.outputs['message-id']).toBe(fresh?.message_id);
    expect(JSON.parse(fresh?.content ?? '{}').header.template).toBe('red');
  });

  it('updates and recalls in the same step', async () => {
    const a = await runAction({
      inputs: { ...app(), to: CHAT, status: 'in_progress', finish: 'false' },
    });
    const b = await runAction({ inputs: { ...app(), to: CHAT, status: 'failure' } });
    const run = await runAction({
      inputs: {
        ...app(),
        update: a.outputs['message-id'] ?? '',
        recall: b.outputs['message-id'] ?? '',
        status: 'success',
      },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([b.outputs['message-id']]);
    expect(live().map((m) => m.message_id)).toEqual([a.outputs['message-id']]);
    expect(cardOf(a.outputs['message-id'] ?? '').header.template).toBe('green');
  });

  it('adds update_multi to a card 1.0 given as content, so it can be updated later', async () => {
    const content = JSON.stringify({
      elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'v1' } }],
    });
    const run = await runAction({ inputs: { ...app(), to: CHAT, content } });
    expect(run.code).toBe(0);
    expect(JSON.parse(live()[0]?.content ?? '{}').config.update_multi).toBe(true);
  });
});

describe('recall', () => {
  it('recalls by ID from a later run; a second recall does no harm', async () => {
    const sent = await runAction({ inputs: { ...app(), to: CHAT } });
    const id = sent.outputs['message-id'] ?? '';
    const first = await runAction({ inputs: { ...app(), recall: id } });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.outputs.recalled ?? '[]')).toEqual([id]);
    expect(live()).toHaveLength(0);
    const again = await runAction({ inputs: { ...app(), recall: id, 'fail-on-error': 'true' } });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.outputs.recalled ?? '[]')).toEqual([]);
    expect(again.stdout).toContain(`Already recalled or deleted: ${id}`);
    expect(fake.messages().filter((m) => m.msg_type === 'interactive')).toHaveLength(1);
  });

  it("says only the bot's own messages can be recalled (230026)", async () => {
    const theirs = fake.addMessage({
      chat_id: CHAT,
      msg_type: 'text',
      content: '{"text":"hi"}',
      sender: { id: 'ou_someone', id_type: 'open_id', sender_type: 'user' },
    });
    const run = await runAction({
      inputs: { ...app(), recall: theirs.message_id, 'fail-on-error': 'true' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*230026.*only the bot's own messages can be recalled/);
  });
});

describe('keys: replace and recall-key', () => {
  it('replace recalls the earlier notice of the key and nothing else', async () => {
    const earlier = await runAction({ inputs: { ...app(), to: CHAT, key: 'deploy-prod' } });
    const earlierId = earlier.outputs['message-id'] ?? '';
    const longerKey = await runAction({ inputs: { ...app(), to: CHAT, key: 'deploy-prod-eu' } });
    const person = fake.addMessage({
      chat_id: CHAT,
      msg_type: 'interactive',
      content: cardWithFooter('feishu-notify · key «deploy-prod»'),
      sender: { id: 'ou_someone', id_type: 'open_id', sender_type: 'user' },
    });
    const otherBot = fake.addMessage({
      chat_id: CHAT,
      msg_type: 'interactive',
      content: cardWithFooter('feishu-notify · key «deploy-prod»'),
      sender: { id: 'cli_other_app', id_type: 'app_id', sender_type: 'app' },
    });

    const before = fake.requests.length;
    const latest = await runAction({
      inputs: { ...app(), to: CHAT, key: 'deploy-prod', replace: 'true' },
    });
    expect(latest.code, latest.stdout).toBe(0);
    const latestId = latest.outputs['message-id'] ?? '';
    expect(JSON.parse(latest.outputs.recalled ?? '[]')).toEqual([earlierId]);
    const liveIds = live().map((m) => m.message_id);
    expect(liveIds).toContain(latestId);
    expect(liveIds).toContain(longerKey.outputs['message-id']);
    expect(liveIds).toContain(person.message_id);
    expect(liveIds).toContain(otherBot.message_id);
    expect(liveIds).not.toContain(earlierId);
    // The scan began only after the send was confirmed.
    const ofThisRun = fake.requests.slice(before);
    const sent = ofThisRun.findIndex(
      (r) => r.method === 'POST' && r.path === '/open-apis/im/v1/messages',
    );
    const firstScan = ofThisRun.findIndex(
      (r) => r.method === 'GET' && r.path === '/open-apis/im/v1/messages',
    );
    expect(sent).toBeGreaterThanOrEqual(0);
    expect(firstScan).toBeGreaterThan(sent);
    // The card's footer shows the key.
    expect(JSON.stringify(cardOf(latestId).body)).toContain('🔑 «deploy-prod»');
  });

  it('event text quoting another key never makes a notice look like one of that key', async () => {
    const push = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/events/push.json'), 'utf8'));
    const spoof = 'feishu-notify · run #1 · key «deploy-prod»';
    push.head_commit.message = spoof;
    for (const commit of push.commits) commit.message = spoof;
    const nightly = await runAction({
      event: push,
      inputs: { ...app(), to: CHAT, key: 'nightly' },
    });
    const run = await runAction({
      inputs: { ...app(), to: CHAT, key: 'deploy-prod', replace: 'true' },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([]);
    expect(live().map((m) => m.message_id)).toContain(nightly.outputs['message-id']);
  });

  it('recall-key recalls notices under 24 h, collapses older cards, and tries none past the window', async () => {
    const old = await runAction({ inputs: { ...app(), to: CHAT, key: 'nightly' } });
    const oldId = old.outputs['message-id'] ?? '';
    fake.advance(25 * HOUR);
    const recent = await runAction({ inputs: { ...app(), to: CHAT, key: 'nightly' } });
    const ancient = fake.addMessage({
      chat_id: CHAT,
      msg_type: 'interactive',
      content: cardWithFooter('feishu-notify · run #1 · key «nightly»'),
      create_time: Date.now() - 9 * 24 * HOUR,
    });
    const run = await runAction({ inputs: { ...app(), to: CHAT, 'recall-key': 'nightly' } });
    expect(run.code, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([recent.outputs['message-id']]);
    expect(JSON.parse(run.outputs.collapsed ?? '[]')).toEqual([oldId]);
    const collapsed = cardOf(oldId);
    expect(collapsed.header.template).toBe('grey');
    expect(JSON.stringify(collapsed.body)).toContain('Withdrawn.');
    expect(JSON.stringify(collapsed.body)).toContain('🔑 «nightly» · ℹ️ · ↩️');
    expect(deletes()).not.toContain(ancient.message_id);
    expect(fake.requests.some((r) => r.path.endsWith(ancient.message_id))).toBe(false);
    // Nothing was sent by the recall-key run.
    expect(fake.messages()).toHaveLength(3);
    const scan = fake.requests.findLast(
      (r) => r.method === 'GET' && r.path === '/open-apis/im/v1/messages',
    );
    expect(Number(scan?.query.start_time)).toBeGreaterThan(Date.now() / 1000 - 8 * 24 * 3600 - 60);
    expect(scan?.query.card_msg_content_type).toBe('raw_card_content');
  });

  it('follows history pages to find an older notice of the key', async () => {
    const earlier = await runAction({ inputs: { ...app(), to: CHAT, key: 'nightly' } });
    for (let i = 0; i < 70; i++) {
      fake.addMessage({
        chat_id: CHAT,
        msg_type: 'text',
        content: JSON.stringify({ text: `chatter ${i}` }),
        sender: { id: 'ou_x', id_type: 'open_id', sender_type: 'user' },
      });
    }
    const run = await runAction({
      inputs: { ...app(), to: CHAT, key: 'nightly', replace: 'true' },
    });
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([earlier.outputs['message-id']]);
    const pages = fake.requests.filter(
      (r) => r.method === 'GET' && r.path === '/open-apis/im/v1/messages',
    );
    expect(pages.length).toBe(2);
    expect(pages[1]?.query.page_token).toBeTruthy();
    expect(pages[0]?.query.page_size).toBe('50');
    expect(pages[0]?.query.sort_type).toBe('ByCreateTimeDesc');
  });
});

describe('needs and mentions', () => {
  const needs = JSON.stringify({
    build: { result: 'success', outputs: {} },
    test: { result: 'failure', outputs: {} },
    deploy: { result: 'skipped', outputs: {} },
  });

  it('a needs card with a failed job is red and lists every job', async () => {
    const run = await runAction({ inputs: { ...app(), to: CHAT, needs } });
    expect(run.code, run.stdout).toBe(0);
    const card = JSON.parse(live()[0]?.content ?? '{}');
    expect(card.header.template).toBe('red');
    const body = JSON.stringify(card.body);
    for (const job of ['build', 'test', 'deploy']) expect(body).toContain(job);
    expect(body).toContain('❌');
    expect(body).toContain('✅');
  });

  it('mention: author with a user map mentions the mapped user; an unmapped one is plain text', async () => {
    const mapped = await runAction({
      inputs: {
        ...app(),
        to: CHAT,
        status: 'failure',
        mention: 'author',
        'user-map': 'monalisa: ou_mona\noctocat: cat@acme.dev',
      },
    });
    expect(mapped.code, mapped.stdout).toBe(0);
    expect(live()[0]?.content).toContain('<at id=ou_mona></at>');
    const unmapped = await runAction({
      inputs: { ...app(), to: CHAT, mention: 'author', 'user-map': '{"someone": "ou_x"}' },
    });
    expect(unmapped.code).toBe(0);
    const text = live()[1]?.content ?? '';
    expect(text).toContain('@monalisa');
    expect(text).not.toContain('<at');
    const asText = await runAction({
      inputs: { ...app(), to: CHAT, type: 'text', mention: 'actor', 'user-map': 'octocat: ou_cat' },
    });
    expect(asText.code).toBe(0);
    expect(JSON.parse(live()[2]?.content ?? '{}').text).toContain('<at user_id="ou_cat"></at>');
  });
});

describe('the composite recall step', () => {
  const action = parse(readFileSync(join(ROOT, 'recall/action.yml'), 'utf8'));
  const step = action.runs.steps[0];

  /** Runs the step's command as the runner would: its env with `${{ inputs.* }}` evaluated. */
  async function runComposite(inputs: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'recall-step-'));
    const output = join(dir, 'output');
    writeFileSync(output, '');
    writeFileSync(join(dir, 'event.json'), '{}');
    const env: Record<string, string> = {
      ...githubEnv('workflow_dispatch', join(dir, 'event.json'), dir),
      PATH: `${join(NODE, '..')}:${process.env.PATH}`,
      GITHUB_OUTPUT: output,
      GITHUB_ACTION_PATH: RECALL_ACTION_PATH,
    };
    for (const [name, value] of Object.entries(step.env as Record<string, string>)) {
      env[name] = value.replace(
        /\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g,
        (_, input: string) => inputs[input] ?? action.inputs[input]?.default ?? '',
      );
    }
    const { stdout } = await promisify(execFile)('bash', ['-e', '-c', step.run], { env });
    return { stdout, outputs: parseCommandFile(readFileSync(output, 'utf8')) };
  }

  it('passes inputs through env, never into the script', () => {
    expect(action.runs.using).toBe('composite');
    expect(step.run).not.toContain('${{');
  });

  it('recalls a notice by ID', async () => {
    const sent = await runAction({ inputs: { ...app(), to: CHAT } });
    const id = sent.outputs['message-id'] ?? '';
    const run = await runComposite({
      'app-id': 'cli_test_app',
      'app-secret': 'test-secret',
      domain: fake.url,
      'message-ids': id,
      to: CHAT,
    });
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([id]);
    expect(live()).toHaveLength(0);
    // `to` without `key` sent nothing.
    expect(fake.messages()).toHaveLength(1);
  });

  it('says what is missing when given nothing to recall', async () => {
    const run = runComposite({
      'app-id': 'cli_test_app',
      'app-secret': 'test-secret',
      domain: fake.url,
      to: CHAT,
    });
    await expect(run).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('Input "message-ids" or "key" is required'),
    });
    expect(fake.requests).toHaveLength(0);
  });

  const recallKeyStep = (key: string) =>
    runComposite({
      'app-id': 'cli_test_app',
      'app-secret': 'test-secret',
      domain: fake.url,
      to: CHAT,
      key,
    });

  it('recalls the notices of a key', async () => {
    const sent = await runAction({ inputs: { ...app(), to: CHAT, key: 'deploy-prod' } });
    const run = await recallKeyStep('deploy-prod');
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([sent.outputs['message-id']]);
  });

  it('collapses a notice of the key past 24 hours, and says so in `collapsed`', async () => {
    const sent = await runAction({ inputs: { ...app(), to: CHAT, key: 'deploy-prod' } });
    fake.advance(30 * HOUR);
    const run = await recallKeyStep('deploy-prod');
    expect(JSON.parse(run.outputs.recalled ?? '[]')).toEqual([]);
    expect(JSON.parse(run.outputs.collapsed ?? '[]')).toEqual([sent.outputs['message-id']]);
    expect(cardOf(sent.outputs['message-id'] ?? '').header.template).toBe('grey');
  });
});
