/**
 * `npm run bench:run-card`: many matrix legs writing one run card at once.
 *
 * Runs the bundled dist/index.js as a runner does (test/support/run-action.ts) against the test
 * fake, whose card entities keep Feishu's limits (10 writes a second per card, the sequence
 * rule): a start job, then every leg's main step at once, then every leg's post step at once,
 * then the final job (a mark, a read, and the whole card written at the mark's sequence + 1).
 * Reports, per phase, the time from the first write reaching the card until every row stood
 * as that phase leaves it (from the fake's log), each phase's wall time (process start-up of
 * every leg included), and the writes it took: accepted, lost races (300317), throttled (230020).
 * Not a test: it fails only when a run itself goes wrong.
 *
 *   npm run bench:run-card -- [--legs 20] [--latency 100]
 *   (E2E_NODE=<path to node> runs the action on another Node, as the e2e tests do)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CardEntity } from '../test/support/fake-cardkit.js';
import { startFakeFeishu } from '../test/support/fake-feishu.js';
import { ROOT, type RunResult, runAction } from '../test/support/run-action.js';

const { values: args } = parseArgs({
  options: {
    legs: { type: 'string', default: '20' },
    latency: { type: 'string', default: '100' },
  },
});
const LEGS = Number(args.legs);
const LATENCY = Number(args.latency);
const ENTRY = join(ROOT, 'dist/index.js');

function check(run: RunResult, what: string): void {
  if (run.code !== 0 || run.stdout.includes('::warning::') || run.stdout.includes('::error::')) {
    throw new Error(`${what} went wrong:\n${run.stdout}\n${run.stderr}`);
  }
}

function phase(card: CardEntity, from: number, wall: number) {
  const log = card.log.slice(from);
  const first = log[0]?.at ?? 0;
  const lastAccepted = Math.max(...log.filter((w) => w.code === 0).map((w) => w.at));
  const count = (code: number) => log.filter((w) => w.code === code).length;
  return {
    settledMs: lastAccepted - first,
    wallMs: wall,
    writes: log.length,
    accepted: count(0),
    lostRaces: count(300317),
    throttled: count(230020),
  };
}

const fake = await startFakeFeishu({ latencyMs: LATENCY });
try {
  const app = { 'app-id': 'cli_test_app', 'app-secret': 'test-secret', domain: fake.url };
  const run = (inputs: Record<string, string>, extra = {}) =>
    runAction({ inputs: { ...app, ...inputs }, entry: ENTRY, timeoutMs: 120_000, ...extra });

  const start = await run({ to: 'oc_test_chat', 'run-card': 'start' });
  check(start, 'the start job');
  const handle = start.outputs['card-id'] ?? '';
  const card = [...fake.cardkit.cards.values()][0];
  if (!card) throw new Error('no card was created');

  const legs = Array.from({ length: LEGS }, (_, i) => ({
    inputs: { 'run-card': handle, row: `test (${i + 1})` },
    runnerTemp: mkdtempSync(join(tmpdir(), 'bench-leg-')),
  }));
  let began = Date.now();
  const mains = await Promise.all(legs.map((l) => run(l.inputs, { runnerTemp: l.runnerTemp })));
  for (const [i, r] of mains.entries()) check(r, `leg ${i + 1}'s main step`);
  const added = phase(card, 0, Date.now() - began);

  const mark = card.log.length;
  began = Date.now();
  const posts = await Promise.all(
    legs.map((l, i) =>
      run(
        { ...l.inputs, 'job-status': 'success' },
        { runnerTemp: l.runnerTemp, state: mains[i]?.state ?? {} },
      ),
    ),
  );
  for (const [i, r] of posts.entries()) check(r, `leg ${i + 1}'s post step`);
  const finished = phase(card, mark, Date.now() - began);

  const beforeFinal = card.log.length;
  began = Date.now();
  check(
    await run({ 'run-card': handle, needs: JSON.stringify({ test: { result: 'success' } }) }),
    'the final job',
  );
  const final = phase(card, beforeFinal, Date.now() - began);

  const elements = (card.card.body as { elements: { element_id?: string; content?: string }[] })
    .elements;
  const rows = elements.filter(
    (e) => e.element_id?.startsWith('row_') && e.content?.includes('Succeeded'),
  ).length;
  if (rows !== LEGS) throw new Error(`${rows} of ${LEGS} rows are final`);
  console.log(
    `${LEGS} legs, ${LATENCY} ms per request, Node ${process.version} for the fake; every row final.`,
  );
  console.log(
    '| Phase | Rows settled after | Wall (all processes) | Writes | Accepted | Lost races (300317) | Throttled (230020) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, p] of [
    ['Main steps add rows', added],
    ['Post steps finish rows', finished],
    ['Final job rewrites the card (compare-and-set)', final],
  ] as const) {
    console.log(
      `| ${name} | ${p.settledMs} ms | ${p.wallMs} ms | ${p.writes} | ${p.accepted} | ${p.lostRaces} | ${p.throttled} |`,
    );
  }
} finally {
  await fake.close();
}
