/** Backoff policy: pure, so its bounds can be tested without waiting. */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest wait honoured from a rate-limit reset header. */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_POLICY: Omit<RetryPolicy, 'retries'> = {
  baseDelayMs: 400,
  maxDelayMs: 5000,
  maxRateLimitWaitMs: 10_000,
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

/** The longest a call can take: every attempt timing out plus the longest waits between them. */
export function worstCaseMs(policy: RetryPolicy, timeoutMs: number): number {
  let total = timeoutMs * (policy.retries + 1);
  for (let attempt = 0; attempt < policy.retries; attempt++) {
    total += Math.max(
      Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt),
      policy.maxRateLimitWaitMs + 250,
    );
  }
  return total;
}
