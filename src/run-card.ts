/**
 * One live card per workflow run. A first job posts it (`run-card: start`); every later job or
 * matrix leg adds its own row in its main step and finishes that row in its post step; a final
 * job with `needs` finishes the whole card and, on failure, replies in its thread. Each leg
 * touches only its own element (there is no read-merge-write), so legs on different machines
 * never erase each other's rows; the final job, the one writer of the whole card, rewrites it
 * only by compare-and-set (see finishCard).
 */

import { randomBytes } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import { Output, State } from './constants.js';
import { loadRunContext, type RunContext } from './context.js';
import { describeError } from './errors.js';
import {
  type CardHandle,
  type CardKit,
  ELEMENT_EXISTS,
  ELEMENT_MISSING,
  formatHandle,
  parseHandle,
  SEQUENCE_CONFLICT,
} from './feishu/cardkit.js';
import type { FeishuClient } from './feishu/client.js';
import { FeishuError, isPermissionRefused } from './feishu/errors.js';
import { explainGitHubError, type GitHubApi, openGitHub } from './github/api.js';
import { ownJob } from './github/jobs.js';
import { WAIT_MS } from './github/reads.js';
import type { Language } from './language.js';
import { noticeRenderer } from './render/index.js';
import type { Notice } from './render/model.js';
import { buildNotice } from './render/notice.js';
import {
  finishedAs,
  hasElement,
  ROWS_END,
  type Row,
  resultLine,
  rowElement,
  rowsFromReadBack,
  runCard,
  type StoppedStep,
} from './render/run-card.js';
import { replyToCard } from './reply.js';
import type { Settings } from './settings.js';
import { parseStatus, type Status } from './status.js';

export interface RunCardDeps {
  kit: CardKit;
  client: FeishuClient;
  now(): number;
  sleep?(ms: number): Promise<void>;
  info(message: string): void;
  warning(message: string): void;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
}

/** What the main step of a leg hands its post step. */
interface SavedRow {
  handle: string;
  label: string;
  startedAt: number;
  languages: Language[];
}

/** What the main step would write, for a dry run: the card, or this job's row. */
export function runCardPreview(settings: Settings, ctx: RunContext): Record<string, unknown> {
  const mode = settings.runCard;
  if (mode?.kind === 'row')
    return rowElement({
      label: settings.row || ctx.job,
      status: 'in_progress',
      languages: settings.languages,
    });
  const status = mode?.kind === 'start' ? 'in_progress' : undefined;
  return runCard(buildNotice(settings, ctx, status ? { status } : {}), []);
}

/** The main step: start the card, add this job's row, or finish the card. */
export async function runCardMain(settings: Settings, ctx: RunContext, deps: RunCardDeps) {
  const mode = settings.runCard;
  if (!mode) return;
  if (mode.kind === 'start') {
    const handle = await startCard(settings, ctx, deps);
    setHandleOutputs(handle, deps);
    deps.info(`Started the run card ${handle.cardId} as ${handle.messageId}.`);
    return;
  }
  setHandleOutputs(mode.handle, deps);
  if (mode.kind === 'finish') {
    await finishCard(settings, ctx, mode.handle, deps);
    return;
  }
  const label = settings.row || ctx.job;
  // Saved before the write: a leg cancelled or failing from here on still gets its row finished.
  const saved: SavedRow = {
    handle: formatHandle(mode.handle),
    label,
    startedAt: deps.now(),
    languages: settings.languages,
  };
  deps.saveState(State.RunCardRow, JSON.stringify(saved));
  await writeRow(
    deps.kit,
    mode.handle,
    { label, status: 'in_progress', languages: saved.languages },
    'add',
  );
  deps.info(`Added the row "${label}" to the run card.`);
}

/**
 * The post step of a leg: its row shows the job's final status, how long it ran and, for a
 * failed or cancelled job, the step it stopped at, linked to that step's log. The step is read
 * from GitHub while the Feishu token is on its way, and waited for at most WAIT_MS.
 */
export async function runCardPost(
  settings: Settings,
  saved: string,
  jobStatus: string,
  deps: RunCardDeps,
) {
  const row = JSON.parse(saved) as SavedRow;
  const handle = parseHandle(row.handle);
  if (!handle) throw new Error('the saved run-card handle is not readable');
  const status = parseStatus(jobStatus) ?? 'info';
  const durationMs = deps.now() - row.startedAt;
  const step = await readStoppedStep(settings, status, deps.info);
  const languages = row.languages?.length ? row.languages : settings.languages;
  await writeRow(
    deps.kit,
    handle,
    { label: row.label, status, durationMs, languages, ...(step ? { step } : {}) },
    'finish',
  );
  deps.info(`Finished the row "${row.label}" as ${status}.`);
}

/**
 * The step this job stopped at, from GitHub's answer for this job (`job-id`): one request,
 * started beside the Feishu token and cut at WAIT_MS. Anything GitHub refuses or does not
 * answer in time leaves the row without it: one log line that says what permission to add,
 * never a failed step.
 */
async function readStoppedStep(
  settings: Settings,
  status: Status,
  log: (line: string) => void,
): Promise<StoppedStep | undefined> {
  if ((status !== 'failure' && status !== 'cancelled') || !settings.jobId) return undefined;
  if (!settings.githubToken) {
    log('No github-token: the row does not say which step failed.');
    return undefined;
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), WAIT_MS);
  let api: GitHubApi | undefined;
  try {
    const { repository } = loadRunContext();
    api = await openGitHub(settings.githubToken, repository, controller.signal);
    const [job] = ownJob(await api.job(settings.jobId)).jobs;
    const step = job?.steps[0];
    if (!step) return undefined;
    return { name: step.name || `#${step.number}`, ...(step.url ? { url: step.url } : {}) };
  } catch (error) {
    log(explainGitHubError(error, "this job's steps", 'actions: read'));
    return undefined;
  } finally {
    clearTimeout(timer);
    api?.close().catch(() => undefined);
  }
}

async function startCard(settings: Settings, ctx: RunContext, deps: RunCardDeps) {
  const [to] = settings.recipients;
  if (to?.kind !== 'id') throw new Error('run-card: start needs one recipient ID');
  const notice = buildNotice(settings, ctx, { status: 'in_progress' });
  const created = await deps.kit.create(runCard(notice, []));
  const sent = await deps.kit.send(to.idType, to.id, created.cardId);
  return { ...created, messageId: sent.messageId };
}

function setHandleOutputs(handle: CardHandle, deps: RunCardDeps): void {
  deps.setOutput(Output.CardId, formatHandle(handle));
  deps.setOutput(Output.MessageId, handle.messageId);
}

/**
 * A row write that is safe to repeat and to race: adding a row that is already there (a re-run
 * job, or an answer lost after the write) rewrites it; finishing a row that is missing (its add
 * was lost) adds it.
 */
async function writeRow(kit: CardKit, handle: CardHandle, row: Row, intent: 'add' | 'finish') {
  await addOrReplace(kit, handle, rowElement(row), intent === 'add');
}

async function addOrReplace(
  kit: CardKit,
  handle: CardHandle,
  element: Record<string, unknown>,
  addFirst: boolean,
) {
  const id = String(element.element_id);
  const add = () => kit.addElements(handle, 'insert_before', ROWS_END, [element]);
  const replace = () => kit.replaceElement(handle, id, element);
  const [first, fallback, fallbackCode] = addFirst
    ? [add, replace, ELEMENT_EXISTS]
    : [replace, add, ELEMENT_MISSING];
  try {
    await first();
  } catch (error) {
    if (!(error instanceof FeishuError && error.code === fallbackCode)) throw error;
    await fallback();
  }
}

/** The id of the line a card that cannot be rewritten gets instead of a new header. */
const RESULT_ROW = 'run_result';
/** Rounds of mark, read, compare-and-set before the final job settles for a result line. */
const FINISH_ROUNDS = 5;
/** Reads of the card until it shows the mark just written (the chat may lag the card). */
const READS_PER_ROUND = 3;
const READ_AGAIN_MS = 300;

type Finished =
  | { kind: 'rewritten'; rows: number; alreadyShown: boolean }
  | { kind: 'line'; why: string; unread?: boolean };

const READ_SCOPE_HINT = 'Reading it needs the scope im:message.group_msg (or im:message:readonly).';

/**
 * The final job: the header's colour and title from the overall result, every row final.
 *
 * The header can only change by rewriting the whole card, and the card can only be read back
 * through its message, so a plain read-then-rewrite would erase a row that a job outside
 * `needs` writes in between (CardKit has no read API, no ETag, no condition on a write). What it
 * does have is the sequence rule: the card takes a write only if its sequence is greater than
 * that of every write before it, whoever made it. So the final job makes the rewrite a
 * compare-and-set:
 *   1. mark: it adds a result line with a fresh id; the card takes it at some sequence S;
 *   2. read: it reads the card back until that line shows (so the read is no older than S:
 *      the chat is another service than the card and may lag behind it);
 *   3. set: it rewrites the whole card from what it read with sequence exactly S + 1.
 * Any write that reached the card after the mark carries a sequence above S, so the card then
 * refuses S + 1 (300317) and nothing is erased: the final job goes round again. A write that
 * reaches the card after the rewrite lands on the rewritten card (rows go before `rows_end`),
 * and a row still running is shown as never reported only until its own post step rewrites it.
 * When the card cannot be read back (no read scope), or keeps changing for FINISH_ROUNDS
 * rounds, it is never rewritten: the result stays a line, and a warning says why.
 */
async function finishCard(
  settings: Settings,
  ctx: RunContext,
  handle: CardHandle,
  deps: RunCardDeps,
) {
  const rendered = noticeRenderer(ctx)(settings, {});
  const { notice } = rendered;
  // A card's own change notifies nobody: a failure is told in its thread (finish-reply, urgent).
  const reply = () =>
    replyToCard(deps.client, handle.messageId, rendered, settings, ctx.runUrl, deps);
  let finished: Finished;
  try {
    finished = await rewriteWhole(handle, notice, deps);
  } catch (error) {
    // The card could not be written (full, expired, refused): the people must still be told,
    // and the write's failure still decides warn-or-fail in run().
    await reply().catch((replyError: unknown) =>
      deps.warning(`Could not reply in the run card's thread: ${describeError(replyError)}`),
    );
    throw error;
  }
  if (finished.kind === 'rewritten') {
    deps.info(`Finished the run card as ${notice.status} (${finished.rows} rows).`);
    // A re-run of the final job that comes to the same result has nothing new to tell.
    if (finished.alreadyShown) {
      deps.info(
        'The card already showed this result (an earlier attempt of this job finished it), so no second reply.',
      );
      return;
    }
  } else {
    const hint = finished.unread ? ` ${READ_SCOPE_HINT}` : '';
    deps.warning(
      `The run card's header was left as it was and the result added as a line: ${finished.why}.${hint}`,
    );
  }
  await reply();
}

async function rewriteWhole(
  handle: CardHandle,
  notice: Notice,
  deps: RunCardDeps,
): Promise<Finished> {
  const marks: string[] = [];
  let why = '';
  for (let round = 1; round <= FINISH_ROUNDS; round++) {
    const mark = `res_${randomBytes(6).toString('hex')}`;
    const at = await deps.kit.addElements(handle, 'insert_before', ROWS_END, [
      resultLine(mark, notice),
    ]);
    marks.push(mark);
    const read = await readShowing(handle, mark, deps);
    if ('why' in read) {
      await settleForLine(handle, notice, marks, deps);
      return { kind: 'line', why: `could not read it back (${read.why})`, unread: read.refused };
    }
    const rows = rowsFromReadBack(read.card);
    if (!rows) {
      why = 'a row came back in a form that cannot be rewritten';
      break;
    }
    try {
      await deps.kit.replaceCard(handle, runCard(notice, rows), at + 1);
      return {
        kind: 'rewritten',
        rows: rows.length,
        alreadyShown: finishedAs(read.card, notice.status),
      };
    } catch (error) {
      if (!(error instanceof FeishuError && error.code === SEQUENCE_CONFLICT)) throw error;
      why = `it kept changing while being finished (${round} times)`;
      deps.info('The run card changed between reading and rewriting it: reading it again.');
    }
  }
  await settleForLine(handle, notice, marks, deps);
  return { kind: 'line', why };
}

/** The card read back once it shows `mark`, or why it cannot be. */
async function readShowing(
  handle: CardHandle,
  mark: string,
  deps: RunCardDeps,
): Promise<{ card: Record<string, unknown> } | { why: string; refused: boolean }> {
  for (let read = 1; ; read++) {
    let card: Record<string, unknown> | undefined;
    try {
      card = await deps.kit.readBack(handle);
    } catch (error) {
      return { why: describeError(error), refused: isPermissionRefused(error) };
    }
    if (!card) return { why: 'the chat gave no card in the raw form', refused: false };
    if (hasElement(card, mark)) return { card };
    if (read >= READS_PER_ROUND)
      return { why: 'the chat kept showing an older card', refused: false };
    await (deps.sleep ?? wait)(READ_AGAIN_MS * read);
  }
}

/** One result line, under its stable id (a re-run replaces it), instead of the round's marks. */
async function settleForLine(
  handle: CardHandle,
  notice: Notice,
  marks: string[],
  deps: RunCardDeps,
) {
  for (const mark of marks) await deps.kit.deleteElement(handle, mark).catch(() => undefined);
  await addOrReplace(deps.kit, handle, resultLine(RESULT_ROW, notice), true);
}
