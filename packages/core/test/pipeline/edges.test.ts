// The use-cases' less common paths: intents that cannot be judged, exhausted retries, release failures,
// node-group updates, stale settles and rules no longer registered.
import { describe, expect, it } from "vitest";
import { ClusterNotFound, StateConflict } from "../../src/errors.ts";
import { handleClusterEvent, readClusterEvent } from "../../src/pipeline/cluster-event.ts";
import { evaluateLive } from "../../src/pipeline/evaluate-live.ts";
import type { Deliverer } from "../../src/pipeline/ports.ts";
import { handleSettleCheck, parseSettleMessage, readSettleMessage, SettleMessageInvalid, SettleTimeout } from "../../src/pipeline/settle.ts";
import { MemoryStateStore } from "./memory-store.ts";
import { parsePolicy } from "../../src/policy.ts";
import { eventBridgeEnvelope } from "../../../../test/fixtures/index.ts";
import { OPEN, PRIVATE, clusterRecord, world } from "./fakes.ts";

const LAB = { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/lab", account: "111122223333", region: "eu-west-1", name: "lab" };

function record(eventName: string, requestParameters: unknown, responseElements: unknown, eventID = `evt-${eventName}`) {
  return eventBridgeEnvelope({
    userIdentity: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/bob", userName: "bob" },
    eventTime: "2026-01-05T10:00:00Z",
    eventSource: "eks.amazonaws.com",
    eventName,
    awsRegion: "eu-west-1",
    sourceIPAddress: "203.0.113.9",
    userAgent: "aws-cli/2",
    requestParameters,
    responseElements,
    eventID,
    recipientAccountId: "111122223333",
  });
}
const openUpdate = (eventID = "open") =>
  record("UpdateClusterConfig", { name: "lab" }, { update: { id: "u1", status: "InProgress", params: [{ type: "EndpointPublicAccess", value: "true" }, { type: "PublicAccessCidrs", value: '["0.0.0.0/0"]' }] } }, eventID);

describe("intents that cannot be judged", () => {
  it("an update of a cluster that is gone: no early alert, the settle check still follows", async () => {
    const w = world();
    const outcome = await handleClusterEvent(openUpdate(), w);
    expect(outcome).toMatchObject({ status: "settling", earlyAlerts: [] });
    expect(w.settleQueue.messages).toHaveLength(1);
  });

  it("a CreateCluster whose recorded cluster is unreadable: logged, no early alert, settle queued", async () => {
    const w = world();
    const outcome = await handleClusterEvent(record("CreateCluster", { name: "lab" }, { cluster: { status: "CREATING", resourcesVpcConfig: { endpointPublicAccess: "yes" } } }), w);
    // resourcesVpcConfig.endpointPublicAccess must be a boolean: the event itself is rejected at the door.
    expect(outcome.status).toBe("rejected");
    const odd = await handleClusterEvent(record("CreateCluster", { name: "lab" }, { cluster: { status: "CREATING", version: 1.3 } }, "odd"), w);
    expect(odd).toMatchObject({ status: "settling", earlyAlerts: [] });
    expect(w.logger.lines.some((line) => line.message.startsWith("intended configuration unreadable"))).toBe(true);
  });

  // Before: the failure was thrown and the event retried, so an outage lost the early alert and the settle check
  // together once the retries ran out. Now the event's own fields are judged and the settle check is queued first.
  it("a live read that fails (throttling, outage): the intent is judged from the event alone, and the settle check is queued", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    w.eks.failures.push(new Error("EKS down"));
    const outcome = await handleClusterEvent(openUpdate(), w);
    expect(outcome).toMatchObject({ status: "settling" });
    expect(w.settleQueue.messages).toHaveLength(1);
    expect(w.publisher.alerts.map((alert) => alert.subject)).toEqual(["[CRITICAL] [CHANGE IN PROGRESS] lab (eu-west-1): EKS API endpoint opening to 0.0.0.0/0"]);
    expect(w.store.history.at(-1)?.note).toMatch(/judged from the CloudTrail event alone/);
    expect(w.logger.lines.some((line) => line.message.startsWith("live cluster unreadable"))).toBe(true);
    expect(await w.store.claimEvent("open", w.now())).toBe("duplicate");
  });

  it("judging from the event alone: the request's fields count, and only the rules whose fields the event carries judge", async () => {
    const w = world();
    w.eks.failures.push(new Error("throttled"), new Error("throttled"), new Error("throttled"));
    // The request turns public access on without CIDRs: AWS's 0.0.0.0/0 is the worst case.
    const requestOnly = record("UpdateClusterConfig", { name: "lab", resourcesVpcConfig: { endpointPublicAccess: true } }, { update: { id: "u2", status: "InProgress" } }, "req");
    await handleClusterEvent(requestOnly, w);
    expect(w.publisher.alerts.map((alert) => alert.attributes.ruleId)).toEqual(["endpoint-public-access"]);
    // Private access turned off while public stays unknown: only endpoint-private-access can judge it.
    const privateOff = record("UpdateClusterConfig", { name: "lab", resourcesVpcConfig: { endpointPrivateAccess: false } }, { update: { id: "u3", status: "InProgress" } }, "priv");
    await handleClusterEvent(privateOff, w);
    expect(w.store.history.at(-1)?.findings?.map((finding) => finding.ruleId)).toEqual(["endpoint-private-access"]);
    // Nothing the endpoint rules read: no early alert, the settle check follows.
    const logging = record("UpdateClusterConfig", { name: "lab", logging: {} }, { update: { id: "u4", status: "InProgress", params: [] } }, "log");
    expect(await handleClusterEvent(logging, w)).toMatchObject({ status: "settling", earlyAlerts: [] });
    expect(w.settleQueue.messages).toHaveLength(3);
  });

  it("a failing intent evaluation still leaves the settle check queued", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    w.store.commit = async () => {
      throw new Error("DynamoDB down");
    };
    await expect(handleClusterEvent(openUpdate(), w)).rejects.toThrow("DynamoDB down");
    expect(w.settleQueue.messages).toHaveLength(1);
  });
});

describe("retries and failures around the store", () => {
  it("gives up after maxConflictRetries lost writes, for the queue's retry", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    w.store.commit = async (arn) => {
      throw new StateConflict(arn);
    };
    await expect(handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: {} }, null), { ...w, settings: { maxConflictRetries: 2 } })).rejects.toBeInstanceOf(StateConflict);
    expect(w.eks.collectCalls).toBe(3);
  });

  it("a claim that cannot be released is logged, and the original error still surfaces", async () => {
    const w = world();
    w.eks.failures.push(new Error("EKS down"));
    w.store.releaseEvent = async () => {
      throw new Error("DynamoDB down");
    };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    await expect(handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: {} }, null), w)).rejects.toThrow("EKS down");
    expect(w.logger.lines.find((line) => line.level === "error")?.message).toContain("could not release the event claim");
  });

  it("a sweep (no CloudTrail event) evaluates, stores and alerts without an event id", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    await evaluateLive(w, LAB, { trigger: "sweep" });
    expect(w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access").map((alert) => alert.subject)).toEqual(["[CRITICAL] lab (eu-west-1): EKS API endpoint open to 0.0.0.0/0"]);
    expect(w.store.history[0]?.cause.eventId).toBeUndefined();
    expect((await w.store.readState(LAB.arn)).every((record) => record.lastEventId === undefined)).toBe(true);
  });
});

describe("deliverers after the alerts topic", () => {
  it("a further deliverer gets every committed judgement once its alerts are out; its failure is thrown after the others delivered", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    const delivered: { arn: string; kind: string; notified: string[]; published: number }[] = [];
    const exporter: Deliverer = {
      async deliver(cluster, judgement) {
        delivered.push({ arn: cluster.arn, kind: judgement.history.kind, notified: judgement.plan.notify.map((transition) => transition.ruleId), published: w.publisher.alerts.length });
      },
    };
    await evaluateLive({ ...w, deliverers: [exporter] }, LAB, { trigger: "sweep" });
    expect(w.publisher.alerts.map((alert) => alert.attributes.ruleId)).toContain("endpoint-public-access");
    expect(delivered).toEqual([{ arn: LAB.arn, kind: "evaluation", notified: w.publisher.alerts.map((alert) => alert.attributes.ruleId), published: w.publisher.alerts.length }]);

    const failing: Deliverer = {
      async deliver() {
        throw new Error("export unavailable");
      },
    };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await expect(evaluateLive({ ...w, deliverers: [failing, exporter] }, LAB, { trigger: "sweep" })).rejects.toThrow("export unavailable");
    expect(delivered.map((entry) => entry.notified)).toEqual([delivered[0]!.notified, ["endpoint-public-access"]]);
    expect(w.publisher.alerts.at(-1)?.attributes.transition).toBe("RESOLVED");
  });
});

describe("settle checks", () => {
  const base = { version: 1 as const, cluster: LAB, eventId: "ng-update", eventName: "UpdateNodegroupVersion", attempt: 1, queuedAt: "2026-01-05T10:00:00Z", cause: { actor: { type: "IAMUser" }, sourceIp: "203.0.113.9", userAgent: "cli", eventTime: "2026-01-05T10:00:00Z" } };

  it("follows a node-group update by its id and notes its errors", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    w.eks.updates.set("ng-u", { status: "Failed", errors: [{ errorMessage: "AMI not found" }] });
    expect(await handleSettleCheck({ ...base, updateId: "ng-u", nodegroupName: "ng-a", addonName: undefined }, w)).toMatchObject({ status: "settled", updateStatus: "Failed" });
    expect(w.store.history.at(-1)?.note).toBe("update Failed: error: AMI not found");
    expect(w.store.history.at(-1)?.cause).toMatchObject({ trigger: "settle", sourceIp: "203.0.113.9", eventTime: new Date("2026-01-05T10:00:00Z") });
  });

  it("an add-on update settles too; a settle whose view is older than the stored one is stale", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    w.eks.updates.set("a-u", { status: "Successful", errors: [] });
    w.clock.now = new Date("2026-01-05T12:00:00Z");
    await evaluateLive(w, LAB, { trigger: "sweep" });
    w.clock.now = new Date("2026-01-05T11:00:00Z");
    expect(await handleSettleCheck({ ...base, eventName: "UpdateAddon", updateId: "a-u", addonName: "vpc-cni" }, w)).toMatchObject({ status: "stale", updateStatus: "Successful" });
  });

  it("a cluster gone before the settle finished is closed; other failures are thrown", async () => {
    const w = world();
    expect(await handleSettleCheck({ ...base, eventName: "CreateCluster" }, w)).toEqual({ status: "cluster-not-found" });
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    w.eks.failures.push(new Error("EKS down"));
    await expect(handleSettleCheck({ ...base, updateId: "x" }, w)).rejects.toThrow("EKS down");
  });

  it("a still-creating cluster is checked again; timing out names the change", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE, { status: "CREATING" }));
    expect(await handleSettleCheck({ ...base, eventName: "CreateCluster" }, w)).toMatchObject({ status: "requeued", attempt: 2 });
    const error = await handleSettleCheck({ ...base, eventName: "CreateCluster", attempt: 3 }, { ...w, settings: { maxSettleAttempts: 3 } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SettleTimeout);
    expect((error as Error).message).toBe(`change CreateCluster (event ng-update) on ${LAB.arn} did not finish after 3 checks`);
  });

  it("parses a settle message from text and names every wrong field", () => {
    expect(parseSettleMessage(JSON.stringify(base))).toEqual(base);
    expect(() => parseSettleMessage([])).toThrow("settle message: (root):");
  });
});

describe("MemoryStateStore", () => {
  it("refuses a write from an old version and honours claim leases", async () => {
    const store = new MemoryStateStore();
    const now = new Date("2026-01-05T10:00:00Z");
    const history = { clusterArn: LAB.arn, at: now, kind: "evaluation" as const, cause: { trigger: "sweep" as const } };
    const recordAt = (version: number) => ({ clusterArn: LAB.arn, ruleId: "r", status: "PASS" as const, severity: "INFO" as const, message: "m.", evidence: {}, version, since: "", observedAt: "", updatedAt: "" });
    await store.commit(LAB.arn, [{ record: recordAt(1), expectedVersion: 0 }], history);
    await expect(store.commit(LAB.arn, [{ record: recordAt(1), expectedVersion: 0 }], history)).rejects.toBeInstanceOf(StateConflict);
    expect(await store.claimEvent("e", now)).toBe("claimed");
    expect(await store.claimEvent("e", new Date(now.getTime() + 60_000))).toBe("duplicate");
    expect(await store.claimEvent("e", new Date(now.getTime() + 16 * 60_000))).toBe("claimed");
  });
});

describe("more event kinds", () => {
  it("UpdateClusterVersion has no endpoint intent: no early alert, a settle check follows its update", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    const outcome = await handleClusterEvent(record("UpdateClusterVersion", { name: "lab", version: "1.35" }, { update: { id: "v1", status: "InProgress" } }), w);
    expect(outcome).toMatchObject({ status: "settling", earlyAlerts: [] });
    expect(w.settleQueue.messages[0]?.message).toMatchObject({ updateId: "v1", eventName: "UpdateClusterVersion" });
    expect(w.eks.collectCalls).toBe(0);
  });

  it("CreateNodegroup and UpdateAddon carry their resource into the settle check", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await handleClusterEvent(record("CreateNodegroup", { name: "lab", nodegroupName: "ng-a" }, { nodegroup: { status: "CREATING" } }), w);
    await handleClusterEvent(record("UpdateAddon", { name: "lab", addonName: "vpc-cni" }, { update: { id: "a1", status: "InProgress" } }), w);
    expect(w.settleQueue.messages.map((entry) => [entry.message.nodegroupName, entry.message.addonName])).toEqual([
      ["ng-a", undefined],
      [undefined, "vpc-cni"],
    ]);
  });

  it("an endpoint update of a cluster whose record has no endpoint fields (EKS's oldest clusters) is judged on the overlay", async () => {
    const w = world();
    const legacy = clusterRecord(LAB, PRIVATE);
    delete legacy.resourcesVpcConfig;
    w.eks.clusters.set(LAB.arn, legacy);
    const outcome = await handleClusterEvent(
      record("UpdateClusterConfig", { name: "lab" }, { update: { id: "u", status: "InProgress", params: [{ type: "EndpointPublicAccess", value: "false" }, { type: "EndpointPrivateAccess", value: "true" }] } }),
      w,
    );
    expect(outcome).toMatchObject({ status: "settling", earlyAlerts: [] });
    expect(w.store.history[0]?.findings?.find((finding) => finding.ruleId === "endpoint-public-access")?.status).toBe("PASS");
  });

  it("an event with no readable id is still rejected cleanly", async () => {
    const w = world();
    expect(await handleClusterEvent("not an event", w)).toEqual({ status: "rejected", reason: "malformed" });
  });

  it("a settle whose cluster vanished after its update ended closes the state", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    w.eks.updates.set("u", { status: "Successful", errors: [{ errorCode: "Code" }] });
    w.eks.collect = async () => {
      throw new ClusterNotFound(LAB.arn);
    };
    const message = { version: 1 as const, cluster: LAB, eventId: "e", eventName: "UpdateClusterConfig", updateId: "u", attempt: 1, queuedAt: "2026-01-05T10:00:00Z", cause: {} };
    expect(await handleSettleCheck(message, w)).toEqual({ status: "cluster-not-found" });
    expect(w.store.history.map((entry) => entry.kind)).toEqual(["cluster-not-found"]);
  });
});

describe("a quick open-and-close", () => {
  const closeUpdate = (eventID: string) =>
    record("UpdateClusterConfig", { name: "lab" }, { update: { id: "u2", status: "InProgress", params: [{ type: "EndpointPublicAccess", value: "false" }, { type: "EndpointPrivateAccess", value: "true" }] } }, eventID);

  it("an opening that took effect and was closed before the settle check reports the exposure window, never 'did not take effect'", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await handleClusterEvent(openUpdate("open"), w);
    w.clock.now = new Date("2026-01-05T10:03:00Z");
    const close = closeUpdate("close") as { detail: Record<string, unknown> };
    await handleClusterEvent({ ...close, detail: { ...close.detail, eventTime: "2026-01-05T10:03:00Z", userIdentity: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/carol", userName: "carol" } } }, w);
    w.eks.updates.set("u1", { status: "Successful", errors: [] });
    w.eks.updates.set("u2", { status: "Successful", errors: [] });
    await handleSettleCheck(w.settleQueue.messages[0]!.message, w);
    await handleSettleCheck(w.settleQueue.messages[1]!.message, w);
    const endpoint = w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    expect(endpoint.map((alert) => alert.attributes.transition)).toEqual(["OPENED", "RESOLVED"]);
    const window = endpoint[1]!;
    expect(window.subject).toBe("[RESOLVED] lab (eu-west-1): exposure window closed: EKS API endpoint not reachable from the internet");
    expect(window.text).toContain("EXPOSURE WINDOW: the change announced in an earlier \"change in progress\" alert took effect");
    expect(window.text).toContain("  open from 2026-01-05T10:00:00.000Z, by arn:aws:iam::111122223333:user/bob (IAMUser bob),");
    expect(window.text).toContain("  to 2026-01-05T10:03:00.000Z, closed by arn:aws:iam::111122223333:user/carol (CloudTrail close).");
    expect(window.text).not.toContain("did not take effect");
    expect(JSON.parse(JSON.parse(window.message).sqs)).toMatchObject({ correcting: false, exposure: { closedAt: "2026-01-05T10:03:00.000Z", closedBy: "arn:aws:iam::111122223333:user/carol", closedEventId: "close" } });
  });

  it("without the closing call seen, the window ends at the check, closed by an unseen change", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await handleClusterEvent(openUpdate("open"), w);
    w.eks.updates.set("u1", { status: "Successful", errors: [] });
    w.clock.now = new Date("2026-01-05T10:05:00Z");
    await handleSettleCheck(w.settleQueue.messages[0]!.message, w);
    const window = w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access")[1]!;
    expect(window.text).toContain("  to at most 2026-01-05T10:05:00.000Z, closed by a change EKS Warden did not see.");
  });

  it("an opening whose update failed still did not take effect", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    await handleClusterEvent(openUpdate("open"), w);
    w.eks.updates.set("u1", { status: "Failed", errors: [] });
    await handleSettleCheck(w.settleQueue.messages[0]!.message, w);
    const endpoint = w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    expect(endpoint[1]!.subject).toContain("change did not take effect");
  });
});

describe("tagging re-evaluates exemptions", () => {
  const BOB = "arn:aws:iam::111122223333:user/bob";
  it("TagResource by a listed principal adding a valid exemption: EXEMPTED naming them; UntagResource removing it: UNEXEMPTED", async () => {
    const w = { ...world(), policy: parsePolicy({ exemptions: { tags: [BOB] } }) };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    await handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: { team: "lab" } }, null, "t0"), w);
    const tag = { "eks-warden:exempt": "endpoint-public-access until=2026-03-31 reason=vendor demo" };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN, { tags: tag }));
    await handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: tag }, null, "t1"), w);
    // Removed ten minutes later: a toggle within five minutes would be held (coalescing, tested below).
    w.clock.now = new Date(w.clock.now.getTime() + 600_000);
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN, { tags: {} }));
    await handleClusterEvent(record("UntagResource", { resourceArn: LAB.arn, tagKeys: ["eks-warden:exempt"] }, null, "t2"), w);
    const endpoint = w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    expect(endpoint.map((alert) => alert.subject)).toEqual([
      "[CRITICAL] lab (eu-west-1): EKS API endpoint open to 0.0.0.0/0",
      "[EXEMPT CRITICAL] lab (eu-west-1): exempt until 2026-03-31: EKS API endpoint open to 0.0.0.0/0",
      "[CRITICAL] lab (eu-west-1): exemption removed: EKS API endpoint open to 0.0.0.0/0",
    ]);
    expect(endpoint.map((alert) => [alert.attributes.transition, alert.attributes.severity])).toEqual([
      ["OPENED", "CRITICAL"],
      ["EXEMPTED", "CRITICAL"],
      ["UNEXEMPTED", "CRITICAL"],
    ]);
    expect(endpoint[1]!.text).toContain(`Exemption:    until 2026-03-31 (tag, set by ${BOB}): "vendor demo"`);
    expect(endpoint[2]!.text).toContain(`Who:          ${BOB}`);
    expect(await w.store.readTagGrant(LAB.arn)).toMatchObject({ principals: [BOB], eventId: "t2" });
    expect((await w.store.readTagGrant(LAB.arn))?.value).toBeUndefined();
  });

  it("a tag set by someone not listed exempts nothing: the finding stays, exemption-tag-valid names who set it", async () => {
    const w = { ...world(), policy: parsePolicy({ exemptions: { tags: ["arn:aws:iam::111122223333:role/SecurityAdmin"] } }) };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    const tag = { "eks-warden:exempt": "endpoint-public-access until=2026-03-31 reason=temporary" };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE, { tags: tag }));
    await handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: tag }, null, "t1"), w);
    const tagAlerts = w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "exemption-tag-valid");
    expect(tagAlerts.map((alert) => alert.attributes.severity)).toEqual(["HIGH"]);
    expect(tagAlerts[0]!.text).toContain(`was set by ${BOB}, who is not allowed to grant exemptions`);
    // Then the opening is a plain CRITICAL change in progress.
    await handleClusterEvent(openUpdate("o1"), w);
    expect(w.publisher.alerts.at(-1)?.subject).toBe("[CRITICAL] [CHANGE IN PROGRESS] lab (eu-west-1): EKS API endpoint opening to 0.0.0.0/0");
  });

  it("an opening of an exempt cluster still sends the early alert, marked exempt, at the hidden severity", async () => {
    const w = { ...world(), policy: parsePolicy({ exemptions: { tags: [BOB] } }) };
    const tag = { "eks-warden:exempt": "endpoint-public-access until=2026-03-31 reason=temporary" };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE, { tags: tag }));
    await handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: tag }, null, "t1"), w);
    const endpointAlerts = () => w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    // Granting is told at once, naming who set it; the rule passes, so the exemption hides nothing: INFO, not CRITICAL.
    expect(endpointAlerts().map((alert) => [alert.attributes.transition, alert.attributes.severity])).toEqual([["EXEMPTED", "INFO"]]);
    expect(endpointAlerts()[0]!.subject).toBe("[INFO] lab (eu-west-1): exempt until 2026-03-31: EKS API endpoint not reachable from the internet");
    expect(endpointAlerts()[0]!.text).toContain("The rule passes: this exemption hides nothing now.");
    expect(endpointAlerts()[0]!.text).toContain(`(tag, set by ${BOB}): temporary`);
    await handleClusterEvent(openUpdate("o1"), w);
    const early = w.publisher.alerts.at(-1)!;
    // Cut at SNS's 100 characters; the text says the rest.
    expect(early.subject).toBe("[EXEMPT CRITICAL] [CHANGE IN PROGRESS] lab (eu-west-1): exempt until 2026-03-31: EKS API endpoint...");
    expect(early.attributes).toMatchObject({ transition: "EXEMPTED", severity: "CRITICAL" });
    expect(early.text).toMatch(/^CHANGE IN PROGRESS: UpdateClusterConfig asked EKS for a configuration that fails this rule, on a cluster EXEMPT from it/);
    // Settled as asked: not repeated.
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN, { tags: tag }));
    w.eks.updates.set("u1", { status: "Successful", errors: [] });
    await handleSettleCheck(w.settleQueue.messages[0]!.message, w);
    expect(endpointAlerts()).toHaveLength(2);
    // Removed while the cluster is private again, ten minutes later: UNEXEMPTED, by whoever removed it.
    w.clock.now = new Date(w.clock.now.getTime() + 600_000);
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE, { tags: {} }));
    await handleClusterEvent(record("UntagResource", { resourceArn: LAB.arn, tagKeys: ["eks-warden:exempt"] }, null, "t2"), w);
    expect(endpointAlerts().map((alert) => alert.attributes.transition)).toEqual(["EXEMPTED", "EXEMPTED", "UNEXEMPTED"]);
    // Removed while the rule passes: recorded and told, as INFO (it hid nothing), not at the rule's top severity.
    expect(endpointAlerts()[2]!.subject).toBe("[INFO] lab (eu-west-1): exemption removed: EKS API endpoint not reachable from the internet");
    expect(endpointAlerts()[2]!.attributes.severity).toBe("INFO");
  });

  it("a tag on a node group, or another tag, records no grant", async () => {
    const w = world();
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    const tag = { "eks-warden:exempt": "endpoint-public-access until=2026-03-31 reason=temporary" };
    await handleClusterEvent(record("TagResource", { resourceArn: "arn:aws:eks:eu-west-1:111122223333:nodegroup/lab/ng/abc", tags: tag }, null, "n1"), w);
    await handleClusterEvent(record("UntagResource", { resourceArn: LAB.arn, tagKeys: ["team"] }, null, "n2"), w);
    expect(await w.store.readTagGrant(LAB.arn)).toBeUndefined();
  });
});

describe("flapping is coalesced per cluster and rule (issue 22, item 9)", () => {
  const BOB = "arn:aws:iam::111122223333:user/bob";
  const TAG = { "eks-warden:exempt": "endpoint-public-access until=2026-03-31 reason=vendor demo" };

  /** Ten tag toggles 20 seconds apart on an open cluster: exempted, removed, exempted, ... */
  async function toggleTenTimes(w: ReturnType<typeof world>) {
    for (let toggle = 0; toggle < 10; toggle += 1) {
      w.clock.now = new Date(Date.parse("2026-01-05T10:00:00Z") + toggle * 20_000);
      const exempt = toggle % 2 === 0;
      w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN, { tags: exempt ? TAG : {} }));
      await handleClusterEvent(exempt ? record("TagResource", { resourceArn: LAB.arn, tags: TAG }, null, `tag-${toggle}`) : record("UntagResource", { resourceArn: LAB.arn, tagKeys: ["eks-warden:exempt"] }, null, `tag-${toggle}`), w);
    }
  }

  // Before: ten toggles made ten alerts (EXEMPTED, UNEXEMPTED, EXEMPTED, ...), all CRITICAL.
  it("ten tag toggles in three minutes: one alert, then one summary when the five minutes are over, with the last state", async () => {
    const w = { ...world(), policy: parsePolicy({ exemptions: { tags: [BOB] } }) };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    const endpoint = () => w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    const before = endpoint().length;
    await toggleTenTimes(w);
    expect(endpoint().slice(before).map((alert) => alert.attributes.transition)).toEqual(["EXEMPTED"]);
    // Every toggle is in the history, the held ones marked as not notified.
    const toggles = w.store.history.filter((entry) => entry.cause.eventId?.startsWith("tag-"));
    expect(toggles.flatMap((entry) => entry.transitions?.filter((transition) => transition.ruleId === "endpoint-public-access") ?? []).map((transition) => transition.notified)).toEqual([true, ...Array(9).fill(false)]);
    // The cluster is judged again when the hold ends, by a delayed check on the settle queue.
    const followUps = w.settleQueue.messages.filter((queued) => "eventId" in queued.message && queued.message.eventId.endsWith("#held"));
    expect(followUps.length).toBeGreaterThan(0);
    expect(followUps.at(-1)!.delaySeconds).toBeGreaterThan(0);
    expect(followUps.at(-1)!.delaySeconds).toBeLessThanOrEqual(300);
    w.clock.now = new Date("2026-01-05T10:05:01Z");
    await handleSettleCheck(followUps.at(-1)!.message, w);
    const told = endpoint().slice(before);
    expect(told.map((alert) => alert.attributes.transition)).toEqual(["EXEMPTED", "UNEXEMPTED"]);
    const summary = told[1]!;
    // Cut at SNS's 100 characters; the text says the rest.
    expect(summary.subject).toBe("[CRITICAL] lab (eu-west-1): flapped 9 more times, last exemption removed: EKS API endpoint open...");
    expect(summary.text).toContain("FLAPPING: this rule flapped 9 times between 2026-01-05T10:00:20.000Z and 2026-01-05T10:03:00.000Z, last state FAIL");
    expect(JSON.parse(JSON.parse(summary.message).sqs)).toMatchObject({ flapped: { count: 9, summary: true, status: "FAIL" } });
    // Told once: the other follow-ups find nothing held.
    for (const followUp of followUps.slice(0, -1)) await handleSettleCheck(followUp.message, w);
    expect(endpoint().slice(before)).toHaveLength(2);
  });

  it("a follow-up that comes before the hold ends (a short settle bound) is held again and asks anew; the summary still comes once", async () => {
    const w = { ...world(), policy: parsePolicy({ exemptions: { tags: [BOB] } }), settings: { maxSettleDelaySeconds: 60 } };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    const endpoint = () => w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    const followUps = () => w.settleQueue.messages.filter((queued) => "eventId" in queued.message && queued.message.eventId.endsWith("#held"));
    const before = endpoint().length;
    for (const [second, exempt] of [[0, true], [20, false]] as const) {
      w.clock.now = new Date(Date.parse("2026-01-05T10:00:00Z") + second * 1000);
      w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN, { tags: exempt ? TAG : {} }));
      await handleClusterEvent(exempt ? record("TagResource", { resourceArn: LAB.arn, tags: TAG }, null, `t-${second}`) : record("UntagResource", { resourceArn: LAB.arn, tagKeys: ["eks-warden:exempt"] }, null, `t-${second}`), w);
    }
    expect(followUps().map((queued) => queued.delaySeconds)).toEqual([60]);
    // It comes at 10:01:20, within the hold: nothing told, and another follow-up for the hold's end.
    w.clock.now = new Date("2026-01-05T10:01:20Z");
    await handleSettleCheck(followUps()[0]!.message, w);
    expect(endpoint().slice(before).map((alert) => alert.attributes.transition)).toEqual(["EXEMPTED"]);
    expect(followUps()).toHaveLength(2);
    w.clock.now = new Date("2026-01-05T10:05:01Z");
    await handleSettleCheck(followUps()[1]!.message, w);
    const told = endpoint().slice(before);
    expect(told.map((alert) => alert.attributes.transition)).toEqual(["EXEMPTED", "UNEXEMPTED"]);
    expect(told[1]!.subject).toMatch(/: flapped 1 more time, last exemption removed:/);
    expect(followUps()).toHaveLength(2);
  });

  it("a worse alert of the same pair is never held, and another rule or another pair is not held by this one", async () => {
    const w = { ...world(), policy: parsePolicy({ exemptions: { tags: [BOB] } }) };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    const endpoint = () => w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    // Granted on a passing rule (INFO); then the cluster is open behind it: EXEMPT CRITICAL, same pair but worse: told.
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE, { tags: TAG }));
    await handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: TAG }, null, "g1"), w);
    w.clock.now = new Date(w.clock.now.getTime() + 30_000);
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN, { tags: TAG }));
    await handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: { team: "x" } }, null, "g2"), w);
    expect(endpoint().map((alert) => [alert.attributes.transition, alert.attributes.severity])).toEqual([
      ["EXEMPTED", "INFO"],
      ["EXEMPTED", "CRITICAL"],
    ]);
  });

  it("a toggle after the five minutes is told at once, with what was held before it", async () => {
    const w = { ...world(), policy: parsePolicy({ exemptions: { tags: [BOB] } }) };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN));
    const endpoint = () => w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    const before = endpoint().length;
    await toggleTenTimes(w);
    w.clock.now = new Date("2026-01-05T10:06:00Z");
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, OPEN, { tags: TAG }));
    await handleClusterEvent(record("TagResource", { resourceArn: LAB.arn, tags: TAG }, null, "late"), w);
    const told = endpoint().slice(before);
    expect(told.map((alert) => alert.attributes.transition)).toEqual(["EXEMPTED", "EXEMPTED"]);
    expect(told[1]!.subject).toBe("[EXEMPT CRITICAL] lab (eu-west-1): exempt until 2026-03-31: EKS API endpoint open to 0.0.0.0/0");
    expect(told[1]!.text).toContain("FLAPPING: before this alert, this rule flapped 9 times between 2026-01-05T10:00:20.000Z and 2026-01-05T10:03:00.000Z, last state FAIL");
  });
});

describe("events of accounts the policy does not list (issue 22, item 10)", () => {
  const OTHER = { arn: "arn:aws:eks:eu-west-1:444455556666:cluster/lab", account: "444455556666", region: "eu-west-1", name: "lab" };
  const inAccount = (account: string, eventID: string) => {
    const event = record("UpdateClusterConfig", { name: "lab" }, { update: { id: "u9", status: "InProgress", params: [{ type: "EndpointPublicAccess", value: "true" }] } }, eventID);
    return { ...event, account, detail: { ...(event["detail"] as Record<string, unknown>), recipientAccountId: account } };
  };

  // Before: the event was read with the deployment's own credentials, by name (the deployment's own "lab", or none),
  // and a failure went to the dead-letter queue.
  it("are dropped and counted without a read, a claim, an alert or a throw; the deployment's and the listed accounts' are judged", async () => {
    const w = { ...world(), deploymentAccount: "111122223333", policy: parsePolicy({ accounts: [{ id: "777788889999", roleArn: "arn:aws:iam::777788889999:role/reader" }] }) };
    w.eks.clusters.set(LAB.arn, clusterRecord(LAB, PRIVATE));
    w.eks.clusters.set(OTHER.arn, clusterRecord(OTHER, PRIVATE));
    expect(await handleClusterEvent(inAccount("444455556666", "x1"), w)).toEqual({ status: "unlisted-account", eventId: "x1", account: "444455556666" });
    expect(w.eks.reads).toEqual([]);
    expect(w.settleQueue.messages).toEqual([]);
    expect(w.publisher.published).toEqual([]);
    expect(await w.store.claimEvent("x1", w.now())).toBe("claimed");
    expect(w.logger.lines.some((line) => line.message.startsWith("event of an account the policy does not list"))).toBe(true);
    expect((await handleClusterEvent(inAccount("111122223333", "own"), w)).status).toBe("settling");
    expect((await handleClusterEvent(inAccount("777788889999", "member"), w)).status).toBe("settling");
  });
});

describe("inputs are parsed once, with the keys to log them by", () => {
  it("an event: the parsed event and its keys, or the rejection and the id it could read", () => {
    const read = readClusterEvent(openUpdate("k1"));
    expect(read.value?.eventId).toBe("k1");
    expect(read.logKeys).toEqual({ eventId: "k1", clusterArn: LAB.arn });
    const rejected = readClusterEvent({ id: "envelope-9", detail: { eventID: "" } });
    expect(rejected.value).toBeUndefined();
    expect(rejected.rejected?.reason).toBe("malformed");
    expect(rejected.logKeys).toEqual({ eventId: "envelope-9" });
    expect(readClusterEvent(42).logKeys).toEqual({});
  });

  it("a settle message's cluster ARN is rebuilt from account, region and name; one that disagrees is refused", () => {
    const { arn: _arn, ...withoutArn } = LAB;
    const message = { version: 1, cluster: withoutArn, eventId: "s1", eventName: "UpdateClusterConfig", attempt: 1, queuedAt: "2026-01-05T10:00:00Z", cause: {} };
    expect(parseSettleMessage(message).cluster).toEqual(LAB);
    const gov = parseSettleMessage({ ...message, cluster: { account: "111122223333", region: "us-gov-west-1", name: "lab" } });
    expect(gov.cluster.arn).toBe("arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/lab");
    const forged = { ...message, cluster: { ...LAB, arn: "arn:aws:eks:eu-west-1:999999999999:cluster/other" } };
    expect(() => parseSettleMessage(forged)).toThrow(/cluster\.arn "arn:aws:eks:eu-west-1:999999999999:cluster\/other" is not the ARN of cluster lab in eu-west-1, account 111122223333/);
    expect(() => parseSettleMessage({ ...message, cluster: { ...withoutArn, name: "bad name" } })).toThrow(SettleMessageInvalid);
  });

  it("a settle message: the message and its keys, or the rejection without keys", () => {
    const message = { version: 1, cluster: LAB, eventId: "s1", eventName: "UpdateClusterConfig", attempt: 1, queuedAt: "2026-01-05T10:00:00Z", cause: {} };
    const read = readSettleMessage(JSON.stringify(message));
    expect(read.value).toEqual(message);
    expect(read.logKeys).toEqual({ eventId: "s1", clusterArn: LAB.arn });
    const rejected = readSettleMessage("{");
    expect(rejected.rejected).toBeInstanceOf(SettleMessageInvalid);
    expect(rejected.logKeys).toEqual({});
  });
});
