/**
 * Issue 13: the card says what failed (from GitHub's jobs and annotations), is sent only when
 * it matters (notify-on), and mentions the author found by e-mail. Through the bundle, against
 * the fake Feishu and the fake GitHub REST API (GITHUB_API_URL points at it).
 */
import { describe, expect, it } from 'vitest';
import type { FakeFeishu } from './support/fake-feishu.js';
import type { FakeGitHub, FakeGitHubOptions, FakeJob } from './support/fake-github.js';
import { appOf, fakesPerTest } from './support/fakes.js';
import {
  RUNNER_GITHUB_TOKEN,
  RUNNER_JOB_ID,
  type RunOptions,
  runAction,
} from './support/run-action.js';

const CHAT = 'oc_test_chat';
const RUN_ID = '1234567890';
const ZWSP = '\u200b';

const fakes = fakesPerTest();
/** The GitHub fake of the running test, which GITHUB_API_URL points at. */
let github: FakeGitHub | undefined;
const app = appOf;

const HOSTILE_ANNOTATION =
  '<at id=all></at> [x](https://evil.example) ![i](https://evil.example/a.png) https://evil.example/login admin@evil.example';

const step = (number: number, name: string, conclusion: string) => ({ number, name, conclusion });

const testJob: FakeJob = {
  id: 7001,
  name: 'test (ubuntu, 20)',
  conclusion: 'failure',
  steps: [
    { number: 1, name: 'Set up job', conclusion: 'success' },
    { number: 2, name: 'Checkout', conclusion: 'success' },
    { number: 3, name: 'Run tests', conclusion: 'failure' },
    { number: 4, name: 'Upload report', conclusion: 'skipped' },
  ],
};

const RUN: FakeGitHubOptions = {
  runs: {
    [RUN_ID]: [
      { id: 7000, name: 'build', conclusion: 'success', steps: [] },
      testJob,
      {
        id: Number(RUNNER_JOB_ID),
        name: 'notify',
        conclusion: null,
        steps: [{ number: 1, name: 'Set up job', conclusion: 'success' }],
      },
    ],
  },
  annotations: {
    '7001': [
      {
        path: 'src/cart.test.ts',
        start_line: 42,
        annotation_level: 'failure',
        message: 'Expected 2 to be 3',
      },
      {
        path: 'src/pay.ts',
        start_line: 7,
        annotation_level: 'warning',
        message: 'Unused variable',
      },
      {
        path: 'src/evil.ts',
        start_line: 1,
        annotation_level: 'failure',
        message: HOSTILE_ANNOTATION,
      },
      {
        path: '.github',
        start_line: 1,
        annotation_level: 'failure',
        message: 'Process completed with exit code 1.',
      },
    ],
  },
};

/** The run a `workflow_run` event (fixtures/events/workflow_run.json) was triggered by. */
const TRIGGERING_RUN_ID = '9876543210';
const TRIGGERING_RUN: FakeGitHubOptions = {
  runs: {
    [TRIGGERING_RUN_ID]: [
      { id: 8800, name: 'build', conclusion: 'success', steps: [] },
      {
        id: 8801,
        name: 'lint',
        conclusion: 'failure',
        steps: [step(1, 'Set up job', 'success'), step(2, 'Lint the world', 'failure')],
      },
    ],
  },
  annotations: {
    '8801': [
      { path: 'src/a.ts', start_line: 9, annotation_level: 'failure', message: 'no-unused-vars' },
    ],
  },
};

const NEEDS = JSON.stringify({ build: { result: 'success' }, test: { result: 'failure' } });

async function start(githubOptions: FakeGitHubOptions = RUN, feishuOptions = {}) {
  const feishu = await fakes.feishu(feishuOptions);
  github = await fakes.github(githubOptions);
  return { feishu, github };
}

function run(options: RunOptions) {
  return runAction({ ...options, env: { GITHUB_API_URL: github?.url ?? '', ...options.env } });
}

function cardOf(content: string | undefined) {
  return JSON.parse(content ?? '{}') as {
    header: { title: { content: string }; text_tag_list: { text: { content: string } }[] };
    body: { elements: { tag: string; content?: string }[] };
  };
}

function markdownOf(content: string | undefined): string {
  return cardOf(content)
    .body.elements.filter((e) => e.tag === 'markdown')
    .map((e) => e.content ?? '')
    .join('\n');
}

/** What a reader sees of card markdown: entities decoded, zero-width breaks removed. */
function readable(markdown: string): string {
  return markdown
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replaceAll(ZWSP, '');
}

describe('what failed, on the card', () => {
  it('is written in the language asked for: with zh_cn, no English word of the action', async () => {
    const { feishu: f } = await start();
    const result = await run({ inputs: { ...app(f), to: CHAT, needs: NEEDS, language: 'zh_cn' } });
    expect(result.code, result.stdout).toBe(0);
    const markdown = markdownOf(f.messages(CHAT)[0]?.content);
    expect(markdown).toContain('**失败详情**');
    expect(markdown).toContain(' — 失败于 [第 3 步：Run tests]');
    expect(markdown).not.toMatch(/What failed|failed at|\bstep \d/);
  });

  it("names a final job's failed job and step with the log link, and the annotations literally", async () => {
    const { feishu: f, github: g } = await start();
    const result = await run({ inputs: { ...app(f), to: CHAT, needs: NEEDS } });
    expect(result.code, result.stdout).toBe(0);
    const [message] = f.messages(CHAT);
    const markdown = markdownOf(message?.content);
    const jobUrl = `https://github.com/acme/shop/actions/runs/${RUN_ID}/job/7001`;
    expect(markdown).toContain('**What failed**');
    expect(markdown).toContain(`[test &#40;ubuntu, 20&#41;](${jobUrl})`);
    expect(markdown).toContain(`[step 3: Run tests](${jobUrl}#step:3:1)`);
    expect(readable(markdown)).toContain('src/cart.test.ts:42: Expected 2 to be 3');
    expect(readable(markdown)).toContain('Process completed with exit code 1.');
    expect(markdown).not.toContain('Unused variable'); // a warning, not a failure
    const section = markdown.slice(
      markdown.indexOf('**What failed**'),
      markdown.indexOf('**Jobs**'),
    );
    expect(section).not.toContain('build'); // the job that passed is not listed
    // The hostile annotation reads as written but mentions nobody and links nowhere.
    expect(readable(markdown)).toContain(HOSTILE_ANNOTATION);
    expect(markdown).not.toMatch(/<at\b/);
    expect(markdown).not.toContain('](https://evil');
    expect(markdown).not.toContain('https://evil');
    expect(markdown).not.toContain('admin@evil');
    // The token reached GitHub and nowhere else.
    expect(g.requests[0]?.authorization).toBe(`token ${RUNNER_GITHUB_TOKEN}`);
    expect(result.stdout).toContain(`::add-mask::${RUNNER_GITHUB_TOKEN}`);
    const visible = result.stdout.replaceAll(`::add-mask::${RUNNER_GITHUB_TOKEN}`, '');
    expect(visible + result.summary + JSON.stringify(result.outputs)).not.toContain(
      RUNNER_GITHUB_TOKEN,
    );
    // One GraphQL request answers for the run's failed jobs, steps and annotations.
    expect(g.requests.map((r) => r.path)).toEqual(['/graphql']);
    expect(g.requests[0]?.body?.variables).toMatchObject({
      runUrl: `https://github.com/acme/shop/actions/runs/${RUN_ID}`,
    });
  });

  it("a workflow_run card names the triggering run's failed job and step", async () => {
    const { feishu: f, github: g } = await start(TRIGGERING_RUN);
    const result = await run({
      inputs: { ...app(f), to: CHAT, status: 'failure' },
      event: 'workflow_run',
      eventName: 'workflow_run',
    });
    expect(result.code, result.stdout).toBe(0);
    const markdown = markdownOf(f.messages(CHAT)[0]?.content);
    const jobUrl = `https://github.com/acme/shop/actions/runs/${TRIGGERING_RUN_ID}/job/8801`;
    expect(markdown).toContain(`[lint](${jobUrl})`);
    expect(markdown).toContain(`[step 2: Lint the world](${jobUrl}#step:2:1)`);
    expect(readable(markdown)).toContain('src/a.ts:9: no-unused-vars');
    expect(g.requests[0]?.body?.variables).toMatchObject({
      runUrl: `https://github.com/acme/shop/actions/runs/${TRIGGERING_RUN_ID}`,
    });
  });

  it('a failed job that shares its name with a job that passed is still named (the REST reads decide)', async () => {
    // GraphQL's LATEST keeps one check run per name: two jobs named alike hide the failed one.
    const twin = (id: number, conclusion: string) => ({
      id,
      name: 'Test',
      conclusion,
      steps: [step(1, 'Set up job', 'success'), step(2, `Test ${id}`, conclusion)],
    });
    const { feishu: f, github: g } = await start({
      runs: { [RUN_ID]: [twin(7101, 'failure'), twin(7102, 'success')] },
    });
    const result = await run({ inputs: { ...app(f), to: CHAT, needs: NEEDS } });
    expect(result.code, result.stdout).toBe(0);
    const markdown = markdownOf(f.messages(CHAT)[0]?.content);
    expect(markdown).toContain('**What failed**');
    expect(markdown).toContain(`/job/7101#step:2:1`);
    expect(markdown).not.toContain('Test 7102');
    expect(g.requests.map((r) => r.path)[0]).toBe('/graphql');
  });

  it('a job that failed in an earlier attempt and passed in this one is not named', async () => {
    const attempts: FakeJob[] = [
      { id: 6001, name: 'flaky', conclusion: 'failure', steps: [step(2, 'Flake', 'failure')] },
      { id: 6002, name: 'e2e', conclusion: 'success', steps: [step(2, 'Run', 'success')] },
      {
        id: 6101,
        name: 'flaky',
        conclusion: 'success',
        runAttempt: 2,
        steps: [step(2, 'Flake', 'success')],
      },
      {
        id: 6102,
        name: 'e2e',
        conclusion: 'failure',
        runAttempt: 2,
        steps: [step(2, 'Run', 'failure')],
      },
    ];
    // GraphQL (the fake filters by conclusion before it picks each name's latest: the unkind
    // order), and REST for the attempt (a GHES without the conclusions filter).
    for (const graphqlSchema of ['current', 'no-conclusions-filter'] as const) {
      const { feishu: f, github: g } = await start({ runs: { [RUN_ID]: attempts }, graphqlSchema });
      const result = await run({
        inputs: { ...app(f), to: CHAT, needs: NEEDS },
        env: { GITHUB_RUN_ATTEMPT: '2' },
      });
      expect(result.code, result.stdout).toBe(0);
      const markdown = markdownOf(f.messages(CHAT)[0]?.content);
      const section = markdown.slice(
        markdown.indexOf('**What failed**'),
        markdown.indexOf('**Jobs**'),
      );
      expect(section, graphqlSchema).toContain('/job/6102#step:2:1');
      expect(section, graphqlSchema).not.toContain('flaky');
      const paths = g.requests.map((r) => r.path);
      if (graphqlSchema === 'current') expect(paths).toEqual(['/graphql']);
      else expect(paths).toContain(`/repos/acme/shop/actions/runs/${RUN_ID}/attempts/2/jobs`);
    }
  });

  it('on GitHub Enterprise Server (its API at /api/v3) the GraphQL request goes to /api/graphql', async () => {
    const { feishu: f, github: g } = await start({ ...RUN, enterprise: true });
    const result = await run({
      inputs: { ...app(f), to: CHAT, needs: NEEDS },
      env: { GITHUB_API_URL: `${g.url}/api/v3` },
    });
    expect(result.code, result.stdout).toBe(0);
    expect(readable(markdownOf(f.messages(CHAT)[0]?.content))).toContain('Expected 2 to be 3');
    expect(g.requests.map((r) => r.path)).toEqual(['/api/graphql']);
  });

  it('a GitHub whose GraphQL lacks the conclusions filter (an older GHES): the REST reads, silently', async () => {
    const { feishu: f, github: g } = await start({
      ...RUN,
      graphqlSchema: 'no-conclusions-filter',
    });
    const result = await run({ inputs: { ...app(f), to: CHAT, needs: NEEDS } });
    expect(result.code, result.stdout).toBe(0);
    const markdown = markdownOf(f.messages(CHAT)[0]?.content);
    expect(markdown).toContain('#step:3:1');
    expect(readable(markdown)).toContain('src/cart.test.ts:42: Expected 2 to be 3');
    expect(g.requests.map((r) => r.path)).toEqual([
      '/graphql',
      `/repos/acme/shop/actions/runs/${RUN_ID}/attempts/1/jobs`,
      '/repos/acme/shop/check-runs/7001/annotations',
    ]);
    // The section is there: the fallback is not worth a line in the log.
    expect(result.stdout).not.toMatch(/GitHub (answered|could not|did not|refused)|GraphQL/);
  });

  it('reads every page of a large run', async () => {
    const many: FakeJob[] = Array.from({ length: 150 }, (_, i) => ({
      id: 9000 + i,
      name: `shard ${i}`,
      conclusion: i === 137 ? 'failure' : 'success',
      steps: [{ number: 2, name: 'Test', conclusion: i === 137 ? 'failure' : 'success' }],
    }));
    // GraphQL filters by conclusion at GitHub: one request finds the one failed shard.
    const { feishu: f, github: g } = await start({ runs: { [RUN_ID]: many } });
    const result = await run({ inputs: { ...app(f), to: CHAT, needs: NEEDS } });
    expect(result.code, result.stdout).toBe(0);
    expect(markdownOf(f.messages(CHAT)[0]?.content)).toContain('[shard 137]');
    expect(g.requests.map((r) => r.path)).toEqual(['/graphql']);
    // Without that filter (an older GHES), the REST jobs list is read page by page.
    const older = await start({ runs: { [RUN_ID]: many }, graphqlSchema: 'no-conclusions-filter' });
    const again = await run({ inputs: { ...app(older.feishu), to: CHAT, needs: NEEDS } });
    expect(again.code, again.stdout).toBe(0);
    expect(markdownOf(older.feishu.messages(CHAT)[0]?.content)).toContain('[shard 137]');
    expect(
      older.github.requests.filter((r) => r.path.endsWith('/jobs')).map((r) => r.query.page ?? '1'),
    ).toEqual(['1', '2']);
  });

  it('the post step of a failing job names its own failed step', async () => {
    const own: FakeJob = {
      id: Number(RUNNER_JOB_ID),
      name: 'deploy',
      conclusion: null,
      steps: [
        { number: 1, name: 'Set up job', conclusion: 'success' },
        { number: 2, name: 'Notify', conclusion: 'success' },
        { number: 3, name: 'Migrate database', conclusion: 'failure' },
        { number: 4, name: 'Smoke test', conclusion: 'skipped' },
      ],
    };
    const { feishu: f, github: g } = await start({
      runs: { [RUN_ID]: [own] },
      annotations: {
        [RUNNER_JOB_ID]: [
          {
            path: 'db/migrate.sql',
            start_line: 12,
            annotation_level: 'failure',
            message: 'relation "orders" already exists',
          },
        ],
      },
    });
    const inputs = { ...app(f), to: CHAT, status: 'in_progress' };
    const main = await run({ inputs });
    expect(main.code, main.stdout).toBe(0);
    expect(g.requests).toHaveLength(0); // in progress: nothing failed yet, GitHub is not asked
    const post = await run({ inputs: { ...inputs, 'job-status': 'failure' }, state: main.state });
    expect(post.code, post.stdout).toBe(0);
    // The card, finished in place, and the failure reply in its thread (which notifies).
    const [message, reply] = f.messages(CHAT);
    expect(f.messages(CHAT)).toHaveLength(2);
    expect(reply?.parent_id).toBe(message?.message_id);
    const markdown = markdownOf(message?.content);
    const jobUrl = `https://github.com/acme/shop/actions/runs/${RUN_ID}/job/${RUNNER_JOB_ID}`;
    expect(cardOf(message?.content).header.title.content).toBe('❌ Deploy failed · acme/shop');
    expect(markdown).toContain(`[step 3: Migrate database](${jobUrl}#step:3:1)`);
    expect(readable(markdown)).toContain('db/migrate.sql:12: relation "orders" already exists');
    expect(markdown).not.toContain('Smoke test');
    // The reply tells the people where to start: the failed step, one click from its log
    // (a text message: one language, Chinese on Feishu by default), then the run.
    const replyLines = (JSON.parse(reply?.content ?? '{}').text as string).split('\n');
    expect(replyLines.slice(1)).toEqual([
      'deploy — 失败于 第 3 步：Migrate database',
      `${jobUrl}#step:3:1`,
      `https://github.com/acme/shop/actions/runs/${RUN_ID}`,
    ]);
    // The job and its annotations are asked for together: one round trip.
    const [jobAt, annotationsAt] = g.requests.map((r) => r.at);
    expect(Math.abs((jobAt ?? 0) - (annotationsAt ?? 0))).toBeLessThan(100);
  });

  it('a 403 from GitHub still sends the card and logs the permission to add', async () => {
    const { feishu: f, github: g } = await start({ ...RUN, permissions: { actions: false } });
    const result = await run({ inputs: { ...app(f), to: CHAT, needs: NEEDS } });
    expect(result.code, result.stdout).toBe(0);
    expect(f.messages(CHAT)).toHaveLength(1);
    expect(markdownOf(f.messages(CHAT)[0]?.content)).not.toContain('What failed');
    // GraphQL refused (FORBIDDEN), then REST refused (403): one line, naming the permission.
    expect(g.requests.map((r) => r.path)[0]).toBe('/graphql');
    const lines = result.stdout.split('\n').filter((l) => l.includes('GitHub answered 403'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('permissions: actions: read');
    expect(result.outputs.error).toBe('');
    expect(result.outputs.notified).toBe('true');
  });

  it('without checks: read the jobs and steps still show, and the log says what to add', async () => {
    const { feishu: f } = await start({ ...RUN, permissions: { checks: false } });
    const result = await run({ inputs: { ...app(f), to: CHAT, needs: NEEDS } });
    expect(result.code, result.stdout).toBe(0);
    const markdown = markdownOf(f.messages(CHAT)[0]?.content);
    expect(markdown).toContain('#step:3:1');
    expect(markdown).not.toContain('cart.test.ts');
    expect(result.stdout).toContain('permissions: checks: read');
  });

  it('a GitHub that never answers delays the card by the bounded wait only', async () => {
    const { feishu: f, github: g } = await start();
    g.setLatency(60_000);
    const result = await run({ inputs: { ...app(f), to: CHAT, needs: NEEDS } });
    expect(result.code, result.stdout).toBe(0);
    expect(f.messages(CHAT)).toHaveLength(1);
    // The bounded wait (3 s) plus start-up and the Feishu round trips, never the 60 s.
    expect(result.durationMs).toBeLessThan(6000);
    expect(result.stdout).toContain('GitHub did not answer in time');
  });

  it('a successful run asks GitHub nothing', async () => {
    const { feishu: f, github: g } = await start();
    const result = await run({
      inputs: { ...app(f), to: CHAT, needs: JSON.stringify({ build: { result: 'success' } }) },
    });
    expect(result.code, result.stdout).toBe(0);
    expect(g.requests).toHaveLength(0);
  });
});

describe('round trips', () => {
  const LATENCY = 300;
  const ownJob = {
    runs: {
      [RUN_ID]: [
        {
          id: Number(RUNNER_JOB_ID),
          name: 'deploy',
          conclusion: null,
          steps: [{ number: 3, name: 'Migrate database', conclusion: 'failure' }],
        },
      ],
    },
    annotations: {
      [RUNNER_JOB_ID]: [
        { path: 'db/m.sql', start_line: 1, annotation_level: 'failure' as const, message: 'boom' },
      ],
    },
  };

  type Timeline = Awaited<ReturnType<typeof timeline>>;

  /** One run's timeline, in ms from the first Feishu request (the token). */
  async function timeline(f: FakeFeishu, g: FakeGitHub, options: RunOptions) {
    const [feishuBefore, githubBefore] = [f.requests.length, g.requests.length];
    const result = await run(options);
    expect(result.code, result.stdout).toBe(0);
    const feishuRequests = f.requests.slice(feishuBefore);
    const t0 = feishuRequests[0]?.at ?? 0;
    return {
      durationMs: result.durationMs,
      feishu: feishuRequests.map((r) => ({ path: r.path, at: r.at - t0 })),
      github: g.requests.slice(githubBefore).map((r) => ({ path: r.path, at: r.at - t0 })),
    };
  }

  /** When the card left: the request after the token. */
  const send = (t: Timeline) => t.feishu[1]?.at ?? 0;

  /**
   * Three alternating trials with and without the section (github-token ''), at LATENCY on both
   * servers, after one warm-up run (so every timed run loads the bundle alike). The best of
   * each is compared, so a busy machine's pauses do not count as trips.
   */
  async function trials(
    f: FakeFeishu,
    g: FakeGitHub,
    options: RunOptions,
    expected: string,
    label: string,
  ) {
    await run(options);
    f.setLatency(LATENCY);
    g.setLatency(LATENCY);
    const all: Record<'with' | 'without', Timeline[]> = { with: [], without: [] };
    for (let i = 0; i < 3; i++) {
      const inputs = { ...options.inputs, 'github-token': '' };
      all.without.push(await timeline(f, g, { ...options, inputs }));
      expect(markdownOf(f.messages(CHAT).at(-1)?.content)).not.toContain(expected);
      all.with.push(await timeline(f, g, options));
      expect(markdownOf(f.messages(CHAT).at(-1)?.content)).toContain(expected);
    }
    const best = (ts: Timeline[]) => ts.reduce((a, b) => (send(b) < send(a) ? b : a));
    const [without, withSection] = [best(all.without), best(all.with)];
    console.log(
      `${label} at ${LATENCY} ms: send after ${all.without.map(send)} ms without the section, ${all.with.map(send)} ms with; GitHub requests at ${withSection.github.map((r) => `${r.path}@${r.at}`)} ms; whole step ${all.without.map((t) => t.durationMs)} / ${all.with.map((t) => t.durationMs)} ms`,
    );
    // The same Feishu requests, in the same order: token, then send.
    expect(withSection.feishu.map((r) => r.path)).toEqual(without.feishu.map((r) => r.path));
    expect(withSection.feishu).toHaveLength(2);
    // Every GitHub request leaves while the token is on its way: one round trip, beside the
    // token's...
    for (const r of withSection.github) expect(r.at).toBeLessThan(LATENCY);
    // ...so the card waits less than one more round trip.
    expect(send(withSection) - send(without)).toBeLessThan(LATENCY);
    return withSection;
  }

  it('with 300 ms on both servers, the section adds no round trip: GitHub is read while the token is on its way', async () => {
    const { feishu: f, github: g } = await start(ownJob);
    // The step after a failure in the same job (`if: failure()`): this job's failed step.
    const inputs = { ...app(f), to: CHAT, status: 'failure' };
    const withSection = await trials(f, g, { inputs }, 'Migrate database', 'own job');
    // The job and its annotations, asked for together.
    expect(withSection.github).toHaveLength(2);
  }, 120_000); // seven runs of the bundle at 300 ms a round trip, on a busy machine

  it("a final job's section costs no round trip either: one GraphQL request beside the token", async () => {
    const { feishu: f, github: g } = await start();
    const inputs = { ...app(f), to: CHAT, needs: NEEDS };
    const withSection = await trials(f, g, { inputs }, 'Expected 2 to be 3', 'final job');
    expect(withSection.github.map((r) => r.path)).toEqual(['/graphql']);
  }, 120_000);

  it("a workflow_run card's section (the triggering run) costs no round trip either", async () => {
    const { feishu: f, github: g } = await start(TRIGGERING_RUN);
    const options: RunOptions = {
      inputs: { ...app(f), to: CHAT, status: 'failure' },
      event: 'workflow_run',
      eventName: 'workflow_run',
    };
    const withSection = await trials(f, g, options, 'Lint the world', 'workflow_run');
    expect(withSection.github.map((r) => r.path)).toEqual(['/graphql']);
  }, 120_000);
});
