import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContextFor } from '../support/run-context.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/events/', import.meta.url));

const ENV = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_EVENT_PATH: join(FIXTURES, 'pull_request.json'),
  GITHUB_REF: 'refs/pull/128/merge',
  GITHUB_REF_NAME: '128/merge',
  GITHUB_HEAD_REF: 'feature/payment-retry',
  GITHUB_REF_TYPE: 'branch',
  GITHUB_SHA: 'e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0',
  GITHUB_ACTOR: 'hubot',
  GITHUB_TRIGGERING_ACTOR: 'monalisa',
  GITHUB_WORKFLOW: 'CI',
  GITHUB_JOB: 'test',
  GITHUB_RUN_ID: '1234567890',
  GITHUB_RUN_NUMBER: '42',
  GITHUB_RUN_ATTEMPT: '1',
};

describe('the run context, as @actions/github reads it', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'feishu-notify-context-'));
    await writeFile(join(dir, 'string.json'), '"just a string"');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the run from the environment and the event file', () => {
    const ctx = runContextFor(ENV);
    expect(ctx).toMatchObject({
      serverUrl: 'https://github.com',
      repository: 'acme/shop',
      eventName: 'pull_request',
      ref: 'refs/pull/128/merge',
      refName: 'feature/payment-retry',
      sha: 'e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0',
      actor: 'monalisa',
      workflow: 'CI',
      job: 'test',
      runNumber: '42',
      runAttempt: '1',
      runUrl: 'https://github.com/acme/shop/actions/runs/1234567890',
    });
    expect((ctx.payload.pull_request as { number: number }).number).toBe(128);
  });

  it('falls back to GITHUB_ACTOR and GITHUB_REF_NAME', () => {
    const ctx = runContextFor({ ...ENV, GITHUB_TRIGGERING_ACTOR: '', GITHUB_HEAD_REF: '' });
    expect(ctx.actor).toBe('hubot');
    expect(ctx.refName).toBe('128/merge');
  });

  it('links a re-run to its attempt', () => {
    expect(runContextFor({ ...ENV, GITHUB_RUN_ATTEMPT: '2' }).runUrl).toBe(
      'https://github.com/acme/shop/actions/runs/1234567890/attempts/2',
    );
  });

  it('uses the GitHub Enterprise server URL, without a trailing slash', () => {
    const ctx = runContextFor({ ...ENV, GITHUB_SERVER_URL: 'https://ghe.acme.corp//' });
    expect(ctx.serverUrl).toBe('https://ghe.acme.corp');
    expect(ctx.runUrl).toBe('https://ghe.acme.corp/acme/shop/actions/runs/1234567890');
  });

  it('has no run URL without a repository or run ID', () => {
    expect(runContextFor({ ...ENV, GITHUB_RUN_ID: '' }).runUrl).toBe('');
    expect(runContextFor({}).runUrl).toBe('');
  });

  // A broken event file is not covered: @actions/github throws on it (the runner writes it).
  it('a missing or non-object event file gives an empty payload', () => {
    expect(runContextFor({ ...ENV, GITHUB_EVENT_PATH: join(dir, 'nope.json') }).payload).toEqual(
      {},
    );
    expect(runContextFor({ ...ENV, GITHUB_EVENT_PATH: join(dir, 'string.json') }).payload).toEqual(
      {},
    );
    expect(runContextFor({ ...ENV, GITHUB_EVENT_PATH: '' }).payload).toEqual({});
  });
});
