/**
 * `npm run bench`: how much a notification adds to a pipeline, measured side by side in one run.
 *
 * Runs the bundled dist/index.js exactly as a runner does (INPUT_* and GITHUB_* variables, an
 * event file, the OUTPUT / STATE / STEP_SUMMARY files) against the test fake of the Feishu API
 * with an injected per-request latency, several times per scenario, on Node 24 (the runtime
 * GitHub gives the action). Prints medians and a markdown table of targets. It is not a test:
 * it never fails on timings (only when a run itself goes wrong, since then nothing it measured
 * means anything).
 *
 *   npm run bench -- [--latency 300] [--runs 5] [--node <path>|current] [--quick] [--verbose]
 *
 * Round trips (RT) = (wall - the same scenario's dry-run wall) / latency: the requests the
 * action could not overlap. --verbose adds each scenario's request timeline (median run).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type FakeFeishu,
  type FakeOptions,
  type RecordedRequest,
  startFakeFeishu,
} from '../test/support/fake-feishu.js';
import { paddedPng, smallPng } from '../test/support/png.js';
import {
  ROOT,
  type RunOptions,
  type RunResult,
  runAction,
  timed as timedProcess,
} from '../test/support/run-action.js';

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `npm run bench -- [options]
  --latency <ms>   injected latency per request to the fake API (default 300)
  --runs <n>       runs per scenario; medians are reported (default 5)
  --node <path>    the Node binary that runs dist/index.js, or "current" for this one
                   (default: Node 24 from .ci/node24.sh)
  --quick          one run per scenario
  --verbose        print each scenario's request timeline (median run)
  --rss-only       measure only the peak RSS with 10 images of 9 MB`;

const { values: args } = parseArgs({
  options: {
    latency: { type: 'string', default: '300' },
    runs: { type: 'string', default: '5' },
    node: { type: 'string' },
    quick: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'rss-only': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const LATENCY = Number(args.latency);
const RUNS = args.quick ? 1 : Number(args.runs);
if (!Number.isFinite(LATENCY) || LATENCY < 0 || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error(USAGE);
  process.exit(2);
}
const VERBOSE = args.verbose;
const RUN_TIMEOUT_MS = 120_000;

const ENTRY = join(ROOT, 'dist/index.js');
if (!existsSync(ENTRY)) {
  console.error('dist/index.js is missing: run `npm run bundle` first.');
  process.exit(2);
}

function nodeBinary(): string {
  if (args.node === 'current') return process.execPath;
  if (args.node) return args.node;
  return execFileSync('bash', [join(ROOT, '.ci/node24.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}
const NODE = nodeBinary();
const NODE_VERSION = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Every process gets the same small environment, as in test/support/run-action.ts: variables
 * of this shell (NODE_OPTIONS, NODE_EXTRA_CA_CERTS…) would slow one side of a ratio only.
 */
const BASE_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

// ---------------------------------------------------------------------------------------------
// Running the action as a runner does (test/support/run-action.ts), timed

/** Any process of the benchmark: the same small environment, this directory, a long deadline. */
const timed = (command: string, argv: string[], options: { env?: NodeJS.ProcessEnv } = {}) =>
  timedProcess(command, argv, { env: BASE_ENV, cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS, ...options });

/** A scratch directory of the whole benchmark (its images, curl's body). */
let scratch = '';

interface ActionRun extends RunResult {
  requests: RecordedRequest[];
}

/** The bundle under test on the chosen Node, and the fake's requests it made. */
async function runStep(
  fake: FakeFeishu | undefined,
  inputs: Record<string, string>,
  workspace: string,
  launch: Pick<RunOptions, 'prefix' | 'nodeArgs' | 'env'> = {},
): Promise<ActionRun> {
  const before = fake?.requests.length ?? 0;
  const run = await runAction({
    ...launch,
    entry: ENTRY,
    node: NODE,
    inputs,
    workspace,
    timeoutMs: RUN_TIMEOUT_MS,
    cleanUp: true,
  });
  return { ...run, requests: fake ? fake.requests.slice(before) : [] };
}

// ---------------------------------------------------------------------------------------------
// Statistics and the request timeline

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The run whose wall time is the median (the lower middle one for an even count). */
function medianRun<T extends { wallMs: number }>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

interface TimelineRow {
  startMs: number;
  answeredMs: number;
  wave: number;
  request: RecordedRequest;
}

/**
 * Each request with the wave it belongs to: 1 + the deepest wave of the requests already
 * answered when it arrived (the fake answers `latency` after arrival). The deepest wave is the
 * number of round trips the run put in series.
 */
function timeline(run: ActionRun): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const request of [...run.requests].sort((a, b) => a.at - b.at)) {
    const startMs = request.at - run.startedAt;
    let wave = 1;
    for (const earlier of rows)
      if (earlier.answeredMs <= startMs) wave = Math.max(wave, earlier.wave + 1);
    rows.push({ startMs, answeredMs: startMs + LATENCY, wave, request });
  }
  return rows;
}

const waves = (run: ActionRun) => Math.max(0, ...timeline(run).map((r) => r.wave));
const firstRequestMs = (run: ActionRun) =>
  run.requests.length ? Math.min(...run.requests.map((r) => r.at)) - run.startedAt : Number.NaN;

function describeRequest(r: RecordedRequest): string {
  let path = r.path.replace(/\/bot\/v2\/hook\/.+$/, '/bot/v2/hook/…');
  if (r.query.page_token) path += ' (next page)';
  return `${r.method} ${path}`;
}

function printTimeline(title: string, run: ActionRun): void {
  console.log(`\n#### ${title}: median run, ${ms(run.wallMs)}\n`);
  console.log('```text');
  console.log('  start  answered  wave  request');
  for (const row of timeline(run)) {
    console.log(
      `${pad(`+${Math.round(row.startMs)}`, 7)}  ${pad(`+${Math.round(row.answeredMs)}`, 8)}  ${pad(String(row.wave), 4)}  ${describeRequest(row.request)}`,
    );
  }
  console.log(`${pad(`+${Math.round(run.wallMs)}`, 7)}  exit`);
  console.log('```');
}

const pad = (s: string, n: number) => s.padStart(n);
const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : '—');
const fixed = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const mark = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '✅' : '❌');

// ---------------------------------------------------------------------------------------------
// Scenarios

const APP_ID = 'cli_bench_app';
const APP_SECRET = 'bench-secret';
const HOOK_TOKEN = 'bench-hook-token';
const BASE: FakeOptions = { appId: APP_ID, appSecret: APP_SECRET, chatRateLimitPerSecond: 1000 };

interface Scenario {
  id: string;
  title: string;
  options: FakeOptions;
  workspace?: () => string;
  inputs(fake: FakeFeishu, run: number): Record<string, string>;
  /** Before real run `run` (seeding history). */
  prepare?(fake: FakeFeishu, run: number): void;
  /** Why the run did not do what it should, or undefined. */
  check(run: ActionRun, fake: FakeFeishu): string | undefined;
}

interface ScenarioResult {
  scenario: Scenario;
  runs: ActionRun[];
  dryRuns: ActionRun[];
  wall: number;
  dryWall: number;
  /** CPU time (user + system) of the dry runs. */
  dryCpu: number;
  requests: number;
  tokens: number;
  rt: number;
  waves: number;
  firstRequest: number;
}

const app = (fake: FakeFeishu) => ({
  'app-id': APP_ID,
  'app-secret': APP_SECRET,
  domain: fake.url,
});
const json = (text: string | undefined): unknown[] => {
  try {
    const v: unknown = JSON.parse(text ?? '');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
};
const isMessages = (r: RecordedRequest) => r.path === '/open-apis/im/v1/messages';
const isToken = (r: RecordedRequest) => r.path.endsWith('/tenant_access_token/internal');

function cardWithFooter(footer: string): string {
  return JSON.stringify({
    schema: '2.0',
    header: { title: { tag: 'plain_text', content: 'Nightly build' } },
    body: { elements: [{ tag: 'div', text: { tag: 'plain_text', content: footer } }] },
  });
}

const CHAT_COUNT = 260;
const NAMED_CHAT_INDEX = 230; // page 3 at 100 a page
const NAMED_CHAT = 'Release Train';

function scenarios(): Scenario[] {
  return [
    {
      id: 'one-card',
      title: 'One card to one chat',
      options: { ...BASE, chats: [{ chat_id: 'oc_bench', name: 'Bench' }] },
      inputs: (fake) => ({ ...app(fake), to: 'oc_bench' }),
      check: (run) => (run.outputs['message-id']?.startsWith('om_') ? undefined : 'no message-id'),
    },
    {
      id: 'images',
      title: 'Card with 3 images to 2 chats',
      options: {
        ...BASE,
        chats: [
          { chat_id: 'oc_bench_a', name: 'Bench A' },
          { chat_id: 'oc_bench_b', name: 'Bench B' },
        ],
      },
      workspace: () => {
        const dir = join(scratch, 'images');
        mkdirSync(dir, { recursive: true });
        const colours: [number, number, number][] = [
          [0xd0, 0x30, 0x30],
          [0x30, 0xa0, 0x40],
          [0x30, 0x60, 0xd0],
        ];
        colours.forEach((rgb, i) => {
          writeFileSync(join(dir, `shot-${i + 1}.png`), smallPng(32, rgb));
        });
        return dir;
      },
      inputs: (fake) => ({
        ...app(fake),
        to: 'oc_bench_a\noc_bench_b',
        images: 'shot-1.png\nshot-2.png\nshot-3.png',
      }),
      check: (run) =>
        json(run.outputs['image-keys']).length === 3 &&
        json(run.outputs['message-ids']).length === 2
          ? undefined
          : `image-keys ${run.outputs['image-keys']}, message-ids ${run.outputs['message-ids']}`,
    },
    {
      id: 'chat-name',
      title: `Card to a chat by name (page 3 of ${CHAT_COUNT} chats)`,
      options: {
        ...BASE,
        chats: Array.from({ length: CHAT_COUNT }, (_, i) => ({
          chat_id: `oc_bench_${String(i).padStart(3, '0')}`,
          name: i === NAMED_CHAT_INDEX ? NAMED_CHAT : `Team ${i}`,
        })),
      },
      inputs: (fake) => ({ ...app(fake), to: `chat:${NAMED_CHAT}` }),
      check: (run) =>
        json(run.outputs['chat-ids']).includes(`oc_bench_${NAMED_CHAT_INDEX}`)
          ? undefined
          : `chat-ids ${run.outputs['chat-ids']}`,
    },
    {
      id: 'replace',
      title: 'key + replace, history of 2 pages',
      // A fresh chat per run, so every run scans the same history: 61 seeded messages + its own.
      options: {
        ...BASE,
        chats: Array.from({ length: RUNS }, (_, i) => ({
          chat_id: `oc_nightly_${i}`,
          name: `Nightly ${i}`,
        })),
      },
      prepare: (fake, run) => {
        const chat_id = `oc_nightly_${run}`;
        const notice = (n: number) =>
          fake.addMessage({
            chat_id,
            msg_type: 'interactive',
            content: cardWithFooter(`feishu-notify · run #${n} · key «nightly»`),
          });
        const chatter = (n: number) =>
          fake.addMessage({
            chat_id,
            msg_type: 'text',
            content: JSON.stringify({ text: `chatter ${n}` }),
            sender: { id: 'ou_someone', id_type: 'open_id', sender_type: 'user' },
          });
        // Newest first, the older notice lands on page 2 (50 a page).
        notice(1);
        for (let i = 0; i < 55; i++) chatter(i);
        notice(2);
        for (let i = 55; i < 59; i++) chatter(i);
      },
      inputs: (fake, run) => ({
        ...app(fake),
        to: `oc_nightly_${run}`,
        key: 'nightly',
        replace: 'true',
      }),
      check: (run) =>
        json(run.outputs.recalled).length === 2 ? undefined : `recalled ${run.outputs.recalled}`,
    },
    {
      id: 'webhook',
      title: 'Webhook card',
      // A token per run: the fake limits each webhook to 5 posts a second, as Feishu does.
      options: { ...BASE, webhooks: hooks('run', RUNS) },
      inputs: (fake, run) => ({ webhook: hookUrl(fake, `run-${run}`) }),
      check: (run) =>
        run.requests.some((r) => r.path.includes('/bot/v2/hook/')) ? undefined : 'no webhook post',
    },
  ];
}

const hookUrl = (fake: FakeFeishu, token: string) =>
  `${fake.url}/open-apis/bot/v2/hook/${HOOK_TOKEN}-${token}`;
const hooks = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ token: `${HOOK_TOKEN}-${prefix}-${i}` }));

// ---------------------------------------------------------------------------------------------
// The run

const failures: string[] = [];
const nodeE0: number[] = [];

function expectOk(label: string, run: ActionRun, problem: string | undefined): void {
  if (run.code !== 0) problem = `exit code ${run.code}`;
  else if (run.outputs.error) problem = `error output: ${run.outputs.error}`;
  if (problem) {
    failures.push(`${label}: ${problem}`);
    log(`  ${label}: ${problem}\n${run.stdout}${run.stderr}`);
  }
}

/** Start-up floors, measured together: bare Node, and a bundle that only imports @actions/core. */
async function measureNodeE0(): Promise<void> {
  const usage = usageProbe('floor');
  const env = { ...BARE_ENV, ...usage.env };
  const run = await timed(NODE, [...usage.nodeArgs, '-e', '0'], { env });
  nodeE0.push(run.wallMs);
  nodeE0Cpu.push(usage.cpuMs());
  const floor = await timed(NODE, [...usage.nodeArgs, TOOLKIT_FLOOR], { env });
  toolkitFloor.push(floor.wallMs);
  toolkitFloorCpu.push(usage.cpuMs());
}

const toolkitFloor: number[] = [];
/** The same runs' CPU time (user + system): what start-up costs, whatever else the machine runs. */
const nodeE0Cpu: number[] = [];
const toolkitFloorCpu: number[] = [];
/** Every dry run (all scenarios) over the floor run just before it, in wall and CPU time. */
const pairedWall: number[] = [];
const pairedCpu: number[] = [];

/**
 * Preloaded with --import: writes the process's own resource usage at exit (CPU time in µs,
 * peak RSS in KB). Every start-up run (`node -e 0`, the floor, the dry runs) carries it, so its
 * own small cost cancels out of the ratios; it also measures memory where GNU time is missing.
 */
const USAGE_REPORTER = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ cpu: u.userCPUTime + u.systemCPUTime, rss: u.maxRSS })); });",
)}`;

/** Node arguments and environment that make a run report its usage, and readers of it. */
function usageProbe(name: string): {
  nodeArgs: string[];
  env: Record<string, string>;
  cpuMs(): number;
  maxRssKb(): number;
} {
  const file = join(scratch, `usage-${name}`);
  writeFileSync(file, '');
  const usage = () => JSON.parse(readFileSync(file, 'utf8')) as { cpu: number; rss: number };
  return {
    nodeArgs: ['--import', USAGE_REPORTER],
    env: { BENCH_USAGE_FILE: file },
    cpuMs: () => usage().cpu / 1000,
    maxRssKb: () => usage().rss,
  };
}

/** As little environment as the harness gives the action (no NODE_OPTIONS and the like). */
const BARE_ENV = { PATH: process.env.PATH, HOME: process.env.HOME };

/**
 * The toolkit floor: what any action built on @actions/core pays to start (core's entry loads
 * @actions/http-client and undici). Built like dist/, with ncc, into .runtime/.
 */
function buildToolkitFloor(): string {
  const dir = join(ROOT, '.runtime', 'toolkit-floor');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(dir, 'floor.js'), "import * as core from '@actions/core';\ncore.info('');\n");
  execFileSync(
    join(ROOT, 'node_modules/.bin/ncc'),
    ['build', 'floor.js', '-o', 'out', '--minify', '--quiet'],
    { cwd: dir, stdio: 'inherit' },
  );
  return join(dir, 'out', 'index.js');
}
const TOOLKIT_FLOOR = buildToolkitFloor();

async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  log(`${scenario.title}…`);
  const fake = await startFakeFeishu({ ...scenario.options, latencyMs: LATENCY });
  const workspace = scenario.workspace?.() ?? scratch;
  const runs: ActionRun[] = [];
  const dryRuns: ActionRun[] = [];
  const dryCpu: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      await measureNodeE0();
      const usage = usageProbe('dry-run');
      const dry = await runStep(
        fake,
        { ...scenario.inputs(fake, i), 'dry-run': 'true' },
        workspace,
        { nodeArgs: usage.nodeArgs, env: usage.env },
      );
      dryCpu.push(usage.cpuMs());
      // Each dry run against the floor measured just before it: drift in the machine's load
      // between the two cancels out, which medians taken apart do not.
      pairedWall.push(dry.wallMs / (toolkitFloor.at(-1) as number));
      pairedCpu.push((dryCpu.at(-1) as number) / (toolkitFloorCpu.at(-1) as number));
      expectOk(
        `${scenario.id} dry run`,
        dry,
        dry.requests.length ? 'requests in a dry run' : undefined,
      );
      dryRuns.push(dry);
      scenario.prepare?.(fake, i);
      const run = await runStep(fake, scenario.inputs(fake, i), workspace);
      expectOk(scenario.id, run, scenario.check(run, fake));
      runs.push(run);
    }
  } finally {
    await fake.close();
  }
  const wall = median(runs.map((r) => r.wallMs));
  const dryWall = median(dryRuns.map((r) => r.wallMs));
  return {
    scenario,
    runs,
    dryRuns,
    wall,
    dryWall,
    dryCpu: median(dryCpu),
    requests: median(runs.map((r) => r.requests.length)),
    tokens: median(runs.map((r) => r.requests.filter(isToken).length)),
    rt: LATENCY > 0 ? (wall - dryWall) / LATENCY : Number.NaN,
    waves: median(runs.map(waves)),
    firstRequest: median(runs.map(firstRequestMs)),
  };
}

/** The same webhook card posted by curl, and the action's webhook card, interleaved. */
async function sideBySide(
  latency: number,
): Promise<{ action: number; curl: number; available: boolean }> {
  const fake = await startFakeFeishu({
    ...BASE,
    webhooks: [...hooks('action', RUNS), ...hooks('curl', RUNS)],
    latencyMs: latency,
  });
  const curlThere = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
  const action: number[] = [];
  const curl: number[] = [];
  const bodyFile = join(scratch, 'webhook-body.json');
  try {
    for (let i = 0; i < RUNS; i++) {
      await measureNodeE0();
      const run = await runStep(fake, { webhook: hookUrl(fake, `action-${i}`) }, scratch);
      expectOk(
        `webhook (latency ${latency})`,
        run,
        run.requests.length === 1 ? undefined : `${run.requests.length} requests`,
      );
      action.push(run.wallMs);
      if (!curlThere) continue;
      const posted = fake.webhookMessages(`${HOOK_TOKEN}-action-${i}`).at(-1)?.body;
      writeFileSync(bodyFile, JSON.stringify(posted));
      const byCurl = await timed('curl', [
        '-sS',
        '-X',
        'POST',
        '-H',
        'Content-Type: application/json; charset=utf-8',
        '--data-binary',
        `@${bodyFile}`,
        hookUrl(fake, `curl-${i}`),
      ]);
      if (byCurl.code !== 0 || !/"code":\s*0\b/.test(byCurl.stdout))
        failures.push(
          `curl (latency ${latency}): exit ${byCurl.code}, ${byCurl.stdout}${byCurl.stderr}`,
        );
      curl.push(byCurl.wallMs);
    }
  } finally {
    await fake.close();
  }
  return { action: median(action), curl: median(curl), available: curlThere };
}

/** Peak RSS of the action sending 10 images of 9 MB to one chat, latency 0. */
async function peakRss(): Promise<{ mb: number; all: number[]; how: string }> {
  const dir = join(scratch, 'big');
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: 10 }, (_, i) => `big-${i + 1}.png`);
  const image = paddedPng(9 * 1024 * 1024);
  for (const name of names) writeFileSync(join(dir, name), image);
  const fake = await startFakeFeishu({
    ...BASE,
    latencyMs: 0,
    chats: [{ chat_id: 'oc_bench', name: 'Bench' }],
  });
  const rssFile = join(scratch, 'rss');
  const usage = usageProbe('memory');
  const gnuTime = '/usr/bin/time';
  const useTime = spawnSync(gnuTime, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
  const inputs = { ...app(fake), to: 'oc_bench', images: names.join('\n') };
  const peaks: number[] = [];
  try {
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      writeFileSync(rssFile, '');
      const run = useTime
        ? await runStep(fake, inputs, dir, { prefix: [gnuTime, '-o', rssFile, '-f', '%M'] })
        : await runStep(fake, inputs, dir, { nodeArgs: usage.nodeArgs, env: usage.env });
      expectOk(
        'memory',
        run,
        json(run.outputs['image-keys']).length === 10 ? undefined : 'not 10 image keys',
      );
      const kb = useTime
        ? Number.parseInt(readFileSync(rssFile, 'utf8').trim(), 10)
        : usage.maxRssKb();
      peaks.push(kb / 1024);
    }
  } finally {
    await fake.close();
  }
  return {
    mb: Math.max(...peaks),
    all: peaks,
    how: useTime ? 'GNU time %M' : 'process.resourceUsage().maxRSS',
  };
}

function bundleFiles(): { name: string; bytes: number }[] {
  const dist = join(ROOT, 'dist');
  return readdirSync(dist)
    .filter((f) => f === 'index.js' || /^\d+\.index\.js$/.test(f))
    .map((name) => ({ name, bytes: statSync(join(dist, name)).size }))
    .sort((a, b) => (a.name === 'index.js' ? -1 : b.name === 'index.js' ? 1 : b.bytes - a.bytes));
}

/** A warning when src/ changed after dist/ was bundled. */
function staleDist(): boolean {
  const built = statSync(ENTRY).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  return newest(join(ROOT, 'src')) > built + 1000;
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) model = line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return `${model}, ${availableParallelism()} cores, ${process.platform}/${process.arch}`;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

async function main(): Promise<void> {
  scratch = await mkdtemp(join(tmpdir(), 'feishu-notify-bench-'));
  const stale = staleDist();
  if (stale) log('warning: src/ is newer than dist/index.js: run `npm run bundle` to measure it');
  log(`Node ${NODE_VERSION}, latency ${LATENCY} ms, ${RUNS} run(s) per scenario`);

  if (args['rss-only']) {
    try {
      const memory = await peakRss();
      console.log(
        `Peak RSS (${memory.how}): ${memory.all.map((mb) => mb.toFixed(1)).join(', ')} MB`,
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    return;
  }
  try {
    // Warm the page cache: the binary, the bundle and its chunks.
    await measureNodeE0();
    for (const warmUp of [nodeE0, toolkitFloor, nodeE0Cpu, toolkitFloorCpu]) warmUp.length = 0;
    {
      const fake = await startFakeFeishu(BASE);
      await runStep(fake, { ...app(fake), to: 'oc_test_chat', 'dry-run': 'true' }, scratch);
      await runStep(fake, { ...app(fake), to: 'oc_test_chat' }, scratch);
      await fake.close();
    }

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios()) results.push(await runScenario(scenario));
    log('webhook card side by side with curl…');
    const atLatency = await sideBySide(LATENCY);
    const loopback = LATENCY === 0 ? atLatency : await sideBySide(0);
    log('peak RSS with 10 images of 9 MB…');
    const memory = await peakRss();

    printReport(results, atLatency, loopback, memory, stale);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.log(
      `\n**${failures.length} run(s) went wrong; the numbers above are not to be trusted:**\n`,
    );
    for (const f of failures) console.log(`- ${f}`);
    process.exitCode = 1;
  }
}

function printReport(
  results: ScenarioResult[],
  atLatency: { action: number; curl: number; available: boolean },
  loopback: { action: number; curl: number; available: boolean },
  memory: { mb: number; all: number[]; how: string },
  stale: boolean,
): void {
  const by = (id: string) => results.find((r) => r.scenario.id === id) as ScenarioResult;
  const e0 = median(nodeE0);
  const one = by('one-card');
  const images = by('images');
  const named = by('chat-name');
  const replace = by('replace');
  const webhook = by('webhook');
  const bundle = bundleFiles();
  const entry = bundle.find((f) => f.name === 'index.js')?.bytes ?? 0;
  const hasLatency = LATENCY > 0;

  // Chat by name: token + 3 pages + send, nothing more.
  const namedShape = named.runs.every((run) => {
    const pages = run.requests.filter((r) => r.path === '/open-apis/im/v1/chats').length;
    return run.requests.length === 5 && run.requests.filter(isToken).length === 1 && pages === 3;
  });
  // Replace: the first history read only after the send was answered; the recalls together.
  const replaceOrder = replace.runs.map((run) => {
    const send = run.requests.find((r) => r.method === 'POST' && isMessages(r));
    const scan = run.requests.find((r) => r.method === 'GET' && isMessages(r));
    const recalls = run.requests.filter((r) => r.method === 'DELETE').map((r) => r.at);
    const confirmed = !!send && !!scan && scan.at >= send.at + LATENCY * 0.9;
    const together =
      recalls.length === 2 &&
      Math.max(...recalls) - Math.min(...recalls) < Math.max(LATENCY / 2, 20);
    return { confirmed, together };
  });
  const replaceOk = replaceOrder.every((o) => o.confirmed && o.together);
  const replaceMeasured = `${replaceOrder.every((o) => o.confirmed) ? 'send confirmed first' : 'scan before the send was confirmed'}, ${replaceOrder.every((o) => o.together) ? 'recalls together' : 'recalls not together'}; ${fixed(replace.rt)} RT, ${replace.waves} waves`;

  const floor = median(toolkitFloor);
  const startup = one.dryWall / e0;
  const overFloor = median(pairedWall);
  const e0Cpu = median(nodeE0Cpu);
  const floorCpu = median(toolkitFloorCpu);
  const overFloorCpu = median(pairedCpu);
  const hook = loopback.action / e0;

  console.log('## Performance\n');
  console.log(
    `Machine: ${machine()}; action on Node ${NODE_VERSION}; fake Feishu API on loopback with ${LATENCY} ms per request; medians of ${RUNS} run(s); \`node -e 0\` = ${ms(e0)}; toolkit floor (a bundle that only imports @actions/core) = ${ms(floor)}.${stale ? ' **dist/ is older than src/.**' : ''}\n`,
  );
  const rows: [string, string, string, boolean | undefined][] = [
    [
      'One card to one chat',
      `${fixed(one.rt)} RT (${ms(one.wall)})`,
      '≤ 2.4 RT',
      hasLatency ? one.rt <= 2.4 : undefined,
    ],
    [
      'Card with 3 images to 2 chats',
      `${fixed(images.rt)} RT (${ms(images.wall)})`,
      '≤ 3.4 RT',
      hasLatency ? images.rt <= 3.4 : undefined,
    ],
    [
      `Chat by name, page 3 of ${CHAT_COUNT}`,
      `${named.requests} requests, ${fixed(named.rt)} RT (${ms(named.wall)})`,
      'token + 3 pages + send (5 requests, ≤ 5.4 RT)',
      namedShape && (!hasLatency || named.rt <= 5.4),
    ],
    [
      'key + replace, 2 history pages',
      replaceMeasured,
      'send confirmed before the scan; recalls together',
      replaceOk,
    ],
    [
      'Dry-run start-up vs the toolkit floor, CPU time',
      `${fixed(overFloorCpu)}× (median of ${pairedCpu.length} dry runs, each over the floor run just before it)`,
      '≤ 1.15×',
      overFloorCpu <= 1.15,
    ],
    [
      'Dry-run start-up vs the toolkit floor, wall time',
      `${fixed(overFloor)}× (paired the same way)`,
      '≤ 1.15×',
      overFloor <= 1.15,
    ],
    [
      'Dry-run start-up vs `node -e 0`',
      `${fixed(startup)}× (the floor is ${fixed(floor / e0)}×)`,
      'information',
      undefined,
    ],
    [
      'Webhook card, latency 0, vs the toolkit floor',
      `${fixed(loopback.action / floor)}× (${ms(loopback.action)}; ${fixed(hook)}× node)`,
      '≤ 1.3 × the floor',
      loopback.action / floor <= 1.3,
    ],
    [
      'Bundle dist/index.js',
      `${kb(entry)} (+ ${bundle.length - 1} lazy chunks, ${kb(bundle.slice(1).reduce((s, f) => s + f.bytes, 0))})`,
      '≤ 1.5 MB',
      entry <= 1.5e6,
    ],
    [
      'Peak RSS, 10 images of 9 MB, latency 0',
      `${memory.mb.toFixed(1)} MB`,
      '< 100 MB',
      memory.mb < 100,
    ],
  ];
  console.log('| Measure | Measured | Target | Met |');
  console.log('| --- | --- | --- | :-: |');
  for (const [measure, measured, target, ok] of rows)
    console.log(`| ${measure} | ${measured} | ${target} | ${mark(ok)} |`);

  console.log('\n### Scenarios\n');
  console.log(
    '| Scenario | Wall | Dry-run wall | Requests | Tokens | Round trips | Waves | 1st request at |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.scenario.title} | ${ms(r.wall)} | ${ms(r.dryWall)} | ${r.requests} | ${r.tokens} | ${fixed(r.rt)} | ${hasLatency ? r.waves : '—'} | ${ms(r.firstRequest)} |`,
    );
  }
  console.log(
    '\nRound trips = (wall − dry-run wall) ÷ latency. Waves = requests in series, from the timeline (a request is one wave deeper than the deepest one answered before it arrived).',
  );

  console.log('\n### Start-up and the simplest alternative\n');
  console.log('| Run | Wall | Ratio | CPU (user + system) | CPU ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(`| \`node -e 0\` | ${ms(e0)} | 1.00× | ${ms(e0Cpu)} | 1.00× |`);
  console.log(
    `| toolkit floor (only @actions/core) | ${ms(floor)} | ${fixed(floor / e0)}× node | ${ms(floorCpu)} | ${fixed(floorCpu / e0Cpu)}× node |`,
  );
  console.log(
    `| dry run (one card) | ${ms(one.dryWall)} | ${fixed(startup)}× node | ${ms(one.dryCpu)} | ${fixed(one.dryCpu / e0Cpu)}× node |`,
  );
  console.log(
    `| webhook card, latency ${LATENCY} ms | ${ms(webhook.wall)} | ${fixed(webhook.wall / e0)}× node |`,
  );
  if (atLatency.available) {
    console.log(
      `| same card by curl, latency ${LATENCY} ms | ${ms(atLatency.curl)} | action ${fixed(atLatency.action / atLatency.curl)}× curl |`,
    );
  }
  if (hasLatency)
    console.log(`| webhook card, latency 0 | ${ms(loopback.action)} | ${fixed(hook)}× node |`);
  if (loopback.available) {
    console.log(
      `| same card by curl, latency 0 | ${ms(loopback.curl)} | action ${fixed(loopback.action / loopback.curl)}× curl |`,
    );
  } else console.log('| curl | not on this machine | — |');

  console.log('\n### Bundle\n');
  console.log('| File | Size |');
  console.log('| --- | ---: |');
  for (const f of bundle) console.log(`| dist/${f.name} | ${kb(f.bytes)} |`);
  console.log(
    `\nPeak RSS measured with ${memory.how}: the highest of ${memory.all.map((mb) => mb.toFixed(1)).join(', ')} MB.`,
  );

  if (VERBOSE) {
    console.log('\n### Request timelines\n');
    console.log(
      `Times in ms from the spawn; "start" = when the fake had the whole request, "answered" = start + ${LATENCY} ms of injected latency.`,
    );
    for (const r of results) printTimeline(r.scenario.title, medianRun(r.runs));
  }
}

await main();
