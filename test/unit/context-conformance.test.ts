/**
 * src/context.ts reads the run as @actions/github's `context` does, without loading
 * Octokit at start-up. This proves the two agree for every bundled event fixture.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readRunContext } from '../../src/context.js';
import { FIXTURES, githubEnv, ROOT } from '../support/run-action.js';

/** @actions/github builds its context once, on import: read it in a fresh process per event. */
async function githubContext(env: Record<string, string>) {
  const script =
    "import { context } from '@actions/github'; process.stdout.write(JSON.stringify({ ...context, repo: context.repo }));";
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { env, cwd: ROOT },
  );
  return JSON.parse(stdout);
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

describe('readRunContext agrees with @actions/github', () => {
  it.each(fixtures)('%s', async (file) => {
    const env = githubEnv(file.replace(/\.json$/, ''), join(FIXTURES, file), '/tmp');
    const context = await githubContext(env);
    const ours = readRunContext(env);
    expect(ours.payload).toEqual(context.payload);
    expect(ours.eventName).toBe(context.eventName);
    expect(ours.sha).toBe(context.sha);
    expect(ours.ref).toBe(context.ref);
    expect(ours.workflow).toBe(context.workflow);
    expect(ours.actor).toBe(context.actor);
    expect(ours.job).toBe(context.job);
    expect(Number(ours.runId)).toBe(context.runId);
    expect(Number(ours.runNumber)).toBe(context.runNumber);
    expect(Number(ours.runAttempt)).toBe(context.runAttempt);
    expect(ours.serverUrl).toBe(context.serverUrl);
    expect(ours.repository).toBe(`${context.repo.owner}/${context.repo.repo}`);
  });

  it('uses GITHUB_SERVER_URL for GitHub Enterprise links', () => {
    const ctx = readRunContext({
      GITHUB_SERVER_URL: 'https://ghe.acme.dev/',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: '7',
      GITHUB_RUN_ATTEMPT: '2',
    });
    expect(ctx.runUrl).toBe('https://ghe.acme.dev/acme/shop/actions/runs/7/attempts/2');
  });
});
