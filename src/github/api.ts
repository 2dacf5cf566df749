/**
 * The few GitHub reads the action makes, through @actions/github's Octokit (it honours
 * GITHUB_API_URL, so GitHub Enterprise Server and a loopback fake both work; its GraphQL client
 * turns a GHES `/api/v3` base into `/api/graphql`). Octokit is loaded here, on first use only:
 * a run that reads nothing from GitHub never pays for it.
 */
import { FAILED_CHECKS_QUERY } from './checks.js';

export interface GitHubApi {
  /** The answer to FAILED_CHECKS_QUERY for the run at `runUrl` (throws on any GraphQL error). */
  failedChecks(runUrl: string, cancelled: boolean): Promise<unknown>;
  /** Every job of one attempt of a run (all pages, up to a bound). */
  runJobs(runId: string, attempt: string): Promise<unknown[]>;
  job(jobId: string): Promise<unknown>;
  /** The first page of a check run's annotations (a job's ID is its check run's). */
  annotations(checkRunId: string): Promise<unknown[]>;
  commit(sha: string): Promise<unknown>;
  /** Closes the connections: a kept-alive socket would hold the step open for a second. */
  close(): Promise<void>;
}

type Dispatcher = { destroy(): Promise<void> } & import('undici').Dispatcher;

/** 100 jobs a page; a run has at most a few hundred (256 per matrix). */
const MAX_JOB_PAGES = 10;

/** Every request ends when `signal` aborts: nothing is left running past the caller's wait. */
export async function openGitHub(
  token: string,
  repository: string,
  signal: AbortSignal,
): Promise<GitHubApi> {
  const [owner = '', repo = ''] = repository.split('/');
  const [{ getOctokit }, { Agent, fetch }, { HttpClient }] = await Promise.all([
    import('@actions/github'),
    import('undici'),
    import('@actions/http-client'),
  ]);
  // Our own dispatcher, so it can be closed: the toolkit's proxy agent when HTTPS_PROXY applies
  // to the API (NO_PROXY honoured), else a plain one.
  const apiUrl = process.env.GITHUB_API_URL || 'https://api.github.com';
  const dispatcher: Dispatcher =
    (new HttpClient().getAgentDispatcher(apiUrl) as Dispatcher | undefined) ?? new Agent();
  const octokit = getOctokit(token, {
    request: {
      signal,
      fetch: (url: string, init: Record<string, unknown>) => fetch(url, { ...init, dispatcher }),
    },
  });
  return {
    // (`url`, `query` and `method` are Octokit's own options, never variables: hence `runUrl`.)
    failedChecks: (runUrl, cancelled) =>
      octokit.graphql(FAILED_CHECKS_QUERY, { runUrl, cancelled }),
    async runJobs(runId, attempt) {
      let pages = 0;
      return octokit.paginate(
        'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs',
        {
          owner,
          repo,
          run_id: Number(runId),
          attempt_number: Number(attempt),
          per_page: 100,
        },
        (response, done) => {
          if (++pages >= MAX_JOB_PAGES) done();
          return response.data as unknown[];
        },
      );
    },
    async job(jobId) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}', {
        owner,
        repo,
        job_id: Number(jobId),
      });
      return data;
    },
    async annotations(checkRunId) {
      const { data } = await octokit.request(
        'GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations',
        { owner, repo, check_run_id: Number(checkRunId), per_page: 50 },
      );
      return data as unknown[];
    },
    async commit(sha) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}', {
        owner,
        repo,
        ref: sha,
      });
      return data;
    },
    close: () => dispatcher.destroy(),
  };
}

/** Why a GitHub read failed, in words that say what to change. */
export function explainGitHubError(error: unknown, what: string, permission: string): string {
  const status = (error as { status?: unknown } | null)?.status;
  const name = (error as { name?: unknown } | null)?.name;
  if (status === 401) {
    return `GitHub refused the token (401) when reading ${what}: check github-token (or set it to '' to leave this out).`;
  }
  if (status === 403 || status === 404) {
    return `GitHub answered ${status} when reading ${what}: give the job \`permissions: ${permission}\` (or set github-token to a token that can read it, or to '' to leave this out).`;
  }
  if (
    name === 'AbortError' ||
    (error as { cause?: { name?: unknown } })?.cause?.name === 'AbortError'
  )
    return `GitHub did not answer in time when reading ${what}; it is left out.`;
  const detail = typeof status === 'number' ? `HTTP ${status}` : 'no answer';
  return `GitHub could not be read (${detail}) for ${what}; it is left out.`;
}
