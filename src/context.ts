/**
 * The run this step is part of. @actions/github's Context reads it (GITHUB_* variables and the
 * event file); this module maps it to the facts the card needs.
 *
 * The class is imported from its own file, not from the package entry: the entry also evaluates
 * Octokit and its REST plugins, which cost a dry run about 25 ms of a ~230 ms start-up (measured
 * with `npm run bench`), and the package's exports map names no entry for Context alone. Octokit
 * is loaded only by src/github/ when a GitHub request is made. The Context is built when the run
 * starts, not when this module loads, so a tool that sets GITHUB_* late (GitHub's local-action
 * reads its .env file after start-up) is seen, as its own stub of `context` would see it.
 */
import { Context } from '../node_modules/@actions/github/lib/context.js';

/** @actions/github's run context. */
export type GitHubContext = Context;

/** The event payload: untrusted JSON; read it only through the typed accessors in render/. */
export type Payload = Record<string, unknown>;

export interface RunContext {
  serverUrl: string;
  repository: string;
  eventName: string;
  ref: string;
  /** Branch or tag name (GITHUB_REF_NAME), or the PR's head branch. */
  refName: string;
  refType: string;
  sha: string;
  actor: string;
  workflow: string;
  job: string;
  runId: string;
  runNumber: string;
  runAttempt: string;
  runUrl: string;
  /** The job's temporary directory (RUNNER_TEMP): shared by its steps and their post steps. */
  runnerTemp?: string;
  payload: Payload;
}

export function loadRunContext(): RunContext {
  return toRunContext(new Context());
}

/**
 * What @actions/github's Context does not carry (the ref's short name and type, the actor
 * who re-ran the job, the repository without a throwing getter) is read from `env`.
 */
export function toRunContext(
  github: GitHubContext,
  env: NodeJS.ProcessEnv = process.env,
): RunContext {
  const serverUrl = (github.serverUrl || 'https://github.com').replace(/\/+$/, '');
  const repository = env.GITHUB_REPOSITORY || '';
  const runId = github.runId ? String(github.runId) : '';
  const runAttempt = String(github.runAttempt || 1);
  const attemptPath = runAttempt !== '1' ? `/attempts/${runAttempt}` : '';
  const payload: unknown = github.payload;
  return {
    serverUrl,
    repository,
    eventName: github.eventName || '',
    ref: github.ref || '',
    refName: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '',
    refType: env.GITHUB_REF_TYPE || '',
    sha: github.sha || '',
    actor: env.GITHUB_TRIGGERING_ACTOR || github.actor || '',
    workflow: github.workflow || '',
    job: github.job || '',
    runId,
    runNumber: github.runNumber ? String(github.runNumber) : '',
    runAttempt,
    runUrl:
      repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}${attemptPath}` : '',
    runnerTemp: env.RUNNER_TEMP || '',
    payload:
      payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Payload) : {},
  };
}
