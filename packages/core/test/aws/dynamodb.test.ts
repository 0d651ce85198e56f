// The DynamoDB adapter against DynamoDB Local (Amazon's own engine): conditional writes, transactions, TTL items.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTableCommand, DynamoDBClient, TransactionCanceledException, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoStateStore } from "../../src/aws/dynamodb.ts";
import { STATE_TABLE_KEY_SCHEMA } from "../../src/deployment/constants.ts";
import { ServiceUnavailable, StateConflict, Throttled } from "../../src/errors.ts";
import type { HistoryEntry } from "../../src/pipeline/ports.ts";
import { planEvaluation } from "../../src/state/transitions.ts";
import type { Finding } from "../../src/model.ts";
import { ensureLocalAws, stopLocalAws } from "./local-aws.ts";

const ARN = "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod";
// Times of the items written: relative to the real clock, since DynamoDB Local's TTL sweeper deletes items whose
// expiresAt (their time + the TTL) has passed.
const START = Math.floor(Date.now() / 60_000) * 60_000;
const minutesIn = (minutes: number): Date => new Date(START + minutes * 60_000);
const table = `state-${process.pid}-${Date.now()}`;
let client: DynamoDBClient;
let store: DynamoStateStore;

const finding = (status: Finding["status"]): Finding => ({
  ruleId: "endpoint-public-access",
  clusterArn: ARN,
  status,
  severity: "CRITICAL",
  message: "m.",
  evidence: { at: new Date("2026-01-01T00:00:00Z"), nothing: undefined, cidrs: ["0.0.0.0/0"] },
  remediation: { text: "t", command: "c" },
});
const history = (at: Date, eventId = "e1"): HistoryEntry => ({
  clusterArn: ARN,
  at,
  kind: "evaluation",
  cause: { trigger: "event", eventId, sourceIp: "203.0.113.7", actor: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/alice" }, eventTime: at },
  findings: [{ ruleId: "endpoint-public-access", status: "FAIL", severity: "CRITICAL" }],
});

beforeAll(async () => {
  await ensureLocalAws();
  client = new DynamoDBClient({});
  await client.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [...STATE_TABLE_KEY_SCHEMA.AttributeDefinitions], KeySchema: [...STATE_TABLE_KEY_SCHEMA.KeySchema] }));
  await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true } }));
  store = new DynamoStateStore({ tableName: table, client, historyTtlDays: 30 });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await stopLocalAws();
});

describe("DynamoStateStore on DynamoDB Local", () => {
  it("writes state and history in one transaction and reads the state back", async () => {
    const t0 = minutesIn(0);
    const plan = planEvaluation([], [finding("FAIL")], { now: t0, eventId: "e1" });
    await store.commit(ARN, plan.writes, history(t0));
    const [record] = await store.readState(ARN);
    expect(record).toMatchObject({ ruleId: "endpoint-public-access", status: "FAIL", version: 1, lastEventId: "e1", evidence: { at: "2026-01-01T00:00:00.000Z", cidrs: ["0.0.0.0/0"] } });
    const entries = await store.readHistory(ARN);
    expect(entries[0]).toMatchObject({ kind: "evaluation", cause: { eventId: "e1", sourceIp: "203.0.113.7" } });
    expect(entries[0]?.at).toEqual(t0);
    const raw = await DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: table, Key: { pk: `CLUSTER#${ARN}`, sk: `HISTORY#${t0.toISOString()}#e1#evaluation` } }));
    expect(raw.Item?.expiresAt).toBe(Math.floor(t0.getTime() / 1000) + 30 * 86_400);
  });

  it("a write computed from an old version loses as a whole: StateConflict, nothing written", async () => {
    const stored = await store.readState(ARN);
    const t1 = minutesIn(5);
    const winner = planEvaluation(stored, [finding("PASS")], { now: t1, eventId: "e2" });
    const loser = planEvaluation(stored, [finding("PASS"), { ...finding("FAIL"), ruleId: "other" }], { now: t1, eventId: "e3" });
    await store.commit(ARN, winner.writes, history(t1, "e2"));
    await expect(store.commit(ARN, loser.writes, history(t1, "e3"))).rejects.toBeInstanceOf(StateConflict);
    const after = await store.readState(ARN);
    expect(after.map((record) => [record.ruleId, record.version, record.lastEventId])).toEqual([["endpoint-public-access", 2, "e2"]]);
    expect((await store.readHistory(ARN)).map((entry) => entry.cause.eventId)).not.toContain("e3");
    // A record that must not exist yet, but does.
    const fresh = planEvaluation([], [finding("FAIL")], { now: t1 });
    await expect(store.commit(ARN, fresh.writes, history(t1, "e4"))).rejects.toBeInstanceOf(StateConflict);
  });

  it("claims an event once; a released claim can be taken again; a completed one never", async () => {
    const now = minutesIn(0);
    expect(await store.claimEvent("evt-1", now)).toBe("claimed");
    expect(await store.claimEvent("evt-1", now)).toBe("duplicate");
    await store.releaseEvent("evt-1");
    expect(await store.claimEvent("evt-1", now)).toBe("claimed");
    await store.completeEvent("evt-1", now);
    await store.releaseEvent("evt-1");
    expect(await store.claimEvent("evt-1", new Date(now.getTime() + 27 * 86_400_000))).toBe("duplicate");
    // A claim whose holder died is taken over once its lease ran out.
    expect(await store.claimEvent("evt-2", now)).toBe("claimed");
    expect(await store.claimEvent("evt-2", new Date(now.getTime() + 16 * 60_000))).toBe("claimed");
  });

  it("reads an event's claim with the cluster it was claimed for, completed or not; none for an event never claimed", async () => {
    const now = minutesIn(0);
    expect(await store.readEventClaim("evt-claimed")).toBeUndefined();
    expect(await store.claimEvent("evt-claimed", now, ARN)).toBe("claimed");
    expect(await store.readEventClaim("evt-claimed")).toEqual({ clusterArn: ARN });
    await store.completeEvent("evt-claimed", now);
    expect(await store.readEventClaim("evt-claimed")).toEqual({ clusterArn: ARN });
    // A claim written before claims named their cluster.
    expect(await store.claimEvent("evt-older", now)).toBe("claimed");
    expect(await store.readEventClaim("evt-older")).toEqual({});
  });

  it("keeps the outbox with the state change until its alerts are confirmed published", async () => {
    const arn = `${ARN}-outbox`;
    const at = minutesIn(120);
    const id = `${at.toISOString()}#o1#evaluation`;
    const plan = planEvaluation([], [{ ...finding("FAIL"), clusterArn: arn }], { now: at, eventId: "o1" });
    const alert = { subject: "[CRITICAL] x", message: JSON.stringify({ default: "t" }), messageStructure: "json" as const, attributes: { severity: "CRITICAL", ruleId: "r", transition: "OPENED", account: "1", region: "r", cluster: "x", kind: "alert" } };
    await store.commit(arn, plan.writes, { ...history(at, "o1"), clusterArn: arn }, { id, alerts: [alert] });
    expect(await store.pendingAlerts(arn)).toEqual([{ id, alerts: [alert] }]);
    await store.clearAlerts(arn, id);
    expect(await store.pendingAlerts(arn)).toEqual([]);
    // An evaluation with nothing to say writes no outbox entry.
    await store.commit(arn, [], { ...history(minutesIn(121), "o2"), clusterArn: arn }, { id: "empty", alerts: [] });
    expect(await store.pendingAlerts(arn)).toEqual([]);
  });

  it("keeps an export staged with the state change (no alert needed) until it is sent, and what is left of an entry once its alerts are out", async () => {
    const arn = `${ARN}-staged`;
    const at = minutesIn(130);
    const id = `${at.toISOString()}#s1#evaluation`;
    const plan = planEvaluation([], [{ ...finding("FAIL"), clusterArn: arn }], { now: at, eventId: "s1" });
    const staged = { securityHub: [plan.writes[0]!.record] };
    await store.commit(arn, plan.writes, { ...history(at, "s1"), clusterArn: arn }, { id, alerts: [], staged });
    expect(await store.pendingAlerts(arn)).toEqual([{ id, alerts: [], staged: JSON.parse(JSON.stringify(staged)) }]);
    expect((await store.readCluster(arn)).pending).toEqual([{ id, alerts: [], staged: JSON.parse(JSON.stringify(staged)) }]);
    await store.keepPending(arn, { id, alerts: [], staged: { securityHub: [] } });
    expect(await store.pendingAlerts(arn)).toEqual([{ id, alerts: [], staged: { securityHub: [] } }]);
    await store.clearAlerts(arn, id);
    expect(await store.pendingAlerts(arn)).toEqual([]);
  });

  it("reads state and outbox in one Query (no history), and commits the claim's completion and outbox deletions with the state", async () => {
    const arn = `${ARN}-one-read`;
    const at = minutesIn(130);
    const alert = { subject: "[CRITICAL] x", message: JSON.stringify({ default: "t" }), messageStructure: "json" as const, attributes: { severity: "CRITICAL", ruleId: "r", transition: "OPENED", account: "1", region: "r", cluster: "x", kind: "alert" } };
    const held = { id: `${at.toISOString()}#h1#intent`, alerts: [alert], heldFor: "h1", heldUntil: minutesIn(150).toISOString() };
    const plan = planEvaluation([], [{ ...finding("FAIL"), clusterArn: arn }], { now: at, eventId: "h1" });
    expect(await store.claimEvent("h1", at)).toBe("claimed");
    await store.commit(arn, plan.writes, { ...history(at, "h1"), clusterArn: arn }, held, { completeEvent: { eventId: "h1", at } });
    const read = await store.readCluster(arn);
    expect(read.pending).toEqual([held]);
    expect(read.records.map((record) => record.ruleId)).toEqual(["endpoint-public-access"]);
    expect(read.records[0]).not.toHaveProperty("sk");
    expect(await store.readState(arn)).toEqual(read.records);
    // Completed by the commit: a duplicate, and only this invocation (by its completion time) can give it back.
    expect(await store.claimEvent("h1", at)).toBe("duplicate");
    await store.releaseEvent("h1", minutesIn(131));
    expect(await store.claimEvent("h1", at)).toBe("duplicate");
    await store.releaseEvent("h1", at);
    expect(await store.claimEvent("h1", at)).toBe("claimed");
    // The next commit deletes the entry it was told is published.
    const next = planEvaluation(read.records, [{ ...finding("FAIL"), clusterArn: arn }], { now: minutesIn(131), eventId: "h2" });
    await store.commit(arn, next.writes, { ...history(minutesIn(131), "h2"), clusterArn: arn }, undefined, { clearOutbox: [held.id] });
    expect((await store.readCluster(arn)).pending).toEqual([]);
    expect(await store.readHistory(arn)).toHaveLength(2);
  });

  it("reads a cluster's whole outbox past DynamoDB's 1 MB page: no pending export is left unread", async () => {
    const arn = `${ARN}-outbox-pages`;
    // Five entries of ~300 KB (a sweep's Security Hub findings staged while Security Hub was down): 1.5 MB in all,
    // which DynamoDB answers in two pages.
    const staged = (id: string) => ({ id, alerts: [], staged: { securityhub: [{ id, body: "x".repeat(300_000) }] } });
    for (const id of ["p1", "p2", "p3", "p4", "p5"]) await store.keepPending(arn, staged(id));
    expect((await store.pendingAlerts(arn)).map((entry) => entry.id)).toEqual(["p1", "p2", "p3", "p4", "p5"]);
    expect((await store.readCluster(arn)).pending.map((entry) => entry.id)).toEqual(["p1", "p2", "p3", "p4", "p5"]);
  });

  it("records who set the exemption tag; an older setting never overwrites a newer one; readState ignores it", async () => {
    const arn = `${ARN}-grant`;
    expect(await store.readTagGrant(arn)).toBeUndefined();
    const newer = { value: "endpoint-public-access until=2026-02-01 reason=x", principals: ["arn:aws:iam::111122223333:role/SecurityAdmin"], at: "2026-01-05T10:05:00.000Z", eventId: "t2" };
    await store.recordTagGrant(arn, newer);
    await store.recordTagGrant(arn, { value: "older", principals: ["arn:aws:iam::111122223333:user/mallory"], at: "2026-01-05T10:00:00.000Z", eventId: "t1" });
    expect(await store.readTagGrant(arn)).toEqual(newer);
    const removed = { principals: ["arn:aws:iam::111122223333:user/bob"], at: "2026-01-05T10:06:00.000Z", eventId: "t3" };
    await store.recordTagGrant(arn, removed);
    expect(await store.readTagGrant(arn)).toEqual(removed);
    // The remediation override's setter is kept apart from the exemption's: neither overwrites the other.
    const override = { value: "opt-out", principals: ["arn:aws:iam::111122223333:role/PlatformLead"], at: "2026-01-05T10:01:00.000Z", eventId: "t4" };
    expect(await store.readTagGrant(arn, "eks-warden:remediation")).toBeUndefined();
    await store.recordTagGrant(arn, override, "eks-warden:remediation");
    expect(await store.readTagGrant(arn, "eks-warden:remediation")).toEqual(override);
    expect(await store.readTagGrant(arn)).toEqual(removed);
    expect(await store.readState(arn)).toEqual([]);
  });

  it("appends history outside a transaction (failed calls)", async () => {
    await store.appendHistory({ ...history(minutesIn(60), "failed-1"), kind: "failed-call", failed: { errorCode: "AccessDenied", errorMessage: "no" } });
    expect((await store.readHistory(ARN, 1))[0]).toMatchObject({ kind: "failed-call", failed: { errorCode: "AccessDenied" } });
    // With the event's claim completed in the same write.
    expect(await store.claimEvent("failed-2", minutesIn(61))).toBe("claimed");
    await store.appendHistory({ ...history(minutesIn(61), "failed-2"), kind: "failed-call", failed: { errorCode: "AccessDenied", errorMessage: "no" } }, { completeEvent: { eventId: "failed-2", at: minutesIn(61) } });
    expect((await store.readHistory(ARN, 1))[0]).toMatchObject({ kind: "failed-call", cause: { eventId: "failed-2" } });
    expect(await store.claimEvent("failed-2", minutesIn(90))).toBe("duplicate");
  });
});

describe("DynamoStateStore paging and empty replies", () => {
  it("reads every page of state, and copes with replies without items", async () => {
    const mocked = mockClient(DynamoDBDocumentClient);
    const item = (ruleId: string) => ({ pk: `CLUSTER#${ARN}`, sk: `RULE#${ruleId}`, type: "STATE", ruleId, version: 1 });
    mocked.on(QueryCommand).resolvesOnce({ Items: [item("a")], LastEvaluatedKey: { pk: "x", sk: "y" } }).resolvesOnce({ Items: [item("b")] }).resolves({});
    const paged = new DynamoStateStore({ tableName: "t", client: new DynamoDBClient({}) });
    expect((await paged.readState(ARN)).map((record) => record.ruleId)).toEqual(["a", "b"]);
    expect(mocked.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({ pk: "x", sk: "y" });
    expect(await paged.readState(ARN)).toEqual([]);
    expect(await paged.readHistory(ARN)).toEqual([]);
    expect(await paged.pendingAlerts(ARN)).toEqual([]);
    mocked.restore();
  });

  it("keys a sweep's history entry by its trigger", async () => {
    const { historyKey } = await import("../../src/aws/dynamodb.ts");
    expect(historyKey({ clusterArn: ARN, at: new Date("2026-01-05T10:00:00Z"), kind: "evaluation", cause: { trigger: "sweep" } })).toBe("HISTORY#2026-01-05T10:00:00.000Z#sweep#evaluation");
  });
});

describe("DynamoStateStore error translation", () => {
  it("throttling and service failures become typed errors with the cause", async () => {
    const mocked = mockClient(DynamoDBDocumentClient);
    const throttled = Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException" });
    const broken = Object.assign(new Error("boom"), { name: "InternalServerError" });
    const failing = new DynamoStateStore({ tableName: "t", client: new DynamoDBClient({}) });
    mocked.onAnyCommand().rejects(throttled);
    await expect(failing.readState(ARN)).rejects.toBeInstanceOf(Throttled);
    mocked.onAnyCommand().rejects(broken);
    for (const call of [
      () => failing.readState(ARN),
      () => failing.commit(ARN, [], history(new Date())),
      () => failing.appendHistory(history(new Date())),
      () => failing.claimEvent("x", new Date()),
      () => failing.completeEvent("x", new Date()),
      () => failing.releaseEvent("x"),
      () => failing.readHistory(ARN),
      () => failing.pendingAlerts(ARN),
      () => failing.clearAlerts(ARN, "x"),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ServiceUnavailable);
      expect((error as Error).cause).toBe(broken);
    }
    // A cancelled transaction for another reason than a condition is not a conflict.
    mocked.onAnyCommand().rejects(new TransactionCanceledException({ message: "cancelled", $metadata: {}, CancellationReasons: [{ Code: "TransactionConflict" }] }));
    await expect(failing.commit(ARN, [], history(new Date()))).rejects.toBeInstanceOf(ServiceUnavailable);
    mocked.onAnyCommand().rejects(new TransactionCanceledException({ message: "cancelled", $metadata: {} }));
    await expect(failing.commit(ARN, [], history(new Date()))).rejects.toBeInstanceOf(ServiceUnavailable);
    mocked.restore();
    await expect(failing.commit(ARN, new Array(99).fill(planEvaluation([], [finding("FAIL")], { now: new Date() }).writes[0]), history(new Date()))).rejects.toThrow("exceed one transaction");
  });
});
