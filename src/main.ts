/**
 * The pipeline: inputs -> run context -> images checked -> render -> deliver -> outputs.
 * run() is the one place that catches: a bad input always fails the step; a delivery
 * failure warns (and sets `error`) unless fail-on-error is true.
 */
import { Input, Output, RECALL_STEP_ENV, RECALL_STEP_INPUTS, State } from './constants.js';
import { readRunContext } from './context.js';
import { type Delivery, type DeliveryDeps, deliver, undelivered } from './deliver.js';
import { describeError, InputError, renamed } from './errors.js';
import type { CallContext } from './feishu/call.js';
import { FeishuClient } from './feishu/client.js';
import { createTransport } from './feishu/http.js';
import { DEFAULT_POLICY } from './feishu/retry.js';
import { postWebhook } from './feishu/webhook.js';
import { type FinishState, finish, finishState, shouldFinish } from './finish.js';
import { findImages } from './images.js';
import { readSettings } from './inputs.js';
import { contentOutput, summaryMarkdown, writeOutputs } from './outputs.js';
import { renderContents } from './render/content.js';
import { buildNotice } from './render/notice.js';
import { runner } from './runner.js';
import type { Settings } from './settings.js';

export async function run(): Promise<void> {
  const isPost = runner.getState(State.IsPost) === 'true';
  if (!isPost) runner.saveState(State.IsPost, 'true');
  // A post step with nothing to finish does nothing at all: not even re-read the inputs.
  if (isPost && !runner.getState(State.Finish)) return;
  let failOnError = false;
  try {
    const settings = await readSettings({
      getInput: (name) => runner.getInput(name),
      setSecret: (value) => runner.setSecret(value),
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
    if (error instanceof InputError || failOnError) {
      runner.setFailed(message);
    } else {
      runner.warning(message);
      runner.setOutput(Output.Error, message);
    }
    if (error instanceof Error && !(error instanceof InputError)) runner.debug(error.stack ?? '');
  }
}

async function runMain(settings: Settings): Promise<void> {
  if (settings.noCredentials) return skipWithoutCredentials(settings);
  const ctx = readRunContext();
  // Every file is checked before any request: a bad image never leaves half a notice.
  const images = await findImages(settings.images, process.env.GITHUB_WORKSPACE || process.cwd());

  const placeholders = images.map((image, i) => ({ key: `img_dry_run_${i + 1}`, alt: image.name }));
  const preview = buildNotice(settings, ctx, { images: placeholders });
  // Rendered before any request, so content that cannot be sent fails as an input error.
  const contents = renderContents(settings, preview, settings.webhook !== undefined);
  if (settings.dryRun) {
    const delivery = undelivered(contents, preview);
    writeOutputs(runner, delivery, undefined);
    runner.info(
      `Dry run: nothing sent. The ${contents[0]?.msgType ?? 'message'} content would be:`,
    );
    runner.info(contentOutput(contents, 2));
    summary(settings, summaryMarkdown(preview, delivery, true));
    return;
  }

  const startedAt = Date.now();
  const deps = connect(settings, { retries: settings.retries, timeoutMs: settings.timeoutMs });
  deps.confirmed = (confirmed) => {
    if (shouldFinish(settings, confirmed))
      runner.saveState(State.Finish, JSON.stringify(finishState(confirmed, startedAt, images)));
  };
  try {
    const delivery = await deliver(settings, ctx, images, deps);
    report(settings, delivery);
    const error =
      delivery.failures.map((f) => `${f.target}: ${f.error.message}`).join('\n') || undefined;
    writeOutputs(runner, delivery, settings.failOnError ? undefined : error);
    summary(settings, summaryMarkdown(delivery.notice, delivery, false, error));
    if (error) {
      if (settings.failOnError) runner.setFailed(error);
      else for (const f of delivery.failures) runner.warning(`${f.target}: ${f.error.message}`);
    }
  } finally {
    deps.dispose();
  }
}

/**
 * The one place a run without any credentials ends: a fork's pull request or a Dependabot run,
 * which get empty secrets. Nothing is sent and no message ID set; a warning, or a failure when
 * the workflow asked for one.
 */
function skipWithoutCredentials(settings: Settings): void {
  const reason = NO_CREDENTIALS;
  writeOutputs(runner, undelivered([]), settings.failOnError ? undefined : reason);
  if (settings.failOnError) runner.setFailed(reason);
  else runner.warning(reason);
}

const NO_CREDENTIALS =
  'No credentials: secrets are not passed to workflows from forks or Dependabot; nothing sent. (Give app-id and app-secret, or webhook.)';

async function runPost(settings: Settings): Promise<void> {
  const saved = runner.getState(State.Finish);
  if (!saved || settings.dryRun) return;
  // Cancelled jobs give the post step seconds: fewer, shorter tries, and one deadline for all.
  const deps = connect(settings, {
    retries: Math.min(settings.retries, 2),
    timeoutMs: Math.min(settings.timeoutMs, 5000),
    maxRateLimitWaitMs: 3000,
    deadline: Date.now() + POST_STEP_BUDGET_MS,
  });
  try {
    const outcome = await finish(
      settings,
      readRunContext(),
      JSON.parse(saved) as FinishState,
      runner.getInput(Input.JobStatus),
      deps,
    );
    for (const line of outcome.done) runner.info(line);
    if (outcome.failures.length > 0) {
      const error = outcome.failures.map((f) => `${f.target}: ${f.error.message}`).join('\n');
      if (settings.failOnError) runner.setFailed(error);
      else for (const line of error.split('\n')) runner.warning(line);
    }
  } finally {
    deps.dispose();
  }
}

/** The post step's whole budget: past it no new attempt starts (one in flight may finish). */
const POST_STEP_BUDGET_MS = 20_000;

interface Budget {
  retries: number;
  timeoutMs: number;
  maxRateLimitWaitMs?: number;
  deadline?: number;
}

function connect(settings: Settings, budget: Budget): DeliveryDeps & { dispose(): void } {
  const transport = createTransport(budget.timeoutMs);
  const callContext: CallContext = {
    transport,
    policy: {
      ...DEFAULT_POLICY,
      retries: budget.retries,
      maxRateLimitWaitMs: budget.maxRateLimitWaitMs ?? DEFAULT_POLICY.maxRateLimitWaitMs,
    },
    deadline: budget.deadline,
    debug: (m: string) => runner.debug(m),
  };
  const client = settings.app
    ? new FeishuClient({
        ...callContext,
        baseUrl: settings.baseUrl,
        ...settings.app,
        onToken: (token) => runner.setSecret(token),
      })
    : undefined;
  // The token goes first, while the rest of the request is prepared, whenever the app is used.
  if (usesApp(settings)) client?.token().catch(() => undefined);
  const webhook = settings.webhook;
  return {
    client,
    webhook: webhook
      ? (message) => postWebhook(callContext, webhook.url, webhook.secret, message)
      : undefined,
    warning: (m) => runner.warning(m),
    info: (m) => runner.info(m),
    now: Date.now,
    dispose: () => transport.dispose(),
  };
}

/** Whether this run talks to the app API at all (a webhook-only send does not). */
function usesApp(settings: Settings): boolean {
  return (
    settings.recipients.length > 0 ||
    settings.images.length > 0 ||
    settings.update !== undefined ||
    settings.replyTo !== undefined ||
    settings.recall.length > 0
  );
}

function report(settings: Settings, delivery: Delivery): void {
  for (const id of delivery.updated) runner.info(`Updated ${id} in place.`);
  for (const s of delivery.sent)
    runner.info(`Sent to ${s.target}${s.messageId ? `: ${s.messageId}` : ''}.`);
  if (delivery.recall.recalled.length > 0)
    runner.info(`Recalled ${delivery.recall.recalled.join(', ')}.`);
  if (delivery.recall.alreadyGone.length > 0)
    runner.info(`Already recalled or deleted: ${delivery.recall.alreadyGone.join(', ')}.`);
  if (delivery.recall.collapsed.length > 0)
    runner.info(
      `Past the 24-hour recall window, collapsed to a short grey card: ${delivery.recall.collapsed.join(', ')}.`,
    );
  if (delivery.recall.tooOld.length > 0) {
    runner.warning(
      `Past the recall window and not collapsible (older than 14 days, or not a card), left in place: ${delivery.recall.tooOld.join(', ')}.`,
    );
  }
  if (settings.type === 'card' && delivery.contents.length > 0)
    runner.debug('Card rendered as card JSON 2.0.');
}

function summary(settings: Settings, markdown: string): void {
  if (settings.summary) runner.appendSummary(markdown);
}
