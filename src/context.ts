/**
 * The run this step is part of, from the runner's GITHUB_* variables and the event file.
 * It reads what @actions/github's Context reads, without loading Octokit at start-up.
 */
import { readFileSync } from 'node:fs';

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

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const repository = env.GITHUB_REPOSITORY || '';
  const runId = env.GITHUB_RUN_ID || '';
  const runAttempt = env.GITHUB_RUN_ATTEMPT || '1';
  const attemptPath = runAttempt !== '1' ? `/attempts/${runAttempt}` : '';
  return {
    serverUrl,
    repository,
    eventName: env.GITHUB_EVENT_NAME || '',
    ref: env.GITHUB_REF || '',
    refName: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '',
    refType: env.GITHUB_REF_TYPE || '',
    sha: env.GITHUB_SHA || '',
    actor: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || '',
    workflow: env.GITHUB_WORKFLOW || '',
    job: env.GITHUB_JOB || '',
    runId,
    runNumber: env.GITHUB_RUN_NUMBER || '',
    runAttempt,
    runUrl:
      repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}${attemptPath}` : '',
    runnerTemp: env.RUNNER_TEMP || '',
    payload: readPayload(env.GITHUB_EVENT_PATH),
  };
}

function readPayload(path: string | undefined): Payload {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Payload) : {};
  } catch {
    // A missing or unreadable event file leaves the card with fewer facts, not a failed step.
    return {};
  }
}
