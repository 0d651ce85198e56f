import { describe, it, expect } from "vitest";
import { EksUnavailable, StateConflict } from "../../src/errors.ts";
import { EXEMPTION_TAG } from "../../src/exemptions.ts";
import { handleClusterEvent, intentRules } from "../../src/pipeline/cluster-event.ts";
import { handleSettleCheck, SettleTimeout, settleDelay } from "../../src/pipeline/settle.ts";
import { rules } from "../../src/rules/index.ts";
import { CREATE_CLUSTER_OPEN_WORLD, UPDATE_CLUSTER_CONFIG_PRIVATE, eventBridgeEnvelope, readCloudTrailRecord } from "../../../../test/fixtures/index.ts";
import { OPEN, PRIVATE, clusterRecord, world, type World } from "./fakes.ts";

const AMAZON_EKS = { arn: "arn:aws:eks:ap-northeast-2:999999999999:cluster/amazon-eks", account: "999999999999", region: "ap-northeast-2", name: "amazon-eks" };
const PUBLIC_RULE = "endpoint-public-access";

/** The fixture record, typed loosely enough to be edited field by field (the edits are the test's own). */
interface EditableRecord extends Record<string, unknown> {
  eventID: string;
  eventName: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: { update: { id: string; params: { type: string; value: string }[] } } | null;
}
function editableRecord(): EditableRecord {
  return readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE) as EditableRecord;
}

function createEvent() {
  return eventBridgeEnvelope(readCloudTrailRecord(CREATE_CLUSTER_OPEN_WORLD));
}
function makePrivateEvent() {
  return eventBridgeEnvelope(readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE));
}
/** The private-only fixture turned around: the same console call opening the endpoint to the world. */
function openEvent(eventId = "open-1", updateId = "u-open") {
  const detail = editableRecord();
  detail.eventID = eventId;
  detail.requestParameters = { name: "amazon-eks", resourcesVpcConfig: { endpointPublicAccess: true } };
  detail.responseElements!.update.id = updateId;
  detail.responseElements!.update.params = [
    { type: "EndpointPublicAccess", value: "true" },
    { type: "EndpointPrivateAccess", value: "true" },
    { type: "PublicAccessCidrs", value: '["0.0.0.0/0"]' },
  ];
  return eventBridgeEnvelope(detail);
}
function tagEvent(eventId: string) {
  const detail = editableRecord();
  detail.eventID = eventId;
  detail.eventName = "TagResource";
  detail.requestParameters = { resourceArn: AMAZON_EKS.arn, tags: { team: "payments" } };
  detail.responseElements = null;
  return eventBridgeEnvelope(detail);
}
function untagEvent(eventId: string, tagKeys: readonly string[]) {
  const detail = editableRecord();
  detail.eventID = eventId;
  detail.eventName = "UntagResource";
  detail.requestParameters = { resourceArn: AMAZON_EKS.arn, tagKeys };
  detail.responseElements = null;
  return eventBridgeEnvelope(detail);
}

function endpointAlerts(w: World) {
  return w.publisher.alerts.filter((alert) => alert.attributes.ruleId === PUBLIC_RULE);
}
async function storedStatus(w: World, ruleId = PUBLIC_RULE) {
  return (await w.store.readState(AMAZON_EKS.arn)).find((record) => record.ruleId === ruleId);
}
async function settleAll(w: World) {
  const outcomes = [];
  while (w.settleQueue.messages.length > 0) outcomes.push(await handleSettleCheck(JSON.stringify(w.settleQueue.messages.shift()!.message), w));
  return outcomes;
}

describe("an event dated in the future (a forged CloudTrail event)", () => {
  /** A TagResource setting the exemption tag "by SecurityAdmin", dated `eventTime`. */
  function exemptionGrant(eventId: string, eventTime: string) {
    const detail = editableRecord();
    detail.eventID = eventId;
    detail.eventName = "TagResource";
    detail["eventTime"] = eventTime;
    detail["userIdentity"] = { type: "AssumedRole", arn: "arn:aws:sts::999999999999:assumed-role/SecurityAdmin/carol", principalId: "AROA:carol", accountId: "999999999999" };
    detail.requestParameters = { resourceArn: AMAZON_EKS.arn, tags: { [EXEMPTION_TAG]: `${PUBLIC_RULE}:2099-12-31` } };
    detail.responseElements = null;
    return eventBridgeEnvelope(detail);
  }

  it("more than 5 minutes ahead is rejected and stores nothing, so it cannot pin a grant over later real events", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    expect(await handleClusterEvent(exemptionGrant("forged-2099", "2099-01-01T00:00:00Z"), w)).toEqual({ status: "future", eventId: "forged-2099", eventTime: "2099-01-01T00:00:00.000Z" });
    expect(await w.store.readTagGrant(AMAZON_EKS.arn)).toBeUndefined();
    expect(w.store.events.has("forged-2099")).toBe(false);
    expect(w.store.history).toEqual([]);
    expect(w.publisher.alerts).toEqual([]);
    expect(w.logger.lines.find((line) => line.message === "event from the future rejected: dropped without retry")).toMatchObject({ extra: { eventId: "forged-2099" } });
    // Six minutes ahead is as forged as 2099; four minutes is a clock's skew, taken as it comes.
    expect((await handleClusterEvent(exemptionGrant("six-ahead", "2026-01-05T10:06:00Z"), w)).status).toBe("future");
    expect((await handleClusterEvent(exemptionGrant("four-ahead", "2026-01-05T10:04:00Z"), w)).status).not.toBe("future");
    expect(await w.store.readTagGrant(AMAZON_EKS.arn)).toMatchObject({ eventId: "four-ahead" });
  });
});

describe("handleClusterEvent + handleSettleCheck on the shared CloudTrail fixtures", () => {
  it("CreateCluster open to the world: early CRITICAL alert from the intent, settle confirms without a second one", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN, { status: "CREATING" }));
    const outcome = await handleClusterEvent(createEvent(), w);
    expect(outcome.status).toBe("settling");
    expect(endpointAlerts(w)).toHaveLength(1);
    const early = endpointAlerts(w)[0]!;
    expect(early.subject).toBe("[CRITICAL] [CHANGE IN PROGRESS] amazon-eks (ap-northeast-2): EKS API endpoint opening to 0.0.0.0/0");
    expect(early.text).toContain("arn:aws:iam::999999999999:user/alice");
    expect(early.text).toContain("115.142.120.217");
    // Private access off is the other endpoint rule the intent breaks.
    expect(w.publisher.alerts.map((alert) => alert.attributes.ruleId).sort()).toEqual(["endpoint-private-access", PUBLIC_RULE]);
    expect((await storedStatus(w))?.intent?.eventId).toBe("11c209ea-98e1-4db6-99e3-76d0b7e005f7");
    expect(w.settleQueue.messages[0]).toMatchObject({ delaySeconds: 30, message: { eventName: "CreateCluster", attempt: 1 } });

    // Still CREATING: checked again later, with a longer delay.
    const first = await handleSettleCheck(w.settleQueue.messages.shift()!.message, w);
    expect(first).toEqual({ status: "requeued", attempt: 2, delaySeconds: 60 });
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN, { status: "ACTIVE" }));
    const before = w.publisher.alerts.length;
    const [settled] = await settleAll(w);
    expect(settled).toMatchObject({ status: "settled" });
    expect(endpointAlerts(w)).toHaveLength(1);
    expect(w.publisher.alerts.slice(before).map((alert) => alert.attributes.ruleId)).not.toContain(PUBLIC_RULE);
    expect(await storedStatus(w)).toMatchObject({ status: "FAIL", severity: "CRITICAL" });
    expect((await storedStatus(w))?.intent).toBeUndefined();
  });

  it("UpdateClusterConfig to private-only: no early alert, one RESOLVED when it settles", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    await handleClusterEvent(tagEvent("tag-1"), w);
    expect(endpointAlerts(w).map((alert) => alert.attributes.transition)).toEqual(["OPENED"]);
    const outcome = await handleClusterEvent(makePrivateEvent(), w);
    expect(outcome).toMatchObject({ status: "settling", earlyAlerts: [] });
    w.eks.updates.set("a6a26d0a-c985-40df-8d17-9d994525339f", { status: "InProgress", errors: [] });
    expect(await handleSettleCheck(w.settleQueue.messages.shift()!.message, w)).toMatchObject({ status: "requeued" });
    w.eks.updates.set("a6a26d0a-c985-40df-8d17-9d994525339f", { status: "Successful", errors: [] });
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    expect(await settleAll(w)).toMatchObject([{ status: "settled", updateStatus: "Successful" }]);
    expect(endpointAlerts(w).map((alert) => alert.attributes.transition)).toEqual(["OPENED", "RESOLVED"]);
    expect(endpointAlerts(w)[1]!.subject).toBe("[RESOLVED] amazon-eks (ap-northeast-2): resolved: EKS API endpoint open to 0.0.0.0/0");
    expect(await storedStatus(w)).toMatchObject({ status: "PASS" });
  });
});

describe("re-evaluating only the rules an event can change", () => {
  function nodegroupEvent(eventId: string, updateId: string) {
    const detail = editableRecord();
    detail.eventID = eventId;
    detail.eventName = "UpdateNodegroupVersion";
    detail.requestParameters = { name: "amazon-eks", nodegroupName: "ng-1" };
    detail.responseElements!.update.id = updateId;
    detail.responseElements!.update.params = [];
    return eventBridgeEnvelope(detail);
  }

  it("UpdateNodegroupVersion reads and re-judges the node-group rules alone; every other rule keeps its stored record", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    await handleClusterEvent(untagEvent("untag-1", [EXEMPTION_TAG]), w);
    // Removing the exemption tag can change any rule's exemption: every rule, every kind of data.
    expect(w.eks.reads.at(-1)).toEqual(["accessEntries", "addonVersions", "addons", "amiReleases", "cluster", "identityProviders", "insights", "nodegroups", "versionCatalogue"]);
    const before = await w.store.readState(AMAZON_EKS.arn);
    expect(before.map((record) => record.ruleId).sort()).toEqual(rules.map((rule) => rule.id).sort());
    // The endpoint is made private meanwhile, without an event reaching the monitor: only a cluster rule would see it.
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    expect(await handleClusterEvent(nodegroupEvent("ng-update-1", "u-ng"), w)).toMatchObject({ status: "settling" });
    w.eks.updates.set("u-ng", { status: "Successful", errors: [] });
    expect(await settleAll(w)).toMatchObject([{ status: "settled", notified: [] }]);
    expect(w.eks.reads.at(-1)).toEqual(["amiReleases", "cluster", "nodegroups"]);
    const after = await w.store.readState(AMAZON_EKS.arn);
    const changed = after.filter((record) => record.version !== before.find((old) => old.ruleId === record.ruleId)?.version).map((record) => record.ruleId);
    expect(changed.sort()).toEqual(["nodegroup-ami-outdated", "nodegroup-version-skew"]);
    // Not evaluated is not resolved: the endpoint FAIL stays open until a cluster rule looks again.
    expect(await storedStatus(w)).toMatchObject({ status: "FAIL", severity: "CRITICAL" });
    expect(endpointAlerts(w).map((alert) => alert.attributes.transition)).toEqual(["OPENED"]);
  });
});

describe("a tag call re-judges by the keys it touches", () => {
  it("a tag the monitor does not read: the cluster rules alone, no node-group, add-on or insight reads; the others keep their record", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    await handleClusterEvent(untagEvent("untag-1", [EXEMPTION_TAG]), w);
    const before = await w.store.readState(AMAZON_EKS.arn);
    await handleClusterEvent(tagEvent("tag-1"), w);
    expect(w.eks.reads.at(-1)).toEqual(["cluster", "versionCatalogue"]);
    const after = await w.store.readState(AMAZON_EKS.arn);
    expect(after.map((record) => record.ruleId).sort()).toEqual(rules.map((rule) => rule.id).sort());
    const untouched = after.filter((record) => record.version === before.find((old) => old.ruleId === record.ruleId)?.version).map((record) => record.ruleId);
    // The access rules too: a tag the monitor does not read changes no one's access.
    expect(untouched.sort()).toEqual(["access-authentication-mode", "access-cluster-admin", "access-creator-admin", "access-identity-providers", "addon-outdated", "nodegroup-ami-outdated", "nodegroup-version-skew", "upgrade-insights"]);
  });
});

describe("the real-time behaviour", () => {
  it("an opening that fails to apply gets a correcting RESOLVED, and nothing stays open", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    await handleClusterEvent(tagEvent("tag-1"), w);
    await handleClusterEvent(openEvent(), w);
    expect(endpointAlerts(w).map((alert) => alert.subject)).toEqual(["[CRITICAL] [CHANGE IN PROGRESS] amazon-eks (ap-northeast-2): EKS API endpoint opening to 0.0.0.0/0"]);
    w.eks.updates.set("u-open", { status: "Failed", errors: [{ errorCode: "InsufficientFreeAddresses", errorMessage: "no IPs" }] });
    await settleAll(w);
    expect(endpointAlerts(w).map((alert) => alert.attributes.transition)).toEqual(["OPENED", "RESOLVED"]);
    expect(endpointAlerts(w)[1]!.payload.correcting).toBe(true);
    expect(w.store.history.at(-1)?.note).toBe("update Failed: InsufficientFreeAddresses: no IPs");
    expect(await storedStatus(w)).toMatchObject({ status: "PASS" });
  });

  it("the same event delivered three times is processed once", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push((await handleClusterEvent(tagEvent("tag-1"), w)).status);
    expect(outcomes).toEqual(["evaluated", "duplicate", "duplicate"]);
    expect(w.eks.collectCalls).toBe(1);
  });

  it("a failed call is recorded in history only", async () => {
    const w = world();
    const detail = readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE);
    const failed = eventBridgeEnvelope({ ...detail, errorCode: "AccessDenied", errorMessage: "not authorized", responseElements: null });
    expect((await handleClusterEvent(failed, w)).status).toBe("failed-call");
    expect(w.store.history).toMatchObject([{ kind: "failed-call", failed: { errorCode: "AccessDenied" }, cause: { sourceIp: "115.142.120.217" } }]);
    expect(w.store.records.size).toBe(0);
    expect(w.publisher.alerts).toEqual([]);
    expect(w.eks.collectCalls).toBe(0);
  });

  it("a malformed event is logged with its id and dropped: nothing stored, nothing thrown", async () => {
    const w = world();
    const event = makePrivateEvent();
    (event.detail as Record<string, unknown>).eventName = "DescribeCluster";
    expect(await handleClusterEvent(event, w)).toEqual({ status: "rejected", eventId: "194fa348-c30a-4cff-87a9-fd21a6178bc7", reason: "unknown-event" });
    expect(w.logger.lines).toMatchObject([{ level: "warn", extra: { eventId: "194fa348-c30a-4cff-87a9-fd21a6178bc7" } }]);
    expect(w.store.events.size).toBe(0);
    expect(w.store.history).toEqual([]);
  });

  it("DeleteCluster closes the state and keeps the history; a later read that finds nothing closes too", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    await handleClusterEvent(tagEvent("tag-1"), w);
    const detail = editableRecord();
    const deletion = eventBridgeEnvelope({ ...detail, eventID: "del-1", eventName: "DeleteCluster", requestParameters: { name: "amazon-eks" }, responseElements: { cluster: { status: "DELETING" } } });
    const alerts = w.publisher.alerts.length;
    expect((await handleClusterEvent(deletion, w)).status).toBe("closed");
    expect((await w.store.readState(AMAZON_EKS.arn)).every((record) => record.closed?.eventId === "del-1")).toBe(true);
    expect(w.publisher.alerts).toHaveLength(alerts);
    expect(w.store.history.map((entry) => entry.kind)).toEqual(["evaluation", "closed"]);
    w.eks.clusters.delete(AMAZON_EKS.arn);
    expect((await handleClusterEvent(tagEvent("tag-late"), w)).status).toBe("cluster-not-found");
  });

  it("an EKS failure is thrown for the retry, and the retry of the same event is processed", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    w.eks.failures.push(new EksUnavailable("DescribeCluster"));
    await expect(handleClusterEvent(tagEvent("tag-1"), w)).rejects.toBeInstanceOf(EksUnavailable);
    expect((await handleClusterEvent(tagEvent("tag-1"), w)).status).toBe("evaluated");
    expect(endpointAlerts(w)).toHaveLength(1);
  });

  it("a lost conditional write is recomputed from a fresh read: one alert per transition", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    const commit = w.store.commit.bind(w.store);
    let lost = 0;
    w.store.commit = async (arn, writes, history) => {
      if (lost === 0) {
        lost += 1;
        // Another evaluation wins the race with the same view of the cluster.
        await handleClusterEvent(tagEvent("tag-other"), { ...w, store: Object.assign(Object.create(Object.getPrototypeOf(w.store)), w.store, { commit }) });
        throw new StateConflict(arn);
      }
      return commit(arn, writes, history);
    };
    expect((await handleClusterEvent(tagEvent("tag-1"), w)).status).toBe("evaluated");
    expect(endpointAlerts(w)).toHaveLength(1);
    expect(w.eks.collectCalls).toBe(3);
  });

  it("an older view of the cluster never overwrites a newer one", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    w.clock.now = new Date("2026-01-05T10:10:00Z");
    await handleClusterEvent(tagEvent("tag-new"), w);
    w.clock.now = new Date("2026-01-05T10:00:00Z");
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    expect((await handleClusterEvent(tagEvent("tag-old"), w)).status).toBe("stale");
    expect(endpointAlerts(w)).toEqual([]);
    expect(await storedStatus(w)).toMatchObject({ status: "PASS" });
  });

  it("a publish failure after the write is thrown, the alerts stay in the outbox, and the retry sends them", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] }));
    w.publisher.failNext = 1;
    await expect(handleClusterEvent(tagEvent("tag-1"), w)).rejects.toThrow("SNS unavailable");
    expect(w.logger.lines.some((line) => line.level === "error" && line.message.startsWith("alert could not be published"))).toBe(true);
    const [pending] = await w.store.pendingAlerts(AMAZON_EKS.arn);
    const expected = pending!.alerts.map((alert) => alert.subject);
    expect(expected).toContain("[CRITICAL] amazon-eks (ap-northeast-2): EKS API endpoint open to 0.0.0.0/0");
    // The failed one is missing from what subscribers got so far.
    expect(w.publisher.alerts).toHaveLength(expected.length - 1);
    // The same event again (its claim was given back): the outbox goes out first, the state has nothing new.
    expect(await handleClusterEvent(tagEvent("tag-1"), w)).toMatchObject({ status: "evaluated", notified: [] });
    expect(new Set(w.publisher.alerts.map((alert) => alert.subject))).toEqual(new Set(expected));
    expect(await w.store.pendingAlerts(AMAZON_EKS.arn)).toEqual([]);
  });
});

describe("two judgements of one cluster at once", () => {
  it("an entry another judgement committed moments ago is its own to publish: the other leaves it, and no alert goes out twice", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] }));
    // The first judgement commits its alerts, then stalls in its first publish while a second judgement runs.
    let reached!: () => void;
    let release!: () => void;
    const atPublish = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const publish = w.publisher.publish.bind(w.publisher);
    let first = true;
    w.publisher.publish = async (topic, message) => {
      if (first) {
        first = false;
        reached();
        await gate;
      }
      return publish(topic, message);
    };
    const stalled = handleClusterEvent(tagEvent("tag-a"), w);
    await atPublish;
    await handleClusterEvent(tagEvent("tag-b"), w);
    release();
    await stalled;
    const subjects = w.publisher.alerts.map((alert) => alert.subject);
    expect(subjects.filter((subject) => subject === "[CRITICAL] amazon-eks (ap-northeast-2): EKS API endpoint open to 0.0.0.0/0")).toHaveLength(1);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(await w.store.pendingAlerts(AMAZON_EKS.arn)).toEqual([]);
  });
});

describe("the fewest writes per event", () => {
  it("the state write completes the event's claim: no separate completion, and the same event again is a duplicate", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    let separate = 0;
    const complete = w.store.completeEvent.bind(w.store);
    w.store.completeEvent = async (eventId, now) => {
      separate += 1;
      await complete(eventId, now);
    };
    expect((await handleClusterEvent(tagEvent("tag-1"), w)).status).toBe("evaluated");
    expect(separate).toBe(0);
    expect(w.store.events.get("tag-1")?.status).toBe("COMPLETED");
    expect((await handleClusterEvent(tagEvent("tag-1"), w)).status).toBe("duplicate");
    // A failed call writes no state: its claim is completed with its history entry.
    const failed = editableRecord();
    Object.assign(failed, { eventID: "failed-1", errorCode: "AccessDenied", errorMessage: "no", responseElements: null });
    expect((await handleClusterEvent(eventBridgeEnvelope(failed), w)).status).toBe("failed-call");
    expect(separate).toBe(0);
    expect(w.store.events.get("failed-1")?.status).toBe("COMPLETED");
  });

  it("the early alert's outbox entry is held for its settle check, which clears it without publishing again", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    expect((await handleClusterEvent(openEvent(), w)).status).toBe("settling");
    expect(endpointAlerts(w)).toHaveLength(1);
    const [held] = await w.store.pendingAlerts(AMAZON_EKS.arn);
    expect(held).toMatchObject({ heldFor: "open-1" });
    expect(w.settleQueue.messages[0]?.message.publishedOutboxId).toBe(held!.id);
    // Another event on the cluster meanwhile leaves the held entry alone.
    await handleClusterEvent(tagEvent("tag-between"), w);
    expect(endpointAlerts(w)).toHaveLength(1);
    expect(await w.store.pendingAlerts(AMAZON_EKS.arn)).toHaveLength(1);
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    w.eks.updates.set("u-open", { status: "Successful", errors: [] });
    expect(await settleAll(w)).toMatchObject([{ status: "settled", notified: [] }]);
    expect(endpointAlerts(w)).toHaveLength(1);
    expect(await w.store.pendingAlerts(AMAZON_EKS.arn)).toEqual([]);
  });

  it("a settle check still waiting clears the published entry before queuing itself again", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    await handleClusterEvent(openEvent(), w);
    w.eks.updates.set("u-open", { status: "InProgress", errors: [] });
    expect(await handleSettleCheck(w.settleQueue.messages.shift()!.message, w)).toMatchObject({ status: "requeued", attempt: 2 });
    expect(await w.store.pendingAlerts(AMAZON_EKS.arn)).toEqual([]);
    expect(w.settleQueue.messages[0]?.message.publishedOutboxId).toBeUndefined();
    expect(endpointAlerts(w)).toHaveLength(1);
  });

  it("an early alert that could not be published: the claim is given back and the retry publishes it", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    w.publisher.failNext = 1;
    await expect(handleClusterEvent(openEvent(), w)).rejects.toThrow("SNS unavailable");
    // The settle check went out all the same (never the early alert and the check lost together), naming no
    // published entry: the unpublished one stays for the retry.
    expect(w.settleQueue.messages.map((queued) => queued.message.publishedOutboxId)).toEqual([undefined]);
    expect(w.store.events.has("open-1")).toBe(false);
    expect(await handleClusterEvent(openEvent(), w)).toMatchObject({ status: "settling", earlyAlerts: [] });
    expect(endpointAlerts(w)).toHaveLength(1);
    expect(await w.store.pendingAlerts(AMAZON_EKS.arn)).toEqual([]);
    expect(w.settleQueue.messages.map((queued) => queued.message.publishedOutboxId)).toEqual([undefined, undefined]);
  });

  it("a held entry whose settle check never came is published by the next evaluation after the hold", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    await handleClusterEvent(openEvent(), w);
    w.settleQueue.messages.length = 0;
    w.clock.now = new Date(w.clock.now.getTime() + 3600_000);
    await handleClusterEvent(tagEvent("tag-later"), w);
    expect(endpointAlerts(w)).toHaveLength(2);
    expect(await w.store.pendingAlerts(AMAZON_EKS.arn)).toEqual([]);
  });
});

describe("handleSettleCheck", () => {
  it("a change that never ends goes to the dead-letter queue by throwing", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    await handleClusterEvent(openEvent(), w);
    w.eks.updates.set("u-open", { status: "InProgress", errors: [] });
    const message = w.settleQueue.messages.shift()!.message;
    await expect(handleSettleCheck({ ...message, attempt: 40 }, { ...w, settings: { maxSettleAttempts: 40 } })).rejects.toBeInstanceOf(SettleTimeout);
    expect(settleDelay(1, w)).toBe(30);
    expect(settleDelay(20, w)).toBe(300);
  });

  it("drops an unreadable message with a clear log", async () => {
    const w = world();
    expect(await handleSettleCheck("{not json", w)).toEqual({ status: "rejected" });
    expect(await handleSettleCheck({ version: 1, cluster: {} }, w)).toEqual({ status: "rejected" });
    expect(w.logger.lines.map((line) => line.extra?.error)).toEqual([
      "settle message: expected a JSON object, got unparsable text",
      expect.stringContaining("cluster.account"),
    ]);
  });

  it("an update EKS no longer knows is judged from the live cluster; a vanished cluster is closed", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, OPEN));
    await handleClusterEvent(openEvent(), w);
    const message = w.settleQueue.messages.shift()!.message;
    expect(await handleSettleCheck(message, w)).toMatchObject({ status: "settled" });
    w.eks.clusters.delete(AMAZON_EKS.arn);
    expect(await handleSettleCheck(message, w)).toEqual({ status: "cluster-not-found" });
  });

  it("a nodegroup or add-on creation settles when it leaves CREATING", async () => {
    const w = world();
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    const base = { version: 1 as const, cluster: AMAZON_EKS, eventId: "ng-1", eventName: "CreateNodegroup", attempt: 1, queuedAt: "2026-01-05T10:00:00Z", cause: {} };
    expect(await handleSettleCheck({ ...base, nodegroupName: "absent" }, w)).toMatchObject({ status: "settled" });
    expect(await handleSettleCheck({ ...base, eventName: "CreateAddon", addonName: "vpc-cni" }, w)).toMatchObject({ status: "settled" });
  });

  it("judges intents by the endpoint rules only", () => {
    expect(intentRules(rules).map((rule) => rule.id).sort()).toEqual(["endpoint-private-access", "endpoint-public-access"]);
  });

  it("chooses the intent rules by what they declare, not by their id", () => {
    const publicAccess = rules.find((rule) => rule.id === "endpoint-public-access")!;
    const versionSupport = rules.find((rule) => rule.id === "version-support")!;
    const renamed = { ...publicAccess, id: "api-exposure" };
    const misleadinglyNamed = { ...versionSupport, id: "endpoint-version" };
    expect(intentRules([renamed, misleadinglyNamed]).map((rule) => rule.id)).toEqual(["api-exposure"]);
  });
});
