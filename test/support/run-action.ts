/**
 * Runs the bundled action exactly as a runner does: inputs as INPUT_* variables, the run
 * as GITHUB_* variables plus an event file, outputs / state / summary through the files
 * the runner names, and reads all of it back.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

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

export interface RunOptions {
  inputs?: Record<string, string>;
  /** A fixture name under test/fixtures/events (without .json) or a payload object. */
  event?: string | Record<string, unknown>;
  eventName?: string;
  env?: Record<string, string>;
  /** STATE_* values handed to the post step. */
  state?: Record<string, string>;
  workspace?: string;
  entry?: string;
  timeoutMs?: number;
  /**
   * RUNNER_TEMP: the runner gives a job's steps (a step and its post step included) one
   * directory. Pass the same one to runs that stand for steps of one job; default a fresh one.
   */
  runnerTemp?: string;
  /**
   * Polled every 10 ms: once true the process is killed (SIGKILL), as a cancelled job's step
   * can be; the result then has code null and whatever the step had written by then.
   */
  killWhen?: () => boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
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

  const started = Date.now();
  const child = spawn(NODE, [options.entry ?? ENTRY], {
    env,
    cwd: options.workspace ?? dir,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(
        new Error(
          `action did not exit within ${options.timeoutMs ?? 20000} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 20000);
    const killer = options.killWhen
      ? setInterval(() => {
          if (options.killWhen?.()) child.kill('SIGKILL');
        }, 10)
      : undefined;
    // 'close', not 'exit': only then have stdout and stderr been read to the end.
    child.on('close', (c) => {
      clearTimeout(timer);
      clearInterval(killer);
      done(c);
    });
  });
  return {
    code,
    stdout,
    stderr,
    outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
    state: parseCommandFile(readFileSync(files.state, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    durationMs: Date.now() - started,
  };
}

/** A fresh uuid-looking id, handy for unique chat names and keys. */
export const uid = () => randomUUID().slice(0, 8);
