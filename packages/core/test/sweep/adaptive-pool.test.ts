// The AIMD controller of the sweep's and scan's concurrency, and the pool that follows it: pure, no network.

import { describe, expect, it } from "vitest";
import { EksUnavailable, Throttled } from "../../src/errors.ts";
import { AdaptiveConcurrency, describeRate, inAdaptivePool, retryThrottled } from "../../src/sweep/adaptive-pool.ts";

/** Ends one attempt started now with the outcome. */
function attempt(control: AdaptiveConcurrency, outcome: "ok" | "throttled" | "error"): void {
  control.attemptEnded(control.attemptStarted(), outcome);
}

describe("AdaptiveConcurrency", () => {
  it("halves on a throttle, down to the minimum and never below", () => {
    const control = new AdaptiveConcurrency(16);
    expect(control.limit).toBe(16);
    const limits = [];
    for (let index = 0; index < 6; index += 1) {
      attempt(control, "throttled");
      limits.push(control.limit);
    }
    expect(limits).toEqual([8, 4, 2, 1, 1, 1]);
    expect(control.stats()).toMatchObject({ throttles: 6, decreases: 4, lowest: 1 });
  });

  it("counts the throttles of calls already in flight at a decrease as the same signal: one halving, not one each", () => {
    const control = new AdaptiveConcurrency(8);
    const inFlight = Array.from({ length: 8 }, () => control.attemptStarted());
    for (const started of inFlight) control.attemptEnded(started, "throttled");
    expect(control.limit).toBe(4);
    expect(control.stats()).toMatchObject({ calls: 8, throttles: 8, decreases: 1 });
    // A call started after the decrease that is throttled again is a new signal.
    attempt(control, "throttled");
    expect(control.limit).toBe(2);
  });

  it("recovers by one slot per round of successful calls, up to the maximum and never above", () => {
    const control = new AdaptiveConcurrency(4);
    attempt(control, "throttled");
    attempt(control, "throttled");
    expect(control.limit).toBe(1);
    // Each success adds 1/limit: from 1, one success makes 2; at 2, about two more make 3.
    const limits = [];
    for (let index = 0; index < 4; index += 1) {
      attempt(control, "ok");
      limits.push(control.limit);
    }
    expect(limits).toEqual([2, 2, 2, 3]);
    for (let index = 0; index < 50; index += 1) attempt(control, "ok");
    expect(control.limit).toBe(4);
    expect(control.stats()).toMatchObject({ lowest: 1, recoveredTo: 4, limit: 4, max: 4 });
  });

  it("leaves the limit alone on other errors (they are not a sign of too many calls)", () => {
    const control = new AdaptiveConcurrency(4);
    attempt(control, "error");
    expect(control.limit).toBe(4);
    expect(control.stats()).toMatchObject({ calls: 1, throttles: 0, decreases: 0 });
  });

  it("refuses bounds that make no sense", () => {
    expect(() => new AdaptiveConcurrency(0)).toThrow("concurrency: the maximum must be a whole number >= 1, got 0");
    expect(() => new AdaptiveConcurrency(4, 5)).toThrow("concurrency: the minimum must be a whole number from 1 to 4, got 5");
  });
});

describe("inAdaptivePool", () => {
  /** Work items that each wait for the test to finish them, so the test sees how many run at once. */
  function controllable() {
    const waiting: (() => void)[] = [];
    let running = 0;
    const peaks: number[] = [];
    const work = async () => {
      running += 1;
      peaks.push(running);
      await new Promise<void>((resolve) => waiting.push(resolve));
      running -= 1;
    };
    const finishOne = async () => {
      waiting.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { work, finishOne, running: () => running, peaks };
  }

  it("runs at most `limit` at once, drains down to a lower limit and fills up to a higher one", async () => {
    const control = { limit: 4 };
    const pool = controllable();
    const done = inAdaptivePool(Array.from({ length: 20 }, (_, index) => index), control, pool.work);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pool.running()).toBe(4);
    control.limit = 1;
    await pool.finishOne();
    expect(pool.running()).toBe(3);
    await pool.finishOne();
    await pool.finishOne();
    expect(pool.running()).toBe(1);
    await pool.finishOne();
    expect(pool.running()).toBe(1);
    control.limit = 3;
    await pool.finishOne();
    expect(pool.running()).toBe(3);
    while (pool.running() > 0) await pool.finishOne();
    await done;
    expect(Math.max(...pool.peaks)).toBe(4);
  });

  it("takes every item once, in order of the items, and rejects with the first error", async () => {
    const seen: number[] = [];
    await inAdaptivePool([0, 1, 2, 3, 4], { limit: 2 }, async (item, index) => {
      expect(item).toBe(index);
      seen.push(item);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    await expect(inAdaptivePool([1, 2], { limit: 1 }, async (item) => { if (item === 2) throw new Error("boom"); })).rejects.toThrow("boom");
    await expect(inAdaptivePool([], { limit: 3 }, async () => {})).resolves.toBeUndefined();
  });
});

describe("describeRate", () => {
  it("says calls, time, rate, throttles and how the concurrency moved", () => {
    const control = new AdaptiveConcurrency(8);
    attempt(control, "throttled");
    attempt(control, "throttled");
    for (let index = 0; index < 12; index += 1) attempt(control, "ok");
    expect(describeRate(control.stats(), 4000)).toBe("14 EKS calls in 4.0 s (3.5 calls/s), 2 throttled; concurrency 8, lowest 2, back up to 5");
    expect(describeRate(new AdaptiveConcurrency(4).stats(), 0)).toBe("0 EKS calls in 0.0 s (0.0 calls/s), 0 throttled; concurrency 4");
  });
});

describe("retryThrottled", () => {
  it("reads again after 2 s, then 4 s, while EKS still throttles after the SDK's retries; then throws for an ERROR", async () => {
    const waits: number[] = [];
    let calls = 0;
    const throttled = () => {
      calls += 1;
      return Promise.reject(new Throttled("EKS", "DescribeCluster"));
    };
    await expect(retryThrottled(throttled, { attempts: 3, backoffMs: 2_000, sleep: async (ms) => void waits.push(ms) })).rejects.toBeInstanceOf(Throttled);
    expect(calls).toBe(3);
    expect(waits).toEqual([2_000, 4_000]);

    let attempt = 0;
    const recovers = async () => (attempt += 1) < 2 ? Promise.reject(new Throttled("EKS", "DescribeCluster")) : "read";
    await expect(retryThrottled(recovers, { attempts: 3, backoffMs: 1, sleep: async () => {} })).resolves.toBe("read");
  });

  it("does not retry other failures: they are the caller's ERROR at once", async () => {
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(new EksUnavailable("DescribeCluster"));
    };
    await expect(retryThrottled(failing, { attempts: 3, backoffMs: 1, sleep: async () => {} })).rejects.toBeInstanceOf(EksUnavailable);
    expect(calls).toBe(1);
  });
});
