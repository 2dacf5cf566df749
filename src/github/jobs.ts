/**
 * What failed in a run, read from GitHub's jobs and check-run annotations answers. Pure: the
 * answers are untrusted JSON, read field by field; nothing here talks to GitHub.
 */

export interface FailedStep {
  number: number;
  name: string;
  /** The step's first log line: `<job html_url>#step:<number>:1`. */
  url?: string;
}

export interface FailureAnnotation {
  message: string;
  /** `path:line`, when the annotation points into a file. */
  location?: string;
}

export interface FailedJob {
  id: string;
  name: string;
  conclusion: string;
  url?: string;
  steps: FailedStep[];
  annotations: FailureAnnotation[];
}

export interface FailureReport {
  jobs: FailedJob[];
  /** Failed jobs found, before any were left out to keep the card short. */
  total: number;
}

/** Jobs and steps whose conclusion says they broke the run. */
const FAILED = new Set(['failure', 'timed_out', 'startup_failure']);

/** At most this many jobs are read further (annotations) and shown. */
export const MAX_JOBS = 5;
/** Failed steps shown per job (a job stops at its first failure unless steps continue-on-error). */
export const MAX_STEPS = 3;
/** Failure annotations shown per job. */
export const MAX_ANNOTATIONS = 3;

export type Json = Record<string, unknown>;

/** An untrusted JSON value read as an object: anything else reads as an empty one. */
export const record = (value: unknown): Json =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const str = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

/**
 * The failed jobs of a jobs listing, in the order GitHub lists them. When none failed but the
 * run was cancelled, the cancelled ones are what stopped it. `exceptJobId` is the job asking
 * (still running, so never failed, but a matrix can name it twice).
 */
export function failedJobs(
  rawJobs: unknown[],
  options: { cancelled: boolean; exceptJobId?: string },
): FailureReport {
  const jobs = rawJobs.map(record).filter((job) => str(job.id) !== options.exceptJobId);
  let failed = jobs.filter((job) => FAILED.has(str(job.conclusion)));
  if (failed.length === 0 && options.cancelled)
    failed = jobs.filter((job) => str(job.conclusion) === 'cancelled');
  return { jobs: failed.slice(0, MAX_JOBS).map(readJob), total: failed.length };
}

/**
 * One job read by its ID: the job asking about itself. Its own conclusion is not set yet while
 * it runs (a post step runs inside it), so its failed steps say whether it failed.
 */
export function ownJob(rawJob: unknown): FailureReport {
  const job = readJob(record(rawJob));
  return job.steps.length > 0 ? { jobs: [job], total: 1 } : { jobs: [], total: 0 };
}

function readJob(job: Json): FailedJob {
  const url = typeof job.html_url === 'string' && job.html_url ? job.html_url : undefined;
  const steps = Array.isArray(job.steps) ? job.steps.map(record) : [];
  let failed = steps.filter((step) => FAILED.has(str(step.conclusion)));
  // A timed-out or cancelled job stops its running step as cancelled.
  if (failed.length === 0) failed = steps.filter((step) => str(step.conclusion) === 'cancelled');
  return {
    id: str(job.id),
    name: str(job.name) || str(job.id),
    conclusion: str(job.conclusion),
    url,
    steps: failed.slice(0, MAX_STEPS).map((step) => {
      const number = Number(step.number);
      const valid = Number.isInteger(number) && number > 0;
      return {
        number: valid ? number : 0,
        name: str(step.name),
        url: url && valid ? `${url}#step:${number}:1` : undefined,
      };
    }),
    annotations: [],
  };
}

/** The first few failure annotations of a check run, as GitHub lists them. */
export function failureAnnotations(raw: unknown[]): FailureAnnotation[] {
  return raw
    .map(record)
    .filter((a) => str(a.annotation_level) === 'failure' && str(a.message).trim() !== '')
    .slice(0, MAX_ANNOTATIONS)
    .map((a) => {
      const path = str(a.path);
      const line = str(a.start_line);
      // The runner's own annotations ("Process completed with exit code 1.") point at `.github`.
      const location = path && path !== '.github' ? (line ? `${path}:${line}` : path) : undefined;
      return location
        ? { message: str(a.message).trim(), location }
        : { message: str(a.message).trim() };
    });
}
