// The scheduled functions count each run that completed (SweepSucceeded, DigestSucceeded, service sweep/digest):
// the SweepMissed and DigestMissed alarms fire when none arrives within the schedule's period plus a margin.
import { ListClustersCommand, EKSClient } from "@aws-sdk/client-eks";
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const context = { functionName: "sweep", awsRequestId: "req-1", invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:sweep" } as Context;
const eks = mockClient(EKSClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const saved = { ...process.env };
let stdout: string[] = [];

beforeAll(() => {
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    POLICY: JSON.stringify({ regions: ["eu-west-1"] }),
    TABLE_NAME: "state",
    ALERTS_TOPIC_ARN: "arn:aws:sns:eu-west-1:111122223333:alerts",
    // These tests read the metrics the handlers emit; the test run silences them otherwise (vitest.config.ts).
    POWERTOOLS_METRICS_DISABLED: "false",
  });
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterAll(() => {
  vi.restoreAllMocks();
  eks.restore();
  dynamo.restore();
  process.env = saved;
});
beforeEach(() => {
  eks.reset();
  dynamo.reset();
  stdout = [];
});

const metricNames = () =>
  stdout.flatMap((line) => line.split("\n")).filter((line) => line.includes("_aws")).flatMap((line) => {
    const record = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }; service?: string };
    return record._aws.CloudWatchMetrics.flatMap((set) => set.Metrics.map((metric) => `${set.Namespace} ${metric.Name} ${JSON.stringify(set.Dimensions)} service=${record.service}`));
  });

describe("the sweep's successful run", () => {
  it("is counted as SweepSucceeded with the service dimension sweep, which the SweepMissed alarm watches", async () => {
    eks.on(ListClustersCommand).resolves({ clusters: [] });
    dynamo.on(ScanCommand).resolves({ Items: [] });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const { handler } = await import("../src/sweep.ts");
    await expect(handler({}, context)).resolves.toMatchObject({ regions: 1, clusters: 0 });
    expect(metricNames()).toContainEqual('EksWarden SweepSucceeded [["service"]] service=sweep');
    // How hard EKS pushed back, and the rate the run settled at.
    expect(metricNames()).toContainEqual('EksWarden SweepEksThrottles [["service"]] service=sweep');
    expect(metricNames()).toContainEqual('EksWarden SweepEksCallsPerSecond [["service"]] service=sweep');
  });

  it("is not counted when the run fails", async () => {
    eks.on(ListClustersCommand).resolves({ clusters: [] });
    dynamo.on(ScanCommand).rejects(Object.assign(new Error("down"), { name: "InternalServerError" }));
    dynamo.on(QueryCommand).rejects(Object.assign(new Error("down"), { name: "InternalServerError" }));
    const { handler } = await import("../src/sweep.ts");
    await expect(handler({}, context)).rejects.toThrow();
    expect(metricNames()).not.toContainEqual('EksWarden SweepSucceeded [["service"]] service=sweep');
  });
});
