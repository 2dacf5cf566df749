/** Backoff policy: pure, so its bounds can be tested without waiting. */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest wait honoured from a rate-limit reset header, and the cap of any throttled wait. */
  maxRateLimitWaitMs: number;
  /**
   * First wait after "slow down" without a reset time (230020, 11232, a bare 429): about one
   * rate-limit window. Default THROTTLE_BASE_MS.
   */
  throttleBaseMs?: number;
}

/**
 * The longest rate-limit reset waited for in full. Feishu's per-app limits are counted per
 * second and per minute, so a reset never needs more than a minute; a longer one is not trusted.
 */
export const MAX_RESET_WAIT_MS = 60_000;

/** How often a send waits for an earlier attempt with its uuid that is still in flight. */
export const MAX_IN_FLIGHT_WAITS = 5;

/** Feishu's per-chat limit (5 messages per second) is counted over a one-second window. */
export const THROTTLE_BASE_MS = 1000;

export const DEFAULT_POLICY: Omit<RetryPolicy, 'retries'> = {
  baseDelayMs: 400,
  maxDelayMs: 5000,
  maxRateLimitWaitMs: 10_000,
  throttleBaseMs: THROTTLE_BASE_MS,
};

/**
 * Delay before retry number `attempt` (0 = first retry): "full jitter" backoff, a random
 * share of an exponentially growing cap, so jobs that failed together do not retry together.
 * A rate-limit reset time, when the server gives one, is waited out (plus a little jitter).
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  resetSeconds?: number,
  random: () => number = Math.random,
): number {
  if (resetSeconds !== undefined && Number.isFinite(resetSeconds) && resetSeconds >= 0) {
    return Math.min(policy.maxRateLimitWaitMs, resetSeconds * 1000) + Math.floor(random() * 250);
  }
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(cap / 2 + random() * (cap / 2));
}

/**
 * Delay before retry number `attempt` after a "slow down" answer that names no reset time.
 *
 * The short network backoff above is wrong here: a chat takes 5 messages a second from all
 * bots together, so twenty matrix legs finishing at once need about four seconds between
 * them, and retries spread over well under a second all land in the same full window (they
 * were lost: 5 of 20 in a test). So the spread starts at about one window and doubles, and
 * is drawn from most of that range (not its top half only) so that the legs that collided
 * fan out: 0.75–2 s, 1.5–4 s, 3–8 s, then capped by maxRateLimitWaitMs.
 */
export function throttleDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const base = policy.throttleBaseMs ?? THROTTLE_BASE_MS;
  const cap = Math.min(policy.maxRateLimitWaitMs, base * 2 ** (attempt + 1));
  return Math.floor(cap * (0.375 + 0.625 * random()));
}

/**
 * The longest a call can take: every attempt timing out, the longest wait before each retry (a
 * rate-limit reset waited out in full), and the waits for an earlier attempt still in flight.
 */
export function worstCaseMs(policy: RetryPolicy, timeoutMs: number): number {
  let total = timeoutMs * (policy.retries + 1);
  for (let attempt = 0; attempt < policy.retries; attempt++) {
    total += Math.max(
      Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt),
      Math.max(policy.maxRateLimitWaitMs, MAX_RESET_WAIT_MS) + 250,
    );
  }
  if (policy.retries > 0) {
    for (let wait = 0; wait < MAX_IN_FLIGHT_WAITS; wait++)
      total += timeoutMs + throttleDelay(wait, policy, () => 1);
  }
  return total;
}
