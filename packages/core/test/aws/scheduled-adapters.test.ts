// The adapters' parts the scheduled functions use: the state table's index of open clusters and the weekly digest
// snapshots (DynamoDB Local), and the report store (S3, mocked at the SDK).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { DIGEST_COUNTS_PARTITION, DynamoStateStore } from "../../src/aws/dynamodb.ts";
import { ValidationError } from "../../src/errors.ts";
import { STATE_TABLE_KEY_SCHEMA } from "../../src/deployment/constants.ts";
import { S3ReportStore } from "../../src/aws/s3.ts";
import type { Finding } from "../../src/model.ts";
import { planClose, planEvaluation } from "../../src/state/transitions.ts";
import { ensureLocalAws, stopLocalAws } from "./local-aws.ts";

const table = `scheduled-${process.pid}-${Date.now()}`;
let client: DynamoDBClient;
let store: DynamoStateStore;
const arn = (name: string) => `arn:aws:eks:eu-west-1:111122223333:cluster/${name}`;
const finding = (name: string, ruleId: string): Finding => ({ ruleId, clusterArn: arn(name), status: "PASS", severity: "LOW", message: "m.", evidence: {}, remediation: { text: "t", command: "c" } });

beforeAll(async () => {
  await ensureLocalAws();
  client = new DynamoDBClient({});
  await client.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [...STATE_TABLE_KEY_SCHEMA.AttributeDefinitions], KeySchema: [...STATE_TABLE_KEY_SCHEMA.KeySchema] }));
  store = new DynamoStateStore({ tableName: table, client });
});

afterAll(async () => {
  client?.destroy();
  await stopLocalAws();
});

describe("DynamoStateStore for the sweep and the digest", () => {
  it("lists the clusters with open records and their newest observedAt, leaving out closed ones", async () => {
    const now = new Date();
    for (const [name, minutes] of [["a", 0], ["b", 5], ["closed", 1]] as const) {
      const at = new Date(now.getTime() + minutes * 60_000);
      const plan = planEvaluation([], [finding(name, "endpoint-public-access"), finding(name, "version-support")], { now: at, observedAt: at });
      await store.commit(arn(name), plan.writes, { clusterArn: arn(name), at, kind: "evaluation", cause: { trigger: "sweep" } });
    }
    const closing = planClose(await store.readState(arn("closed")), { now });
    await store.commit(arn("closed"), closing.writes, { clusterArn: arn("closed"), at: new Date(now.getTime() + 1), kind: "closed", cause: { trigger: "sweep" } });
    expect(await store.openClusters()).toEqual([
      { arn: arn("a"), observedAt: now.toISOString() },
      { arn: arn("b"), observedAt: new Date(now.getTime() + 5 * 60_000).toISOString() },
    ]);
  });

  it("keeps one digest snapshot per week and finds the newest week before a given one", async () => {
    expect(await store.previousDigest("2026-W50")).toBeUndefined();
    const clusters = Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [arn(`c-${index}`), { name: `c-${index}`, region: "eu-west-1", account: "111122223333", version: "1.34", failing: { "endpoint-public-access": "CRITICAL" as const } }]));
    await store.saveDigest({ week: "2026-W48", generatedAt: "2026-11-23T08:00:00.000Z", clusters: {} });
    await store.saveDigest({ week: "2026-W49", generatedAt: "2026-11-30T08:00:00.000Z", clusters });
    await store.saveDigest({ week: "2026-W50", generatedAt: "2026-12-07T08:00:00.000Z", clusters: {} });
    const previous = await store.previousDigest("2026-W50");
    expect(previous?.week).toBe("2026-W49");
    expect(Object.keys(previous!.clusters)).toHaveLength(1000);
    expect((await store.previousDigest("2026-W49"))?.week).toBe("2026-W48");
  });

  it("keeps one counts record per digest run and reads the weeks before a given one, oldest first, for the report's chart", async () => {
    const open = (critical: number) => ({ CRITICAL: critical, HIGH: 2, MEDIUM: 0, LOW: 1, INFO: 0 });
    expect(await store.digestHistory("2026-W50", 25)).toEqual([]);
    for (const [week, critical] of [["2026-W45", 9], ["2026-W46", 7], ["2026-W47", 5], ["2026-W48", 3], ["2026-W49", 1]] as const) {
      await store.saveDigestCounts({ week, generatedAt: "2026-11-30T08:00:00.000Z", clusters: 10, open: open(critical) });
    }
    // A re-run in the same week replaces its record.
    await store.saveDigestCounts({ week: "2026-W49", generatedAt: "2026-12-01T08:00:00.000Z", clusters: 11, open: open(2) });
    await store.saveDigestCounts({ week: "2026-W50", generatedAt: "2026-12-07T08:00:00.000Z", clusters: 12, open: open(0) });
    const history = await store.digestHistory("2026-W50", 3);
    expect(history.map((week) => [week.week, week.clusters, week.open.CRITICAL])).toEqual([["2026-W47", 10, 5], ["2026-W48", 10, 3], ["2026-W49", 11, 2]]);
    expect(history[0]!.open).toEqual(open(5));
    // The snapshots' own partition is untouched: last week's snapshot is still what previousDigest finds.
    expect((await store.previousDigest("2026-W50"))?.week).toBe("2026-W49");
  });

  it("refuses a malformed counts record with what is wrong and where, rather than drawing a wrong chart", async () => {
    const table2 = `${table}-bad`;
    await client.send(new CreateTableCommand({ TableName: table2, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [...STATE_TABLE_KEY_SCHEMA.AttributeDefinitions], KeySchema: [...STATE_TABLE_KEY_SCHEMA.KeySchema] }));
    const other = new DynamoStateStore({ tableName: table2, client });
    await client.send(new PutItemCommand({ TableName: table2, Item: { pk: { S: DIGEST_COUNTS_PARTITION }, sk: { S: "WEEK#2026-W49" }, week: { S: "<b>" }, clusters: { N: "3" }, open: { M: { CRITICAL: { N: "-1" } } } } }));
    const failure = await other.digestHistory("2026-W50", 5).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationError);
    expect(String((failure as Error).message)).toContain('digest counts record "WEEK#2026-W49": week: expected an ISO week such as 2026-W49, got "<b>"; open.CRITICAL: expected a whole number >= 0, got -1');
  });
});

describe("S3ReportStore", () => {
  it("writes the object with its content type and answers its s3:// URI", async () => {
    const mocked = mockClient(S3Client);
    mocked.on(PutObjectCommand).resolves({});
    const uri = await new S3ReportStore({ bucket: "reports", client: new S3Client({}) }).put("digests/2026-W50.html", "<html>", "text/html; charset=utf-8");
    expect(uri).toBe("s3://reports/digests/2026-W50.html");
    expect(mocked.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({ Bucket: "reports", Key: "digests/2026-W50.html", Body: "<html>", ContentType: "text/html; charset=utf-8" });
    mocked.restore();
  });
});
