/**
 * The GitHub reads behind a card: what failed (jobs, steps, annotations) and the commit's
 * author for `mention: author`. They start at once, beside the Feishu token, and the card
 * waits for them at most WAIT_MS: whatever has not arrived by then is left out, with one log
 * line saying why (and what permission to add). Nothing here ever fails the step.
 */
import type { RunContext } from '../context.js';
import { pick } from '../render/events.js';
import type { Settings } from '../settings.js';
import type { Status } from '../status.js';
import { explainGitHubError, type GitHubApi, openGitHub } from './api.js';
import { readFailedChecks } from './checks.js';
import { type FailureReport, failedJobs, failureAnnotations, ownJob } from './jobs.js';

/** How long a card may wait for GitHub, counted from the start of the step's requests. */
export const WAIT_MS = 3000;

export type JobsSource =
  | { kind: 'run'; runId: string; attempt: string; url: string }
  | { kind: 'job'; jobId: string };

export interface GitHubReads {
  /** Undefined when there is nothing to say, or it could not be read in time. */
  whatFailed: Promise<FailureReport | undefined>;
  /** The e-mail of the commit's author, from the commit (for a pull request's head). */
  commitEmail(sha: string): Promise<string | undefined>;
  /** Ends whatever is still running (the wait is over). */
  dispose(): void;
}

/** Which jobs say what failed: a final job's run, a workflow_run's run, or this job itself. */
export function jobsSource(
  settings: Settings,
  ctx: RunContext,
  isPost: boolean,
): JobsSource | undefined {
  // A run's URL, as GraphQL's `resource(url:)` resolves it (the triggering run of a
  // workflow_run event is in this repository too).
  const run = (runId: string, attempt: string): JobsSource => ({
    kind: 'run',
    runId,
    attempt,
    url: `${ctx.serverUrl}/${ctx.repository}/actions/runs/${runId}`,
  });
  if (!isPost && settings.needs.length > 0 && ctx.runId)
    return run(ctx.runId, ctx.runAttempt || '1');
  if (!isPost && ctx.eventName === 'workflow_run') {
    const runId = pick(ctx.payload, 'workflow_run.id');
    if (runId && /^\d+$/.test(runId)) {
      const attempt = pick(ctx.payload, 'workflow_run.run_attempt') ?? '1';
      return run(runId, /^\d+$/.test(attempt) ? attempt : '1');
    }
  }
  return settings.jobId ? { kind: 'job', jobId: settings.jobId } : undefined;
}

/** Whether a card of this status, drawn by the built-in renderer, gets the section. */
export function wantsWhatFailed(settings: Settings, status: Status): boolean {
  const builtIn = !settings.content && settings.type !== 'template' && settings.type !== 'image';
  return builtIn && (status === 'failure' || status === 'cancelled');
}

export function startGitHubReads(
  settings: Settings,
  ctx: RunContext,
  options: { status: Status; isPost: boolean; log(message: string): void },
): GitHubReads {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), WAIT_MS);
  const deadline = new Promise<undefined>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve(undefined), { once: true }),
  );
  const logged = new Set<string>();
  const logOnce = (line: string) => {
    if (!logged.has(line)) options.log(line);
    logged.add(line);
  };
  const token = settings.githubToken;
  let api: Promise<GitHubApi> | undefined;
  const github = () => {
    api ??= openGitHub(token ?? '', ctx.repository, controller.signal);
    return api;
  };
  /** A read that settles by the deadline, whatever GitHub does; a late one is logged once. */
  const bounded = <T>(read: () => Promise<T>, what: string, permission: string) => {
    let settled = false;
    return Promise.race([
      read()
        .catch((error: unknown) => {
          if (!settled) logOnce(explainGitHubError(error, what, permission));
          return undefined;
        })
        .finally(() => {
          settled = true;
        }),
      deadline.then(() => {
        if (!settled) logOnce(explainGitHubError({ name: 'AbortError' }, what, permission));
        settled = true;
        return undefined;
      }),
    ]);
  };

  const source = jobsSource(settings, ctx, options.isPost);
  let whatFailed: Promise<FailureReport | undefined> = Promise.resolve(undefined);
  if (wantsWhatFailed(settings, options.status) && source && ctx.repository) {
    if (!token) {
      options.log('No github-token: the card does not say which job and step failed.');
    } else {
      whatFailed = bounded(
        () => readWhatFailed(github, source, options.status, settings.jobId, logOnce),
        source.kind === 'run' ? "the run's jobs" : "this job's steps",
        'actions: read',
      );
    }
  }
  return {
    whatFailed,
    commitEmail: (sha) =>
      token && ctx.repository
        ? bounded(
            async () => pick(await (await github()).commit(sha), 'commit.author.email'),
            'the commit author',
            'contents: read',
          )
        : Promise.resolve(undefined),
    dispose: () => {
      clearTimeout(timer);
      controller.abort();
      api?.then((opened) => opened.close()).catch(() => undefined);
    },
  };
}

async function readWhatFailed(
  github: () => Promise<GitHubApi>,
  source: JobsSource,
  status: Status,
  ownJobId: string | undefined,
  log: (line: string) => void,
): Promise<FailureReport | undefined> {
  const api = await github();
  if (source.kind === 'run') {
    // One GraphQL request says it all; when GitHub refuses it (a permission, a GHES whose
    // schema lacks a field) or answers for another run, the REST reads below decide, and only
    // their failure is logged: the section is left out only then.
    const cancelled = status === 'cancelled';
    const checks = await api.failedChecks(source.url, cancelled).then(
      (answer) =>
        readFailedChecks(answer, { runId: source.runId, cancelled, exceptJobId: ownJobId }),
      () => undefined,
    );
    // A failed run in which GraphQL finds no failed job is not trusted either: its LATEST
    // filter keeps one check run per name, so a failed job named like one that passed is hidden.
    if (checks && checks.report.jobs.length > 0) {
      for (const job of checks.report.jobs)
        job.annotations = failureAnnotations(checks.annotations.get(job.id) ?? []);
      return checks.report;
    }
  }
  // This job's own annotations can be asked for at once: its ID is its check run's.
  const ownJobOf = source.kind === 'job' ? source.jobId : undefined;
  const ownAnnotations = ownJobOf ? annotationsOf(api, ownJobOf, log) : undefined;
  const report =
    source.kind === 'run'
      ? failedJobs(await api.runJobs(source.runId, source.attempt), {
          cancelled: status === 'cancelled',
          exceptJobId: ownJobId,
        })
      : ownJob(await api.job(source.jobId));
  const annotations = await Promise.all(
    report.jobs.map((job) =>
      ownAnnotations && job.id === ownJobOf ? ownAnnotations : annotationsOf(api, job.id, log),
    ),
  );
  report.jobs.forEach((job, i) => {
    job.annotations = annotations[i] ?? [];
  });
  return report.jobs.length > 0 ? report : undefined;
}

/** Annotations are a bonus: without them (no `checks: read`) the jobs and steps still show. */
async function annotationsOf(api: GitHubApi, checkRunId: string, log: (line: string) => void) {
  try {
    return failureAnnotations(await api.annotations(checkRunId));
  } catch (error) {
    log(explainGitHubError(error, 'the failure annotations', 'checks: read'));
    return [];
  }
}
