/** Issue 13, the pure parts: reading GitHub's answers, the section, notify-on's verdict, people. */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { validate as validateAgainstGitHub } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import { FAILED_CHECKS_QUERY, readFailedChecks } from '../../src/github/checks.js';
import {
  failedJobs,
  failureAnnotations,
  MAX_ANNOTATIONS,
  MAX_JOBS,
  ownJob,
} from '../../src/github/jobs.js';
import { jobsSource, wantsWhatFailed } from '../../src/github/reads.js';
import { readSettings } from '../../src/inputs.js';
import { streakOf, verdict } from '../../src/notify-on.js';
import { emailInEvent, isNoReply } from '../../src/people.js';
import { renderContents } from '../../src/render/content.js';
import { TRUNCATED } from '../../src/render/escape.js';
import { footerText, readFooter } from '../../src/render/model.js';
import { buildNotice } from '../../src/render/notice.js';
import { renderFinishReply } from '../../src/render/reply.js';
import { githubEnv } from '../support/run-action.js';
import { runContextFor } from '../support/run-context.js';

const JOB_URL = 'https://github.com/acme/shop/actions/runs/1/job/11';
const job = (over: Record<string, unknown> = {}) => ({
  id: 11,
  name: 'test',
  conclusion: 'failure',
  html_url: JOB_URL,
  steps: [
    { number: 1, name: 'Set up job', conclusion: 'success' },
    { number: 4, name: 'Run tests', conclusion: 'failure' },
    { number: 5, name: 'Upload', conclusion: 'skipped' },
  ],
  ...over,
});

describe("reading GitHub's jobs", () => {
  it('keeps failed and timed-out jobs, their failed steps, and a link to each step', () => {
    const report = failedJobs(
      [
        job(),
        job({ id: 12, name: 'lint', conclusion: 'success' }),
        job({ id: 13, conclusion: 'timed_out' }),
      ],
      { cancelled: false },
    );
    expect(report.total).toBe(2);
    expect(report.jobs.map((j) => j.id)).toEqual(['11', '13']);
    expect(report.jobs[0]?.steps).toEqual([
      { number: 4, name: 'Run tests', url: `${JOB_URL}#step:4:1` },
    ]);
  });

  it('shows cancelled jobs only when nothing failed and the run was cancelled', () => {
    const jobs = [job({ conclusion: 'cancelled' })];
    expect(failedJobs(jobs, { cancelled: false }).jobs).toHaveLength(0);
    expect(failedJobs(jobs, { cancelled: true }).jobs).toHaveLength(1);
  });

  it(`shows at most ${MAX_JOBS} jobs and counts the rest`, () => {
    const many = Array.from({ length: 12 }, (_, i) => job({ id: i + 1 }));
    const report = failedJobs(many, { cancelled: false });
    expect(report.jobs).toHaveLength(MAX_JOBS);
    expect(report.total).toBe(12);
  });

  it('skips the job asking, and reads garbage as nothing', () => {
    expect(failedJobs([job()], { cancelled: false, exceptJobId: '11' }).jobs).toHaveLength(0);
    const odd = failedJobs([null, 5, 'x', { conclusion: 'failure', steps: 'no', html_url: 7 }], {
      cancelled: false,
    });
    expect(odd.jobs).toEqual([
      { id: '', name: '', conclusion: 'failure', url: undefined, steps: [], annotations: [] },
    ]);
  });

  it('a step without a valid number gets no link', () => {
    const [read] = failedJobs(
      [job({ steps: [{ number: 'x', name: 'Odd', conclusion: 'failure' }] })],
      { cancelled: false },
    ).jobs;
    expect(read?.steps).toEqual([{ number: 0, name: 'Odd', url: undefined }]);
  });

  it('a job read by its ID (running, no conclusion) failed when a step did', () => {
    expect(ownJob(job({ conclusion: null })).jobs).toHaveLength(1);
    expect(
      ownJob(job({ conclusion: null, steps: [{ number: 1, conclusion: 'success' }] })).jobs,
    ).toHaveLength(0);
  });

  it(`takes the first ${MAX_ANNOTATIONS} failure annotations, with path:line but not the runner's own path`, () => {
    const annotations = failureAnnotations([
      { annotation_level: 'warning', message: 'w', path: 'a.ts', start_line: 1 },
      { annotation_level: 'failure', message: ' boom \n', path: 'a.ts', start_line: 3 },
      {
        annotation_level: 'failure',
        message: 'Process completed with exit code 1.',
        path: '.github',
        start_line: 1,
      },
      { annotation_level: 'failure', message: '', path: 'b.ts' },
      { annotation_level: 'failure', message: 'no line', path: 'c.ts' },
      { annotation_level: 'failure', message: 'fourth' },
    ]);
    expect(annotations).toEqual([
      { message: 'boom', location: 'a.ts:3' },
      { message: 'Process completed with exit code 1.' },
      { message: 'no line', location: 'c.ts' },
    ]);
  });
});

async function settings(values: Record<string, string>) {
  return readSettings({ getInput: (n) => values[n] ?? '', setSecret: () => {} });
}
const ctx = (env: Record<string, string> = {}, payload?: object) => {
  const base = githubEnv('push', '', tmpdir());
  const context = runContextFor({ ...base, ...env });
  return payload ? { ...context, payload: payload as Record<string, unknown> } : context;
};

describe("reading GitHub's GraphQL answer for a run", () => {
  const RUN_URL = 'https://github.com/acme/shop/actions/runs/1';
  const checkRun = (id: number, over: Record<string, unknown> = {}) => ({
    databaseId: id,
    name: `job ${id}`,
    conclusion: 'FAILURE',
    steps: {
      nodes: [
        { number: 1, name: 'Set up job', conclusion: 'SUCCESS' },
        { number: 4, name: 'Run tests', conclusion: 'FAILURE' },
      ],
    },
    annotations: {
      nodes: [
        {
          path: 'a.ts',
          location: { start: { line: 3 } },
          annotationLevel: 'FAILURE',
          message: 'boom',
        },
        {
          path: 'b.ts',
          location: { start: { line: 1 } },
          annotationLevel: 'WARNING',
          message: 'w',
        },
      ],
    },
    ...over,
  });
  const answer = (suite: Record<string, unknown>, run: Record<string, unknown> = {}) => ({
    resource: { __typename: 'WorkflowRun', databaseId: 1, url: RUN_URL, checkSuite: suite, ...run },
  });
  const latestOf = (...ids: number[]) => ({
    totalCount: ids.length,
    nodes: ids.map((databaseId) => ({ databaseId })),
  });
  const read = (data: unknown, cancelled = false) =>
    readFailedChecks(data, { runId: '1', cancelled, exceptJobId: '99' });

  it('is a query GitHub accepts (its published schema)', () => {
    expect(validateAgainstGitHub(FAILED_CHECKS_QUERY).map((e) => e.message)).toEqual([]);
  });

  it('reads the failed jobs, their steps with log links and their annotations, as REST has them', () => {
    const big = 78781862128; // job IDs are past 2^31
    const checks = read(
      answer({ failed: { totalCount: 1, nodes: [checkRun(big)] }, latest: latestOf(7, big) }),
    );
    const jobUrl = `${RUN_URL}/job/${big}`;
    expect(checks?.report).toEqual({
      jobs: [
        {
          id: String(big),
          name: `job ${big}`,
          conclusion: 'failure',
          url: jobUrl,
          steps: [{ number: 4, name: 'Run tests', url: `${jobUrl}#step:4:1` }],
          annotations: [],
        },
      ],
      total: 1,
    });
    expect(failureAnnotations(checks?.annotations.get(String(big)) ?? [])).toEqual([
      { message: 'boom', location: 'a.ts:3' },
    ]);
  });

  it('counts the failed jobs GitHub counted but did not list', () => {
    const nodes = Array.from({ length: 20 }, (_, i) => checkRun(100 + i));
    const checks = read(
      answer({ failed: { totalCount: 31, nodes }, latest: { totalCount: 150, nodes: [] } }),
    );
    expect(checks?.report.jobs).toHaveLength(MAX_JOBS);
    expect(checks?.report.total).toBe(31);
  });

  it('drops a job that failed in an earlier attempt when every latest check run was listed', () => {
    const data = answer({
      failed: { totalCount: 2, nodes: [checkRun(5), checkRun(8)] },
      latest: latestOf(6, 8),
    });
    expect(read(data)?.report.jobs.map((j) => j.id)).toEqual(['8']);
    // Past 100 check runs the latest ones are not all listed: nothing can be dropped.
    const many = answer({
      failed: { totalCount: 2, nodes: [checkRun(5), checkRun(8)] },
      latest: { totalCount: 150, nodes: [{ databaseId: 8 }] },
    });
    expect(read(many)?.report.jobs.map((j) => j.id)).toEqual(['5', '8']);
  });

  it('names the cancelled jobs only of a cancelled run in which nothing failed', () => {
    const cancelled = { totalCount: 1, nodes: [checkRun(9, { conclusion: 'CANCELLED' })] };
    const none = { totalCount: 0, nodes: [] };
    expect(
      read(answer({ failed: none, cancelled, latest: latestOf(9) }), true)?.report.jobs,
    ).toHaveLength(1);
    const failed = { totalCount: 1, nodes: [checkRun(5)] };
    expect(
      read(answer({ failed, cancelled, latest: latestOf(5, 9) }), true)?.report.jobs.map(
        (j) => j.id,
      ),
    ).toEqual(['5']);
    expect(read(answer({ failed: none, latest: latestOf(9) }))?.report.jobs).toEqual([]);
  });

  it("leaves the answer to REST when it is not this run's, or not readable", () => {
    const suite = { failed: { totalCount: 1, nodes: [checkRun(5)] }, latest: latestOf(5) };
    for (const data of [
      answer(suite, { databaseId: 2 }),
      answer(suite, { __typename: 'Workflow' }),
      answer({ failed: suite.failed }),
      { resource: null },
      null,
      'garbage',
      [answer(suite)],
    ])
      expect(read(data), JSON.stringify(data)).toBeUndefined();
  });

  it('never throws on garbage inside the answer, and links only from a run URL it was given', () => {
    const data = answer(
      {
        failed: {
          totalCount: 'x',
          nodes: [
            null,
            'x',
            checkRun(5, { steps: 'x', annotations: { nodes: [null, 1] }, name: { a: 1 } }),
          ],
        },
        latest: { totalCount: null, nodes: [null, { databaseId: 5 }] },
      },
      { url: 42 },
    );
    const checks = read(data);
    const [first] = checks?.report.jobs ?? [];
    expect(first?.id).toBe('5');
    expect(first?.url).toBeUndefined();
  });
});

describe('which jobs say what failed', () => {
  it("a final job reads its own run's attempt; workflow_run the triggering run; else this job", async () => {
    const needs = await settings({
      to: 'oc_x',
      'dry-run': 'true',
      needs: '{"a":{"result":"failure"}}',
      'job-id': '77',
    });
    expect(jobsSource(needs, ctx({ GITHUB_RUN_ATTEMPT: '2' }), false)).toEqual({
      kind: 'run',
      runId: '1234567890',
      attempt: '2',
      url: 'https://github.com/acme/shop/actions/runs/1234567890',
    });
    const plain = await settings({ to: 'oc_x', 'dry-run': 'true', 'job-id': '77' });
    const workflowRun = ctx(
      { GITHUB_EVENT_NAME: 'workflow_run' },
      { workflow_run: { id: 555, run_attempt: 3 } },
    );
    expect(jobsSource(plain, workflowRun, false)).toEqual({
      kind: 'run',
      runId: '555',
      attempt: '3',
      url: 'https://github.com/acme/shop/actions/runs/555',
    });
    expect(jobsSource(plain, ctx(), false)).toEqual({ kind: 'job', jobId: '77' });
    // The post step is about this job, whatever the run.
    expect(jobsSource(needs, ctx(), true)).toEqual({ kind: 'job', jobId: '77' });
    const noId = await settings({ to: 'oc_x', 'dry-run': 'true' });
    expect(jobsSource(noId, ctx(), true)).toBeUndefined();
  });

  it('only failed or cancelled cards drawn by the built-in renderer get the section', async () => {
    const card = await settings({ to: 'oc_x', 'dry-run': 'true' });
    expect(wantsWhatFailed(card, 'failure')).toBe(true);
    expect(wantsWhatFailed(card, 'cancelled')).toBe(true);
    expect(wantsWhatFailed(card, 'success')).toBe(false);
    const content = await settings({
      to: 'oc_x',
      'dry-run': 'true',
      content: '{"text":"x"}',
      type: 'text',
    });
    expect(wantsWhatFailed(content, 'failure')).toBe(false);
  });
});

describe('the section on the card', () => {
  it('is escaped like event text and bounded in length', async () => {
    const s = await settings({ to: 'oc_x', 'dry-run': 'true', status: 'failure' });
    const [report] = [
      failedJobs(
        [
          job({
            name: '<at id=all></at> [n](https://evil.example)',
            html_url: 'javascript:alert(1)',
          }),
        ],
        { cancelled: false },
      ),
    ];
    if (!report?.jobs[0]) throw new Error('no job');
    report.jobs[0].annotations = [{ message: 'x'.repeat(5000), location: 'a.ts:1' }];
    const notice = buildNotice(s, ctx(), { whatFailed: report });
    const [card] = renderContents(s, notice, false);
    const text = JSON.stringify(card?.content);
    expect(text).not.toContain('<at id=all');
    expect(text).not.toContain('javascript:');
    expect(text).not.toContain('x'.repeat(400));
    expect(text).toContain(TRUNCATED);
  });
});

describe('the thread reply names what failed first', () => {
  const hostile = '<at id=all></at> [n](https://evil.example) https://evil.example/login';
  const reportOf = (steps: { number: number; name: string; conclusion: string }[]) =>
    failedJobs(
      [
        job({
          name: `test ${hostile}`,
          html_url: 'https://github.com/acme/shop/actions/runs/1/job/9',
          steps,
        }),
        job({ id: 10, name: 'lint' }),
      ],
      { cancelled: false },
    );

  it('the first failed job and step, inert, linked to the step log; the other jobs counted', async () => {
    const s = await settings({
      to: 'oc_x',
      'dry-run': 'true',
      status: 'failure',
      language: 'en_us',
    });
    const notice = buildNotice(s, ctx(), {
      whatFailed: reportOf([{ number: 4, name: `Run ${hostile}`, conclusion: 'failure' }]),
    });
    const lines = renderFinishReply(
      notice,
      'https://github.com/acme/shop/actions/runs/1',
    ).text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^test .* — failed at step 4: Run .* \(and 1 more failed jobs\)$/);
    // Nothing from the run can mention anyone or become a link in a text message.
    expect(lines[1]).not.toContain('<at');
    expect(lines[1]).not.toContain('](');
    expect(lines[1]).not.toContain('https://evil.example');
    expect(lines.slice(2)).toEqual([
      'https://github.com/acme/shop/actions/runs/1/job/9#step:4:1',
      'https://github.com/acme/shop/actions/runs/1',
    ]);
  });

  it('without a failed step, the job and its log; without what failed, the result and the run', async () => {
    const s = await settings({
      to: 'oc_x',
      'dry-run': 'true',
      status: 'failure',
      language: 'en_us',
    });
    const withJob = buildNotice(s, ctx(), { whatFailed: reportOf([]) });
    expect(renderFinishReply(withJob, '').text.split('\n').slice(2)).toEqual([
      'https://github.com/acme/shop/actions/runs/1/job/9',
    ]);
    const plain = buildNotice(s, ctx());
    expect(
      renderFinishReply(plain, 'https://github.com/acme/shop/actions/runs/1').text.split('\n'),
    ).toHaveLength(2);
  });
});

describe('notify-on', () => {
  const CASES: [Parameters<typeof verdict>[0], string | undefined, string, boolean][] = [
    ['always', 'success', 'success', true],
    ['change', undefined, 'success', true],
    ['change', 'success', 'success', false],
    ['change', 'success', 'failure', true],
    ['change', 'failure', 'failure', false],
    ['change', 'failure', 'success', true],
    ['failure', undefined, 'success', false],
    ['failure', 'success', 'success', false],
    ['failure', 'failure', 'success', true],
    ['failure', 'cancelled', 'success', true],
    ['failure', 'success', 'failure', true],
    ['failure', 'failure', 'failure', true],
    ['failure', 'success', 'cancelled', true],
    ['change', 'success', 'in_progress', true],
  ];
  it.each(CASES)('%s after %s: %s is sent: %s', (notifyOn, previous, current, send) => {
    expect(verdict(notifyOn, previous as never, current as never).send).toBe(send);
  });

  it('names recoveries and repeated failures', () => {
    expect(streakOf('failure', 'success')).toBe('fixed');
    expect(streakOf('cancelled', 'success')).toBe('fixed');
    expect(streakOf('failure', 'failure')).toBe('still-failing');
    expect(streakOf('success', 'failure')).toBeUndefined();
    expect(streakOf(undefined, 'failure')).toBeUndefined();
  });

  it('the footer carries a keyed status that reads back, and nothing else passes for it', () => {
    const footer = footerText('42', 'nightly', 'failure').en_us;
    expect(footer).toBe('feishu-notify · run #42 · 🔑 «nightly» · ❌');
    expect(readFooter(footer, 'nightly')).toEqual({
      key: 'nightly',
      runNumber: '42',
      status: 'failure',
    });
    expect(readFooter('feishu-notify · key «nightly»', 'nightly')).toEqual({ key: 'nightly' });
    expect(
      readFooter('feishu-notify · run #42 · key «nightly» · bogus', 'nightly'),
    ).toBeUndefined();
    expect(readFooter(footer, 'night')).toBeUndefined();
    expect(footerText('42', undefined, 'failure').en_us).toBe('feishu-notify · run #42');
  });
});

describe('people by e-mail', () => {
  it('skips GitHub no-reply addresses', () => {
    expect(isNoReply('1234+mona@users.noreply.github.com')).toBe(true);
    expect(isNoReply('noreply@github.com')).toBe(true);
    expect(isNoReply('mona@acme.dev')).toBe(false);
  });

  it("takes the push's head commit e-mail only for its own author", () => {
    const push = JSON.parse(
      readFileSync(new URL('../fixtures/events/push.json', import.meta.url), 'utf8'),
    );
    const context = ctx({}, push);
    expect(emailInEvent(context, 'MonaLisa')).toBe('mona@acme.dev');
    expect(emailInEvent(context, 'someone-else')).toBeUndefined();
  });
});
