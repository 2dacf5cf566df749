/** Issue 16: one live card per workflow run, every job and matrix leg keeping its own row. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rowElementId } from '../src/render/run-card.js';
import { type FakeFeishu, type FakeOptions, startFakeFeishu } from './support/fake-feishu.js';
import { type FakeGitHub, type FakeStep, startFakeGitHub } from './support/fake-github.js';
import { RUNNER_JOB_ID, type RunResult, runAction } from './support/run-action.js';

let fake: FakeFeishu;
async function useFake(options: FakeOptions = {}) {
  await fake?.close();
  fake = await startFakeFeishu(options);
}
beforeEach(() => useFake());
afterEach(() => fake.close());

const CHAT = 'oc_test_chat';
// English rows (a row is one copy in one language; with auto it is Chinese on Feishu).
const app = () => ({
  'app-id': 'cli_test_app',
  'app-secret': 'test-secret',
  domain: fake.url,
  language: 'en_us',
});
/** Many runners at once on a shared machine: give every step room. */
const SLOW = { timeoutMs: 90_000 };

function expectClean(run: RunResult) {
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).not.toContain('::warning::');
  expect(run.stdout).not.toContain('::error::');
}

async function startJob(extra: Record<string, string> = {}) {
  const run = await runAction({ inputs: { ...app(), to: CHAT, 'run-card': 'start', ...extra } });
  expectClean(run);
  const handle = run.outputs['card-id'] ?? '';
  expect(handle).toMatch(/^\d+:\d+:om_/);
  return { handle, messageId: run.outputs['message-id'] ?? '' };
}

/** A leg: its main step, and later its post step, sharing the job's RUNNER_TEMP as a runner does. */
function leg(
  handle: string,
  label: string,
  options: { env?: Record<string, string>; inputs?: Record<string, string> } = {},
) {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'feishu-notify-leg-'));
  const inputs = { ...app(), 'run-card': handle, row: label, ...options.inputs };
  const env = options.env ?? {};
  let main: RunResult | undefined;
  return {
    async main() {
      main = await runAction({ inputs, runnerTemp, env, ...SLOW });
      return main;
    },
    post(jobStatus: string) {
      return runAction({
        inputs: { ...inputs, 'job-status': jobStatus },
        state: main?.state ?? {},
        runnerTemp,
        env,
        ...SLOW,
      });
    },
  };
}

function finalJob(
  handle: string,
  needs: Record<string, { result: string }>,
  extra: Record<string, string> = {},
  env: Record<string, string> = {},
) {
  return runAction({
    inputs: { ...app(), 'run-card': handle, needs: JSON.stringify(needs), ...extra },
    env,
  });
}

interface ShownCard {
  header: { template: string; title: { content: string } };
  body: { elements: { tag: string; element_id?: string; content?: string }[] };
}

function shown(messageId: string): ShownCard {
  const card = fake.cardkit.shownBy(messageId);
  expect(card, 'the message shows a card entity').toBeDefined();
  return card as unknown as ShownCard;
}

/** The text of each row of the card, by label. */
function rowsOf(card: ShownCard, labels: string[]): Record<string, string[]> {
  const rows: Record<string, string[]> = {};
  for (const label of labels) {
    rows[label] = card.body.elements
      .filter((e) => e.element_id === rowElementId(label))
      .map((e) => e.content ?? '');
  }
  return rows;
}

/** A start job, and a leg `unit` that fails. */
async function failedUnit() {
  const started = await startJob();
  const unit = leg(started.handle, 'unit');
  expectClean(await unit.main());
  expectClean(await unit.post('failure'));
  return started;
}

const topLevel = () => fake.messages(CHAT).filter((m) => m.parent_id === undefined);
const cardWrites = () => fake.requests.filter((r) => r.path.startsWith('/open-apis/cardkit/'));

describe('one live card per run', () => {
  it('a start job, 12 legs at once (two failing) and a final job leave one message, every row its own', async () => {
    const { handle, messageId } = await startJob();
    const labels = Array.from({ length: 12 }, (_, i) => `test (node ${18 + i}) <b>*x*</b>`);
    const failing = new Set([labels[3], labels[8]]);
    const legs = labels.map((label) => leg(handle, label));

    const mains = await Promise.all(legs.map((l) => l.main()));
    for (const run of mains) expectClean(run);
    const running = rowsOf(shown(messageId), labels);
    for (const label of labels) {
      expect(running[label]).toHaveLength(1);
      expect(running[label]?.[0]).toContain('In progress');
    }

    const posts = await Promise.all(
      legs.map((l, i) => l.post(failing.has(labels[i]) ? 'failure' : 'success')),
    );
    for (const run of posts) expectClean(run);

    const final = await finalJob(
      handle,
      { start: { result: 'success' }, test: { result: 'failure' } },
      { mention: 'ou_test_user' },
    );
    expectClean(final);

    expect(topLevel()).toHaveLength(1);
    const card = shown(messageId);
    expect(card.header.template).toBe('red');
    expect(card.header.title.content).toContain('failed');
    const rows = rowsOf(card, labels);
    for (const label of labels) {
      expect(rows[label], label).toHaveLength(1);
      expect(rows[label]?.[0]).toContain(failing.has(label) ? '❌' : '✅');
      expect(rows[label]?.[0]).toContain(failing.has(label) ? 'Failed' : 'Succeeded');
      expect(rows[label]?.[0]).toMatch(/ · \d+s$/);
      // The label is shown as text: its markup is inert.
      expect(rows[label]?.[0]).toContain('&#60;b&#62;&#42;x&#42;');
    }
    // The failure is told in the card's thread: a reply there notifies, the card's change does not.
    const replies = fake.messages(CHAT).filter((m) => m.parent_id === messageId);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.reply_in_thread).toBe(true);
    const reply = JSON.parse(replies[0]?.content ?? '{}').text;
    expect(reply).toContain('failed');
    expect(reply).toContain('<at user_id="ou_test_user"></at>');
  }, 240_000);

  it('20 legs at once finish without a failed step under the per-card limit', async () => {
    const { handle, messageId } = await startJob();
    const labels = Array.from({ length: 20 }, (_, i) => `build (${i + 1})`);
    const legs = labels.map((label) => leg(handle, label));
    const writesBefore = cardWrites().length;
    const began = Date.now();

    const mains = await Promise.all(legs.map((l) => l.main()));
    for (const run of mains) expectClean(run);
    const posts = await Promise.all(legs.map((l) => l.post('success')));
    for (const run of posts) expectClean(run);
    const elapsedMs = Date.now() - began;

    const rows = rowsOf(shown(messageId), labels);
    for (const label of labels) {
      expect(rows[label], label).toHaveLength(1);
      expect(rows[label]?.[0]).toContain('Succeeded');
    }
    const entity = [...fake.cardkit.cards.values()][0];
    // Every accepted write is one of the 40 row writes: nothing written twice, nothing lost.
    expect(entity?.accepted).toBe(40);
    const writes = cardWrites().length - writesBefore;
    console.log(
      `run card, 20 legs: every row final after ${elapsedMs} ms; ${writes} write requests for 40 writes; rejected ${JSON.stringify(entity?.rejected)}`,
    );
  }, 240_000);

  it("a cancelled leg's row says cancelled", async () => {
    const { handle, messageId } = await startJob();
    const l = leg(handle, 'deploy (eu)');
    expectClean(await l.main());
    expectClean(await l.post('cancelled'));
    const [row] = rowsOf(shown(messageId), ['deploy (eu)'])['deploy (eu)'] ?? [];
    expect(row).toMatch(/^⏹️ \*\*deploy &#40;eu&#41;\*\* · Cancelled · \d+s$/);
  });

  it('a leg that starts after the start job (and even after the final job) still adds its row', async () => {
    const { handle, messageId } = await startJob();
    const early = leg(handle, 'lint');
    expectClean(await early.main());
    expectClean(await early.post('success'));
    expectClean(await finalJob(handle, { lint: { result: 'success' } }));
    expect(shown(messageId).header.template).toBe('green');

    const late = leg(handle, 'docs');
    expectClean(await late.main());
    expectClean(await late.post('success'));
    const rows = rowsOf(shown(messageId), ['lint', 'docs']);
    expect(rows.lint).toHaveLength(1);
    expect(rows.docs?.[0]).toContain('Succeeded');
    expect(topLevel()).toHaveLength(1);
  });

  it('a leg re-run (its row already there) rewrites its row instead of adding a second', async () => {
    const { handle, messageId } = await startJob();
    const first = leg(handle, 'e2e');
    expectClean(await first.main());
    expectClean(await first.post('failure'));
    const rerun = leg(handle, 'e2e');
    expectClean(await rerun.main());
    expect(rowsOf(shown(messageId), ['e2e']).e2e?.[0]).toContain('In progress');
    expectClean(await rerun.post('success'));
    const rows = rowsOf(shown(messageId), ['e2e']).e2e;
    expect(rows).toHaveLength(1);
    expect(rows?.[0]).toContain('Succeeded');
  });

  it('the row label defaults to the job', async () => {
    const { handle, messageId } = await startJob();
    const run = await runAction({ inputs: { ...app(), 'run-card': handle } });
    expectClean(run);
    // The harness's job is `deploy` (GITHUB_JOB).
    expect(rowsOf(shown(messageId), ['deploy']).deploy?.[0]).toContain('**deploy**');
  });

  it('a final job whose card cannot be read back leaves the header and adds the result as a line', async () => {
    const { handle, messageId } = await startJob();
    const l = leg(handle, 'unit');
    expectClean(await l.main());
    expectClean(await l.post('failure'));
    fake.inject({
      method: 'GET',
      path: /^\/open-apis\/im\/v1\/messages\/om_/,
      fault: {
        kind: 'status',
        status: 400,
        body: { code: 230027, msg: 'Lack of necessary permissions' },
      },
    });
    const final = await finalJob(handle, { unit: { result: 'failure' } });
    expect(final.code).toBe(0);
    expect(final.stdout).toContain(
      "::warning::The run card's header was left as it was and the result added as a line: could not read it back (Feishu error 230027",
    );
    expect(final.stdout).toContain('needs the scope im:message.group_msg');
    const card = shown(messageId);
    expect(card.header.template).toBe('blue');
    expect(
      card.body.elements.some(
        (e) => e.element_id === 'run_result' && e.content?.includes('Failed'),
      ),
    ).toBe(true);
    expect(rowsOf(card, ['unit']).unit?.[0]).toContain('Failed');
  });
  it('a final job that cannot write the card (it is full) still replies in its thread, and warns', async () => {
    const { handle, messageId } = await failedUnit();
    // A card at Feishu's 30 KB cap refuses every added element, the final job's result line too.
    fake.inject({
      method: 'POST',
      path: /^\/open-apis\/cardkit\/v1\/cards\/[^/]+\/elements$/,
      times: 10,
      fault: {
        kind: 'status',
        status: 400,
        body: { code: 300303, msg: 'invalid card json: over 30 KB' },
      },
    });
    const final = await finalJob(
      handle,
      { unit: { result: 'failure' } },
      { mention: 'ou_test_user' },
    );
    expect(final.code, final.stdout).toBe(0);
    expect(final.stdout).toMatch(/::warning::.*300303/);
    // The card's own change would have notified nobody anyway: the reply is what tells people.
    const replies = fake.messages(CHAT).filter((m) => m.parent_id === messageId);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.content).toContain('ou_test_user');
  });
});

describe('run-card in a dry run', () => {
  it('prints what it would write and sends nothing', async () => {
    const start = await runAction({ inputs: { to: CHAT, 'run-card': 'start', 'dry-run': 'true' } });
    expectClean(start);
    const card = JSON.parse(start.outputs.content ?? '{}');
    expect(card.schema).toBe('2.0');
    expect(card.header.template).toBe('blue');
    const row = await runAction({
      inputs: {
        'run-card': '7355372766134157313:1764629000123:om_1',
        row: 'lint',
        'dry-run': 'true',
      },
    });
    expectClean(row);
    // A row speaks every language of the card: with the default (auto), all three.
    expect(JSON.parse(row.outputs.content ?? '{}')).toMatchObject({
      content: '⏳ **lint** · In progress',
      i18n_content: {
        zh_cn: '⏳ **lint** · 进行中',
        en_us: '⏳ **lint** · In progress',
        ja_jp: '⏳ **lint** · 実行中',
      },
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('run-card refused clearly', () => {
  it('with a webhook only: a custom bot cannot update a card', async () => {
    const run = await runAction({
      inputs: {
        webhook: `${fake.url}/open-apis/bot/v2/hook/abcdefgh12345678`,
        'run-card': 'start',
      },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Input "run-card" needs app credentials');
    expect(run.stdout).toContain('a custom bot (webhook) cannot update a card');
    expect(fake.requests).toHaveLength(0);
  });

  it('with a value that is neither start nor a card-id', async () => {
    const run = await runAction({ inputs: { ...app(), 'run-card': 'om_123' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Input "run-card" has an invalid value "om_123"');
    expect(fake.requests).toHaveLength(0);
  });

  it('without the scope cardkit:card:write: a warning that names it, nothing posted', async () => {
    await useFake({ missingScopes: ['cardkit:card:write'] });
    const run = await runAction({ inputs: { ...app(), to: CHAT, 'run-card': 'start' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::warning::.*99991672.*cardkit:card:write/);
    expect(run.outputs.error).toContain('cardkit:card:write');
    expect(fake.messages()).toHaveLength(0);
  });
});

describe("a leg's row names the step it stopped at", () => {
  const RUN_ID = '1234567890';
  const JOB_URL = `https://github.com/acme/shop/actions/runs/${RUN_ID}/job/${RUNNER_JOB_ID}`;
  const HOSTILE_STEP = 'Run tests <at id=all></at> [x](https://evil.example) *y*';
  let github: FakeGitHub | undefined;
  afterEach(() => github?.close());

  /** The fake GitHub, answering for this job (job-id) with these steps. */
  async function withSteps(steps: FakeStep[], permissions = {}) {
    github = await startFakeGitHub({
      runs: { [RUN_ID]: [{ id: Number(RUNNER_JOB_ID), name: 'test', conclusion: null, steps }] },
      permissions,
    });
    return { GITHUB_API_URL: github.url };
  }

  const failedSecond: FakeStep[] = [
    { number: 1, name: 'Set up job', conclusion: 'success' },
    { number: 2, name: HOSTILE_STEP, conclusion: 'failure' },
    { number: 3, name: 'Upload report', conclusion: 'skipped' },
    { number: 4, name: 'Post feishu-notify', conclusion: null },
  ];

  it('a failing leg: "failed at <step>" linked to the step’s log, the name inert', async () => {
    const env = await withSteps(failedSecond);
    const { handle, messageId } = await startJob();
    const l = leg(handle, 'test (node 20)', { env });
    expectClean(await l.main());
    const writesBefore = fake.requests.length;
    const post = await l.post('failure');
    expectClean(post);

    const [row = ''] = rowsOf(shown(messageId), ['test (node 20)'])['test (node 20)'] ?? [];
    expect(row).toMatch(/^❌ \*\*test &#40;node 20&#41;\*\* · Failed · \d+s · \[failed at /);
    // One link, the step's first log line, and nothing of the step's name active.
    const links = [...row.matchAll(/\]\(([^)]*)\)/g)].map((m) => m[1]);
    expect(links).toEqual([`${JOB_URL}#step:2:1`]);
    expect(row).toContain('&#60;at id=all&#62;&#60;/at&#62;');
    expect(row).toContain('&#91;x&#93;&#40;https:\u200b//evil.example&#41; &#42;y&#42;');
    expect(row).not.toMatch(/<at|\[x\]/);
    // One GitHub request, sent before the row's write reached the card: no round trip added.
    expect(github?.requests.map((r) => r.path)).toEqual([
      `/repos/acme/shop/actions/jobs/${RUNNER_JOB_ID}`,
    ]);
    const rowWrite = fake.requests
      .slice(writesBefore)
      .find((r) => r.path.startsWith('/open-apis/cardkit/'));
    expect(github?.requests[0]?.at ?? Infinity).toBeLessThanOrEqual(rowWrite?.at ?? 0);
  });

  it('a cancelled leg: "stopped at <step>"', async () => {
    const env = await withSteps([
      { number: 1, name: 'Set up job', conclusion: 'success' },
      { number: 2, name: 'Deploy', conclusion: 'cancelled' },
    ]);
    const { handle, messageId } = await startJob();
    const l = leg(handle, 'deploy', { env });
    expectClean(await l.main());
    expectClean(await l.post('cancelled'));
    const [row] = rowsOf(shown(messageId), ['deploy']).deploy ?? [];
    expect(row).toMatch(/· Cancelled · \d+s · \[stopped at Deploy\]\(https:.*#step:2:1\)$/);
  });

  it('a 403 from GitHub still finishes the row: the result alone, one line naming the permission', async () => {
    const env = await withSteps(failedSecond, { actions: false });
    const { handle, messageId } = await startJob();
    const l = leg(handle, 'test (node 20)', { env });
    expectClean(await l.main());
    const post = await l.post('failure');
    expectClean(post);
    const [row] = rowsOf(shown(messageId), ['test (node 20)'])['test (node 20)'] ?? [];
    expect(row).toMatch(/^❌ \*\*test &#40;node 20&#41;\*\* · Failed · \d+s$/);
    const lines = post.stdout.split('\n').filter((line) => line.includes('GitHub'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('403');
    expect(lines[0]).toContain('actions: read');
  });

  it('a leg that succeeded asks GitHub nothing', async () => {
    const env = await withSteps(failedSecond);
    const { handle } = await startJob();
    const l = leg(handle, 'lint', { env });
    expectClean(await l.main());
    expectClean(await l.post('success'));
    expect(github?.requests).toHaveLength(0);
  });
});

describe('the final job against a leg outside its needs', () => {
  it('a row written between its read-back and its rewrite is not lost', async () => {
    const { handle, messageId } = await failedUnit();

    // Hold the final job's whole-card write until a late leg (not in its needs) has added its row.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    fake.inject({
      method: 'PUT',
      path: /^\/open-apis\/cardkit\/v1\/cards\/\d+$/,
      fault: { kind: 'gate', open: gate },
    });
    const final = finalJob(handle, { unit: { result: 'failure' } });
    const wholeCardWrite = () =>
      fake.requests.some((r) => r.method === 'PUT' && /\/cards\/\d+$/.test(r.path));
    while (!wholeCardWrite()) await new Promise((resolve) => setTimeout(resolve, 20));
    const late = leg(handle, 'docs');
    expectClean(await late.main());
    open();
    const finished = await final;
    expectClean(finished);

    const card = shown(messageId);
    expect(card.header.template).toBe('red');
    const rows = rowsOf(card, ['unit', 'docs']);
    expect(rows.unit).toHaveLength(1);
    expect(rows.unit?.[0]).toContain('Failed');
    // Its leg still runs: the finished card says it has not reported, until it does.
    expect(rows.docs).toEqual(['❔ **docs** · No result reported']);
    expect(card.body.elements.filter((e) => e.element_id?.startsWith('res_'))).toEqual([]);
    expect(finished.stdout).toContain('changed between reading and rewriting it');

    expectClean(await late.post('success'));
    expect(rowsOf(shown(messageId), ['docs']).docs?.[0]).toMatch(/^✅ \*\*docs\*\* · Succeeded/);
    expect(topLevel()).toHaveLength(1);
  });
});

describe('the final job against a chat that shows an older card', () => {
  it('reads again until the card shows its mark, then rewrites it', async () => {
    const { handle, messageId } = await failedUnit();
    fake.cardkit.lagReads(2);
    const final = await finalJob(handle, { unit: { result: 'failure' } });
    expectClean(final);
    const reads = fake.requests.filter((r) => r.method === 'GET' && r.path.includes(messageId));
    expect(reads).toHaveLength(3);
    const card = shown(messageId);
    expect(card.header.template).toBe('red');
    expect(rowsOf(card, ['unit']).unit?.[0]).toContain('Failed');
  });

  it('never rewrites from a read it cannot trust: the result as a line, and a warning', async () => {
    const { handle, messageId } = await failedUnit();
    fake.cardkit.lagReads(100);
    const final = await finalJob(handle, { unit: { result: 'failure' } });
    expect(final.code).toBe(0);
    expect(final.stdout).toContain('::warning::');
    expect(final.stdout).toContain('the chat kept showing an older card');
    const card = shown(messageId);
    expect(card.header.template).toBe('blue');
    expect(rowsOf(card, ['unit']).unit?.[0]).toContain('Failed');
    const ids = card.body.elements.map((e) => e.element_id ?? '');
    expect(ids.filter((id) => id === 'run_result' || id.startsWith('res_'))).toEqual([
      'run_result',
    ]);
  });
});

describe('the run card in the languages of the card', () => {
  const failedRow = {
    zh_cn: /^❌ \*\*unit\*\* · 失败 · \d+ 秒$/,
    en_us: /^❌ \*\*unit\*\* · Failed · \d+s$/,
  };

  /** `unit` fails; `e2e` starts but its job ends without its post step; then the final job. */
  async function unitFailsE2eNeverReports(
    inputs: Record<string, string>,
    whileRunning: (messageId: string) => void = () => undefined,
  ) {
    const { handle, messageId } = await startJob(inputs);
    const unit = leg(handle, 'unit', { inputs });
    const e2e = leg(handle, 'e2e', { inputs });
    expectClean(await unit.main());
    expectClean(await e2e.main());
    whileRunning(messageId);
    expectClean(await unit.post('failure'));
    expectClean(await finalJob(handle, { unit: { result: 'failure' } }, inputs));
    return messageId;
  }

  it('language: zh_cn — rows, a row never reported and the header in Chinese', async () => {
    const messageId = await unitFailsE2eNeverReports({ language: 'zh_cn' }, (id) =>
      expect(rowsOf(shown(id), ['e2e']).e2e).toEqual(['⏳ **e2e** · 进行中']),
    );

    const card = shown(messageId);
    expect(card.header.template).toBe('red');
    expect(card.header.title.content).toMatch(/^❌ .*失败/);
    const rows = rowsOf(card, ['unit', 'e2e']);
    expect(rows.unit?.[0]).toMatch(failedRow.zh_cn);
    expect(rows.e2e).toEqual(['❔ **e2e** · 未报告结果']);
    expect(JSON.stringify(card.body)).not.toMatch(/Failed|In progress|No result/);
  });

  it('auto: every row in all three languages, each kept by the final rewrite', async () => {
    const messageId = await unitFailsE2eNeverReports({ language: 'auto' });

    type I18nRow = { element_id?: string; content?: string; i18n_content?: Record<string, string> };
    const elements = shown(messageId).body.elements as I18nRow[];
    const row = (label: string) => elements.find((e) => e.element_id === rowElementId(label));
    expect(row('unit')?.content).toMatch(failedRow.en_us);
    expect(row('unit')?.i18n_content?.zh_cn).toMatch(failedRow.zh_cn);
    expect(row('unit')?.i18n_content?.ja_jp).toMatch(/^❌ \*\*unit\*\* · 失敗 · /);
    expect(row('e2e')?.i18n_content).toEqual({
      zh_cn: '❔ **e2e** · 未报告结果',
      en_us: '❔ **e2e** · No result reported',
      ja_jp: '❔ **e2e** · 結果の報告なし',
    });
  });
});

describe('the final job run again (run attempt 2)', () => {
  it('rewrites the card but does not reply in the thread again for the same result', async () => {
    const { handle, messageId } = await failedUnit();
    const needs = { unit: { result: 'failure' } };
    expectClean(await finalJob(handle, needs, { mention: 'ou_test_user' }));
    const again = await finalJob(
      handle,
      needs,
      { mention: 'ou_test_user' },
      { GITHUB_RUN_ATTEMPT: '2' },
    );
    expectClean(again);
    expect(again.stdout).toContain('no second reply');
    const replies = () => fake.messages(CHAT).filter((m) => m.parent_id === messageId);
    expect(replies()).toHaveLength(1);
    expect(rowsOf(shown(messageId), ['unit']).unit).toHaveLength(1);

    // A different result is news: the leg re-run succeeds, and so does a third attempt.
    expectClean(
      await finalJob(handle, { unit: { result: 'success' } }, {}, { GITHUB_RUN_ATTEMPT: '3' }),
    );
    expect(shown(messageId).header.template).toBe('green');
    // A success is not replied to by default (finish-reply: failure).
    expect(replies()).toHaveLength(1);
    const failedAgain = await finalJob(handle, needs, {}, { GITHUB_RUN_ATTEMPT: '4' });
    expectClean(failedAgain);
    expect(replies()).toHaveLength(2);
  });
});
