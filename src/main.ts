/**
 * The pipeline: inputs -> run context -> images checked -> render -> deliver -> outputs.
 * run() is the one place that catches: a bad input always fails the step; a delivery
 * failure warns (and sets `error`) unless fail-on-error is true.
 */
import * as core from '@actions/core';
import { Input, Output, RECALL_STEP_ENV, RECALL_STEP_INPUTS, State } from './constants.js';
import { loadRunContext, type RunContext } from './context.js';
import {
  type Delivery,
  type DeliveryDeps,
  deliver,
  type NoticeRun,
  undelivered,
} from './deliver.js';
import { describeError, InputError, renamed } from './errors.js';
import { CardKit } from './feishu/cardkit.js';
import { createFeishu, type RequestLimits } from './feishu/index.js';
import { type FinishState, finish, finishState, shouldFinish } from './finish.js';
import { type GitHubReads, startGitHubReads } from './github/reads.js';
import { findImages } from './images.js';
import { contentsWithinLimits, readSettings } from './inputs.js';
import { streakOf, verdict } from './notify-on.js';
import { contentOutput, summaryMarkdown, writeNotifyOutputs, writeOutputs } from './outputs.js';
import { findPeople } from './people.js';
import { readPreviousStatus } from './previous.js';
import { type NoticeExtras, noticeRenderer } from './render/index.js';
import { statusFromNeeds } from './render/notice.js';
import { type RunCardDeps, runCardMain, runCardPost, runCardPreview } from './run-card.js';
import type { Settings } from './settings.js';
import { parseStatus } from './status.js';

export async function run(): Promise<void> {
  const isPost = core.getState(State.IsPost) === 'true';
  if (!isPost) core.saveState(State.IsPost, 'true');
  // A post step with nothing to finish does nothing at all: not even re-read the inputs.
  if (isPost && !core.getState(State.Finish) && !core.getState(State.RunCardRow)) return;
  let failOnError = false;
  try {
    const settings = await readSettings({
      getInput: readInput,
      setSecret: (value) => core.setSecret(value),
    });
    failOnError = settings.failOnError;
    if (isPost) await runPost(settings);
    else await runMain(settings);
  } catch (caught) {
    const error =
      caught instanceof InputError && process.env[RECALL_STEP_ENV] === 'true'
        ? renamed(caught, RECALL_STEP_INPUTS)
        : caught;
    const message = describeError(error);
    if (error instanceof InputError) core.setFailed(message);
    else {
      if (!failOnError) core.setOutput(Output.Error, message);
      deliveryFailed(failOnError, [message]);
    }
    if (error instanceof Error && !(error instanceof InputError)) core.debug(error.stack ?? '');
  }
}

async function runMain(settings: Settings): Promise<void> {
  if (settings.noCredentials) return skipWithoutCredentials(settings);
  const ctx = loadRunContext();
  if (settings.runCard) {
    if (settings.dryRun) {
      const preview = JSON.stringify(runCardPreview(settings, ctx));
      core.setOutput(Output.Content, preview);
      core.info(`Dry run: nothing written. The run card would get:\n${preview}`);
    } else
      await withRunCard(
        settings,
        { retries: settings.retries, timeoutMs: settings.timeoutMs },
        (deps) => runCardMain(settings, ctx, deps),
      );
    return;
  }
  // Every file is checked before any request: a bad image never leaves half a notice.
  const images = await findImages(settings.images, process.env.GITHUB_WORKSPACE || process.cwd());

  const run = noticeRun(ctx);
  const placeholders = images.map((image, i) => ({ key: `img_dry_run_${i + 1}`, alt: image.name }));
  const rendered = run.render(settings, { images: placeholders });
  const preview = rendered.notice;
  // Rendered before any request, so content that cannot be sent fails as an input error: each
  // form that may be sent (the webhook's and, with app credentials too, the app's).
  const viaWebhook = settings.webhook !== undefined;
  const contents = contentsWithinLimits(settings, rendered.fit(viaWebhook));
  if (viaWebhook && settings.app) contentsWithinLimits(settings, rendered.fit(false));
  if (settings.dryRun) {
    const delivery = undelivered(contents, preview);
    writeOutputs(core, delivery, undefined);
    writeNotifyOutputs(core, delivery, undefined);
    core.info(`Dry run: nothing sent. The ${contents[0]?.msgType ?? 'message'} content would be:`);
    core.info(contentOutput(contents, 2));
    await summary(settings, summaryMarkdown(preview, delivery, true));
    return;
  }

  const startedAt = Date.now();
  const deps = connect(settings, { retries: settings.retries, timeoutMs: settings.timeoutMs });
  const status = settings.status ?? statusFromNeeds(settings.needs);
  // GitHub's reads start now, beside the Feishu token: they cost no round trip of their own.
  const github = startGitHubReads(settings, ctx, { status, isPost: false, log: core.info });
  // What the post step needs to know is saved the moment the notice is confirmed.
  const learned: Pick<FinishState, 'previousStatus' | 'people'> = {};
  deps.confirmed = (confirmed) => {
    if (shouldFinish(settings, confirmed))
      core.saveState(
        State.Finish,
        JSON.stringify(finishState(confirmed, startedAt, images, learned)),
      );
  };
  try {
    const previous = await readPreviousStatus(settings, deps);
    learned.previousStatus = previous;
    const decision = verdict(settings.notifyOn, previous, status);
    if (!decision.send) {
      core.info(`Nothing sent: ${decision.reason}.`);
      const nothing = undelivered([]);
      writeOutputs(core, nothing, undefined);
      writeNotifyOutputs(core, nothing, previous);
      await summary(settings, `### Feishu notice\n\nNothing sent: ${decision.reason}.\n`);
      return;
    }
    const late = lateExtras(settings, ctx, deps, github).then((extras) => {
      learned.people = extras.people;
      return extras;
    });
    const delivery = await deliver(
      settings,
      run,
      images,
      deps,
      { streak: streakOf(previous, status) },
      late,
    );
    report(settings, delivery);
    const failures = failureLines(delivery.failures);
    const error = failures.join('\n') || undefined;
    writeOutputs(core, delivery, settings.failOnError ? undefined : error);
    writeNotifyOutputs(core, delivery, previous);
    await summary(settings, summaryMarkdown(delivery.notice, delivery, false, error));
    if (failures.length > 0) deliveryFailed(settings.failOnError, failures);
  } finally {
    github.dispose();
    deps.dispose();
  }
}

/** The run as deliver and finish see it: render/'s notice renderer for this run, and its files. */
function noticeRun(ctx: RunContext): NoticeRun {
  return { render: noticeRenderer(ctx), runUrl: ctx.runUrl, runnerTemp: ctx.runnerTemp };
}

/** What the card learns while the token is on its way: what failed, and who to mention. */
async function lateExtras(
  settings: Settings,
  ctx: RunContext,
  deps: DeliveryDeps,
  github: GitHubReads,
): Promise<NoticeExtras> {
  const [whatFailed, people] = await Promise.all([
    github.whatFailed,
    findPeople(settings, ctx, deps.client, github, core.info),
  ]);
  return { whatFailed, people };
}

/**
 * The one place a run without any credentials ends: a fork's pull request or a Dependabot run,
 * which get empty secrets. Nothing is sent, no message ID set, `notified` is false; a warning, or a failure when
 * the workflow asked for one.
 */
function skipWithoutCredentials(settings: Settings): void {
  const reason = NO_CREDENTIALS;
  const nothing = undelivered([]);
  writeOutputs(core, nothing, settings.failOnError ? undefined : reason);
  writeNotifyOutputs(core, nothing, undefined);
  deliveryFailed(settings.failOnError, [reason]);
}

/**
 * An input as the step got it, trimmed (core trims by default; toolkit stubs only when asked).
 * Local runners (@github/local-action) pass action.yml's expression defaults such as
 * `${{ job.check_run_id }}` unevaluated: such a value is treated as not given, as it would be
 * where the runner evaluates it to nothing.
 */
function readInput(name: string): string {
  const value = core.getInput(name, { trimWhitespace: true });
  return UNEVALUATED_EXPRESSION.test(value) ? '' : value;
}

const UNEVALUATED_EXPRESSION = /^\$\{\{[^}]*\}\}$/;

const NO_CREDENTIALS =
  'No credentials: secrets are not passed to workflows from forks or Dependabot; nothing sent. (Give app-id and app-secret, or webhook.)';

async function runPost(settings: Settings): Promise<void> {
  // Cancelled jobs give the post step seconds: fewer, shorter tries, and one deadline for all.
  const limits: RequestLimits = {
    retries: Math.min(settings.retries, 2),
    timeoutMs: Math.min(settings.timeoutMs, 5000),
    maxRateLimitWaitMs: 3000,
    deadline: Date.now() + POST_STEP_DEADLINE_MS,
  };
  const jobStatus = readInput(Input.JobStatus);
  const row = core.getState(State.RunCardRow);
  if (row && !settings.dryRun) {
    await withRunCard(settings, limits, (deps) => runCardPost(settings, row, jobStatus, deps));
    return;
  }
  const saved = core.getState(State.Finish);
  if (!saved || settings.dryRun) return;
  const deps = connect(settings, limits);
  const ctx = loadRunContext();
  const github = startGitHubReads(settings, ctx, {
    status: parseStatus(jobStatus) ?? 'info',
    isPost: true,
    log: core.info,
  });
  try {
    const outcome = await finish(
      settings,
      noticeRun(ctx),
      JSON.parse(saved) as FinishState,
      jobStatus,
      deps,
      github.whatFailed.then((whatFailed) => ({ whatFailed })),
    );
    for (const line of outcome.done) core.info(line);
    if (outcome.failures.length > 0)
      deliveryFailed(settings.failOnError, failureLines(outcome.failures));
  } finally {
    github.dispose();
    deps.dispose();
  }
}

/**
 * A delivery that failed, wholly or in part: the one place that decides between failing the
 * step (fail-on-error) and a warning per failure.
 */
function deliveryFailed(failOnError: boolean, lines: string[]): void {
  if (failOnError) core.setFailed(lines.join('\n'));
  else for (const line of lines) core.warning(line);
}

function failureLines(failures: { target: string; error: Error }[]): string[] {
  return failures.map((f) => `${f.target}: ${f.error.message}`);
}

/**
 * The post step's one deadline for all its calls: past it no new attempt starts (one in flight
 * may finish).
 */
const POST_STEP_DEADLINE_MS = 20_000;

function connect(settings: Settings, limits: RequestLimits): DeliveryDeps & { dispose(): void } {
  const feishu = createFeishu({
    baseUrl: settings.baseUrl,
    app: settings.app,
    webhook: settings.webhook,
    limits,
    // The token goes first, while the rest of the request is prepared, whenever the app is used.
    prefetchToken: usesApp(settings),
    onToken: (token) => core.setSecret(token),
    debug: (m) => core.debug(m),
  });
  return {
    ...feishu,
    warning: (m) => core.warning(m),
    info: (m) => core.info(m),
    now: Date.now,
  };
}

/** The run card's writes, with the client and the step's limits (see run-card.ts). */
async function withRunCard(
  settings: Settings,
  limits: RequestLimits,
  work: (deps: RunCardDeps) => Promise<void>,
): Promise<void> {
  const deps = connect(settings, limits);
  try {
    const client = deps.client;
    if (!client) throw new Error('run-card needs app credentials');
    const kit = new CardKit(client, { deadline: limits.deadline, debug: (m) => core.debug(m) });
    try {
      await work({
        kit,
        client,
        now: Date.now,
        info: (m) => core.info(m),
        warning: (m) => core.warning(m),
        setOutput: (name, value) => core.setOutput(name, value),
        saveState: (name, value) => core.saveState(name, value),
      });
    } finally {
      const { tries, conflicts, throttled } = kit.stats;
      core.debug(`Card writes: ${tries} tries, ${conflicts} lost races, ${throttled} throttled.`);
    }
  } finally {
    deps.dispose();
  }
}

/** Whether this run talks to the app API at all (a webhook-only send does not). */
function usesApp(settings: Settings): boolean {
  return (
    settings.runCard !== undefined ||
    settings.recipients.length > 0 ||
    settings.images.length > 0 ||
    settings.update !== undefined ||
    settings.replyTo !== undefined ||
    settings.recall.length > 0
  );
}

function report(settings: Settings, delivery: Delivery): void {
  for (const id of delivery.updated) core.info(`Updated ${id} in place.`);
  for (const s of delivery.sent)
    core.info(`Sent to ${s.target}${s.messageId ? `: ${s.messageId}` : ''}.`);
  if (delivery.recall.recalled.length > 0)
    core.info(`Recalled ${delivery.recall.recalled.join(', ')}.`);
  if (delivery.recall.alreadyGone.length > 0)
    core.info(`Already recalled or deleted: ${delivery.recall.alreadyGone.join(', ')}.`);
  if (delivery.recall.collapsed.length > 0)
    core.info(
      `Past the 24-hour recall window, collapsed to a short grey card: ${delivery.recall.collapsed.join(', ')}.`,
    );
  if (delivery.recall.tooOld.length > 0) {
    core.warning(
      `Past the recall window and not collapsible (older than 14 days, or not a card), left in place: ${delivery.recall.tooOld.join(', ')}.`,
    );
  }
  if (settings.type === 'card' && delivery.contents.length > 0)
    core.debug('Card rendered as card JSON 2.0.');
}

/**
 * The job summary, when the runner gives one. The markdown is built in outputs.ts rather
 * than with the summary builder's tables: those take cells as raw HTML, and cells here
 * carry untrusted text.
 */
async function summary(settings: Settings, markdown: string): Promise<void> {
  if (settings.summary && process.env.GITHUB_STEP_SUMMARY)
    await core.summary.addRaw(markdown, true).write();
}
