// A fleet's `faults` section (docs/faults.md) as the real SDK meets it: latency, EKS's throttling as a token bucket
// per account and region, random ThrottlingException and ServerException at the rates asked, the same on every
// run for a seed; and its validation, every problem with its path.

import { DescribeClusterCommand, EKSClient, ListClustersCommand, ServerException, ThrottlingException } from "@aws-sdk/client-eks";
import { afterEach, describe, expect, it } from "vitest";
import { FleetError, startSimulator, validateFleet, type Fleet, type Simulator } from "../src/index.ts";
import { eksClient, rejection } from "./helpers.ts";
import { FaultInjector } from "../src/faults.ts";

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
});

async function simulatorWith(faults: Record<string, unknown>): Promise<Simulator> {
  const fleet: Fleet = { defaultAccount: "111111111111", defaultRegion: "eu-west-1", clusters: [{ cluster: { name: "web" } }], faults };
  const sim = await startSimulator({ fleet });
  running.push(sim);
  return sim;
}

/**
 * Each call's outcome as the SDK reports it, with no SDK retry: "ok" or the error's name and status. In batches of
 * `parallel` calls: each call takes one draw, so the outcomes as a whole do not depend on the order they arrive in.
 */
async function outcomes(eks: EKSClient, count: number, parallel = 1): Promise<string[]> {
  const seen: string[] = [];
  const one = () => eks.send(new ListClustersCommand({})).then(() => "ok", (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.name} ${error.$metadata?.httpStatusCode}`);
  for (let done = 0; done < count; done += parallel) seen.push(...(await Promise.all(Array.from({ length: Math.min(parallel, count - done) }, one))));
  return seen;
}

function invalid(faults: unknown): string[] {
  try {
    validateFleet({ faults }, "test fleet");
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    return (error as FleetError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error("expected the fleet to be refused");
}

describe("faults.eks over the wire", () => {
  it("answers the shares of ThrottlingException (429) and ServerException (500) asked, measured over 1,000 calls", async () => {
    const sim = await simulatorWith({ seed: 42, eks: { throttleRate: 0.3, errorRate: 0.05 } });
    const seen = await outcomes(eksClient(sim, { maxAttempts: 1 }), 1000, 25);
    const share = (what: string) => seen.filter((outcome) => outcome === what).length / seen.length;
    // The seed fixes the draws, so these bounds (3 standard deviations) hold on every run.
    expect(share("ThrottlingException 429")).toBeGreaterThan(0.255);
    expect(share("ThrottlingException 429")).toBeLessThan(0.345);
    expect(share("ServerException 500")).toBeGreaterThan(0.03);
    expect(share("ServerException 500")).toBeLessThan(0.07);
    expect(share("ok") + share("ThrottlingException 429") + share("ServerException 500")).toBe(1);
    expect(sim.faults.injected()).toMatchObject({ throttled: seen.filter((o) => o.startsWith("Throttling")).length, serverErrors: seen.filter((o) => o.startsWith("Server")).length });
  });

  it("is the same on every run for a seed, and differs for another seed", async () => {
    const first = await outcomes(eksClient(await simulatorWith({ seed: 7, eks: { throttleRate: 0.5 } }), { maxAttempts: 1 }), 40);
    const again = await outcomes(eksClient(await simulatorWith({ seed: 7, eks: { throttleRate: 0.5 } }), { maxAttempts: 1 }), 40);
    const other = await outcomes(eksClient(await simulatorWith({ seed: 8, eks: { throttleRate: 0.5 } }), { maxAttempts: 1 }), 40);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it("the SDK sees its own error classes and retries them: every call succeeds in the end under 30% throttling", async () => {
    const sim = await simulatorWith({ seed: 3, eks: { throttleRate: 0.3, errorRate: 0.05 } });
    const eks = eksClient(sim, { maxAttempts: 1 });
    const errors = [];
    for (let index = 0; index < 30; index += 1) errors.push(await rejection(eks.send(new DescribeClusterCommand({ name: "web" }))).catch(() => undefined));
    const failures = errors.filter((error) => error !== undefined);
    expect(failures.some((error) => error instanceof ThrottlingException)).toBe(true);
    expect(failures.every((error) => error instanceof ThrottlingException || error instanceof ServerException)).toBe(true);

    const retrying = eksClient(sim, { maxAttempts: 6 });
    const attempts: number[] = [];
    for (let index = 0; index < 12; index += 1) attempts.push((await retrying.send(new DescribeClusterCommand({ name: "web" }))).$metadata.attempts ?? 1);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });

  it("refuses calls beyond the token bucket's burst with ThrottlingException, refills at perSecond, per account and region", async () => {
    const sim = await simulatorWith({ eks: { rateLimit: { perSecond: 5, burst: 10 } } });
    const eks = eksClient(sim, { maxAttempts: 1 });
    // Bounds from the time the calls took, so a loaded machine (slow calls, more refill meanwhile) cannot fail it.
    const burstStarted = performance.now();
    const burst = await Promise.all(Array.from({ length: 30 }, () => eks.send(new ListClustersCommand({})).then(() => "ok", (error: Error) => error.name)));
    const refillDuringBurst = Math.floor(((performance.now() - burstStarted) / 1000) * 5);
    const burstOk = burst.filter((outcome) => outcome === "ok").length;
    expect(burstOk).toBeGreaterThanOrEqual(10);
    expect(burstOk).toBeLessThanOrEqual(10 + refillDuringBurst);
    expect(burst.filter((outcome) => outcome === "ThrottlingException")).toHaveLength(30 - burstOk);
    expect(sim.faults.injected().rateLimited).toBe(30 - burstOk);

    // Another region of the same account has a bucket of its own.
    const otherRegion = eksClient(sim, { maxAttempts: 1, region: "us-east-1" });
    expect((await otherRegion.send(new ListClustersCommand({}))).$metadata.httpStatusCode).toBe(200);

    // A second later, perSecond tokens are back (and no more than the time since the bucket was last empty refilled).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const refilled = await Promise.all(Array.from({ length: 12 }, () => eks.send(new ListClustersCommand({})).then(() => "ok", (error: Error) => error.name)));
    const ok = refilled.filter((outcome) => outcome === "ok").length;
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(1 + Math.floor(((performance.now() - burstStarted) / 1000) * 5));
    expect(ok).toBeLessThan(12);
  });

  it("adds latencyMs to every EKS call, and latencySpikes' ms to the share of calls it names", async () => {
    const sim = await simulatorWith({ eks: { latencyMs: 40 } });
    const eks = eksClient(sim);
    await eks.send(new ListClustersCommand({}));
    const started = performance.now();
    for (let index = 0; index < 10; index += 1) await eks.send(new ListClustersCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);

    const spiky = await simulatorWith({ eks: { latencyMs: 0, latencySpikes: { rate: 1, ms: 150 } } });
    const spikeStarted = performance.now();
    await eksClient(spiky).send(new ListClustersCommand({}));
    expect(performance.now() - spikeStarted).toBeGreaterThanOrEqual(145);
    expect(spiky.faults.injected().latencySpikes).toBe(1);
  });

  it("waitScale shortens the real wait of latency and spikes, which are still drawn and counted at their rate", async () => {
    const plan = { eks: { latencyMs: 0, latencySpikes: { rate: 0.5, ms: 2000 }, throttleRate: 0, errorRate: 0 } };
    const scaled = await simulatorWith({ ...plan, seed: 9, waitScale: 0.01 });
    const eks = eksClient(scaled);
    const started = performance.now();
    for (let index = 0; index < 20; index += 1) await eks.send(new ListClustersCommand({}));
    // Unscaled, about ten spikes of 2 s would take 20 s; scaled, each waits 20 ms.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(scaled.faults.injected().latencySpikes).toBeGreaterThanOrEqual(5);
    // The same seed draws the same spikes in the same places: only their length differs.
    const full = new FaultInjector();
    const short = new FaultInjector();
    full.apply({ ...plan, seed: 9 });
    short.apply({ ...plan, seed: 9, waitScale: 0.01 });
    const fullDraws = Array.from({ length: 40 }, () => full.eksLatency("ListClusters"));
    expect(fullDraws.filter((ms) => ms === 2000).length).toBeGreaterThanOrEqual(10);
    expect(Array.from({ length: 40 }, () => short.eksLatency("ListClusters"))).toEqual(fullDraws.map((ms) => ms * 0.01));
    expect(short.injected().latencySpikes).toBe(full.injected().latencySpikes);
    // apply() without a waitScale, and clear(), wait in full again.
    scaled.faults.apply({ eks: { latencyMs: 100, throttleRate: 0, errorRate: 0 } });
    expect(scaled.faults.eksLatency("ListClusters")).toBe(100);
    scaled.faults.apply({ eks: { latencyMs: 100, throttleRate: 0, errorRate: 0 }, waitScale: 0.5 });
    expect(scaled.faults.eksLatency("ListClusters")).toBe(50);
    scaled.faults.clear();
    scaled.faults.set("ListClusters", { latencyMs: 30 });
    expect(scaled.faults.eksLatency("ListClusters")).toBe(30);
  });

  it("a fleet without faults has none; clear() removes the fleet's plan", async () => {
    const sim = await simulatorWith({ eks: { throttleRate: 1 } });
    expect((await rejection(eksClient(sim, { maxAttempts: 1 }).send(new ListClustersCommand({})))).name).toBe("ThrottlingException");
    sim.faults.clear();
    expect((await eksClient(sim, { maxAttempts: 1 }).send(new ListClustersCommand({}))).$metadata.httpStatusCode).toBe(200);
  });
});

describe("faults validation", () => {
  it("names every problem with its path and what is expected", () => {
    expect(
      invalid({
        seed: -1,
        waitScale: 0,
        eks: { latencyMs: "40", throttleRate: 1.5, errorRate: -0.1, latencySpikes: { rate: 0.1 }, rateLimit: { perSecond: 0, burst: 2.5 }, throttle: 1 },
      }),
    ).toEqual([
      "faults.seed: expected a whole number from 0 to 4294967295, got -1",
      "faults.waitScale: expected a share of real time above 0 and at most 1 (0.01 waits 1%), got 0",
      "faults.eks.throttle: unknown field (expected one of latencyMs, latencySpikes, throttleRate, errorRate, rateLimit)",
      'faults.eks.latencyMs: expected milliseconds from 0 to 60000, got "40"',
      "faults.eks.throttleRate: expected a share of calls from 0 to 1 (0.05 is 5%), got 1.5",
      "faults.eks.errorRate: expected a share of calls from 0 to 1 (0.05 is 5%), got -0.1",
      "faults.eks.latencySpikes.ms: expected milliseconds from 0 to 60000, got undefined",
      "faults.eks.rateLimit.perSecond: expected calls refilled per second (a number above 0), got 0",
      "faults.eks.rateLimit.burst: expected the bucket's size in calls (a whole number, 1 or more), got 2.5",
    ]);
  });

  it("refuses a service it does not know, and rates that add up to more than every call", () => {
    expect(invalid({ lambda: {} })).toEqual(["faults.lambda: unknown field (expected one of seed, waitScale, eks, dynamodb, sns, settleQueue, cloudtrail)"]);
    expect(invalid([])).toEqual(["faults: expected an object { seed?, waitScale?, eks?, dynamodb?, sns?, settleQueue?, cloudtrail? }, got []"]);
    expect(invalid({ eks: { throttleRate: 0.7, errorRate: 0.5 } })).toEqual(["faults.eks.errorRate: throttleRate + errorRate is 1.2: together they can fail at most every call (1)"]);
  });

  it("keeps a valid plan, with defaults of 0", () => {
    expect(validateFleet({ faults: { seed: 42, eks: { latencyMs: 40, latencySpikes: { rate: 0.01, ms: 2000 }, throttleRate: 0.3, errorRate: 0.05, rateLimit: { perSecond: 10, burst: 20 } } } }).faults).toEqual({
      seed: 42,
      eks: { latencyMs: 40, latencySpikes: { rate: 0.01, ms: 2000 }, throttleRate: 0.3, errorRate: 0.05, rateLimit: { perSecond: 10, burst: 20 } },
    });
    expect(validateFleet({ faults: { eks: {} } }).faults).toEqual({ eks: { latencyMs: 0, throttleRate: 0, errorRate: 0 } });
    expect(validateFleet({ faults: { waitScale: 0.01 } }).faults).toEqual({ waitScale: 0.01 });
    expect(validateFleet({ faults: { waitScale: 1 } }).faults).toEqual({ waitScale: 1 });
    expect(validateFleet({}).faults).toBeUndefined();
  });
});
