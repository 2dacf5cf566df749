// In-process fake of the few GitHub endpoints feishu-notify reads (jobs of a run, one job,
// check-run annotations, a commit over REST; a run's check suite over GraphQL, answered from the
// same data by fake-github-graphql.ts), for e2e tests that point GITHUB_API_URL at it. Shapes
// follow GitHub's REST reference (github-api-notes.md): jobs listed 100 a page at most with a
// `Link` header, a token without `actions: read` / `checks: read` answered 403 "Resource not
// accessible by integration", a bad token 401 (GraphQL too), an unknown ID 404.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerGraphQL, prepareSchema, type SchemaVersion } from './fake-github-graphql.js';
import { RUNNER_GITHUB_TOKEN } from './run-action.js';

export interface FakeStep {
  number: number;
  name: string;
  status?: string;
  conclusion: string | null;
}

export interface FakeJob {
  id: number;
  name: string;
  /** Default 'completed' (or 'in_progress' when conclusion is null). */
  status?: string;
  conclusion: string | null;
  steps: FakeStep[];
  /** Default 1. */
  runAttempt?: number;
}

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

export interface FakeGitHubOptions {
  /** The one token accepted (default: what the harness gives as `${{ github.token }}`). */
  token?: string;
  /** Default 'acme/shop'. */
  repository?: string;
  /** run ID -> its jobs (every attempt; `runAttempt` says which). */
  runs?: Record<string, FakeJob[]>;
  /** check run ID (= job ID) -> annotations. */
  annotations?: Record<string, FakeAnnotation[]>;
  /** sha -> author e-mail. */
  commits?: Record<string, { email: string; name?: string; login?: string }>;
  /** What the token may read (default all true). */
  permissions?: { actions?: boolean; checks?: boolean; contents?: boolean };
  latencyMs?: number;
  /** The GraphQL schema answered with (default GitHub's current one). */
  graphqlSchema?: SchemaVersion;
  /**
   * Lay the API out as GitHub Enterprise Server does: REST under `/api/v3`, GraphQL at
   * `/api/graphql` (GITHUB_API_URL is then `<url>/api/v3`); the github.com paths answer 404.
   */
  enterprise?: boolean;
}

export interface GitHubRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** A GraphQL request's `{query, variables}`. */
  body?: { query?: string; variables?: Record<string, unknown> };
  authorization?: string;
  at: number;
}

export interface FakeGitHub {
  /** http://127.0.0.1:<port>, for GITHUB_API_URL. */
  url: string;
  requests: GitHubRequest[];
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const SERVER = 'https://github.com';

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  // Parsing GitHub's schema takes about a second: once, before any request is timed.
  prepareSchema(options.graphqlSchema ?? 'current');
  const token = options.token ?? RUNNER_GITHUB_TOKEN;
  const repository = options.repository ?? 'acme/shop';
  const permissions = { actions: true, checks: true, contents: true, ...options.permissions };
  let latencyMs = options.latencyMs ?? 0;
  const requests: GitHubRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const jobsById = new Map<string, { job: FakeJob; runId: string }>();
  for (const [runId, jobs] of Object.entries(options.runs ?? {}))
    for (const job of jobs) jobsById.set(String(job.id), { job, runId });

  const jobView = (job: FakeJob, runId: string) => {
    const html_url = `${SERVER}/${repository}/actions/runs/${runId}/job/${job.id}`;
    return {
      id: job.id,
      run_id: Number(runId),
      run_attempt: job.runAttempt ?? 1,
      node_id: `CR_${job.id}`,
      head_sha: '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807',
      url: `https://api.github.com/repos/${repository}/actions/jobs/${job.id}`,
      html_url,
      status: job.status ?? (job.conclusion === null ? 'in_progress' : 'completed'),
      conclusion: job.conclusion,
      name: job.name,
      steps: job.steps.map((s) => ({
        name: s.name,
        status: s.status ?? (s.conclusion === null ? 'in_progress' : 'completed'),
        conclusion: s.conclusion,
        number: s.number,
        started_at: '2026-11-24T01:00:00Z',
        completed_at: s.conclusion === null ? null : '2026-11-24T01:01:00Z',
      })),
      check_run_url: `https://api.github.com/repos/${repository}/check-runs/${job.id}`,
      labels: ['ubuntu-latest'],
      runner_name: 'GitHub Actions 2',
      workflow_name: 'Deploy',
    };
  };

  type Reply = { status: number; body: unknown; headers?: Record<string, string> };
  const notFound: Reply = {
    status: 404,
    body: {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    },
  };
  const forbidden: Reply = {
    status: 403,
    body: {
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest',
      status: '403',
    },
  };

  function route(
    method: string,
    path: string,
    query: Record<string, string>,
    base: string,
    body: unknown,
  ): Reply {
    if (method === 'POST' && path === '/graphql') {
      const data = {
        server: SERVER,
        repository,
        runs: Object.fromEntries(
          Object.entries(options.runs ?? {}).map(([runId, jobs]) => [
            runId,
            jobs.map((job) => ({ ...job, runAttempt: job.runAttempt ?? 1 })),
          ]),
        ),
        annotations: options.annotations ?? {},
        permissions,
      };
      return { status: 200, body: answerGraphQL(body, data, options.graphqlSchema ?? 'current') };
    }
    if (method !== 'GET') return notFound;
    const prefix = `/repos/${repository}`;
    if (!path.startsWith(`${prefix}/`)) return notFound;
    const p = path.slice(prefix.length);
    const runJobs = /^\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs$/.exec(p);
    if (runJobs) {
      if (!permissions.actions) return forbidden;
      const [, runId = '', attempt = ''] = runJobs;
      const all = options.runs?.[runId];
      if (!all) return notFound;
      const jobs = all.filter((j) => String(j.runAttempt ?? 1) === attempt);
      const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100);
      const page = Math.max(Number(query.page ?? 1) || 1, 1);
      const slice = jobs.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(jobs.length / perPage));
      const link = (n: number, rel: string) =>
        `<${base}${path}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
      const links: string[] = [];
      if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
      if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
      return {
        status: 200,
        body: { total_count: jobs.length, jobs: slice.map((j) => jobView(j, runId)) },
        headers: links.length > 0 ? { Link: links.join(', ') } : {},
      };
    }
    const oneJob = /^\/actions\/jobs\/(\d+)$/.exec(p);
    if (oneJob) {
      if (!permissions.actions) return forbidden;
      const found = jobsById.get(oneJob[1] ?? '');
      return found ? { status: 200, body: jobView(found.job, found.runId) } : notFound;
    }
    const annotations = /^\/check-runs\/(\d+)\/annotations$/.exec(p);
    if (annotations) {
      if (!permissions.checks) return forbidden;
      const id = annotations[1] ?? '';
      if (!jobsById.has(id) && !options.annotations?.[id]) return notFound;
      const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100);
      const list = (options.annotations?.[id] ?? []).slice(0, perPage);
      return {
        status: 200,
        body: list.map((a) => ({
          path: a.path,
          blob_href: `${SERVER}/${repository}/blob/9f3c2a1/${a.path}`,
          start_line: a.start_line,
          start_column: null,
          end_line: a.end_line ?? a.start_line,
          end_column: null,
          annotation_level: a.annotation_level,
          title: a.title ?? '',
          message: a.message,
          raw_details: null,
        })),
      };
    }
    const commit = /^\/commits\/([0-9a-f]{7,40})$/i.exec(p);
    if (commit) {
      if (!permissions.contents) return forbidden;
      const found = options.commits?.[commit[1] ?? ''];
      if (!found) return { ...notFound, status: 422 };
      return {
        status: 200,
        body: {
          sha: commit[1],
          commit: {
            author: {
              name: found.name ?? 'Someone',
              email: found.email,
              date: '2026-11-24T01:00:00Z',
            },
            message: 'A change',
          },
          author: found.login ? { login: found.login } : null,
        },
      };
    }
    return notFound;
  }

  const restPrefix = options.enterprise ? '/api/v3' : '';
  /** The github.com path a request stands for, or '' where this layout has nothing. */
  const apiPath = (path: string) => {
    if (!options.enterprise) return path;
    if (path === '/api/graphql') return '/graphql';
    return path.startsWith('/api/v3/') ? path.slice(restPrefix.length) : '';
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const authorization = req.headers.authorization;
    const request: GitHubRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query,
      authorization,
      at: Date.now(),
    };
    requests.push(request);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve) => req.on('end', resolve));
    let body: unknown;
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        request.body = body as GitHubRequest['body'];
      } catch {
        body = undefined;
      }
    }
    if (latencyMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, latencyMs);
        timers.add(timer);
      });
    }
    const given = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const reply: Reply =
      given !== token
        ? { status: 401, body: { message: 'Bad credentials', status: '401' } }
        : route(
            req.method ?? '',
            apiPath(url.pathname),
            query,
            `http://${req.headers.host}${restPrefix}`,
            body,
          );
    if (res.destroyed) return;
    const payload = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    res.end(payload);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
