/**
 * What failed in a run, in one GraphQL request: the run's check suite, its failed check runs
 * (a job's check run shares its ID) with their steps and first annotations. Over REST the same
 * takes two round trips (the jobs list, then each failed job's annotations). Pure: the query
 * text, and the answer read field by field (untrusted JSON) into the REST shapes jobs.ts reads.
 *
 * Evidence: GitHub's schema (WorkflowRun.checkSuite, CheckRunFilter.conclusions and checkType,
 * CheckRun.steps and annotations; `resource(url:)` answers a UniformResourceLocatable, which a
 * WorkflowRun is); int128/datadog-actions-metrics reads a run's check runs and annotations this
 * way with the job token, and notes that all attempts of a run share one check suite. Guesses:
 * that `resource` resolves a run's URL (public actions do so); whether the conclusions filter
 * applies before or after LATEST, hence the `latest` check below.
 */
import { type FailureReport, failedJobs, type Json, record } from './jobs.js';

/** Failed check runs read in full; far more than are shown, so stale ones can be dropped. */
const FAILED_PAGE = 20;

export const FAILED_CHECKS_QUERY = `query FailedChecks($runUrl: URI!, $cancelled: Boolean!) {
  resource(url: $runUrl) {
    __typename
    ... on WorkflowRun {
      databaseId
      url
      checkSuite {
        failed: checkRuns(first: ${FAILED_PAGE}, filterBy: {checkType: LATEST, conclusions: [FAILURE, TIMED_OUT, STARTUP_FAILURE]}) {
          ...Jobs
        }
        cancelled: checkRuns(first: ${FAILED_PAGE}, filterBy: {checkType: LATEST, conclusions: [CANCELLED]}) @include(if: $cancelled) {
          ...Jobs
        }
        latest: checkRuns(first: 100, filterBy: {checkType: LATEST}) {
          totalCount
          nodes { databaseId }
        }
      }
    }
  }
}
fragment Jobs on CheckRunConnection {
  totalCount
  nodes {
    databaseId
    name
    conclusion
    steps(first: 100) { nodes { number name conclusion } }
    annotations(first: 50) { nodes { path location { start { line } } annotationLevel message } }
  }
}`;

const list = (value: unknown): Json[] =>
  Array.isArray(record(value).nodes) ? (record(value).nodes as unknown[]).map(record) : [];
const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);

export interface ChecksReport {
  report: FailureReport;
  /** Annotations in the REST shape, by job ID. */
  annotations: Map<string, unknown[]>;
}

/**
 * The failed jobs of the run `runId` from the query's answer, or undefined when the answer is
 * not that run's (then the REST reads decide).
 */
export function readFailedChecks(
  answer: unknown,
  options: { runId: string; cancelled: boolean; exceptJobId?: string },
): ChecksReport | undefined {
  const run = record(record(answer).resource);
  if (run.__typename !== 'WorkflowRun' || String(run.databaseId) !== options.runId) return;
  const runUrl = typeof run.url === 'string' ? run.url.replace(/\/+$/, '') : '';
  const suite = record(run.checkSuite);
  const latest = record(suite.latest);
  if (!Array.isArray(latest.nodes)) return;
  // When every latest check run was listed, a failed one not among them failed in an earlier
  // attempt and passed since (in case GitHub filters by conclusion before picking the latest).
  const current =
    Number(latest.totalCount) <= latest.nodes.length
      ? new Set(list(latest).map((node) => String(node.databaseId)))
      : undefined;
  const annotations = new Map<string, unknown[]>();
  const restJobs = (group: unknown) => {
    const nodes = list(group).filter((node) => !current || current.has(String(node.databaseId)));
    const jobs = nodes.map((node) => {
      const id = String(node.databaseId ?? '');
      annotations.set(
        id,
        list(node.annotations).map((a) => ({
          path: a.path,
          start_line: record(record(a.location).start).line,
          annotation_level: lower(a.annotationLevel),
          message: a.message,
        })),
      );
      return {
        id,
        name: node.name,
        conclusion: lower(node.conclusion),
        html_url: runUrl && /^\d+$/.test(id) ? `${runUrl}/job/${id}` : undefined,
        steps: list(node.steps).map((s) => ({ ...s, conclusion: lower(s.conclusion) })),
      };
    });
    // Those GitHub counted but did not list (past the page), for the "and N more" line.
    const unlisted = Math.max(0, Number(record(group).totalCount) - list(group).length) || 0;
    return { jobs, unlisted };
  };
  const failed = restJobs(suite.failed);
  const cancelled = restJobs(suite.cancelled);
  const report = failedJobs([...failed.jobs, ...cancelled.jobs], options);
  report.total += failed.jobs.length > 0 ? failed.unlisted : cancelled.unlisted;
  return { report, annotations };
}
