/**
 * `npm run preview`: renders the notice for a bundled sample event with the action's own
 * renderer (src/) and prints the content JSON, a terminal preview of the card and the job
 * summary. Nothing is sent unless FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_TO are set:
 * then it runs the bundled dist/index.js exactly as a runner would, and the card arrives.
 *
 *   npm run preview -- [--event push] [--status success] [--type card|text|post] [--title …]
 *                      [--message …] [--field "Label: value"]… [--button "Label | https://…"]…
 *                      [--mention author] [--user-map "login: ou_…"] [--key deploy-prod]
 *                      [--needs '{"build":{"result":"failure"}}'] [--image path]…
 *                      [--workflow Deploy] [--server-url https://github.example.com]
 *                      [--html out.html] [--finish success] [--list] [--no-color]
 *                      [--jobs jobs.json]
 *
 * A failed or cancelled card shows the "what failed" section from a sample jobs payload
 * (test/fixtures/github/failed_run.json, or --jobs): GitHub's jobs answer plus an
 * `annotations` object by job ID. No token, no request.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { undelivered } from '../src/deliver.js';
import { describeError } from '../src/errors.js';
import { type FailureReport, failedJobs, failureAnnotations } from '../src/github/jobs.js';
import { wantsWhatFailed } from '../src/github/reads.js';
import { findImages } from '../src/images.js';
import { readSettings } from '../src/inputs.js';
import { inLanguage, type Language } from '../src/language.js';
import { contentOutput, summaryMarkdown } from '../src/outputs.js';
import { type MessageContent, type Notice, noticeRenderer } from '../src/render/index.js';
import { statusFromNeeds } from '../src/render/notice.js';
import type { Settings } from '../src/settings.js';
import {
  FIXTURES as EVENTS_DIR,
  type GithubEnvOptions,
  githubEnvFor,
  ROOT,
  type RunResult,
  runAction,
} from '../test/support/run-action.js';
import { runContextFor } from '../test/support/run-context.js';
import { asReader, pageHtml } from './card-html.js';
import { terminalPreview } from './terminal-card.js';

// ---------------------------------------------------------------------------------------------
// Sample events and the run around them

/** Event names GitHub uses; a fixture named `<anything>_<event>` is that event. */
const GITHUB_EVENTS = [
  'push',
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
  'release',
  'workflow_run',
  'workflow_dispatch',
  'workflow_call',
  'deployment',
  'deployment_status',
  'schedule',
  'merge_group',
  'issues',
  'issue_comment',
  'create',
  'delete',
  'check_run',
  'check_suite',
  'repository_dispatch',
  'status',
  'discussion',
  'page_build',
];

/** The bundled sample events (fixture names, without .json). */
export function listEvents(): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** `hostile_push` -> `push`; a fixture named after an event is that event. */
export function eventNameOf(fixture: string): string {
  if (GITHUB_EVENTS.includes(fixture)) return fixture;
  const known = [...GITHUB_EVENTS]
    .sort((a, b) => b.length - a.length)
    .find((e) => fixture.endsWith(`_${e}`));
  return known ?? fixture;
}

// ---------------------------------------------------------------------------------------------
// Rendering with the action's own code

export const SAMPLE_JOBS = join(ROOT, 'test/fixtures/github/failed_run.json');

/** A jobs answer of GitHub's (`{jobs}`) with the annotations of each job by its ID. */
export function whatFailedFrom(file: string, cancelled: boolean): FailureReport {
  const sample = JSON.parse(readFileSync(file, 'utf8')) as {
    jobs?: unknown[];
    annotations?: Record<string, unknown[]>;
  };
  const report = failedJobs(sample.jobs ?? [], { cancelled });
  for (const job of report.jobs)
    job.annotations = failureAnnotations(sample.annotations?.[job.id] ?? []);
  return report;
}

export interface PreviewOptions extends GithubEnvOptions {
  /** A jobs sample for the "what failed" section of a failed card (default SAMPLE_JOBS). */
  jobs?: string;
  /** A fixture name from test/fixtures/events (default push). */
  event?: string;
  /** The action's inputs by their action.yml names (status, type, title, message, …). */
  inputs?: Record<string, string>;
}

export interface Preview {
  /** The sample event's fixture name. */
  fixture: string;
  eventName: string;
  env: Record<string, string>;
  settings: Settings;
  notice: Notice;
  contents: MessageContent[];
  summary: string;
}

/** Settings, notice, content and job summary for a sample event, as a dry run renders them. */
export async function renderPreview(options: PreviewOptions = {}): Promise<Preview> {
  const fixture = options.event ?? 'push';
  const eventPath = join(EVENTS_DIR, `${fixture}.json`);
  if (!existsSync(eventPath)) {
    throw new Error(`No sample event "${fixture}". Bundled events: ${listEvents().join(', ')}`);
  }
  const eventName = eventNameOf(fixture);
  const payload = JSON.parse(readFileSync(eventPath, 'utf8')) as Record<string, unknown>;
  const env = githubEnvFor(eventName, payload, eventPath, options);
  const inputs: Record<string, string> = {
    to: 'oc_preview',
    // Without a status, one is derived from `needs` (or is info): as in the action.
    ...(options.inputs?.needs ? {} : { status: 'success' }),
    ...options.inputs,
    'dry-run': 'true',
  };
  const settings = await readSettings({
    getInput: (name) => (inputs[name] ?? '').trim(),
    setSecret: () => {},
  });
  const ctx = runContextFor(env);
  // Images are checked like the action checks them, and shown with placeholder keys.
  const images = await findImages(settings.images, process.cwd());
  const status = settings.status ?? statusFromNeeds(settings.needs);
  const rendered = noticeRenderer(ctx)(settings, {
    images: images.map((image, i) => ({ key: `img_preview_${i + 1}`, alt: image.name })),
    ...(wantsWhatFailed(settings, status)
      ? { whatFailed: whatFailedFrom(options.jobs ?? SAMPLE_JOBS, status === 'cancelled') }
      : {}),
  });
  const { notice } = rendered;
  const contents = rendered.messages(false);
  const delivery = undelivered(contents, notice);
  const summary = summaryMarkdown(notice, delivery, true);
  return { fixture, eventName, env, settings, notice, contents, summary };
}

// ---------------------------------------------------------------------------------------------
// Sending for real, through the bundle, as a runner would

/**
 * Runs the committed bundle (dist/index.js) as a runner does, for this preview's event and run,
 * with the shell's own variables (a proxy, extra CA certificates) passed on. Its log is shown as
 * it comes, as the runner shows it: commands read as text, masked values hidden.
 */
function sendForReal(
  preview: Preview,
  step: { inputs: Record<string, string>; state?: Record<string, string>; runnerTemp: string },
  secrets: string[],
  verbose: boolean,
): Promise<RunResult> {
  const shell = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !/^(INPUT|STATE|GITHUB|RUNNER)_/.test(entry[0]),
    ),
  );
  const show = (chunk: string, stream: 'stdout' | 'stderr') => {
    for (const line of chunk.split(/\r?\n/)) {
      if (!line || line.startsWith('::add-mask::')) continue;
      if (line.startsWith('::debug::') && !verbose) continue;
      // Workflow commands read better as the runner shows them.
      let safe = line
        .replace(/^::(error|warning|notice)::/, '$1: ')
        .replace(/%0A/g, ' ')
        .replace(/%0D/g, '')
        .replace(/%25/g, '%');
      for (const secret of secrets) if (secret) safe = safe.split(secret).join('***');
      process[stream].write(`  | ${safe}\n`);
    }
  };
  return runAction({
    entry: join(ROOT, 'dist/index.js'),
    event: preview.fixture,
    eventName: preview.eventName,
    github: preview.env,
    env: shell,
    // The images input is read relative to the workspace, which is this directory.
    workspace: process.cwd(),
    inputs: step.inputs,
    state: step.state,
    runnerTemp: step.runnerTemp,
    timeoutMs: 120_000,
    onOutput: show,
    cleanUp: true,
  });
}

// ---------------------------------------------------------------------------------------------
// The command

const USAGE = `Usage: npm run preview -- [options]

Renders the notice for a bundled sample event with the action's own renderer and prints
the content JSON, a terminal preview and the job summary. Sends it for real when
FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_TO are set (FEISHU_DOMAIN=lark for Lark).

  --event <name>        sample event from test/fixtures/events (default push; --list shows them)
  --status <status>     success, failure, cancelled, skipped, in_progress, warning, info (default success)
  --type <type>         card (default), text or post
  --language <lang>     the language input: auto (default), zh_cn, en_us or ja_jp
  --reader <lang>       the preview (terminal, --html) as a reader whose Feishu is set to this
                        language (default: --language, or en_us with auto)
  --title <text>        card title
  --message <markdown>  message shown first in the card
  --field "L: v"        an extra fact (repeatable)
  --button "L | url"    an extra button (repeatable)
  --mention <who>       all, author, actor, ou_… or an email
  --user-map <map>      "login: ou_…" lines, for --mention author
  --key <key>           notice key, shown in the footer
  --needs <json>        a toJSON(needs) object, e.g. '{"build":{"result":"failure"}}'
  --jobs <file>         for a failed card: GitHub's jobs answer (+ "annotations" by job ID) to show
                        what failed (default test/fixtures/github/failed_run.json)
  --image <path>        an image to show (repeatable; checked like the action checks it)
  --workflow <name>     the workflow name (default Deploy)
  --job <id>            the job ID (default deploy)
  --server-url <url>    GITHUB_SERVER_URL, e.g. a GitHub Enterprise host
  --html <file>         also write an HTML approximation of the message to <file>
  --finish <status>     with a real send of an in_progress card: run the post step with this job status
  --list                list the sample events
  --no-color            no ANSI colours (default: colours when stdout is a terminal)
  --verbose             show the action's debug lines when sending
  -h, --help            this help`;

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      event: { type: 'string', default: 'push' },
      status: { type: 'string', default: 'success' },
      type: { type: 'string', default: 'card' },
      language: { type: 'string', default: 'auto' },
      reader: { type: 'string' },
      title: { type: 'string' },
      message: { type: 'string' },
      field: { type: 'string', multiple: true },
      button: { type: 'string', multiple: true },
      mention: { type: 'string' },
      'user-map': { type: 'string' },
      key: { type: 'string' },
      needs: { type: 'string' },
      jobs: { type: 'string' },
      image: { type: 'string', multiple: true },
      workflow: { type: 'string' },
      job: { type: 'string' },
      'server-url': { type: 'string' },
      html: { type: 'string' },
      finish: { type: 'string' },
      list: { type: 'boolean', default: false },
      'no-color': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (args.list) {
    for (const name of listEvents())
      console.log(`${name}${eventNameOf(name) !== name ? `  (${eventNameOf(name)})` : ''}`);
    return;
  }
  const color = process.stdout.isTTY === true && !args['no-color'] && !process.env.NO_COLOR;
  const h = (text: string) => (color ? `\n\x1b[1;36m== ${text}\x1b[0m` : `\n== ${text}`);

  const inputs: Record<string, string> = {
    status: args.status,
    type: args.type,
    language: args.language,
  };
  const reader = args.reader ?? (args.language === 'auto' ? 'en_us' : args.language);
  const optional: [string, string | undefined][] = [
    ['title', args.title],
    ['message', args.message],
    ['fields', args.field?.join('\n')],
    ['buttons', args.button?.join('\n')],
    ['mention', args.mention],
    ['user-map', args['user-map']],
    ['key', args.key],
    ['needs', args.needs],
    ['images', args.image?.join('\n')],
  ];
  for (const [name, value] of optional) if (value) inputs[name] = value;
  // With needs and no explicit status, the status is derived from the jobs.
  if (args.needs && !process.argv.some((a) => a === '--status' || a.startsWith('--status=')))
    delete inputs.status;

  const runOptions: GithubEnvOptions = {
    ...(args.workflow ? { workflow: args.workflow } : {}),
    ...(args.job ? { job: args.job } : {}),
    ...(args['server-url'] ? { serverUrl: args['server-url'].replace(/\/+$/, '') } : {}),
  };
  const preview = await renderPreview({
    event: args.event,
    inputs,
    ...(args.jobs ? { jobs: resolve(args.jobs) } : {}),
    ...runOptions,
  });
  const width = Math.min(Math.max((process.stdout.columns ?? 80) - 2, 40), 78);

  console.log(
    h(`Content JSON (${preview.contents[0]?.msgType ?? 'none'}, event ${preview.eventName})`),
  );
  console.log(contentOutput(preview.contents, 2));
  console.log(h('Job summary (markdown)'));
  console.log(preview.summary.trimEnd());
  console.log(h('Preview'));
  for (const c of preview.contents)
    console.log(
      terminalPreview(c.msgType, asReader(c.msgType, c.content, reader), { color, width }),
    );

  if (args.html) {
    const first = preview.contents[0];
    if (first) {
      const file = resolve(args.html);
      const seen = asReader(first.msgType, first.content, reader);
      const title = inLanguage(preview.notice.title, reader as Language);
      writeFileSync(
        file,
        pageHtml(first.msgType, seen, { title, time: '10:42', language: reader }),
      );
      console.log(h('HTML'));
      console.log(`Wrote ${file} (open it in a browser).`);
    }
  }

  const { FEISHU_APP_ID, FEISHU_APP_SECRET, FEISHU_TO, FEISHU_DOMAIN } = process.env;
  if (!FEISHU_APP_ID || !FEISHU_APP_SECRET || !FEISHU_TO) {
    console.log(h('Send it for real'));
    console.log(
      [
        'Nothing was sent. To send this notice to a chat, set the app credentials and a recipient:',
        '',
        '  FEISHU_APP_ID=cli_… FEISHU_APP_SECRET=… FEISHU_TO=oc_… npm run preview',
        '',
        'FEISHU_TO takes what the `to` input takes (a chat ID oc_…, an email, chat:<group name>);',
        "add FEISHU_DOMAIN=lark for Lark. The README's Quick start says how to get each value.",
      ].join('\n'),
    );
    return;
  }

  const distEntry = join(ROOT, 'dist/index.js');
  if (!existsSync(distEntry))
    throw new Error('dist/index.js is missing: run `npm run bundle` first.');
  console.log(h(`Sending for real to ${FEISHU_TO} through dist/index.js`));
  const sendInputs: Record<string, string> = {
    ...inputs,
    'app-id': FEISHU_APP_ID,
    'app-secret': FEISHU_APP_SECRET,
    to: FEISHU_TO,
    domain: FEISHU_DOMAIN ?? '',
    'fail-on-error': 'true',
    'job-status': '',
    // No GitHub token: a preview reads nothing from GitHub (its run is a sample).
    'github-token': '',
  };
  const secrets = [FEISHU_APP_SECRET];
  // The main step and its post step share one RUNNER_TEMP, as on a runner.
  const runnerTemp = mkdtempSync(join(tmpdir(), 'feishu-notify-preview-'));
  try {
    await send(preview, sendInputs, runnerTemp, secrets, { ...args, heading: h });
  } finally {
    rmSync(runnerTemp, { recursive: true, force: true });
  }
}

async function send(
  preview: Preview,
  sendInputs: Record<string, string>,
  runnerTemp: string,
  secrets: string[],
  args: { verbose: boolean; finish?: string; heading: (text: string) => string },
): Promise<void> {
  const result = await sendForReal(
    preview,
    { inputs: sendInputs, runnerTemp },
    secrets,
    args.verbose,
  );
  const outputs = Object.entries(result.outputs).filter(
    ([k, v]) => k !== 'content' && v && v !== '[]',
  );
  for (const [k, v] of outputs) console.log(`  ${k}: ${v}`);
  if (result.code !== 0) {
    process.exitCode = 1;
    console.log(
      "The send failed: see the error above (the README's Troubleshooting explains each Feishu code).",
    );
    return;
  }
  console.log(`Sent. Message ID ${result.outputs['message-id'] || '(none)'}.`);

  if (args.finish) {
    if (!result.state.finish) {
      console.log(
        '--finish: the main step saved nothing to finish (send with --status in_progress).',
      );
      return;
    }
    console.log(args.heading(`Post step: finishing the card with job status ${args.finish}`));
    const post = await sendForReal(
      preview,
      { inputs: { ...sendInputs, 'job-status': args.finish }, state: result.state, runnerTemp },
      secrets,
      args.verbose,
    );
    if (post.code !== 0) process.exitCode = 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(`preview: ${describeError(error)}`);
    process.exitCode = 1;
  });
}
