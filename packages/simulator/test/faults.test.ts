// Fault injection as the SDK experiences it: its own retries, the error classes, and call counters.

import { DescribeClusterCommand, ListClustersCommand, ServerException, ThrottlingException } from "@aws-sdk/client-eks";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FaultInjector, seededRandom, startSimulator, type Simulator } from "../src/index.ts";
import { eksClient, rejection, SAMPLE_FLEET, ssmClient, stsClient } from "./helpers.ts";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ fleet: SAMPLE_FLEET });
});
afterAll(() => sim.stop());
beforeEach(() => {
  sim.faults.clear();
  sim.calls.reset();
});

describe("throttling", () => {
  it("with 100% throttling the SDK gives up with ThrottlingException after 3 attempts, and the counter shows 3", async () => {
    sim.faults.set("ListClusters", { throttleRate: 1 });
    const error = await rejection(eksClient(sim).send(new ListClustersCommand({})));
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(error.$metadata?.httpStatusCode).toBe(429);
    expect(error.$metadata?.attempts).toBe(3);
    expect(sim.calls.get("ListClusters")).toBe(3);
  });

  it("DescribeCluster can throttle with TooManyRequestsException, which the SDK also retries", async () => {
    sim.faults.set("DescribeCluster", { throttleRate: 1, throttleError: "TooManyRequestsException" });
    const error = await rejection(eksClient(sim).send(new DescribeClusterCommand({ name: "web-public" })));
    expect(error.name).toBe("TooManyRequestsException");
    expect(sim.calls.get("DescribeCluster")).toBe(3);
  });

  it("is deterministic for a seed: the same calls are throttled on every run", async () => {
    const pattern = async () => {
      sim.faults.seed(42);
      sim.faults.set("ListClusters", { throttleRate: 0.5 });
      const eks = eksClient(sim, { maxAttempts: 1 });
      const outcomes: string[] = [];
      for (let index = 0; index < 12; index += 1) {
        outcomes.push(await eks.send(new ListClustersCommand({})).then(() => "ok", (error: Error) => error.name));
      }
      return outcomes;
    };
    const first = await pattern();
    expect(first).toContain("ok");
    expect(first).toContain("ThrottlingException");
    expect(await pattern()).toEqual(first);
  });
});

describe("server errors, fail-next and latency", () => {
  it("a 5xx rate of 1 raises ServerException after the SDK's retries", async () => {
    sim.faults.set("DescribeCluster", { serverErrorRate: 1 });
    const error = await rejection(eksClient(sim).send(new DescribeClusterCommand({ name: "web-public" })));
    expect(error).toBeInstanceOf(ServerException);
    expect(error.$metadata?.httpStatusCode).toBe(500);
    expect(sim.calls.get("DescribeCluster")).toBe(3);
  });

  it("fails exactly the next N calls, then answers normally; the SDK's retry hides one failure", async () => {
    sim.faults.failNext("DescribeCluster", 2);
    const eks = eksClient(sim, { maxAttempts: 1 });
    expect(await rejection(eks.send(new DescribeClusterCommand({ name: "web-public" })))).toBeInstanceOf(ServerException);
    const retried = await eksClient(sim).send(new DescribeClusterCommand({ name: "web-public" }));
    expect(retried.$metadata.attempts).toBe(2);
    expect(sim.calls.get("DescribeCluster")).toBe(3);
  });

  it("adds latency to an operation", async () => {
    sim.faults.set("ListClusters", { latencyMs: 150 });
    const started = Date.now();
    await eksClient(sim).send(new ListClustersCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("faults SSM and STS calls in their own protocols", async () => {
    sim.faults.set("GetParameter", { throttleRate: 1 });
    const ssmError = await rejection(ssmClient(sim, { maxAttempts: 1 }).send(new GetParameterCommand({ Name: "/aws/service/bottlerocket/aws-k8s-1.34/x86_64/latest/image_version" })));
    expect(ssmError.name).toBe("ThrottlingException");
    sim.faults.failNext("GetCallerIdentity", 1, { errorType: "AccessDenied", status: 403, message: "no" });
    const stsError = await rejection(stsClient(sim, { maxAttempts: 1 }).send(new GetCallerIdentityCommand({})));
    expect(stsError.name).toBe("AccessDenied");
  });

  it("rejects impossible settings with the field named", () => {
    const faults = new FaultInjector();
    expect(() => faults.set("X", { throttleRate: 1.5 })).toThrow('faults.set("X"): throttleRate must be between 0 and 1, got 1.5');
    expect(() => faults.failNext("X", -1)).toThrow(/count must be an integer >= 0/);
  });

  it("the PRNG spreads draws over [0, 1)", () => {
    const random = seededRandom(7);
    const draws = Array.from({ length: 1000 }, () => random());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.filter((draw) => draw < 0.5).length).toBeGreaterThan(400);
  });
});
