import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_POLICY,
  MAX_RESET_WAIT_MS,
  type RetryPolicy,
  throttleDelay,
  worstCaseMs,
} from '../../src/feishu/retry.js';

const policy: RetryPolicy = { retries: 3, ...DEFAULT_POLICY };
const LOW = () => 0;
const HIGH = () => 0.999_999;

describe('backoffDelay', () => {
  it('stays within [cap/2, cap] where the cap doubles up to maxDelayMs', () => {
    for (let attempt = 0; attempt <= 12; attempt++) {
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
      const low = backoffDelay(attempt, policy, undefined, LOW);
      const high = backoffDelay(attempt, policy, undefined, HIGH);
      expect(low).toBe(Math.floor(cap / 2));
      expect(high).toBeLessThanOrEqual(cap);
      expect(high).toBeGreaterThan(cap * 0.99);
    }
  });

  it('starts at the base and never waits longer than maxDelayMs', () => {
    expect(backoffDelay(0, policy, undefined, HIGH)).toBeLessThanOrEqual(400);
    expect(backoffDelay(0, policy, undefined, LOW)).toBe(200);
    for (let attempt = 0; attempt < 40; attempt++) {
      expect(backoffDelay(attempt, policy)).toBeLessThanOrEqual(policy.maxDelayMs);
    }
  });

  it('has jitter: concurrent jobs do not retry in lockstep', () => {
    const waits = Array.from({ length: 200 }, () => backoffDelay(2, policy));
    expect(new Set(waits).size).toBeGreaterThan(50);
    const spread = Math.max(...waits) - Math.min(...waits);
    expect(spread).toBeGreaterThan(1600 / 2 / 2);
  });

  it('waits out a rate-limit reset, plus under 250 ms of jitter', () => {
    expect(backoffDelay(0, policy, 3, LOW)).toBe(3000);
    expect(backoffDelay(0, policy, 3, HIGH)).toBeLessThan(3250);
    expect(backoffDelay(5, policy, 0, LOW)).toBe(0);
    const waits = new Set(Array.from({ length: 50 }, () => backoffDelay(0, policy, 2)));
    expect(waits.size).toBeGreaterThan(10);
  });

  it('caps a long reset at maxRateLimitWaitMs', () => {
    expect(backoffDelay(0, policy, 3600, LOW)).toBe(policy.maxRateLimitWaitMs);
    expect(backoffDelay(0, policy, 3600, HIGH)).toBeLessThan(policy.maxRateLimitWaitMs + 250);
    expect(backoffDelay(0, policy, Number.POSITIVE_INFINITY, HIGH)).toBeLessThanOrEqual(400);
  });

  it('ignores a reset that is not a number or negative', () => {
    for (const reset of [Number.NaN, -1]) {
      expect(backoffDelay(1, policy, reset, LOW)).toBe(400);
    }
  });
});

describe('throttleDelay', () => {
  it('starts at about one rate-limit window and doubles, capped', () => {
    const ranges = [
      [750, 2000],
      [1500, 4000],
      [3000, 8000],
      [3750, 10_000],
      [3750, 10_000],
    ];
    ranges.forEach(([low, high], attempt) => {
      expect(throttleDelay(attempt, policy, LOW)).toBe(low);
      expect(throttleDelay(attempt, policy, HIGH)).toBeLessThanOrEqual(high ?? 0);
      expect(throttleDelay(attempt, policy, HIGH)).toBeGreaterThan((high ?? 0) * 0.99);
    });
  });

  it('never waits longer than maxRateLimitWaitMs', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      expect(throttleDelay(attempt, policy)).toBeLessThanOrEqual(policy.maxRateLimitWaitMs);
    }
  });

  it('spreads retries over most of its range', () => {
    const waits = Array.from({ length: 300 }, () => throttleDelay(0, policy));
    expect(new Set(waits).size).toBeGreaterThan(100);
    expect(Math.min(...waits)).toBeLessThan(1000);
    expect(Math.max(...waits)).toBeGreaterThan(1700);
  });

  it('follows throttleBaseMs', () => {
    expect(throttleDelay(0, { ...policy, throttleBaseMs: 10 }, HIGH)).toBeLessThanOrEqual(20);
  });
});

describe('worstCaseMs', () => {
  it('bounds every attempt timing out plus the longest waits', () => {
    expect(worstCaseMs({ ...policy, retries: 0 }, 10_000)).toBe(10_000);
    // Each retry may wait out a full rate-limit reset (up to a minute), and a send may wait for
    // an earlier attempt of its uuid still in flight (issue 15).
    const inFlight = [0, 1, 2, 3, 4].reduce(
      (sum, w) => sum + 10_000 + throttleDelay(w, policy, () => 1),
      0,
    );
    expect(worstCaseMs(policy, 10_000)).toBe(4 * 10_000 + 3 * (MAX_RESET_WAIT_MS + 250) + inFlight);
  });

  it('is at least the sum of any waits the policy can choose', () => {
    for (const retries of [0, 1, 3, 10]) {
      const p = { ...policy, retries };
      let longest = 0;
      for (let attempt = 0; attempt < retries; attempt++) {
        longest += Math.max(
          backoffDelay(attempt, p, undefined, HIGH),
          backoffDelay(attempt, p, 1e9, HIGH),
          throttleDelay(attempt, p, HIGH),
        );
      }
      expect(worstCaseMs(p, 0)).toBeGreaterThanOrEqual(longest);
    }
  });

  it('stays far below a job time-out with the defaults', () => {
    // 3 retries, 10 s timeout: about 5 minutes even with three full one-minute resets and five
    // waits for an attempt in flight, not the
    // 6-hour job limit.
    expect(worstCaseMs(policy, 10_000)).toBeLessThan(6 * 60 * 1000);
    expect(worstCaseMs({ ...policy, retries: 10 }, 300_000)).toBeLessThan(2 * 60 * 60 * 1000);
  });
});
