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

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'test/fixtures/events');
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

/** Default GitHub context: a push to acme/shop main. */
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
    GITHUB_API_URL: 'https://api.github.com',
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
    'INPUT_JOB-STATUS': '',
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {}))
    env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const started = Date.now();
  const child = spawn(NODE, [options.entry ?? join(ROOT, 'dist/index.js')], {
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
    // 'close', not 'exit': only then have stdout and stderr been read to the end.
    child.on('close', (c) => {
      clearTimeout(timer);
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
