/** The statuses a card can show. GitHub's many spellings are folded into these. */
export const STATUSES = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'in_progress',
  'warning',
  'info',
] as const;
export type Status = (typeof STATUSES)[number];

/**
 * GitHub's spellings (job.status, check conclusions, deployment states, workflow_run
 * conclusions) and common synonyms, lower-cased with '-' and ' ' read as '_'.
 */
const ALIASES: Record<string, Status> = {
  succeeded: 'success',
  successful: 'success',
  passed: 'success',
  ok: 'success',
  completed: 'success',
  failed: 'failure',
  fail: 'failure',
  error: 'failure',
  errored: 'failure',
  timed_out: 'failure',
  startup_failure: 'failure',
  canceled: 'cancelled',
  cancel: 'cancelled',
  skip: 'skipped',
  stale: 'skipped',
  inactive: 'skipped',
  queued: 'in_progress',
  pending: 'in_progress',
  waiting: 'in_progress',
  requested: 'in_progress',
  running: 'in_progress',
  started: 'in_progress',
  in_progress: 'in_progress',
  progress: 'in_progress',
  action_required: 'warning',
  warn: 'warning',
  neutral: 'info',
  notice: 'info',
};

export function parseStatus(raw: string): Status | undefined {
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
  if ((STATUSES as readonly string[]).includes(key)) return key as Status;
  // Own keys only: 'constructor' or '__proto__' must not read Object.prototype.
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
}

export interface StatusLook {
  icon: string;
  /** Card header template colour. */
  color: string;
}

/* The words for each status (titles, tags) are in render/words.ts, in every language. */

export const STATUS_LOOK: Record<Status, StatusLook> = {
  success: { icon: '✅', color: 'green' },
  failure: { icon: '❌', color: 'red' },
  cancelled: { icon: '⏹️', color: 'grey' },
  skipped: { icon: '⏭️', color: 'grey' },
  in_progress: { icon: '⏳', color: 'blue' },
  warning: { icon: '⚠️', color: 'orange' },
  info: { icon: 'ℹ️', color: 'wathet' },
};

/** A status that will not change by itself: the post step has nothing to finish. */
export function isFinal(status: Status): boolean {
  return status !== 'in_progress';
}
