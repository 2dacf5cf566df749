// GitHub's GraphQL endpoint (`POST /graphql`) for the fake GitHub: the query is parsed, validated
// and executed against GitHub's public schema (@octokit/graphql-schema), so a misspelt field, a
// wrong argument or a wrong enum value fails here as it fails at GitHub. The data are the same
// runs, jobs and annotations the REST fake serves. What rests on evidence and what is a guess:
// - Evidence (GitHub's schema): WorkflowRun.checkSuite, CheckSuite.checkRuns(filterBy:
//   {checkType, conclusions}), CheckRun.steps / annotations, `resource(url:)` returning a
//   UniformResourceLocatable (which WorkflowRun is).
// - Evidence (public bug reports: fpicalausa/remove-stale-branches#49,
//   github-community-projects/contributors#492): a token without the permission gets HTTP 200,
//   the field null and an error `{type: 'FORBIDDEN', path, extensions: {saml_failure: false},
//   locations, message: 'Resource not accessible by integration'}`.
// - Evidence (int128/datadog-actions-metrics, src/workflowRun/metrics.ts): every attempt of a
//   run is in one check suite ("If a partial job is rerun manually, the checkSuite contains all
//   attempts"); a check run's databaseId is its job's ID.
// - Guess: which permission guards which field (here `actions: read` the run, `checks: read`
//   its check suite, as over REST). Guess: the order of `conclusions` and `checkType: LATEST`;
//   the fake takes the unkind one, filtering by conclusion first, so a job that failed in an
//   earlier attempt and passed in a later one still shows as a LATEST failure.
// - Evidence (octokit/octokit.graphql.net#311, reproduced "with GraphQL"): GitHub answers
//   database IDs past 2^31 (job IDs are) in its `Int` fields, where graphql-js would refuse
//   them; the fake answers them as GitHub does.
// - GitHub's limits: a connection needs `first` or `last`, at most 100 (its error types
//   MISSING_PAGINATION_BOUNDARIES and EXCESSIVE_PAGINATION).

import { schema as githubSchema } from '@octokit/graphql-schema';
import {
  buildSchema,
  execute,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLInputObjectType,
  type GraphQLScalarType,
  type GraphQLSchema,
  parse,
  validate,
} from 'graphql';

export interface GraphQLJob {
  id: number;
  name: string;
  conclusion: string | null;
  runAttempt: number;
  steps: { number: number; name: string; conclusion: string | null }[];
}

export interface GraphQLAnnotation {
  path: string;
  start_line: number;
  end_line?: number;
  annotation_level: string;
  message: string;
  title?: string;
}

export interface GraphQLData {
  server: string;
  repository: string;
  runs: Record<string, GraphQLJob[]>;
  annotations: Record<string, GraphQLAnnotation[]>;
  permissions: { actions: boolean; checks: boolean };
}

/**
 * `current`: GitHub's schema as published. `no-conclusions-filter`: one without
 * CheckRunFilter.conclusions, as a GitHub Enterprise Server older than that field answers.
 */
export type SchemaVersion = 'current' | 'no-conclusions-filter';

const schemas = new Map<SchemaVersion, GraphQLSchema>();
export function prepareSchema(version: SchemaVersion): GraphQLSchema {
  let built = schemas.get(version);
  if (!built) {
    let idl = githubSchema.idl;
    if (version === 'no-conclusions-filter')
      idl = idl.replace(
        /(input CheckRunFilter \{[\s\S]*?)\s*"""\s*Filters the check runs by these conclusions\.\s*"""\s*conclusions: \[CheckConclusionState!\]/,
        '$1',
      );
    built = buildSchema(idl, { assumeValidSDL: true });
    // 64-bit IDs in `Int` fields, as GitHub answers them (inputs stay 32-bit).
    const int = built.getType('Int') as GraphQLScalarType;
    const serialize = int.serialize.bind(int);
    int.serialize = (value: unknown) =>
      Number.isSafeInteger(value) ? (value as number) : serialize(value);
    const filter = built.getType('CheckRunFilter') as GraphQLInputObjectType;
    if ((version === 'current') !== 'conclusions' in filter.getFields())
      throw new Error(`fake-github-graphql: CheckRunFilter is not as the ${version} schema has it`);
    schemas.set(version, built);
  }
  return built;
}

const upper = (value: string | null) => (value === null ? null : value.toUpperCase());

class GitHubGraphQLError extends Error {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
}

const forbidden = () =>
  new GitHubGraphQLError('Resource not accessible by integration', 'FORBIDDEN');

/** A connection as GitHub pages it: `first` or `last` required, at most 100. */
function connection<T>(field: string, all: T[], args: { first?: number; last?: number }) {
  const { first, last } = args;
  if (first === undefined && last === undefined)
    throw new GitHubGraphQLError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`,
      'MISSING_PAGINATION_BOUNDARIES',
    );
  for (const [name, n] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (n !== undefined && (n < 0 || n > 100))
      throw new GitHubGraphQLError(
        `Requesting ${n} records on the \`${field}\` connection exceeds the \`${name}\` limit of 100 records.`,
        'EXCESSIVE_PAGINATION',
      );
  }
  const nodes =
    first !== undefined ? all.slice(0, first) : all.slice(Math.max(0, all.length - (last ?? 0)));
  return {
    totalCount: all.length,
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: `cursor:${i}` })),
    pageInfo: {
      hasNextPage: first !== undefined && all.length > first,
      hasPreviousPage: last !== undefined && all.length > last,
      startCursor: nodes.length > 0 ? 'cursor:0' : null,
      endCursor: nodes.length > 0 ? `cursor:${nodes.length - 1}` : null,
    },
  };
}

interface CheckRunFilter {
  checkType?: 'ALL' | 'LATEST';
  conclusions?: string[];
  status?: string;
  checkName?: string;
}

function objects(data: GraphQLData) {
  const runUrl = (runId: string) => `${data.server}/${data.repository}/actions/runs/${runId}`;

  const checkRun = (job: GraphQLJob, runId: string) => ({
    __typename: 'CheckRun',
    id: `CR_${job.id}`,
    databaseId: job.id,
    name: job.name,
    status: job.conclusion === null ? 'IN_PROGRESS' : 'COMPLETED',
    conclusion: upper(job.conclusion),
    detailsUrl: `${runUrl(runId)}/job/${job.id}`,
    url: `${data.server}/${data.repository}/runs/${job.id}`,
    resourcePath: `/${data.repository}/runs/${job.id}`,
    permalink: `${data.server}/${data.repository}/runs/${job.id}`,
    steps: (args: { first?: number; last?: number }) =>
      connection(
        'steps',
        job.steps.map((step) => ({
          number: step.number,
          name: step.name,
          conclusion: upper(step.conclusion),
          status: step.conclusion === null ? 'IN_PROGRESS' : 'COMPLETED',
          startedAt: '2026-11-24T01:00:00Z',
          completedAt: step.conclusion === null ? null : '2026-11-24T01:01:00Z',
        })),
        args,
      ),
    annotations: (args: { first?: number; last?: number }) => {
      if (!data.permissions.checks) throw forbidden();
      return connection(
        'annotations',
        (data.annotations[String(job.id)] ?? []).map((a) => ({
          path: a.path,
          location: {
            start: { line: a.start_line, column: null },
            end: { line: a.end_line ?? a.start_line, column: null },
          },
          annotationLevel: a.annotation_level.toUpperCase(),
          message: a.message,
          title: a.title ?? null,
          rawDetails: null,
          blobUrl: `${data.server}/${data.repository}/blob/9f3c2a1/${a.path}`,
        })),
        args,
      );
    },
  });

  const checkSuite = (runId: string, jobs: GraphQLJob[]): Record<string, unknown> => ({
    __typename: 'CheckSuite',
    id: `CS_${runId}`,
    status: jobs.some((j) => j.conclusion === null) ? 'IN_PROGRESS' : 'COMPLETED',
    workflowRun: () => workflowRun(runId, jobs),
    checkRuns: (args: { first?: number; last?: number; filterBy?: CheckRunFilter }) => {
      const filter = args.filterBy ?? {};
      let runs = [...jobs].sort((a, b) => a.id - b.id);
      // The unkind order (a guess): by conclusion first, then the latest of each name.
      if (filter.conclusions)
        runs = runs.filter((j) => filter.conclusions?.includes(upper(j.conclusion) ?? ''));
      if (filter.checkName) runs = runs.filter((j) => j.name === filter.checkName);
      if ((filter.checkType ?? 'LATEST') === 'LATEST') {
        const latest = new Map<string, GraphQLJob>();
        for (const j of runs) {
          const seen = latest.get(j.name);
          if (!seen || j.runAttempt > seen.runAttempt || j.id > seen.id) latest.set(j.name, j);
        }
        runs = runs.filter((j) => latest.get(j.name) === j);
      }
      return connection(
        'checkRuns',
        runs.map((j) => checkRun(j, runId)),
        args,
      );
    },
  });

  const workflowRun = (runId: string, jobs: GraphQLJob[]): Record<string, unknown> => ({
    __typename: 'WorkflowRun',
    id: `WFR_${runId}`,
    databaseId: Number(runId),
    url: runUrl(runId),
    resourcePath: `/${data.repository}/actions/runs/${runId}`,
    runNumber: 42,
    event: 'push',
    checkSuite: () => {
      if (!data.permissions.checks) throw forbidden();
      return checkSuite(runId, jobs);
    },
  });

  return {
    resource: ({ url }: { url: string }) => {
      const match = /^(.*)\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)\/?$/.exec(url);
      if (!match || match[1] !== data.server || match[2] !== data.repository) return null;
      const jobs = data.runs[match[3] ?? ''];
      if (!jobs) return null;
      if (!data.permissions.actions) throw forbidden();
      return workflowRun(match[3] ?? '', jobs);
    },
  };
}

/** GitHub's error shape: `type` beside the message, `extensions.saml_failure` on refusals. */
function githubError(error: GraphQLError): GraphQLFormattedError & Record<string, unknown> {
  const formatted = error.toJSON() as GraphQLFormattedError & Record<string, unknown>;
  const original = error.originalError;
  if (original instanceof GitHubGraphQLError) {
    return {
      type: original.type,
      path: formatted.path,
      ...(original.type === 'FORBIDDEN' ? { extensions: { saml_failure: false } } : {}),
      locations: formatted.locations,
      message: formatted.message,
    };
  }
  return formatted;
}

/** The body GitHub answers a GraphQL request with (always HTTP 200 once authenticated). */
export function answerGraphQL(
  body: unknown,
  data: GraphQLData,
  version: SchemaVersion,
): Record<string, unknown> {
  const request = (body ?? {}) as { query?: unknown; variables?: unknown };
  if (typeof request.query !== 'string')
    return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] };
  let document: ReturnType<typeof parse>;
  try {
    document = parse(request.query);
  } catch (error) {
    return { errors: [githubError(error as GraphQLError)] };
  }
  const schema = prepareSchema(version);
  const invalid = validate(schema, document);
  if (invalid.length > 0) return { errors: invalid.map(githubError) };
  const result = execute({
    schema,
    document,
    rootValue: objects(data),
    variableValues: (request.variables ?? {}) as Record<string, unknown>,
  }) as Awaited<ReturnType<typeof execute>>;
  return {
    data: result.data ?? null,
    ...(result.errors ? { errors: result.errors.map(githubError) } : {}),
  };
}
