/**
 * One live card per workflow run. A first job posts it (`run-card: start`); every later job or
 * matrix leg adds its own row in its main step and finishes that row in its post step; a final
 * job with `needs` finishes the whole card and, on failure, replies in its thread. Each writer
 * touches only its own element (there is no read-merge-write), so legs on different machines
 * never erase each other's rows.
 */

import { Output, State } from './constants.js';
import type { RunContext } from './context.js';
import { describeError } from './errors.js';
import {
  type CardHandle,
  type CardKit,
  ELEMENT_EXISTS,
  ELEMENT_MISSING,
  formatHandle,
  parseHandle,
} from './feishu/cardkit.js';
import type { FeishuClient } from './feishu/client.js';
import { FeishuError } from './feishu/errors.js';
import type { Language } from './language.js';
import { buildNotice } from './render/notice.js';
import { ROWS_END, type Row, rowElement, rowsFromReadBack, runCard } from './render/run-card.js';
import { STATUS_LABEL } from './render/words.js';
import { replyToCard } from './reply.js';
import type { Settings } from './settings.js';
import { parseStatus, STATUS_LOOK } from './status.js';

export interface RunCardDeps {
  kit: CardKit;
  client: FeishuClient;
  now(): number;
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
  language?: Language;
}

/** What the main step would write, for a dry run: the card, or this job's row. */
export function runCardPreview(settings: Settings, ctx: RunContext): Record<string, unknown> {
  const mode = settings.runCard;
  if (mode?.kind === 'row')
    return rowElement({
      label: settings.row || ctx.job,
      status: 'in_progress',
      language: settings.languages[0] ?? 'en_us',
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
  const language = settings.languages[0] ?? 'en_us';
  const saved: SavedRow = {
    handle: formatHandle(mode.handle),
    label,
    startedAt: deps.now(),
    language,
  };
  deps.saveState(State.RunCardRow, JSON.stringify(saved));
  await writeRow(deps.kit, mode.handle, { label, status: 'in_progress', language }, 'add');
  deps.info(`Added the row "${label}" to the run card.`);
}

/** The post step of a leg: its row shows the job's final status and how long it ran. */
export async function runCardPost(saved: string, jobStatus: string, deps: RunCardDeps) {
  const row = JSON.parse(saved) as SavedRow;
  const handle = parseHandle(row.handle);
  if (!handle) throw new Error('the saved run-card handle is not readable');
  const status = parseStatus(jobStatus) ?? 'info';
  const durationMs = deps.now() - row.startedAt;
  // A row saved by an earlier version has no language: English, as it was written.
  const language = row.language ?? 'en_us';
  await writeRow(deps.kit, handle, { label: row.label, status, durationMs, language }, 'finish');
  deps.info(`Finished the row "${row.label}" as ${status}.`);
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
  const element = rowElement(row);
  const id = String(element.element_id);
  const add = () => kit.addElements(handle, 'insert_before', ROWS_END, [element]);
  const replace = () => kit.replaceElement(handle, id, element);
  const [first, fallback, fallbackCode] =
    intent === 'add' ? [add, replace, ELEMENT_EXISTS] : [replace, add, ELEMENT_MISSING];
  try {
    await first();
  } catch (error) {
    if (!(error instanceof FeishuError && error.code === fallbackCode)) throw error;
    await fallback();
  }
}

/** The id of the line a card that cannot be rewritten gets instead of a new header. */
const RESULT_ROW = 'run_result';

/**
 * The final job: the header's colour and title from the overall result, every row final. The
 * header can only change by rewriting the whole card, so the rows are read back first; a card
 * that cannot be read back whole is never rewritten (that would erase rows): it gets a result
 * line instead, and a warning says why.
 */
async function finishCard(
  settings: Settings,
  ctx: RunContext,
  handle: CardHandle,
  deps: RunCardDeps,
) {
  const notice = buildNotice(settings, ctx);
  let rows: ReturnType<typeof rowsFromReadBack>;
  let unreadable = 'the chat gave no card in the raw form';
  try {
    const back = await deps.kit.readBack(handle);
    rows = back ? rowsFromReadBack(back) : undefined;
    if (back && !rows) unreadable = 'a row came back in a form that cannot be rewritten';
  } catch (error) {
    unreadable = describeError(error);
  }
  if (rows) {
    await deps.kit.replaceCard(handle, runCard(notice, rows));
    deps.info(`Finished the run card as ${notice.status} (${rows.length} rows).`);
  } else {
    const look = STATUS_LOOK[notice.status];
    const line = {
      tag: 'markdown',
      element_id: RESULT_ROW,
      content: `${look.icon} **${STATUS_LABEL[notice.status][notice.languages[0] ?? 'en_us']}**`,
    };
    try {
      await deps.kit.addElements(handle, 'insert_before', ROWS_END, [line]);
    } catch (error) {
      if (!(error instanceof FeishuError && error.code === ELEMENT_EXISTS)) throw error;
      await deps.kit.replaceElement(handle, RESULT_ROW, line);
    }
    deps.warning(
      `Could not read the run card back (${unreadable}), so its header was left as it was and the result added as a line. Reading it needs the scope im:message.group_msg (or im:message:readonly).`,
    );
  }
  // A card's own change notifies nobody: a failure is told in its thread (finish-reply, urgent).
  await replyToCard(deps.client, handle.messageId, notice, settings, ctx.runUrl, deps);
}
