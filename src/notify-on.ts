/**
 * Noise control: whether a notice is worth sending, judged against the result of the key's
 * previous notice (read from the chat's history). Pure.
 */
import type { NotifyOn } from './settings.js';
import type { Status } from './status.js';

/** How a result relates to the one before it: a recovery, or the same failure again. */
export type Streak = 'fixed' | 'still-failing';

const BROKEN: ReadonlySet<Status> = new Set(['failure', 'cancelled']);

export function streakOf(previous: Status | undefined, current: Status): Streak | undefined {
  if (!previous) return undefined;
  if (current === 'success' && BROKEN.has(previous)) return 'fixed';
  if (current === 'failure' && previous === 'failure') return 'still-failing';
  return undefined;
}

export interface Verdict {
  send: boolean;
  /** Why, for the log. */
  reason: string;
}

export function verdict(
  notifyOn: NotifyOn,
  previous: Status | undefined,
  current: Status,
): Verdict {
  const before = previous ? `the previous notice was ${previous}` : 'there is no previous notice';
  // A card sent in progress is finished by the post step: the final result is not known yet.
  if (notifyOn === 'always' || current === 'in_progress')
    return { send: true, reason: `notify-on: ${notifyOn}` };
  if (notifyOn === 'failure') {
    if (current !== 'success') return { send: true, reason: `the result is ${current}` };
    if (previous && previous !== 'success') return { send: true, reason: `a recovery: ${before}` };
    return { send: false, reason: `notify-on: failure, the result is success and ${before}` };
  }
  if (previous === current)
    return {
      send: false,
      reason: `notify-on: change, the result is ${current} and so was the previous notice`,
    };
  return { send: true, reason: `the result is ${current} and ${before}` };
}
