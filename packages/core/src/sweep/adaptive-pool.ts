// How many clusters the sweep and `eks-warden scan` read at once, adapted to EKS's throttling (AIMD, as TCP does):
// every ThrottlingException halves the concurrency (at most once per round of calls: the throttles of calls already
// in flight are the same signal), every call that succeeds adds 1/limit (one more slot per round of calls that all
// succeeded), between 1 and the configured maximum. The SDK still retries each throttled call itself (standard
// mode); this only stops the next calls from asking for more than EKS gives. Pure: no clock, no network; the EKS
// adapter reports each attempt (AttemptObserver) and the pool asks `limit` before it starts a cluster.

import { Throttled } from "../errors.ts";
import type { AttemptObserver } from "../pipeline/ports.ts";

export interface ConcurrencyStats {
  /** Attempts that ended (each retry is an attempt). */
  readonly calls: number;
  readonly throttles: number;
  /** Halvings of the limit. */
  readonly decreases: number;
  /** The lowest limit reached, the highest after the lowest (the recovery), and the limit now. */
  readonly lowest: number;
  readonly recoveredTo: number;
  readonly limit: number;
  readonly max: number;
}

export class AdaptiveConcurrency implements AttemptObserver {
  readonly max: number;
  readonly min: number;
  #limit: number;
  /** Bumped at each decrease: a throttle of an attempt started before it is not a new signal. */
  #epoch = 0;
  #calls = 0;
  #throttles = 0;
  #decreases = 0;
  #lowest: number;
  #recoveredTo: number;

  constructor(max: number, min = 1) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency: the maximum must be a whole number >= 1, got ${max}`);
    if (!Number.isInteger(min) || min < 1 || min > max) throw new RangeError(`concurrency: the minimum must be a whole number from 1 to ${max}, got ${min}`);
    this.max = max;
    this.min = min;
    this.#limit = max;
    this.#lowest = max;
    this.#recoveredTo = max;
  }

  /** Clusters that may be read at once now: a whole number from min to max. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  attemptStarted(): number {
    return this.#epoch;
  }

  attemptEnded(started: number, outcome: "ok" | "throttled" | "error"): void {
    this.#calls += 1;
    if (outcome === "throttled") {
      this.#throttles += 1;
      if (started !== this.#epoch || this.#limit <= this.min) return;
      this.#epoch += 1;
      this.#decreases += 1;
      this.#limit = Math.max(this.min, this.#limit / 2);
      if (this.limit < this.#lowest) this.#lowest = this.limit;
      this.#recoveredTo = this.limit;
    } else if (outcome === "ok") {
      this.#limit = Math.min(this.max, this.#limit + 1 / this.#limit);
      if (this.limit > this.#recoveredTo) this.#recoveredTo = this.limit;
    }
  }

  stats(): ConcurrencyStats {
    return { calls: this.#calls, throttles: this.#throttles, decreases: this.#decreases, lowest: this.#lowest, recoveredTo: this.#recoveredTo, limit: this.limit, max: this.max };
  }
}

/**
 * Runs `work` over the items in their order, with at most `control.limit` running at once, asked again each time
 * one ends (so a lower limit drains the pool down to it, a higher one fills it). Rejects with the first error.
 */
export function inAdaptivePool<T>(items: readonly T[], control: { readonly limit: number }, work: (item: T, index: number) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let active = 0;
    let failed = false;
    const fill = (): void => {
      if (failed) return;
      if (next >= items.length && active === 0) {
        resolve();
        return;
      }
      while (active < Math.max(1, control.limit) && next < items.length) {
        const index = next;
        next += 1;
        active += 1;
        work(items[index]!, index).then(
          () => {
            active -= 1;
            fill();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
    };
    fill();
  });
}

/** "412 EKS calls in 8.2 s (50.2 calls/s), 37 throttled; concurrency 8, lowest 2, back up to 8". */
export function describeRate(stats: ConcurrencyStats, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? stats.calls / seconds : 0;
  const adapted = stats.decreases === 0 ? `concurrency ${stats.max}` : `concurrency ${stats.max}, lowest ${stats.lowest}, back up to ${stats.recoveredTo}`;
  return `${stats.calls} EKS call${stats.calls === 1 ? "" : "s"} in ${seconds.toFixed(1)} s (${rate.toFixed(1)} calls/s), ${stats.throttles} throttled; ${adapted}`;
}

export interface ThrottleRetry {
  /** Attempts in all while the work keeps failing with Throttled (after the SDK's own retries). */
  readonly attempts: number;
  /** The first wait, doubled at each further one. */
  readonly backoffMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Told before each wait (to log it). */
  readonly onBackoff?: (attempt: number, waitMs: number) => void;
}

export const DEFAULT_THROTTLE_RETRY = { attempts: 3, backoffMs: 2_000 } as const;

/**
 * `work` again, after a wait, while it fails with Throttled: a throttled read is retried, never dropped. What still
 * fails after the last attempt (or fails otherwise) is thrown, for the caller to record as ERROR.
 */
export async function retryThrottled<T>(work: () => Promise<T>, retry: ThrottleRetry): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof Throttled) || attempt >= retry.attempts) throw error;
      const wait = retry.backoffMs * 2 ** (attempt - 1);
      retry.onBackoff?.(attempt, wait);
      await retry.sleep(wait);
    }
  }
}
