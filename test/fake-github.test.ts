/**
 * The fake GitHub's GraphQL endpoint answers as GitHub does (see fake-github-graphql.ts for what
 * rests on evidence): the schema decides what a query may ask, refusals come as FORBIDDEN
 * errors beside null data, connections need bounds, a bad token is a 401.
 */
import { describe, expect, it } from 'vitest';
import { FAILED_CHECKS_QUERY } from '../src/github/checks.js';
import type { FakeGitHubOptions } from './support/fake-github.js';
import { fakesPerTest } from './support/fakes.js';
import { RUNNER_GITHUB_TOKEN } from './support/run-action.js';

const fakes = fakesPerTest();
const RUN_URL = 'https://github.com/acme/shop/actions/runs/1';
const RUNS: FakeGitHubOptions = {
  runs: {
    '1': [
      {
        id: 78781862128,
        name: 'test',
        conclusion: 'failure',
        steps: [{ number: 2, name: 'Run', conclusion: 'failure' }],
      },
    ],
  },
};

async function graphql(
  options: FakeGitHubOptions,
  query: string,
  variables: Record<string, unknown> = {},
  token = RUNNER_GITHUB_TOKEN,
) {
  const fake = await fakes.github(options);
  const response = await fetch(`${fake.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** `dig(body, 'data.resource.x.0')`: a path into a JSON answer. */
function dig(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (at, key) =>
        at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined,
      value,
    );
}

describe("the fake GitHub's GraphQL", () => {
  it("answers the action's query from the runs it holds, 64-bit job IDs included", async () => {
    const { status, body } = await graphql(RUNS, FAILED_CHECKS_QUERY, {
      runUrl: RUN_URL,
      cancelled: false,
    });
    expect(status).toBe(200);
    expect(dig(body, 'errors')).toBeUndefined();
    expect(dig(body, 'data.resource.checkSuite.failed.nodes.0.databaseId')).toBe(78781862128);
    expect(dig(body, 'data.resource.checkSuite.failed.nodes.0.steps.nodes.0.conclusion')).toBe(
      'FAILURE',
    );
  });

  it('refuses what the schema does not have, with no data (an older GHES lacks a filter)', async () => {
    const misspelt = await graphql(RUNS, '{ resource(url: "x") { ... on WorkflowRun { runId } } }');
    expect(misspelt.status).toBe(200);
    expect(dig(misspelt.body, 'data')).toBeUndefined();
    expect(dig(misspelt.body, 'errors.0.message')).toMatch(/runId/);
    const older = await graphql(
      { ...RUNS, graphqlSchema: 'no-conclusions-filter' },
      FAILED_CHECKS_QUERY,
      { runUrl: RUN_URL, cancelled: false },
    );
    expect(dig(older.body, 'data')).toBeUndefined();
    expect(dig(older.body, 'errors.0.message')).toMatch(/conclusions/);
  });

  it('answers a refused read with null data and a FORBIDDEN error, as GitHub does', async () => {
    const { status, body } = await graphql(
      { ...RUNS, permissions: { checks: false } },
      FAILED_CHECKS_QUERY,
      { runUrl: RUN_URL, cancelled: false },
    );
    expect(status).toBe(200);
    expect(dig(body, 'data')).toEqual({ resource: null });
    expect(dig(body, 'errors')).toEqual([
      {
        type: 'FORBIDDEN',
        path: ['resource', 'checkSuite'],
        extensions: { saml_failure: false },
        locations: expect.any(Array),
        message: 'Resource not accessible by integration',
      },
    ]);
  });

  it('wants a bound on every connection, at most 100, and a good token', async () => {
    const query = (bound: string) =>
      `query($u: URI!) { resource(url: $u) { ... on WorkflowRun { checkSuite { checkRuns${bound} { totalCount } } } } }`;
    const unbounded = await graphql(RUNS, query(''), { u: RUN_URL });
    expect(dig(unbounded.body, 'errors.0.type')).toBe('MISSING_PAGINATION_BOUNDARIES');
    const excessive = await graphql(RUNS, query('(first: 101)'), { u: RUN_URL });
    expect(dig(excessive.body, 'errors.0.type')).toBe('EXCESSIVE_PAGINATION');
    const bounded = await graphql(RUNS, query('(first: 100)'), { u: RUN_URL });
    expect(dig(bounded.body, 'data.resource.checkSuite.checkRuns.totalCount')).toBe(1);
    const badToken = await graphql(RUNS, query('(first: 1)'), { u: RUN_URL }, 'ghs_wrong');
    expect(badToken.status).toBe(401);
    expect(dig(badToken.body, 'message')).toBe('Bad credentials');
  });

  it('resolves only this repository run URLs', async () => {
    const query = 'query($u: URI!) { resource(url: $u) { __typename } }';
    for (const u of [
      'https://github.com/acme/shop/actions/runs/2',
      'https://github.com/other/shop/actions/runs/1',
      'https://evil.example/acme/shop/actions/runs/1',
    ]) {
      const { body } = await graphql(RUNS, query, { u });
      expect(dig(body, 'data.resource'), u).toBeNull();
    }
  });
});
