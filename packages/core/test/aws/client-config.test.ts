// The clients' shared configuration: in Lambda, credentials come from the environment alone (the provider is loaded
// on the first read, to keep it and the SDK code it pulls in out of cold starts); elsewhere the SDK's default chain.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { StandardRetryStrategy } from "@smithy/util-retry";
import { startSimulator } from "@eks-warden/simulator/index";
import { CLIENT_CONFIG, clientConfig, LocalWaitRetryStrategy, localWaitScale, MAX_ATTEMPTS } from "../../src/aws/client-config.ts";
import { ScaledRetryStrategy } from "../../src/aws/scaled-retry.ts";

const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: "warden-cluster-event", AWS_ACCESS_KEY_ID: "ASIAWARDENTEST000001" };

describe("clientConfig", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("in Lambda, resolves the role's credentials from the environment, session token and all", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "ASIAWARDENTEST000001");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    vi.stubEnv("AWS_SESSION_TOKEN", "session");
    const config = clientConfig(LAMBDA);
    expect(config).toMatchObject(CLIENT_CONFIG);
    expect(await config.credentials!()).toMatchObject({ accessKeyId: "ASIAWARDENTEST000001", secretAccessKey: "secret", sessionToken: "session" });
  });

  it("in Lambda without credentials in the environment, fails the read with the provider's error, never an empty identity", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "");
    await expect(clientConfig(LAMBDA).credentials!()).rejects.toThrow(/Unable to find environment variable credentials/);
  });

  it("outside Lambda, leaves credentials to the SDK's default chain", () => {
    expect(clientConfig({ AWS_ACCESS_KEY_ID: "AKIAWARDENTEST000001" })).toEqual(CLIENT_CONFIG);
  });
});

describe("the retry policy, and its local wait scale (LOCAL_WAIT_SCALE, from a fleet's faults.waitScale)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it("by default (Lambda, the CLI, anything without LOCAL_WAIT_SCALE) is the SDK's standard mode, MAX_ATTEMPTS attempts, its own strategy", async () => {
    for (const env of [{}, LAMBDA, { LOCAL_WAIT_SCALE: "" }]) {
      const config = clientConfig(env);
      expect(config).toMatchObject({ maxAttempts: 6, retryMode: "standard" });
      expect(config.retryStrategy).toBeUndefined();
    }
    const client = new EKSClient({ region: "eu-west-1", ...clientConfig({}) });
    const strategy = await client.config.retryStrategy();
    expect(strategy).toBeInstanceOf(StandardRetryStrategy);
    expect((strategy as StandardRetryStrategy).mode).toBe("standard");
    expect(strategy).not.toBeInstanceOf(ScaledRetryStrategy);
    expect(await client.config.maxAttempts()).toBe(MAX_ATTEMPTS);
    client.destroy();
  });

  it("scaled: a standard strategy of its own per client, same attempts, each backoff that share of the SDK's", async () => {
    const first = clientConfig({ LOCAL_WAIT_SCALE: "0.01" });
    const second = clientConfig({ LOCAL_WAIT_SCALE: "0.01" });
    expect(first).toMatchObject({ maxAttempts: MAX_ATTEMPTS, retryMode: "standard" });
    expect(first.retryStrategy).toBeInstanceOf(LocalWaitRetryStrategy);
    const loaded = await first.retryStrategy!.strategy();
    expect(loaded).toBeInstanceOf(ScaledRetryStrategy);
    expect(loaded).toBeInstanceOf(StandardRetryStrategy);
    expect(loaded).not.toBe(await second.retryStrategy!.strategy());
    expect(loaded.scale).toBe(0.01);
    expect(first.retryStrategy!.mode).toBe("standard");
    expect(loaded.mode).toBe("standard");
    expect(await loaded.maxAttempts()).toBe(MAX_ATTEMPTS);

    // The same draw of the jitter, the SDK's strategy and the scaled one: the waits the SDK asks setTimeout for.
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    vi.useFakeTimers();
    const waits = async (strategy: StandardRetryStrategy, errorType: "THROTTLING" | "TRANSIENT") => {
      const asked: number[] = [];
      const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
      let token = await strategy.acquireInitialRetryToken("eks");
      for (let retry = 0; retry < MAX_ATTEMPTS - 1; retry += 1) {
        const next = strategy.refreshRetryTokenForRetry(token, { errorType });
        await vi.runAllTimersAsync();
        token = await next;
      }
      for (const call of setTimeoutSpy.mock.calls) asked.push(Number(call[1]));
      setTimeoutSpy.mockRestore();
      // No sixth attempt: the scaled strategy gives up where the SDK's does.
      await expect(strategy.refreshRetryTokenForRetry(token, { errorType })).rejects.toThrow(/No retry token available/);
      return asked;
    };
    for (const errorType of ["THROTTLING", "TRANSIENT"] as const) {
      const sdk = await waits(new StandardRetryStrategy({ maxAttempts: MAX_ATTEMPTS }), errorType);
      const scaled = await waits(new ScaledRetryStrategy(MAX_ATTEMPTS, 0.01), errorType);
      expect(sdk).toHaveLength(MAX_ATTEMPTS - 1);
      expect(scaled).toEqual(sdk.map((wait) => Math.floor(wait * 0.01)));
      expect(sdk.reduce((sum, wait) => sum + wait, 0)).toBeGreaterThan(0);
    }
  });

  it("scaled, against the simulator's throttling over HTTP: still MAX_ATTEMPTS requests, then ThrottlingException", async () => {
    const sim = await startSimulator({ fleet: { defaultAccount: "111111111111", clusters: [] } });
    const client = new EKSClient({ region: "eu-west-1", endpoint: sim.url, credentials: { accessKeyId: "AKIAWARDENTEST000001", secretAccessKey: "secret" }, ...clientConfig({ LOCAL_WAIT_SCALE: "0.001" }) });
    try {
      sim.faults.set("DescribeCluster", { throttleRate: 1 });
      const before = sim.calls.get("DescribeCluster");
      const error = await client.send(new DescribeClusterCommand({ name: "any" })).catch((caught: unknown) => caught);
      expect((error as Error).name).toBe("ThrottlingException");
      expect(sim.calls.get("DescribeCluster") - before).toBe(MAX_ATTEMPTS);
      expect((error as { $metadata: { attempts: number } }).$metadata.attempts).toBe(MAX_ATTEMPTS);
    } finally {
      client.destroy();
      await sim.stop();
    }
  });

  it("names a LOCAL_WAIT_SCALE it cannot use, never waits an unknown share", () => {
    expect(localWaitScale({})).toBe(1);
    expect(localWaitScale({ LOCAL_WAIT_SCALE: "0.05" })).toBe(0.05);
    expect(localWaitScale({ LOCAL_WAIT_SCALE: "1" })).toBe(1);
    expect(clientConfig({ LOCAL_WAIT_SCALE: "1" }).retryStrategy).toBeUndefined();
    for (const bad of ["0", "-1", "2", "fast", "NaN"]) {
      expect(() => clientConfig({ LOCAL_WAIT_SCALE: bad })).toThrow(`LOCAL_WAIT_SCALE: expected a share of real time above 0 and at most 1 (0.01 waits 1%), got "${bad}"`);
    }
  });
});
