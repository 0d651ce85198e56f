// The remediation use-case over in-memory ports: the paths the local system does not reach easily (EKS refusing,
// failing, forgetting the update; transient failures; the monitor's own event; malformed messages).
import { describe, expect, it } from "vitest";
import { AccountUnreachable, AlreadyAtDesiredConfiguration, EksRequestRejected, EksUnavailable, StateConflict, UpdateInProgress } from "../../src/errors.ts";
import { processClusterEvent } from "../../src/pipeline/cluster-event.ts";
import type { ClusterIdentity } from "../../src/model.ts";
import type { ClusterEvent } from "../../src/events/model.ts";
import { DEFAULT_PIPELINE_SETTINGS, type SettleMessage } from "../../src/pipeline/ports.ts";
import { processSettleCheck, readSettleMessage } from "../../src/pipeline/settle.ts";
import { parsePolicy } from "../../src/policy.ts";
import type { RemediationMessage } from "../../src/remediation/messages.ts";
import type { RemediationRecord, UpdateClusterConfigInput } from "../../src/remediation/plan.ts";
import { isMonitorActor, isMonitorActorOf, type EksWriter, type RemediationStore, type StartedUpdate } from "../../src/remediation/ports.ts";
import { formatDuration, renderRemediationAlert } from "../../src/voice/remediation.ts";
import type { SnsEnvelope, Topic } from "../../src/voice/envelope.ts";
import { actingRoleArn } from "../../src/pipeline/remediate.ts";
import { clusterRecord, OPEN, PRIVATE, RecordingPublisher, world, type World } from "../pipeline/fakes.ts";

const REF: ClusterIdentity = { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod", account: "111122223333", region: "eu-west-1", name: "payments-prod" };
const ROLE = "arn:aws:iam::111122223333:role/warden/eks-warden-prod-SettleRole";
const ALICE = { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/alice", userName: "alice" };

class MemoryRemediationStore implements RemediationStore {
  readonly records = new Map<string, RemediationRecord>();
  conflictsLeft = 0;
  async readRemediation(clusterArn: string): Promise<RemediationRecord | undefined> {
    const record = this.records.get(clusterArn);
    return record ? structuredClone(record) : undefined;
  }
  async writeRemediation(record: RemediationRecord, expectedVersion: number): Promise<void> {
    if (this.conflictsLeft > 0) {
      this.conflictsLeft -= 1;
      throw new StateConflict(record.clusterArn);
    }
    if ((this.records.get(record.clusterArn)?.version ?? 0) !== expectedVersion) throw new StateConflict(record.clusterArn);
    this.records.set(record.clusterArn, structuredClone(record));
  }
}

/** EKS's answers to UpdateClusterConfig, in order: an error to throw, or the update to start (the cluster goes private). */
class ScriptedWriter implements EksWriter {
  readonly calls: UpdateClusterConfigInput[] = [];
  constructor(
    readonly w: World,
    readonly script: (Error | string)[],
  ) {}
  async updateClusterConfig(cluster: ClusterIdentity, input: UpdateClusterConfigInput): Promise<StartedUpdate> {
    this.calls.push(input);
    const next = this.script.shift() ?? "u-close";
    if (next instanceof Error) throw next;
    this.w.eks.clusters.set(cluster.arn, clusterRecord(cluster, PRIVATE));
    this.w.eks.updates.set(next, { status: "InProgress", errors: [] });
    return { updateId: next, status: "InProgress" };
  }
}

/** The role policy.remediation.overrideTags lists in these tests, and a session of it (who sets the override tag). */
const PLATFORM_LEAD_ROLE = "arn:aws:iam::111122223333:role/PlatformLead";
const PLATFORM_LEAD = "arn:aws:sts::111122223333:assumed-role/PlatformLead/dana";

/** The cluster now carries the override tag `value`, set by `setter` (recorded from its TagResource, as cluster-event does). */
async function overridden(w: World, value: string, setter: readonly string[] = [PLATFORM_LEAD, PLATFORM_LEAD_ROLE]): Promise<void> {
  w.eks.clusters.set(REF.arn, clusterRecord(REF, OPEN, { tags: { "eks-warden:remediation": value } }));
  await w.store.recordTagGrant(REF.arn, { value, principals: [...setter], at: "2026-03-01T11:00:00Z", eventId: `tag-${value}` }, "eks-warden:remediation");
}

function setup(script: (Error | string)[] = [], settings = {}) {
  const w = world(new Date("2026-03-01T12:00:00Z"));
  const store = new MemoryRemediationStore();
  const writer = new ScriptedWriter(w, script);
  const deps = { ...w, policy: parsePolicy({ remediation: { mode: "enforce", overrideTags: [PLATFORM_LEAD_ROLE] } }), remediation: { store, eks: writer, roleArn: ROLE }, settings: { settleDelaySeconds: 30, maxSettleDelaySeconds: 300, ...settings } };
  w.eks.clusters.set(REF.arn, clusterRecord(REF, OPEN));
  // The change being settled, as cluster-event received it: its claim in the state table, its update in EKS.
  w.eks.updates.set("u-open", { status: "Successful", type: "EndpointAccessUpdate", errors: [] });
  w.store.events.set("e-open", { status: "COMPLETED", leaseUntil: Number.POSITIVE_INFINITY, clusterArn: REF.arn });
  return { w, store, writer, deps };
}

const SETTLE: SettleMessage = {
  version: 1,
  cluster: REF,
  eventId: "e-open",
  eventName: "UpdateClusterConfig",
  updateId: "u-open",
  endpointChange: true,
  attempt: 1,
  queuedAt: "2026-03-01T11:50:00Z",
  cause: { actor: ALICE, sourceIp: "198.51.100.23", eventTime: "2026-03-01T11:49:00Z" },
};

const settle = (deps: Parameters<typeof processSettleCheck>[1], body: unknown = SETTLE) => processSettleCheck(readSettleMessage(JSON.stringify(body)), deps);

function queued(w: World): RemediationMessage[] {
  return w.settleQueue.messages.map(({ message }) => message as unknown as RemediationMessage).filter((message) => message.kind === "remediation");
}

describe("remediation on the settle worker", () => {
  it("follows its update to SUCCEEDED, then RESOLVED says the monitor closed it and who had opened it", async () => {
    const { w, writer, deps, store } = setup();
    expect(await settle(deps)).toMatchObject({ status: "settled", remediation: { step: "call", result: "called" } });
    expect(writer.calls).toEqual([{ name: "payments-prod", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } }]);
    const [follow] = queued(w);
    expect(follow).toMatchObject({ step: "follow", updateId: "u-close", attempt: 1 });
    // Still running: followed again later.
    expect(await settle(deps, follow)).toEqual({ status: "remediation", remediation: { step: "follow", result: "in-progress" } });
    w.eks.updates.set("u-close", { status: "Successful", createdAt: new Date("2026-03-01T12:00:00Z"), errors: [] });
    w.clock.now = new Date("2026-03-01T12:10:00Z");
    expect(await settle(deps, queued(w)[1])).toEqual({ status: "remediation", remediation: { step: "follow", result: "succeeded" } });
    const subjects = w.publisher.alerts.map((alert) => alert.subject);
    expect(subjects.at(-2)).toBe("[REMEDIATED] payments-prod (eu-west-1): public endpoint closed by EKS Warden after 21m open");
    expect(subjects.at(-1)).toMatch(/^\[RESOLVED\] payments-prod/);
    expect(w.publisher.alerts.at(-1)!.text).toContain(`Opened by:    ${ALICE.arn} (IAMUser alice) at 2026-03-01T11:49:00Z`);
    // A repeated delivery of the last follow reports nothing twice.
    const count = w.publisher.alerts.length;
    await settle(deps, queued(w)[1]);
    expect(w.publisher.alerts.length).toBe(count);
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "succeeded", reported: true, endedAt: "2026-03-01T12:10:00.000Z" }]);
  });

  it("in a member account, names the member's remediation role as the one that acted, in the alerts and as the RESOLVED actor", async () => {
    const { w, deps } = setup();
    const memberRole = "arn:aws:iam::111122223333:role/eks-warden-member-remediate";
    const member = { ...deps, policy: parsePolicy({ remediation: { mode: "enforce" }, accounts: [{ id: "111122223333", roleArn: "arn:aws:iam::111122223333:role/eks-warden-member-read", remediationRoleArn: memberRole }] }) };
    expect(actingRoleArn(member, REF)).toBe(memberRole);
    expect(actingRoleArn(deps, REF)).toBe(ROLE);
    await settle(member);
    w.eks.updates.set("u-close", { status: "Successful", createdAt: new Date("2026-03-01T12:00:00Z"), errors: [] });
    await settle(member, queued(w)[0]);
    const [remediated, resolved] = w.publisher.alerts.slice(-2);
    expect(remediated!.text).toContain(`Monitor role: ${memberRole}`);
    expect(resolved!.text).toContain(`Who:          ${memberRole} (AssumedRole "EKS Warden auto-remediation")`);
  });

  it("reports a member account whose remediation role is missing or refused as FAILED, naming why, without retrying", async () => {
    const { w, deps } = setup([new AccountUnreachable("111122223333", undefined, "policy.accounts names no remediationRoleArn for it, so EKS Warden never changes its clusters")]);
    expect(await settle(deps)).toMatchObject({ remediation: { result: "failed" } });
    expect(queued(w)).toEqual([]);
    const failed = w.publisher.alerts.find((alert) => alert.attributes.kind === "remediation")!;
    expect(failed.attributes.transition).toBe("FAILED");
    expect(failed.text).toContain("No remediation role: account 111122223333: policy.accounts names no remediationRoleArn for it, so EKS Warden never changes its clusters");
    // EKS was never asked: nothing may read as EKS's answer.
    expect(failed.text).not.toContain("EKS error:");
  });

  it("names the remediation role it could not assume, under its own label, not as an EKS error", async () => {
    const memberRole = "arn:aws:iam::111122223333:role/eks-warden-member-remediate";
    const refused = new AccountUnreachable("111122223333", memberRole, "AccessDenied: the role is missing, its trust policy does not name this function's role, or the external id differs", {
      cause: new Error("User is not authorized to perform: sts:AssumeRole"),
    });
    const { w, deps, store } = setup([refused]);
    expect(await settle(deps)).toMatchObject({ remediation: { result: "failed" } });
    expect(queued(w)).toEqual([]);
    const failed = w.publisher.alerts.find((alert) => alert.attributes.kind === "remediation")!;
    expect(failed.attributes.transition).toBe("FAILED");
    expect(failed.text).toContain(
      `Could not assume: ${memberRole} (account 111122223333): AccessDenied: the role is missing, its trust policy does not name this function's role, or the external id differs\n`,
    );
    expect(failed.text).not.toContain("EKS error:");
    // Machine readers get the role and account as fields, not only as text.
    expect(JSON.parse((JSON.parse(failed.message) as { sqs: string }).sqs)).toMatchObject({ outcome: "FAILED", roleNotAssumed: { account: "111122223333", roleArn: memberRole } });
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "failed", reported: true, errors: [refused.message] }]);
  });

  it("takes 'already at the desired configuration' as success: nothing to follow, no alert, no budget spent", async () => {
    const { w, deps, store } = setup([new AlreadyAtDesiredConfiguration(REF.arn)]);
    expect(await settle(deps)).toMatchObject({ remediation: { result: "already-closed" } });
    expect(queued(w)).toEqual([]);
    expect(w.publisher.alerts.filter((alert) => alert.attributes.kind === "remediation")).toEqual([]);
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "already-closed" }]);
  });

  it("reports a call EKS refuses as FAILED with EKS's message", async () => {
    const { w, deps } = setup([new EksRequestRejected(REF.arn, "InvalidParameterException", "subnet gone")]);
    expect(await settle(deps)).toMatchObject({ remediation: { result: "failed" } });
    const failed = w.publisher.alerts.find((alert) => alert.attributes.kind === "remediation")!;
    expect(failed.attributes.transition).toBe("FAILED");
    expect(failed.text).toContain("EKS error:    EKS refused the request for arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod: InvalidParameterException: subnet gone");
  });

  it("gives the reservation back on a transient failure, so the settle check's retry plans and calls again", async () => {
    const { writer, deps, store } = setup([new EksUnavailable("UpdateClusterConfig")]);
    await expect(settle(deps)).rejects.toBeInstanceOf(EksUnavailable);
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "abandoned" }]);
    expect(await settle(deps)).toMatchObject({ remediation: { result: "called" } });
    expect(writer.calls).toHaveLength(2);
  });

  it("retries ResourceInUse with a growing delay, and gives up with one FAILED alert after the last try", async () => {
    const { w, writer, deps } = setup([new UpdateInProgress(REF.arn), new UpdateInProgress(REF.arn), new UpdateInProgress(REF.arn)], { maxSettleAttempts: 3 });
    expect(await settle(deps)).toMatchObject({ remediation: { result: "retrying" } });
    expect(w.settleQueue.messages.at(-1)).toMatchObject({ delaySeconds: 60, message: { step: "call", attempt: 2 } });
    expect(await settle(deps, queued(w)[0])).toMatchObject({ remediation: { result: "retrying" } });
    expect(w.settleQueue.messages.at(-1)).toMatchObject({ delaySeconds: 120, message: { step: "call", attempt: 3 } });
    expect(await settle(deps, queued(w)[1])).toMatchObject({ remediation: { result: "failed" } });
    expect(writer.calls).toHaveLength(3);
    expect(w.publisher.alerts.filter((alert) => alert.attributes.kind === "remediation").map((alert) => alert.attributes.transition)).toEqual(["FAILED"]);
  });

  it("does not retry a call whose endpoint was closed meanwhile", async () => {
    const { w, writer, deps, store } = setup([new UpdateInProgress(REF.arn)]);
    await settle(deps);
    w.eks.clusters.set(REF.arn, clusterRecord(REF, PRIVATE));
    expect(await settle(deps, queued(w)[0])).toMatchObject({ remediation: { result: "abandoned" } });
    expect(writer.calls).toHaveLength(1);
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "already-closed" }]);
  });

  it("reports an update that ends Failed with EKS's errors, and one EKS no longer knows by the live cluster", async () => {
    const failing = setup();
    await settle(failing.deps);
    failing.w.eks.updates.set("u-close", { status: "Failed", errors: [{ errorCode: "AccessDenied", errorMessage: "role cannot be assumed" }] });
    expect(await settle(failing.deps, queued(failing.w)[0])).toMatchObject({ remediation: { result: "failed" } });
    expect(failing.w.publisher.alerts.at(-1)!.text).toContain("EKS error:    AccessDenied: role cannot be assumed");

    const forgotten = setup();
    await settle(forgotten.deps);
    forgotten.w.eks.updates.delete("u-close");
    expect(await settle(forgotten.deps, queued(forgotten.w)[0])).toMatchObject({ remediation: { result: "succeeded" } });
  });

  it("never remediates the monitor's own change, and survives a lost write race", async () => {
    const own = setup();
    const byMonitor = { ...SETTLE, cause: { actor: { type: "AssumedRole", arn: "arn:aws:sts::111122223333:assumed-role/eks-warden-prod-SettleRole/fn" } } };
    expect(await settle(own.deps, byMonitor)).toMatchObject({ remediation: { step: "plan", result: "skipped" } });
    expect(own.writer.calls).toEqual([]);

    const raced = setup();
    raced.store.conflictsLeft = 1;
    expect(await settle(raced.deps)).toMatchObject({ remediation: { result: "called" } });
  });

  /** UpdateClusterConfig as the monitor's remediation role (a session of the Settle role), starting update `updateId`. */
  function monitorCall(updateId: string, eventID = "e-own") {
    return {
      version: "0",
      id: "env-1",
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.eks",
      account: REF.account,
      time: "2026-03-01T12:00:00Z",
      region: REF.region,
      resources: [],
      detail: {
        eventVersion: "1.08",
        userIdentity: { type: "AssumedRole", arn: "arn:aws:sts::111122223333:assumed-role/eks-warden-prod-SettleRole/fn", sessionContext: { sessionIssuer: { type: "Role", arn: ROLE } } },
        eventTime: "2026-03-01T12:00:00Z",
        eventSource: "eks.amazonaws.com",
        eventName: "UpdateClusterConfig",
        awsRegion: REF.region,
        sourceIPAddress: "203.0.113.9",
        userAgent: "aws-sdk-js",
        requestParameters: { name: REF.name, resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } },
        responseElements: { update: { id: "u-close", status: "InProgress", type: "EndpointAccessUpdate", params: [{ type: "EndpointPublicAccess", value: "false" }], createdAt: "2026-03-01T12:00:00Z", errors: [] } },
        requestID: "r-1",
        eventID,
        readOnly: false,
        eventType: "AwsApiCall",
        managementEvent: true,
        recipientAccountId: REF.account,
      },
    };
  }

  /** The cluster's remediation record with one attempt that started update `updateId`. */
  function attemptStarted(store: MemoryRemediationStore, updateId: string) {
    store.records.set(REF.arn, {
      clusterArn: REF.arn,
      version: 1,
      attempts: [{ id: "a-1", at: "2026-03-01T11:59:00Z", action: "private", status: "in-progress", input: { name: REF.name, resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }, updateId }],
    });
  }

  it("records the monitor's own CloudTrail event (its update is a remediation attempt's) as auto-remediation and does nothing else", async () => {
    const { w, store, deps } = setup();
    attemptStarted(store, "u-close");
    const { readClusterEvent } = await import("../../src/pipeline/cluster-event.ts");
    expect(await processClusterEvent(readClusterEvent(monitorCall("u-close")), deps)).toMatchObject({ status: "auto-remediation" });
    expect(w.settleQueue.messages).toEqual([]);
    expect(w.publisher.published).toEqual([]);
    expect(w.store.history.at(-1)).toMatchObject({ kind: "auto-remediation", remediation: { step: "cloudtrail", updateId: "u-close" } });
  });

  // Before: any call made as the Settle role (or a member remediation role) was recorded as auto-remediation and
  // never judged, whoever held the role's credentials.
  it("judges a call made as the monitor's identity outside remediation like anyone's, and tells it CRITICAL on both topics", async () => {
    const { w, store, deps } = setup();
    const publisher = new RecordingPublisher(["alerts", "health"]);
    attemptStarted(store, "u-close");
    const { readClusterEvent } = await import("../../src/pipeline/cluster-event.ts");
    // An opening made with the role's credentials: an update no attempt started.
    const opening = monitorCall("u-forged", "e-forged");
    opening.detail.requestParameters = { name: REF.name, resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true } } as typeof opening.detail.requestParameters;
    opening.detail.responseElements.update = { ...opening.detail.responseElements.update, id: "u-forged", params: [{ type: "EndpointPublicAccess", value: "true" }, { type: "PublicAccessCidrs", value: '["0.0.0.0/0"]' }] };
    w.eks.clusters.set(REF.arn, clusterRecord(REF, PRIVATE));
    const outcome = await processClusterEvent(readClusterEvent(opening), { ...deps, publisher });
    // Judged as a change in progress: the early alert and the settle check, as for a human.
    expect(outcome).toMatchObject({ status: "settling" });
    expect(w.settleQueue.messages.map((queued) => queued.message)).toEqual([expect.objectContaining({ eventId: "e-forged", updateId: "u-forged", endpointChange: true })]);
    const misuse = publisher.published.filter(({ message }) => message.subject.includes("monitor identity used outside remediation"));
    expect(misuse.map(({ topic }) => topic).sort()).toEqual(["alerts", "health"]);
    expect(misuse[0]!.message.subject).toBe("[CRITICAL] monitor identity used outside remediation: UpdateClusterConfig on payments-prod");
    expect(misuse[0]!.message.attributes).toMatchObject({ kind: "tamper", severity: "CRITICAL" });
    const text = (misuse[0]!.message as SnsEnvelope & { text: string }).text;
    expect(text).toContain("No remediation attempt of the cluster has update u-forged.");
    expect(text).toContain("Who:        arn:aws:sts::111122223333:assumed-role/eks-warden-prod-SettleRole/fn");
    expect(publisher.alerts.map((alert) => alert.subject)).toContain("[CRITICAL] [CHANGE IN PROGRESS] payments-prod (eu-west-1): EKS API endpoint opening to 0.0.0.0/0");
    expect(w.store.history.some((entry) => entry.kind === "auto-remediation")).toBe(false);
    // Without any remediation record, the same.
    const bare = setup();
    const tagged = monitorCall("u-other", "e-bare");
    const bareOutcome = await processClusterEvent(readClusterEvent(tagged), { ...bare.deps, publisher });
    expect(bareOutcome.status).not.toBe("auto-remediation");
  });

  it("still tells the misuse when only one topic takes it, and fails the event (retried) when neither does", async () => {
    const { deps } = setup();
    const { readClusterEvent } = await import("../../src/pipeline/cluster-event.ts");
    const alertsOnly = new RecordingPublisher(["alerts"]);
    await processClusterEvent(readClusterEvent(monitorCall("u-x", "e-1")), { ...deps, publisher: alertsOnly });
    expect(alertsOnly.published.filter(({ message }) => message.subject.includes("monitor identity used outside remediation")).map(({ topic }) => topic)).toEqual(["alerts"]);
    const none = new RecordingPublisher(["alerts", "health"]);
    none.failNext = 2;
    await expect(processClusterEvent(readClusterEvent(monitorCall("u-y", "e-2")), { ...deps, publisher: none })).rejects.toThrow("SNS unavailable");
  });

  it("drops a malformed remediation message, and one reaching a function without remediation ports", async () => {
    const { w, deps } = setup();
    expect(await settle(deps, { version: 1, kind: "remediation", step: "jump" })).toEqual({ status: "rejected" });
    const message: RemediationMessage = { version: 1, kind: "remediation", step: "call", cluster: REF, attemptId: "x", attempt: 2, queuedAt: "2026-03-01T12:00:00Z", opened: {} };
    const { remediation: _ports, ...withoutPorts } = deps;
    expect(await settle(withoutPorts, message)).toEqual({ status: "remediation", remediation: { step: "call", result: "dropped" } });
    expect(await settle(deps, message)).toEqual({ status: "remediation", remediation: { step: "call", result: "nothing to call" } });
    expect(await settle(deps, { ...message, step: "follow", updateId: "u" })).toEqual({ status: "remediation", remediation: { step: "follow", result: "unknown attempt" } });
    expect(w.publisher.alerts).toEqual([]);
  });
});

describe("isMonitorActor", () => {
  it("knows the role, its sessions by issuer or by ARN, and nobody else", () => {
    expect(isMonitorActor({ type: "AssumedRole", arn: "arn:aws:sts::111122223333:assumed-role/eks-warden-prod-SettleRole/fn" }, ROLE)).toBe(true);
    expect(isMonitorActor({ type: "AssumedRole", arn: "x", sessionIssuer: { arn: ROLE } }, ROLE)).toBe(true);
    expect(isMonitorActor({ type: "AssumedRole", arn: "arn:aws:sts::999999999999:assumed-role/eks-warden-prod-SettleRole/fn" }, ROLE)).toBe(false);
    expect(isMonitorActor(ALICE, ROLE)).toBe(false);
    expect(isMonitorActor(ALICE, undefined)).toBe(false);
    expect(isMonitorActor(undefined, ROLE)).toBe(false);
  });

  it("also knows, in a member account, the sessions of the remediation role it assumes there, and not its read role", () => {
    const accounts = [{ id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/eks-warden-member-read", remediationRoleArn: "arn:aws:iam::222222222222:role/eks-warden-member-remediate" }, { id: "333333333333" }];
    const session = (role: string) => ({ type: "AssumedRole", arn: `arn:aws:sts::222222222222:assumed-role/${role}/prod-eks-warden-Warden-Settle` });
    expect(isMonitorActorOf(session("eks-warden-member-remediate"), ROLE, accounts)).toBe(true);
    expect(isMonitorActorOf(session("eks-warden-member-remediate"), undefined, accounts)).toBe(true);
    expect(isMonitorActorOf(session("eks-warden-member-read"), ROLE, accounts)).toBe(false);
    expect(isMonitorActorOf({ type: "AssumedRole", arn: "arn:aws:sts::111122223333:assumed-role/eks-warden-prod-SettleRole/fn" }, ROLE, accounts)).toBe(true);
    expect(isMonitorActorOf(ALICE, ROLE, accounts)).toBe(false);
  });
});

describe("remediation alerts", () => {
  it("formats durations and renders a conflict naming who reopened", () => {
    expect([formatDuration(0), formatDuration(59), formatDuration(3725)]).toEqual(["0s", "59s", "1h 2m 5s"]);
    const alert = renderRemediationAlert({
      outcome: "CONFLICT",
      cluster: REF,
      severity: "CRITICAL",
      opened: {},
      openers: [ALICE.arn],
      attempts: 3,
      budget: 3,
      override: { tag: "eks-warden:remediation", value: "private" },
      at: new Date("2026-03-01T12:00:00Z"),
    });
    expect(alert.attributes).toMatchObject({ kind: "remediation", transition: "CONFLICT", ruleId: "endpoint-public-access" });
    expect(alert.text).toContain(`Reopened by:  ${ALICE.arn}`);
    expect(alert.text).toContain("Override:     tag eks-warden:remediation=private");
  });
});

describe("attacker-controlled text in remediation alerts", () => {
  it("can forge no line: identity, source, errors, openers and the tag value each stay on their line", () => {
    const forged = "\u2028Monitor role: arn:aws:iam::111122223333:role/Admin";
    const at = new Date("2026-03-01T12:00:00Z");
    const failed = renderRemediationAlert({
      outcome: "FAILED",
      cluster: REF,
      severity: "CRITICAL",
      action: "private",
      override: { tag: "eks-warden:remediation", value: `private${forged}` },
      opened: { actor: { type: "IAMUser", arn: ALICE.arn, userName: `alice${forged}` }, sourceIp: `198.51.100.23${forged}` },
      errors: [`InvalidParameterException: no${forged}`],
      at,
    });
    const conflict = renderRemediationAlert({ outcome: "CONFLICT", cluster: REF, severity: "CRITICAL", opened: {}, openers: [`${ALICE.arn}${forged}`], attempts: 3, at });
    for (const { text } of [failed, conflict]) {
      expect(text).not.toMatch(/[\u2028\u2029\r]/);
      expect(text.split("\n").filter((line) => line.startsWith("Monitor role:"))).toEqual([]);
    }
    expect(failed.text).toContain('Action:       private (from tag eks-warden:remediation="private Monitor role: arn:aws:iam::111122223333:role/Admin")');
    expect(failed.text).toContain("Opened by:    arn:aws:iam::111122223333:user/alice (IAMUser alice Monitor role: arn:aws:iam::111122223333:role/Admin)");
    expect(failed.text).toContain('Source IP:    "198.51.100.23 Monitor role: arn:aws:iam::111122223333:role/Admin"');
    expect(failed.text).toContain("EKS error:    InvalidParameterException: no Monitor role: arn:aws:iam::111122223333:role/Admin");
    expect(conflict.text).toContain(`Reopened by:  ${ALICE.arn} Monitor role: arn:aws:iam::111122223333:role/Admin`);
  });
});

describe("sparse inputs and edge paths", () => {
  it("renders every outcome from the least it may be given", () => {
    const at = new Date("2026-03-01T12:00:00Z");
    const long = { ...REF, name: "x".repeat(120) };
    const texts = (["DRY_RUN", "SUCCEEDED", "FAILED", "CONFLICT", "REFUSED"] as const).map((outcome) => renderRemediationAlert({ outcome, cluster: long, severity: "HIGH", opened: {}, at }));
    for (const alert of texts) expect(alert.subject.length).toBeLessThanOrEqual(100);
    expect(texts[0]!.subject).toMatch(/\.\.\.$/);
    expect(renderRemediationAlert({ outcome: "DRY_RUN", cluster: REF, severity: "HIGH", opened: {}, at }).subject).toContain("(private)");
    expect(texts[1]!.text).toContain("Opened by:    unknown (no CloudTrail identity)");
    expect(texts[3]!.text).toContain("Reopened by:  unknown");
    expect(texts[3]!.text).toContain("closed it 0 times");
    const principal = renderRemediationAlert({ outcome: "SUCCEEDED", cluster: REF, severity: "HIGH", opened: { actor: { type: "AssumedRole", principalId: "AROA:x" }, eventTime: "not a time" }, endedAt: "2026-03-01T12:00:00Z", at });
    expect(principal.text).toContain("Opened by:    AROA:x (AssumedRole)");
    expect(principal.text).toContain("Opened at:    not a time (CloudTrail event)");
    expect(principal.text).toContain("Closed at:    2026-03-01T12:00:00Z\n");
    expect(principal.payload.openForSeconds).toBeUndefined();
    const typed = renderRemediationAlert({ outcome: "FAILED", cluster: REF, severity: "HIGH", opened: { actor: { type: "Root" } }, at });
    expect(typed.text).toContain("Opened by:    Root (Root)");
  });

  it("does nothing when remediation is off or the endpoint passes, and names unknown openers", async () => {
    const off = setup();
    expect(await settle({ ...off.deps, policy: parsePolicy({}) })).not.toHaveProperty("remediation");
    const spent: RemediationRecord = {
      clusterArn: REF.arn,
      version: 3,
      attempts: [1, 2, 3].map((n) => ({ id: `a${n}`, at: "2026-03-01T11:00:00.000Z", action: "private" as const, status: "succeeded" as const, input: { name: REF.name, resourcesVpcConfig: { endpointPublicAccess: false } } })),
    };
    const conflict = setup();
    conflict.store.records.set(REF.arn, spent);
    const anonymous = { ...SETTLE, cause: {} };
    expect(await settle({ ...conflict.deps, remediation: { ...conflict.deps.remediation, roleArn: undefined } as never }, anonymous)).toMatchObject({ remediation: { result: "conflict" } });
    expect(conflict.w.publisher.alerts.at(-1)!.text).toContain("Reopened by:  unknown");
    expect(await settle(conflict.deps, anonymous)).toMatchObject({ remediation: { result: "skipped" } });
  });

  it("abandons a retry or a follow whose cluster was deleted, and rethrows what EKS cannot answer", async () => {
    const { w, deps, store } = setup([new UpdateInProgress(REF.arn)]);
    await settle(deps);
    w.eks.clusters.delete(REF.arn);
    expect(await settle(deps, queued(w)[0])).toMatchObject({ remediation: { result: "abandoned" } });
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "abandoned" }]);

    const following = setup();
    await settle(following.deps);
    const follow = queued(following.w)[0]!;
    following.w.eks.failures.push(new EksUnavailable("DescribeUpdate"));
    await expect(settle(following.deps, follow)).rejects.toBeInstanceOf(EksUnavailable);
    following.w.eks.clusters.delete(REF.arn);
    expect(await settle(following.deps, follow)).toMatchObject({ remediation: { result: "abandoned" } });
  });

  it("reports an update that never ends as FAILED after the last check", async () => {
    const { w, deps } = setup([], { maxSettleAttempts: 1 });
    await settle(deps);
    expect(await settle(deps, queued(w)[0])).toMatchObject({ remediation: { result: "failed" } });
    expect(w.publisher.alerts.at(-1)!.text).toContain("did not end after 1 checks");
  });
});

describe("a retried call checks the live cluster again", () => {
  const remediationAlerts = (w: World) => w.publisher.alerts.filter((alert) => alert.attributes.kind === "remediation");

  it.each([
    ["no longer ACTIVE", { status: "DELETING" }, "the cluster is DELETING now"],
    ["opted out now", { tags: { "eks-warden:remediation": "opt-out" } }, `the cluster is now opted out (eks-warden:remediation=opt-out, set by ${PLATFORM_LEAD})`],
    ["tagged with a value naming no action (fail safe, as the plan)", { tags: { "eks-warden:remediation": "later" } }, "the cluster's tag eks-warden:remediation now names no action: nothing done"],
  ])("does not call again for a cluster %s", async (_case, extra, reason) => {
    const { w, writer, deps, store } = setup([new UpdateInProgress(REF.arn)]);
    expect(await settle(deps)).toMatchObject({ remediation: { result: "retrying" } });
    w.eks.clusters.set(REF.arn, clusterRecord(REF, OPEN, extra));
    const override = "tags" in extra ? extra.tags["eks-warden:remediation"] : undefined;
    if (override !== undefined) await overridden(w, override);
    expect(await settle(deps, queued(w)[0])).toEqual({ status: "remediation", remediation: { step: "call", result: "abandoned" } });
    expect(writer.calls).toHaveLength(1);
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "abandoned" }]);
    expect(w.store.history.at(-1)).toMatchObject({ kind: "remediation", note: `retry not needed: ${reason}`, remediation: { step: "abandoned", reason } });
    expect(remediationAlerts(w)).toEqual([]);
  });

  // Before: any value of the exemption tag stopped the retry ("the cluster now carries eks-warden:exempt").
  it("calls again for a cluster whose exemption tag exempts nothing (set by no principal the policy lists)", async () => {
    const { w, writer, deps } = setup([new UpdateInProgress(REF.arn), "u-close"]);
    expect(await settle(deps)).toMatchObject({ remediation: { result: "retrying" } });
    w.eks.clusters.set(REF.arn, clusterRecord(REF, OPEN, { tags: { "eks-warden:exempt": "endpoint-public-access until=2026-12-31 reason=please" } }));
    expect(await settle(deps, queued(w)[0])).toMatchObject({ remediation: { step: "call", result: "called" } });
    expect(writer.calls).toHaveLength(2);
  });

  it("does not call again for a cluster exempted by the policy meanwhile: abandoned, not taken for closed", async () => {
    const { w, writer, deps, store } = setup([new UpdateInProgress(REF.arn)]);
    await settle(deps);
    const exempted = { ...deps, policy: parsePolicy({ remediation: { mode: "enforce" }, exemptions: { entries: [{ cluster: REF.arn, rules: ["endpoint-public-access"], until: "2026-12-31", reason: "vendor ingress" }] } }) };
    expect(await settle(exempted, queued(w)[0])).toMatchObject({ remediation: { step: "call", result: "abandoned" } });
    expect(writer.calls).toHaveLength(1);
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "abandoned" }]);
    expect(w.store.history.at(-1)).toMatchObject({ remediation: { step: "abandoned", reason: "endpoint-public-access is EXEMPT now, not FAIL" } });
  });

  it("calls again on an UPDATING cluster (EKS refuses or accepts; the plan waits for neither)", async () => {
    const { w, writer, deps } = setup([new UpdateInProgress(REF.arn)]);
    await settle(deps);
    w.eks.clusters.set(REF.arn, clusterRecord(REF, OPEN, { status: "UPDATING" }));
    expect(await settle(deps, queued(w)[0])).toMatchObject({ remediation: { step: "call", result: "called" } });
    expect(writer.calls).toHaveLength(2);
    // The check read only what the endpoint rule needs.
    expect(w.eks.reads.at(-1)).toEqual(["cluster"]);
  });

  it("files the failure of an attempt recorded without severity (an earlier version) under CRITICAL", async () => {
    const { w, deps, store } = setup([new EksRequestRejected(REF.arn, "InvalidParameterException", "subnet gone")]);
    store.records.set(REF.arn, {
      clusterArn: REF.arn,
      version: 1,
      attempts: [{ id: "a1", at: "2026-03-01T11:59:00.000Z", action: "private", status: "retrying", input: { name: REF.name, resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } } }],
    });
    const retry: RemediationMessage = { version: 1, kind: "remediation", step: "call", cluster: REF, attemptId: "a1", attempt: 2, queuedAt: "2026-03-01T12:00:00Z", opened: {} };
    expect(await settle(deps, retry)).toMatchObject({ remediation: { step: "call", result: "failed" } });
    expect(w.publisher.alerts.at(-1)!.attributes).toMatchObject({ kind: "remediation", transition: "FAILED", severity: "CRITICAL" });
  });

  it("keeps the reservation when a queued retry fails transiently: the queue delivers the same call again", async () => {
    const { w, writer, deps, store } = setup([new UpdateInProgress(REF.arn), new EksUnavailable("UpdateClusterConfig")]);
    await settle(deps);
    const retry = queued(w)[0]!;
    // The cluster cannot be read for the check: the message fails and comes back.
    w.eks.failures.push(new EksUnavailable("DescribeCluster"));
    await expect(settle(deps, retry)).rejects.toBeInstanceOf(EksUnavailable);
    // The call itself fails transiently: still the same attempt, still retrying (not given back as inline).
    await expect(settle(deps, retry)).rejects.toBeInstanceOf(EksUnavailable);
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "retrying" }]);
    expect(await settle(deps, retry)).toMatchObject({ remediation: { result: "called" } });
    expect(writer.calls).toHaveLength(3);
    expect((await store.readRemediation(REF.arn))?.attempts).toHaveLength(1);
  });
});

describe("an update EKS no longer knows", () => {
  it("is not reported as REMEDIATED when the cluster cannot tell (DELETING now): the attempt ends without an outcome", async () => {
    const { w, deps, store } = setup();
    await settle(deps);
    w.eks.updates.delete("u-close");
    w.eks.clusters.set(REF.arn, clusterRecord(REF, PRIVATE, { status: "DELETING" }));
    expect(await settle(deps, queued(w)[0])).toEqual({ status: "remediation", remediation: { step: "follow", result: "abandoned" } });
    expect(w.publisher.alerts.filter((alert) => alert.attributes.kind === "remediation")).toEqual([]);
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "abandoned" }]);
    expect(w.store.history.at(-1)).toMatchObject({ note: "update u-close not found, and the cluster is DELETING now", remediation: { step: "abandoned", updateId: "u-close" } });
  });

  it("is reported FAILED when the endpoint is still public", async () => {
    const { w, deps } = setup();
    await settle(deps);
    w.eks.updates.delete("u-close");
    w.eks.clusters.set(REF.arn, clusterRecord(REF, OPEN));
    expect(await settle(deps, queued(w)[0])).toMatchObject({ remediation: { step: "follow", result: "failed" } });
    const failed = w.publisher.alerts.at(-1)!;
    expect(failed.subject).toBe("[REMEDIATION FAILED] payments-prod (eu-west-1): the public endpoint is still open");
    expect(failed.text).toContain("EKS error:    update not found and the endpoint is still public");
  });
});

describe("the override tag on the settle worker", () => {
  const TAG = "eks-warden:remediation";
  const withAllowlist = (mode: "enforce" | "dry-run", action: "private" | "restrict-to-allowlist") => parsePolicy({ remediation: { mode, action, overrideTags: [PLATFORM_LEAD_ROLE] }, endpoint: { allowedPublicCidrs: ["203.0.113.0/24"] } });

  it("acts with the tag's action, records the override, and tells it in the OPENED and REMEDIATED alerts", async () => {
    const { w, writer, deps, store } = setup();
    await overridden(w, "restrict-to-allowlist");
    const tagged = { ...deps, policy: withAllowlist("enforce", "private") };
    expect(await settle(tagged, { ...SETTLE, cause: { ...SETTLE.cause, userAgent: "aws-cli/2.15" } })).toMatchObject({ remediation: { result: "called" } });
    expect(w.store.history.at(-1)).toMatchObject({ kind: "remediation", cause: { eventId: "e-open", actor: ALICE, userAgent: "aws-cli/2.15" }, remediation: { step: "called" } });
    expect(writer.calls).toEqual([{ name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } }]);
    const record = await store.readRemediation(REF.arn);
    expect(record).toMatchObject({ override: { tag: TAG, value: "restrict-to-allowlist" }, attempts: [{ action: "restrict-to-allowlist", override: { tag: TAG, value: "restrict-to-allowlist" } }] });
    const [opened] = w.publisher.alerts;
    expect(opened!.subject).toMatch(/^\[CRITICAL\] payments-prod/);
    expect(opened!.text).toContain(`Remediation:  enforce, restrict-to-allowlist (tag ${TAG}=restrict-to-allowlist, set by ${PLATFORM_LEAD}, over the policy)`);

    w.eks.updates.set("u-close", { status: "Successful", errors: [] });
    expect(await settle(tagged, queued(w)[0])).toMatchObject({ remediation: { step: "follow", result: "succeeded" } });
    const remediated = w.publisher.alerts.find((alert) => alert.attributes.transition === "SUCCEEDED")!;
    expect(remediated.text).toContain(`Action:       restrict-to-allowlist (from tag ${TAG}=restrict-to-allowlist)`);
    expect(remediated.payload).toMatchObject({ override: { tag: TAG, value: "restrict-to-allowlist" } });
  });

  it("records an opt-out without calling, and forgets it once the tag is gone", async () => {
    const { w, writer, deps, store } = setup();
    await overridden(w, "opt-out");
    expect(await settle(deps)).toMatchObject({ remediation: { step: "plan", result: "skipped" } });
    expect(writer.calls).toEqual([]);
    expect(await store.readRemediation(REF.arn)).toMatchObject({ version: 1, override: { tag: TAG, value: "opt-out" }, attempts: [] });
    expect(w.publisher.alerts.map((alert) => alert.text).join("")).toContain(`Remediation:  enforce, none: opted out (tag ${TAG}=opt-out, set by ${PLATFORM_LEAD})`);
    // The same opt-out seen again writes nothing.
    await settle(deps);
    expect((await store.readRemediation(REF.arn))?.version).toBe(1);

    w.eks.clusters.set(REF.arn, clusterRecord(REF, OPEN));
    expect(await settle(deps)).toMatchObject({ remediation: { result: "called" } });
    const record = await store.readRemediation(REF.arn);
    expect(record).not.toHaveProperty("override");
    expect(record?.attempts).toMatchObject([{ status: "in-progress", action: "private" }]);
    expect(record?.attempts[0]).not.toHaveProperty("override");
  });

  it("in dry-run names the tag's action and makes no call", async () => {
    const { w, writer, deps } = setup();
    await overridden(w, "private");
    expect(await settle({ ...deps, policy: withAllowlist("dry-run", "restrict-to-allowlist") })).toMatchObject({ remediation: { step: "plan", result: "dry-run" } });
    expect(writer.calls).toEqual([]);
    const dryRun = w.publisher.alerts.find((alert) => alert.attributes.kind === "remediation")!;
    expect(dryRun.subject).toBe("[DRY RUN] payments-prod (eu-west-1): would close the public endpoint (private)");
    expect(dryRun.text).toContain(`Action:       private (from tag ${TAG}=private)`);
    expect(w.publisher.alerts[0]!.text).toContain(`Remediation:  dry-run, private (tag ${TAG}=private, set by ${PLATFORM_LEAD}, over the policy)`);
    expect(w.store.history.at(-1)).toMatchObject({ kind: "remediation", remediation: { step: "dry-run", action: "private", override: { value: "private" } } });
  });
});

describe("a forged settle message (anyone who can send to the settle queue writes endpointChange, actor and cause)", () => {
  const refusal = (w: World) => w.publisher.alerts.filter((alert) => alert.attributes.transition === "REFUSED");

  it("naming an event cluster-event never received: refused, nothing called, a CRITICAL alert says so", async () => {
    const { w, writer, deps, store } = setup();
    const forged = { ...SETTLE, eventId: "e-forged", cause: { actor: { type: "AssumedRole", arn: "arn:aws:sts::111122223333:assumed-role/SecurityAdmin/carol" } } };
    expect(await settle(deps, forged)).toMatchObject({ status: "settled", remediation: { step: "plan", result: "refused" } });
    expect(writer.calls).toEqual([]);
    expect(store.records.size).toBe(0);
    const [alert] = refusal(w);
    expect(alert!.subject).toBe("[REMEDIATION REFUSED] payments-prod (eu-west-1): forged settle message refused, nothing changed");
    expect(alert!.attributes.severity).toBe("CRITICAL");
    expect(alert!.text).toContain('Refused:      cluster-event never received an event "e-forged" (no claim of it in the state table)');
    expect(alert!.text).toContain("(as the message says: not to be believed)");
    expect(w.store.history.at(-1)).toMatchObject({ kind: "remediation", remediation: { step: "refused" } });
  });

  it("naming an update EKS does not report as an EndpointAccessUpdate of the cluster, or none at all: refused", async () => {
    const { w, writer, deps } = setup();
    w.eks.updates.set("u-version", { status: "Successful", type: "VersionUpdate", errors: [] });
    await settle(deps, { ...SETTLE, updateId: "u-version" });
    const { updateId: _none, ...noUpdate } = SETTLE;
    await settle(deps, noUpdate);
    expect(writer.calls).toEqual([]);
    expect(refusal(w).map((alert) => alert.text.split("\n").find((line) => line.startsWith("Refused:")))).toEqual([
      'Refused:      EKS reports no EndpointAccessUpdate "u-version" on the cluster (its type is "VersionUpdate")',
      "Refused:      it names no update id, and only a CreateCluster changes the endpoint without one",
    ]);
  });

  it("naming a real event of another cluster: refused", async () => {
    const { w, writer, deps } = setup();
    w.store.events.set("e-other", { status: "COMPLETED", leaseUntil: Number.POSITIVE_INFINITY, clusterArn: "arn:aws:eks:eu-west-1:111122223333:cluster/other" });
    await settle(deps, { ...SETTLE, eventId: "e-other" });
    expect(writer.calls).toEqual([]);
    expect(refusal(w)[0]!.text).toContain('Refused:      event "e-other" was about another cluster');
  });

  it("the real one, queued by cluster-event for the event it claimed, remediates", async () => {
    const { w, writer, deps } = setup();
    w.store.events.clear();
    const event: ClusterEvent = {
      eventId: "e-real",
      eventName: "UpdateClusterConfig",
      account: REF.account,
      region: REF.region,
      clusterName: REF.name,
      clusterArn: REF.arn,
      actor: ALICE,
      sourceIp: "198.51.100.23",
      userAgent: "aws-cli",
      eventTime: new Date("2026-03-01T11:59:00Z"),
      updateId: "u-open",
      intent: { kind: "endpoint-update", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } },
    };
    await processClusterEvent({ value: event, logKeys: {} }, deps);
    const [queuedCheck] = w.settleQueue.messages.map(({ message }) => message);
    expect(queuedCheck).toMatchObject({ eventId: "e-real", updateId: "u-open", endpointChange: true });
    expect(await settle(deps, queuedCheck)).toMatchObject({ remediation: { step: "call", result: "called" } });
    expect(writer.calls).toHaveLength(1);
    expect(refusal(w)).toEqual([]);
  });
});

describe("remediation edges on the settle worker", () => {
  it("reads and writes nothing when the endpoint passes, even with remediation on", async () => {
    const { w, writer, deps, store } = setup();
    w.eks.clusters.set(REF.arn, clusterRecord(REF, PRIVATE));
    const result = await settle(deps);
    expect(result).toMatchObject({ status: "settled" });
    expect(result).not.toHaveProperty("remediation");
    expect(writer.calls).toEqual([]);
    expect(store.records.size).toBe(0);
  });

  it("makes no call when the reservation cannot be written: lost races past the retries, or a failing store", async () => {
    const racing = setup();
    racing.store.conflictsLeft = 100;
    await expect(settle(racing.deps)).rejects.toBeInstanceOf(StateConflict);
    expect(100 - racing.store.conflictsLeft).toBe(DEFAULT_PIPELINE_SETTINGS.maxConflictRetries + 1);
    expect(racing.writer.calls).toEqual([]);

    const broken = setup();
    let writes = 0;
    broken.store.writeRemediation = async () => {
      writes += 1;
      throw new Error("DynamoDB unavailable");
    };
    await expect(settle(broken.deps)).rejects.toThrow("DynamoDB unavailable");
    expect(writes).toBe(1);
    expect(broken.writer.calls).toEqual([]);
  });

  const spentRecord = (conflict?: RemediationRecord["conflict"]): RemediationRecord => ({
    clusterArn: REF.arn,
    version: 3,
    attempts: [1, 2, 3].map((n) => ({ id: `a${n}`, at: "2026-03-01T11:00:00.000Z", action: "private" as const, status: "succeeded" as const, input: { name: REF.name, resourcesVpcConfig: { endpointPublicAccess: false } }, openedBy: ALICE.arn })),
    ...(conflict ? { conflict } : {}),
  });

  it("reports the conflict again once the last report is out of the 24 h window", async () => {
    const { w, writer, deps, store } = setup();
    store.records.set(REF.arn, spentRecord({ at: "2026-02-27T12:00:00.000Z", openers: ["arn:aws:iam::111122223333:user/bob"] }));
    expect(await settle(deps)).toMatchObject({ remediation: { result: "conflict" } });
    expect(writer.calls).toEqual([]);
    expect(w.publisher.alerts.filter((alert) => alert.attributes.transition === "CONFLICT")).toHaveLength(1);
    expect((await store.readRemediation(REF.arn))?.conflict).toEqual({ at: "2026-03-01T12:00:00.000Z", openers: [ALICE.arn] });
  });

  it("keeps the conflict another worker recorded meanwhile rather than writing its own", async () => {
    const { w, deps, store } = setup();
    store.records.set(REF.arn, spentRecord());
    const theirs = { at: "2026-03-01T11:59:59.000Z", openers: [ALICE.arn] };
    const racingPublisher = {
      publish: async (topic: Topic, alert: SnsEnvelope) => {
        await w.publisher.publish(topic, alert);
        // Another worker reported the same conflict and recorded it between this alert and this write.
        const current = store.records.get(REF.arn)!;
        if (alert.attributes.transition === "CONFLICT") store.records.set(REF.arn, { ...current, version: current.version + 1, conflict: theirs });
      },
    };
    expect(await settle({ ...deps, publisher: racingPublisher })).toMatchObject({ remediation: { result: "conflict" } });
    expect((await store.readRemediation(REF.arn))?.conflict).toEqual(theirs);
  });

  it("reports an outcome recorded but not yet reported (a crash in between) from the record, without asking EKS again", async () => {
    const { w, deps, store } = setup();
    // Written by an earlier version: no severity, no end time.
    store.records.set(REF.arn, {
      clusterArn: REF.arn,
      version: 1,
      attempts: [{ id: "a1", at: "2026-03-01T11:59:00.000Z", action: "private", status: "failed", input: { name: REF.name, resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }, updateId: "u-1", errors: ["EKS said no"], reported: false }],
    });
    const unanswerable = new EksUnavailable("DescribeUpdate");
    w.eks.failures.push(unanswerable);
    const follow: RemediationMessage = { version: 1, kind: "remediation", step: "follow", cluster: REF, attemptId: "a1", updateId: "u-1", attempt: 2, queuedAt: "2026-03-01T12:00:00Z", opened: {} };
    expect(await settle(deps, follow)).toEqual({ status: "remediation", remediation: { step: "follow", result: "failed" } });
    expect(w.eks.failures).toEqual([unanswerable]);
    const failed = w.publisher.alerts.at(-1)!;
    expect(failed.attributes).toMatchObject({ kind: "remediation", transition: "FAILED", severity: "CRITICAL" });
    expect(failed.text).toContain("EKS error:    EKS said no");
    expect((await store.readRemediation(REF.arn))?.attempts).toMatchObject([{ status: "failed", reported: true }]);
  });

  it("names EKS's error by what EKS gave: code and message, either, or neither", async () => {
    const { w, deps } = setup();
    await settle(deps);
    w.eks.updates.set("u-close", { status: "Failed", errors: [{ errorCode: "SubnetNotFound" }, { errorMessage: "no room" }, {}] });
    expect(await settle(deps, queued(w)[0])).toMatchObject({ remediation: { result: "failed" } });
    expect(w.publisher.alerts.at(-1)!.payload).toMatchObject({ errors: ["SubnetNotFound", "no room", "EKS gave no details of this error"] });
  });

  it("says the monitor closed it even when it knows neither its role nor who had opened it", async () => {
    const { w, deps } = setup();
    const { roleArn: _role, ...ports } = deps.remediation;
    const anonymous = { ...deps, remediation: ports };
    await settle(anonymous, { ...SETTLE, cause: {} });
    w.eks.updates.set("u-close", { status: "Successful", errors: [] });
    expect(await settle(anonymous, queued(w)[0])).toMatchObject({ remediation: { result: "succeeded" } });
    const resolved = w.publisher.alerts.at(-1)!;
    expect(resolved.subject).toMatch(/^\[RESOLVED\] payments-prod/);
    expect(resolved.text).toContain("Closed by:    EKS Warden auto-remediation (update u-close)\n");
    expect(resolved.text).toContain("Opened by:    unknown (no CloudTrail identity)\n");
    expect(w.publisher.alerts.find((alert) => alert.attributes.transition === "SUCCEEDED")!.text).not.toContain("Monitor role:");
  });
});
