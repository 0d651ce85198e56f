// The local system's own faults (the fleet file's `faults` section less the simulator's keys), as the real SDK
// clients meet them: DynamoDB and SNS errors in their wire formats through the fault proxy (retried by the SDK, the
// emulator never reached), a settle check delivered again by the queue's consumer, and a bad section named field by
// field; and the local system itself run under the section's EKS throttling.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient, DynamoDBServiceException, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListTopicsCommand, SNSClient, SNSServiceException } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "@eks-warden/core";
import { validateFleet, type Fleet } from "@eks-warden/simulator/index";
import { dynamoDbFault, FaultDraws, snsFault, startFaultProxy, type FaultProxy } from "../src/faults.ts";
import { startLocalSystem } from "../src/index.ts";
import { LocalQueuePoller } from "../src/runner.ts";
import { ensureLocalAws, stopLocalAws } from "../../core/test/aws/local-aws.ts";

beforeAll(() => ensureLocalAws(), 120_000);
afterAll(() => stopLocalAws());

const rejection = (promise: Promise<unknown>) => promise.then(() => { throw new Error("expected a rejection"); }, (error: unknown) => error as Error & { $metadata?: { attempts?: number; httpStatusCode?: number } });

describe("the faults section of the fleet", () => {
  it("carries the local parts' keys beside the simulator's, validated with the rest of the fleet", () => {
    const fleet = validateFleet({ faults: { seed: 42, eks: { throttleRate: 0.3 }, dynamodb: { errorRate: 0.02 }, sns: { errorRate: 0.02 }, settleQueue: { redeliverRate: 0.05 }, cloudtrail: { lossRate: 0.01 } } });
    expect(fleet.faults).toMatchObject({ seed: 42, dynamodb: { errorRate: 0.02 }, sns: { errorRate: 0.02 }, settleQueue: { redeliverRate: 0.05 }, cloudtrail: { lossRate: 0.01 } });
  });

  it("names every bad field of the local keys, what it got and what is expected", () => {
    const error = (() => {
      try {
        validateFleet({ faults: { dynamodb: { errorRate: 2 }, sns: 0.1, settleQueue: { redeliverRate: 0.1, lossRate: 0.2 }, cloudtrail: { lossRate: "1%" } } }, "fleet.json");
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: "faults.dynamodb.errorRate", message: "expected a share of calls from 0 to 1 (0.05 is 5%), got 2" },
      { path: "faults.sns", message: "expected an object { errorRate }, got 0.1" },
      { path: "faults.settleQueue.lossRate", message: "unknown field (expected one of redeliverRate)" },
      { path: "faults.cloudtrail.lossRate", message: 'expected a share of calls from 0 to 1 (0.05 is 5%), got "1%"' },
    ]);
  });

  it("draws the same faults for the same seed, each part from its own sequence", () => {
    const pattern = (faults: ConstructorParameters<typeof FaultDraws>[0]) => {
      const draws = new FaultDraws(faults);
      return Array.from({ length: 40 }, () => draws.strikes("dynamodb"));
    };
    const first = pattern({ seed: 7, dynamodb: { errorRate: 0.5 } });
    expect(first).toContain(true);
    expect(first).toContain(false);
    expect(pattern({ seed: 7, dynamodb: { errorRate: 0.5 } })).toEqual(first);
    // Adding SNS faults does not move DynamoDB's draws.
    expect(pattern({ seed: 7, dynamodb: { errorRate: 0.5 }, sns: { errorRate: 0.5 } })).toEqual(first);
    const paused = new FaultDraws({ dynamodb: { errorRate: 1 } });
    paused.paused = true;
    expect(paused.strikes("dynamodb")).toBe(false);
    expect(paused.injected.dynamodb).toBe(0);
  });
});

describe("the fault proxy, as the real SDK clients meet it", () => {
  const proxies: FaultProxy[] = [];
  afterAll(async () => {
    for (const proxy of proxies) await proxy.stop();
  });
  const proxy = async (target: string, fault: Parameters<typeof startFaultProxy>[1]) => {
    const started = await startFaultProxy(target, fault);
    proxies.push(started);
    return started;
  };

  it("DynamoDB: every request faulted gives up after the SDK's attempts, and the emulator never sees the write", async () => {
    let index = 0;
    const faulty = await proxy(process.env.AWS_ENDPOINT_URL_DYNAMODB!, () => dynamoDbFault(index++));
    const name = `faults-never-made-${Date.now()}`;
    const error = await rejection(new DynamoDBClient({ endpoint: faulty.url }).send(new CreateTableCommand({ TableName: name, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] })));
    expect(error).toBeInstanceOf(DynamoDBServiceException);
    // Server error, throttling, server error: the SDK retried both kinds.
    // Server errors and throttling in turn: the SDK retried both kinds until its attempts ran out (DynamoDB's client
    // makes 4), and every attempt reached the proxy.
    expect(["InternalServerError", "ProvisionedThroughputExceededException"]).toContain(error.name);
    expect(error.$metadata?.attempts).toBeGreaterThanOrEqual(3);
    expect(error.$metadata?.attempts).toBe(index);
    const tables = await new DynamoDBClient({}).send(new ListTablesCommand({}));
    expect(tables.TableNames).not.toContain(name);
  });

  it("DynamoDB: a faulted request is retried and then forwarded, so the call succeeds", async () => {
    let calls = 0;
    const faulty = await proxy(process.env.AWS_ENDPOINT_URL_DYNAMODB!, () => (calls++ < 2 ? dynamoDbFault(calls) : undefined));
    const listed = await new DynamoDBClient({ endpoint: faulty.url }).send(new ListTablesCommand({}));
    expect(listed.$metadata.attempts).toBe(3);
    expect(Array.isArray(listed.TableNames)).toBe(true);
  });

  it("SNS: InternalError (500) in the query protocol's XML, retried by the SDK", async () => {
    const faulty = await proxy(process.env.AWS_ENDPOINT_URL_SNS!, () => snsFault());
    const error = await rejection(new SNSClient({ endpoint: faulty.url }).send(new ListTopicsCommand({})));
    expect(error).toBeInstanceOf(SNSServiceException);
    // The SDK's class for SNS's InternalError code.
    expect(error.name).toBe("InternalErrorException");
    expect(error.$metadata?.httpStatusCode).toBe(500);
    expect(error.$metadata?.attempts).toBe(3);
  });
});

describe("a queue consumer that delivers a handled message again (faults.settleQueue)", () => {
  it("hands the same message to the handler a second time, then deletes it", async () => {
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `faults-redeliver-${Date.now()}` }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "check-1" }));
    const seen: string[] = [];
    let draws = 0;
    const poller = new LocalQueuePoller({
      sqs,
      queueUrl: QueueUrl!,
      handler: async (event) => {
        seen.push(...event.Records.map((record) => `${record.body} receive ${record.attributes.ApproximateReceiveCount}`));
        return { batchItemFailures: [] };
      },
      redeliver: () => draws++ === 0,
    });
    expect(await poller.drain(5)).toBe(2);
    expect(seen).toEqual(["check-1 receive 1", "check-1 receive 2"]);
    expect(poller.redelivered).toBe(1);
    expect(await poller.pollOnce()).toEqual({ received: 0, failed: 0 });
  });
});

describe("the local system when the fleet's faults throttle every EKS call", () => {
  it("runs the sweep to its end, which says the region could not be listed, and the next sweep reads the fleet", async () => {
    // The demo fleet's eu-west-1, swept there only (each listing is 6 throttled attempts with the SDK's backoff).
    const demo = JSON.parse(readFileSync(fileURLToPath(new URL("../../../scenarios/fleets/demo.json", import.meta.url)), "utf8")) as Fleet;
    const clusters = (demo.clusters ?? []).filter((entry) => entry.region === "eu-west-1");
    const fleet: Fleet = { ...demo, clusters, faults: { seed: 3, eks: { throttleRate: 1 } } };
    const system = await startLocalSystem({ fleet, regions: ["eu-west-1"], policy: {}, aws: "environment" });
    try {
      // The sweep's listing fails after the SDK's retries and is reported, not taken for "no clusters"; the local
      // system's own listing beside it (what it remembers for storedState) fails the same way and must not fail the sweep.
      expect(await system.sweep()).toMatchObject({ regions: 1, unreadableRegions: 1, clusters: 0, closed: 0 });
      expect(system.simulator.faults.injected().throttled).toBeGreaterThanOrEqual(12);
      system.simulator.faults.apply({});
      expect(await system.sweep()).toMatchObject({ regions: 1, unreadableRegions: 0, clusters: clusters.length, unreadableClusters: 0 });
      expect((await system.storedState()).length).toBeGreaterThan(0);
    } finally {
      await system.stop();
    }
  }, 180_000);
});
