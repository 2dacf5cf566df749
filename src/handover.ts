/**
 * Steps of one job share RUNNER_TEMP (the runner gives a job's steps and their post steps one
 * directory). When a later step updates a card an earlier step sent in progress, it leaves what
 * it put on the card there, so the earlier step's post step finishes the card with the later
 * content (its message, fields, buttons), not its own older ones.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from './settings.js';

/** The parts of a notice a step chooses itself; the rest comes from the run. */
export type Handover = Pick<
  Settings,
  'title' | 'message' | 'fields' | 'buttons' | 'mentions' | 'userMap'
>;

function fileOf(dir: string, messageId: string): string {
  // Message IDs are checked (om_ + letters, digits, _ and -) before they get here.
  return join(dir, 'feishu-notify', `card-${messageId.replace(/[^\w-]/g, '_')}.json`);
}

export function saveHandover(dir: string, messageId: string, settings: Settings): void {
  const handover: Handover = {
    title: settings.title,
    message: settings.message,
    fields: settings.fields,
    buttons: settings.buttons,
    mentions: settings.mentions,
    userMap: settings.userMap,
  };
  const file = fileOf(dir, messageId);
  mkdirSync(join(dir, 'feishu-notify'), { recursive: true });
  // Written whole, then renamed: a reader never sees half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(handover));
  renameSync(`${file}.tmp`, file);
}

/** The latest content a later step of this job put on the card, if any. */
export function loadHandover(dir: string, messageId: string): Handover | undefined {
  let saved: Partial<Handover>;
  try {
    saved = JSON.parse(readFileSync(fileOf(dir, messageId), 'utf8')) as Partial<Handover>;
  } catch {
    return undefined;
  }
  // Every part is taken from the later step, even one it left empty (JSON drops undefined).
  return {
    title: saved.title,
    message: saved.message,
    fields: saved.fields ?? [],
    buttons: saved.buttons ?? [],
    mentions: saved.mentions ?? [],
    userMap: saved.userMap ?? {},
  };
}
