/**
 * The run this step is part of. @actions/github reads it (GITHUB_* variables and the event
 * file); this module maps its Context to the facts the card needs. @actions/github's entry
 * also loads Octokit, so it is imported on first use, in a chunk of its own.
 */

/** @actions/github's run context (a type only: nothing is loaded by naming it). */
export type GitHubContext = typeof import('@actions/github')['context'];

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

export async function loadRunContext(): Promise<RunContext> {
  const { context } = await import('@actions/github');
  return toRunContext(context);
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
