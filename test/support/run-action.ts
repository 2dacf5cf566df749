/**
 * Runs the bundled action exactly as a runner does: inputs as INPUT_* variables, the run
 * as GITHUB_* variables plus an event file, outputs / state / summary through the files
 * the runner names, and reads all of it back. The one way to run the action: the e2e tests,
 * `npm run preview` (a real send) and `npm run bench` (timed, on a chosen Node) all use it.
 */

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { pick } from '../../src/render/events.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'test/fixtures/events');
/** Where the test run's own bundle of the current source lives (see global-setup.ts). */
export const BUNDLE_ROOT = join(ROOT, '.runtime/e2e-bundle');
/** The entry the e2e tests run: a fresh bundle of src/, or E2E_ENTRY when given. */
export const ENTRY = process.env.E2E_ENTRY || join(BUNDLE_ROOT, 'dist/index.js');
/** What a composite step sees as GITHUB_ACTION_PATH for recall/ (its `../dist` is ENTRY's). */
export const RECALL_ACTION_PATH = join(dirname(dirname(ENTRY)), 'recall');
/** The Node binary under test: E2E_NODE (CI sets Node 24, the runners' runtime) or this one. */
export const NODE = process.env.E2E_NODE || process.execPath;

export interface RunOptions extends LaunchOptions {
  inputs?: Record<string, string>;
  /** A fixture name under test/fixtures/events (without .json) or a payload object. */
  event?: string | Record<string, unknown>;
  eventName?: string;
  /**
   * GITHUB_* variables in place of the harness's push to acme/shop (githubEnvFor gives those a
   * runner sets for an event's payload).
   */
  github?: Record<string, string>;
  /** Variables set last, over the runner's. */
  env?: Record<string, string>;
  /** STATE_* values handed to the post step. */
  state?: Record<string, string>;
  workspace?: string;
  /** The script to run (default ENTRY, the bundle of the current source). */
  entry?: string;
  /** The Node binary (default NODE). */
  node?: string;
  /** Node's own options, before the entry (e.g. --import a preload). */
  nodeArgs?: string[];
  /** A command the step runs under, before the Node binary (e.g. GNU time). */
  prefix?: string[];
  /**
   * RUNNER_TEMP: the runner gives a job's steps (a step and its post step included) one
   * directory. Pass the same one to runs that stand for steps of one job; default a fresh one.
   */
  runnerTemp?: string;
  /** Remove the run's own directory (event, command files) once read back. */
  cleanUp?: boolean;
}

/** How a process is watched: all optional. */
export interface LaunchOptions {
  /** Past it the process is killed and the run rejected (default 20 s). */
  timeoutMs?: number;
  /**
   * Polled every 10 ms: once true the process is killed (SIGKILL), as a cancelled job's step
   * can be; the result then has code null and whatever the step had written by then.
   */
  killWhen?: () => boolean;
  /** Each chunk of output as it comes (a live log); the result has all of it too. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

/** A process that ran to its end. */
export interface Timed {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to the process's exit (performance.now). */
  wallMs: number;
  /** Date.now() just before the spawn: where the fake's request times are placed. */
  startedAt: number;
}

export interface RunResult extends Timed {
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** From spawn to the end of its output ('close'), in Date.now() time. */
  durationMs: number;
}

/** What `${{ github.token }}` gives in the harness: shaped like an installation token. */
export const RUNNER_GITHUB_TOKEN = 'ghs_HarnessJobToken0123456789abcdefABCD';
/** What `${{ job.check_run_id }}` gives in the harness: this job's ID. */
export const RUNNER_JOB_ID = '31415926535';

/**
 * Default GitHub context: a push to acme/shop main. GITHUB_API_URL points at a closed loopback
 * port, so a run that reads GitHub (every failed card with the default token) fails fast and
 * offline unless a test points it at the fake GitHub.
 */
export function githubEnv(
  eventName: string,
  eventPath: string,
  workspace: string,
): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_SHA: '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807',
    GITHUB_ACTOR: 'octocat',
    GITHUB_TRIGGERING_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'Deploy',
    GITHUB_JOB: 'deploy',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTION: '__feishu-notify',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: tmpdir(),
  };
}

/** A string (or number) at a dotted path of a payload. */
/** What the runner's variables say of the run beyond the event: its workflow, job and server. */
export interface GithubEnvOptions {
  workflow?: string;
  job?: string;
  serverUrl?: string;
}

/**
 * The GITHUB_* variables a runner would set for this event's payload, so links and refs line up
 * with it (the previews of every sample event; runAction's `github` option).
 */
export function githubEnvFor(
  eventName: string,
  payload: Record<string, unknown>,
  eventPath: string,
  options: GithubEnvOptions = {},
): Record<string, string> {
  const defaultBranch = pick(payload, 'repository.default_branch') ?? 'main';
  let ref = `refs/heads/${defaultBranch}`;
  let sha = '9f3c2a1b7e6d5c4b3a29180f7e6d5c4b3a291807';
  let headRef = '';
  let baseRef = '';
  switch (eventName) {
    case 'push':
      ref = pick(payload, 'ref') ?? ref;
      sha = pick(payload, 'after') ?? sha;
      break;
    case 'pull_request':
    case 'pull_request_review':
    case 'pull_request_review_comment':
    case 'pull_request_target': {
      const number = pick(payload, 'pull_request.number') ?? pick(payload, 'number') ?? '1';
      headRef = pick(payload, 'pull_request.head.ref') ?? '';
      baseRef = pick(payload, 'pull_request.base.ref') ?? defaultBranch;
      const target = eventName === 'pull_request_target';
      ref = target ? `refs/heads/${baseRef}` : `refs/pull/${number}/merge`;
      sha =
        (target
          ? pick(payload, 'pull_request.base.sha')
          : pick(payload, 'pull_request.merge_commit_sha')) ??
        pick(payload, 'pull_request.head.sha') ??
        sha;
      break;
    }
    case 'release':
      ref = `refs/tags/${pick(payload, 'release.tag_name') ?? 'v1.0.0'}`;
      break;
    case 'deployment':
    case 'deployment_status': {
      const r = pick(payload, 'deployment.ref') ?? defaultBranch;
      ref = r.startsWith('refs/')
        ? r
        : /^v?\d+\.\d+/.test(r)
          ? `refs/tags/${r}`
          : `refs/heads/${r}`;
      sha = pick(payload, 'deployment.sha') ?? sha;
      break;
    }
    case 'merge_group':
      ref = pick(payload, 'merge_group.head_ref') ?? ref;
      sha = pick(payload, 'merge_group.head_sha') ?? sha;
      break;
    case 'workflow_dispatch':
      ref = pick(payload, 'ref') ?? ref;
      break;
  }
  const tag = ref.startsWith('refs/tags/');
  const refName = ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\//, '');
  const actor = pick(payload, 'sender.login') ?? 'octocat';
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: pick(payload, 'repository.full_name') ?? 'acme/shop',
    GITHUB_REPOSITORY_OWNER: pick(payload, 'repository.owner.login') ?? 'acme',
    GITHUB_SERVER_URL: options.serverUrl ?? 'https://github.com',
    GITHUB_REF: ref,
    GITHUB_REF_NAME: refName,
    GITHUB_REF_TYPE: tag ? 'tag' : 'branch',
    GITHUB_HEAD_REF: headRef,
    GITHUB_BASE_REF: baseRef,
    GITHUB_SHA: sha,
    GITHUB_ACTOR: actor,
    GITHUB_TRIGGERING_ACTOR: actor,
    GITHUB_WORKFLOW: options.workflow ?? 'Deploy',
    GITHUB_JOB: options.job ?? 'deploy',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
  };
}

/**
 * What the runner evaluates an expression default of action.yml to, for a job still running.
 * A new expression default must be added here: the harness refuses to guess.
 */
const EXPRESSION_DEFAULTS: Record<string, string> = {
  '${{ job.status }}': 'success',
  // The runner's job token is always there; the harness's is a look-alike (masked like one).
  '${{ github.token }}': RUNNER_GITHUB_TOKEN,
  '${{ job.check_run_id }}': RUNNER_JOB_ID,
};

/** Every input's action.yml default as the runner passes it (INPUT_<NAME>, even when empty). */
export function defaultInputs(actionFile = join(ROOT, 'action.yml')): Record<string, string> {
  const action = parseYaml(readFileSync(actionFile, 'utf8')) as {
    inputs?: Record<string, { default?: unknown }>;
  };
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    const raw = spec?.default === undefined || spec.default === null ? '' : String(spec.default);
    let value = raw;
    if (raw.includes('${{')) {
      const known = EXPRESSION_DEFAULTS[raw.trim()];
      if (known === undefined)
        throw new Error(`run-action: no value for the default ${raw} of ${name}`);
      value = known;
    }
    env[inputVariable(name)] = value;
  }
  return env;
}

/** The runner's name for an input's variable. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!heredoc) continue;
    const [, name = '', delimiter] = heredoc;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    values[name] = value.join('\n');
  }
  return values;
}

export async function runAction(options: RunOptions = {}): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'feishu-notify-e2e-'));
  const files = {
    output: join(dir, 'output'),
    state: join(dir, 'state'),
    summary: join(dir, 'summary'),
    event: join(dir, 'event.json'),
  };
  for (const f of [files.output, files.state, files.summary]) writeFileSync(f, '');
  const event = options.event ?? 'push';
  const payload =
    typeof event === 'string'
      ? readFileSync(join(FIXTURES, `${event}.json`), 'utf8')
      : JSON.stringify(event);
  writeFileSync(files.event, payload);
  const eventName =
    options.eventName ?? (typeof event === 'string' ? event.replace(/\..*$/, '') : 'push');

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    ...githubEnv(eventName, files.event, options.workspace ?? dir),
    ...options.github,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: options.runnerTemp ?? dir,
    ...defaultInputs(),
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {}))
    env[inputVariable(name)] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const command = [
    ...(options.prefix ?? []),
    options.node ?? NODE,
    ...(options.nodeArgs ?? []),
    options.entry ?? ENTRY,
  ];
  const started = Date.now();
  try {
    const run = await timed(command[0] as string, command.slice(1), {
      ...options,
      env,
      cwd: options.workspace ?? dir,
    });
    return {
      ...run,
      outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
      state: parseCommandFile(readFileSync(files.state, 'utf8')),
      summary: readFileSync(files.summary, 'utf8'),
      durationMs: Date.now() - started,
    };
  } finally {
    if (options.cleanUp) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a process to its end and times it: wall time ends at 'exit' (the process is gone), the
 * result waits for 'close', when all of its output has been read.
 */
export function timed(
  command: string,
  argv: string[],
  options: LaunchOptions & { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Timed> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((done, fail) => {
    const startedAt = Date.now();
    const start = performance.now();
    const child = spawn(command, argv, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      options.onOutput?.(d.toString('utf8'), 'stdout');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      options.onOutput?.(d.toString('utf8'), 'stderr');
    });
    const killer = options.killWhen
      ? setInterval(() => {
          if (options.killWhen?.()) child.kill('SIGKILL');
        }, 10)
      : undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${command} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    const stop = () => {
      clearTimeout(timer);
      clearInterval(killer);
    };
    child.on('error', (error) => {
      stop();
      fail(error);
    });
    let wallMs = 0;
    child.on('exit', () => {
      wallMs = performance.now() - start;
    });
    child.on('close', (code) => {
      stop();
      done({ code, stdout, stderr, wallMs: wallMs || performance.now() - start, startedAt });
    });
  });
}

/** A fresh uuid-looking id, handy for unique chat names and keys. */
export const uid = () => randomUUID().slice(0, 8);
