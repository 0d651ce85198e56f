// The EKS collector under EKS's throttling (the simulator's faults.eks.rateLimit, docs/faults.md), read through the
// adaptive pool as the sweep and scan read: the concurrency backs off while the token bucket refuses calls, comes
// back up when it stops, and no cluster is dropped: every throttled call is retried until it is answered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { EksCollector } from "../../src/aws/eks.ts";
import { AdaptiveConcurrency, inAdaptivePool } from "../../src/sweep/adaptive-pool.ts";
import type { ClusterIdentity } from "../../src/model.ts";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const CLUSTERS = 60;
const credentials = { accessKeyId: "AKIAWARDENTHROTTLE01", secretAccessKey: "secret" };
const refs: ClusterIdentity[] = Array.from({ length: CLUSTERS }, (_, index) => {
  const name = `cluster-${String(index).padStart(3, "0")}`;
  return { arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`, account: ACCOUNT, region: REGION, name };
});

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    fleet: {
      defaultAccount: ACCOUNT,
      defaultRegion: REGION,
      clusters: refs.map((ref) => ({ cluster: { name: ref.name, version: "1.34" } })),
      // 8 clusters at once at 20 ms a call ask for up to 400 calls/s (less on a loaded machine); the bucket gives 10/s
      // after a burst of 5.
      faults: { seed: 5, eks: { latencyMs: 20, rateLimit: { perSecond: 10, burst: 5 } } },
    },
  });
});
afterAll(async () => {
  await sim?.stop();
});

describe("EksCollector under EKS's rate limit, through the adaptive pool", () => {
  it("halves its concurrency while throttled, recovers to the maximum once EKS stops throttling, and reads every cluster", async () => {
    const collector = new EksCollector({ clientConfig: { endpoint: sim.url, region: REGION, credentials } });
    const concurrency = new AdaptiveConcurrency(8);
    const stop = collector.observeAttempts(concurrency);
    const limits: number[] = [];
    const read: string[] = [];
    try {
      await inAdaptivePool(refs, concurrency, async (ref, index) => {
        // Halfway through, EKS stops throttling (the bucket is gone; the latency stays).
        if (index === CLUSTERS / 2) sim.faults.apply({ eks: { latencyMs: 20, throttleRate: 0, errorRate: 0 } });
        const collected = await collector.collect(ref, ["cluster"]);
        read.push(collected.snapshot.name);
        limits.push(concurrency.limit);
      });
    } finally {
      stop();
      collector.destroy();
    }
    const stats = concurrency.stats();
    // Backed off: throttles seen (each one the simulator's token bucket refusing a call), the limit halved.
    expect(sim.faults.injected().rateLimited).toBeGreaterThan(0);
    expect(stats.throttles).toBe(sim.faults.injected().rateLimited);
    expect(stats.decreases).toBeGreaterThan(0);
    expect(stats.lowest).toBeLessThanOrEqual(2);
    // Recovered: back to the maximum once the calls succeed again.
    expect(stats.recoveredTo).toBe(8);
    expect(limits.at(-1)).toBe(8);
    // Nothing dropped: every cluster read once, every throttled call retried (attempts = answers + throttles).
    expect(read.sort()).toEqual(refs.map((ref) => ref.name));
    expect(stats.calls).toBe(sim.calls.get("DescribeCluster"));
    expect(stats.calls - stats.throttles).toBe(CLUSTERS);
  });
});
