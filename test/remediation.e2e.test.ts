// Auto-remediation end to end on the local system (DynamoDB Local, the SNS/SQS emulator, the EKS simulator and the
// real handlers), under `enforce` with the `private` action: alice opens endpoints, the monitor closes them with its
// own identity (the settle role's session), and the simulator counts the monitor's UpdateClusterConfig calls.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoStateStore } from "@eks-warden/core/aws";
import { startLocalSystem, type LocalSystem, type ReceivedNotification } from "@eks-warden/local";
import { ensureLocalAws, stopLocalAws } from "../packages/core/test/aws/local-aws.ts";
import { ALICE, ALICE_ARN, ALLOWLIST, aliceOpens, arnOf, clusterEntry, fleet, forCluster, kinds, LEAD, LEAD_ARN, LEAD_ROLE, MALLORY, MALLORY_ARN, MINUTE, monitorCalls, REGION, setOverride } from "./remediation-support.ts";

let system: LocalSystem;
let history: DynamoStateStore;
const received: ReceivedNotification[] = [];

async function alerts(): Promise<ReceivedNotification[]> {
  const fresh = await system.readNotifications();
  received.push(...fresh);
  return fresh;
}

function monitorCounter(): number {
  return system.simulator.calls.byCaller("UpdateClusterConfig", system.monitor.sessionArn);
}

async function describe_(name: string): Promise<Record<string, unknown>> {
  const result = await system.callEks("DescribeCluster", { name }, { credentials: ALICE, region: REGION });
  return (result["cluster"] as { resourcesVpcConfig: Record<string, unknown> }).resourcesVpcConfig;
}

beforeAll(async () => {
  await ensureLocalAws();
  system = await startLocalSystem({
    fleet: fleet([
      clusterEntry("payments-prod"),
      clusterEntry("busy-prod"),
      clusterEntry("opted-out"),
      // Tagged before EKS Warden was deployed: no TagResource event says who set it, so it is not honoured.
      clusterEntry("legacy-opt-out", undefined, { "eks-warden:remediation": "opt-out" }),
      clusterEntry("mallory-prod"),
      clusterEntry("vendor-ingress", undefined, { "eks-warden:exempt": "endpoint-public-access until=2099-12-31 reason=vendor-managed ingress" }),
      clusterEntry("contested", undefined),
      clusterEntry("office-only", { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ALLOWLIST }),
    ]),
    // Only the platform lead's role may set the override tag eks-warden:remediation.
    policy: { remediation: { mode: "enforce", action: "private", overrideTags: [LEAD_ROLE] }, endpoint: { allowedPublicCidrs: ALLOWLIST } },
    aws: "environment",
  });
  history = new DynamoStateStore({ tableName: system.tableName });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await stopLocalAws();
});

describe("auto-remediation under enforce", () => {
  it("open -> early alert -> settled -> remediated -> RESOLVED, one alert each, one call by the monitor", async () => {
    const before = monitorCounter();
    await aliceOpens(system, "payments-prod");
    const early = forCluster(await alerts(), "payments-prod");
    expect(kinds(early)).toEqual(["alert OPENED (in progress)"]);
    // The ordinary alerts say what remediation will do to this cluster, and that it comes from the policy.
    expect(early[0]!.text).toContain("Remediation:  enforce, private (policy)");

    // Alice's update ends; the settle check judges the live cluster (FAIL, already announced) and remediates.
    await system.advance(11 * MINUTE);
    expect(forCluster(await alerts(), "payments-prod")).toEqual([]);
    expect(monitorCounter() - before).toBe(1);
    expect(monitorCalls(system, "payments-prod").map((event) => event.detail.requestParameters?.["resourcesVpcConfig"])).toEqual([
      { endpointPrivateAccess: true, endpointPublicAccess: false },
    ]);

    // The closing update ends: the outcome, then RESOLVED saying the monitor closed it and who had opened it.
    await system.advance(11 * MINUTE);
    const end = forCluster(await alerts(), "payments-prod");
    expect(kinds(end)).toEqual(["remediation SUCCEEDED", "alert RESOLVED"]);
    const [succeeded, resolved] = end as [ReceivedNotification, ReceivedNotification];
    // From alice's call to the closing update's end: the two 11-minute advances (the handlers' clock moves with them).
    expect(succeeded.subject).toMatch(/^\[REMEDIATED\] payments-prod \(eu-west-1\): public endpoint closed by EKS Warden after 22m( \d+s)? open$/);
    expect(succeeded.remediation).toMatchObject({ outcome: "SUCCEEDED", action: "private", updateId: expect.any(String), opened: { actor: { arn: ALICE_ARN } } });
    expect(succeeded.text).toContain(`Opened by:    ${ALICE_ARN}`);
    expect(resolved.text).toMatch(/Closed by:    EKS Warden auto-remediation \(update [\w-]+, role arn:aws:iam::999999999999:role\/eks-warden-local-settle\)/);
    expect(resolved.text).toContain(`Opened by:    ${ALICE_ARN} (IAMUser alice)`);
    expect(monitorCounter() - before).toBe(1);
    expect(await describe_("payments-prod")).toMatchObject({ endpointPublicAccess: false, endpointPrivateAccess: true });
    expect((await system.readState(arnOf("payments-prod"))).find((record) => record.ruleId === "endpoint-public-access")).toMatchObject({ status: "PASS" });

    // The monitor's own CloudTrail event came back: recorded as auto-remediation, not remediated again; every step
    // is in history with the update id.
    const steps = await history.readHistory(arnOf("payments-prod"));
    const updateId = succeeded.remediation?.updateId;
    expect(steps.filter((entry) => entry.kind === "auto-remediation").map((entry) => entry.remediation?.updateId)).toEqual([updateId]);
    expect(steps.filter((entry) => entry.kind === "remediation").map((entry) => [entry.remediation?.step, entry.remediation?.updateId]).reverse()).toEqual([
      ["called", updateId],
      ["succeeded", updateId],
    ]);
    const record = await history.readRemediation(arnOf("payments-prod"));
    expect(record?.attempts).toMatchObject([{ status: "succeeded", updateId, openedBy: ALICE_ARN, reported: true }]);
  });

  it("retries through the queue while another update runs, then succeeds", async () => {
    const before = monitorCounter();
    await aliceOpens(system, "busy-prod");
    await alerts();
    // Alice's change ends, and before the settle check runs someone starts another update (logging).
    system.simulator.clock.advance(11 * MINUTE);
    await system.callEks("UpdateClusterConfig", { name: "busy-prod", logging: { clusterLogging: [{ types: ["scheduler"], enabled: false }] } }, { credentials: ALICE, region: REGION });
    await system.deliverEvents();
    await system.settleRound();
    await system.deliverEvents();
    // EKS refused the monitor's call with ResourceInUseException: retried later, not reported as a failure.
    const refused = monitorCalls(system, "busy-prod");
    expect(refused.map((event) => event.detail.errorCode)).toEqual(["ResourceInUseException"]);
    expect(forCluster(await alerts(), "busy-prod")).toEqual([]);
    expect((await history.readRemediation(arnOf("busy-prod")))?.attempts).toMatchObject([{ status: "retrying" }]);

    await system.advance(11 * MINUTE); // the logging update ends; the retry calls again and starts the update
    await system.advance(11 * MINUTE); // the closing update ends
    expect(kinds(forCluster(await alerts(), "busy-prod"))).toEqual(["remediation SUCCEEDED", "alert RESOLVED"]);
    expect(monitorCalls(system, "busy-prod").map((event) => event.detail.errorCode ?? "ok")).toEqual(["ResourceInUseException", "ok"]);
    expect(monitorCounter() - before).toBe(2);
    const steps = (await history.readHistory(arnOf("busy-prod"))).filter((entry) => entry.kind === "remediation").map((entry) => entry.remediation?.step).reverse();
    expect(steps).toEqual(["retry", "called", "succeeded"]);
  });

  it("never calls for a cluster the platform lead opted out; an exemption tag nobody the policy lists set exempts nothing and does not stop it", async () => {
    const before = monitorCounter();
    // The lead (policy.remediation.overrideTags) opts the cluster out: the change is an alert of its own, naming her.
    await setOverride(system, LEAD, "opted-out", "opt-out");
    const set = forCluster(await alerts(), "opted-out");
    expect(kinds(set)).toEqual(["remediation OVERRIDE_SET"]);
    expect(set[0]!.subject).toBe("[REMEDIATION OVERRIDE] opted-out (eu-west-1): opted out by tag, remediation will not run");
    expect(set[0]!.attributes["severity"]).toBe("MEDIUM");
    expect(set[0]!.text).toContain(`REMEDIATION OVERRIDE: eks-warden:remediation=opt-out set by ${LEAD_ARN}, allowed by policy.remediation.overrideTags`);
    expect(set[0]!.text).toContain(`Remediation:  enforce, none: opted out (tag eks-warden:remediation=opt-out, set by ${LEAD_ARN})`);
    await aliceOpens(system, "opted-out");
    await aliceOpens(system, "vendor-ingress");
    await system.advance(11 * MINUTE);
    await system.advance(11 * MINUTE);
    // Before (issue 22, item 8): any value of eks-warden:exempt kept remediation away, in code and in the IAM Deny.
    // vendor-ingress's tag was set by no principal of policy.exemptions.tags (none here): its FAIL is remediated.
    expect(monitorCounter() - before).toBe(1);
    expect(monitorCalls(system, "opted-out")).toEqual([]);
    expect(monitorCalls(system, "vendor-ingress").map((event) => event.detail.errorCode ?? "ok")).toEqual(["ok"]);
    const all = await alerts();
    expect(forCluster(all, "opted-out").filter((alert) => alert.attributes["kind"] === "remediation")).toEqual([]);
    // The OPENED alert itself tells the reader that nothing will close this endpoint, and why.
    const openedOptedOut = forCluster(all, "opted-out");
    expect(kinds(openedOptedOut)).toEqual(["alert OPENED (in progress)"]);
    expect(openedOptedOut[0]!.text).toContain(`Remediation:  enforce, none: opted out (tag eks-warden:remediation=opt-out, set by ${LEAD_ARN})`);
    expect(openedOptedOut[0]!.payload?.autoRemediation).toEqual({ mode: "enforce", source: "tag", override: { tag: "eks-warden:remediation", value: "opt-out", setBy: LEAD_ARN }, optedOut: true });
    expect(forCluster(all, "vendor-ingress").some((alert) => alert.attributes["kind"] === "remediation")).toBe(true);
    // Recorded with its setter: the TagResource's principals in the state table, and the override in the remediation record.
    expect(await history.readTagGrant(arnOf("opted-out"), "eks-warden:remediation")).toMatchObject({ value: "opt-out", principals: [LEAD_ARN, LEAD_ROLE] });
    const skipped = (await history.readHistory(arnOf("opted-out"))).find((entry) => entry.kind === "remediation");
    expect(skipped?.remediation).toMatchObject({ step: "skip", reason: `opted out by tag eks-warden:remediation=opt-out, set by ${LEAD_ARN}`, override: { value: "opt-out", setBy: LEAD_ARN } });
    expect(await history.readRemediation(arnOf("opted-out"))).toMatchObject({ override: { tag: "eks-warden:remediation", value: "opt-out", setBy: LEAD_ARN }, attempts: [] });
    expect(await describe_("opted-out")).toMatchObject({ endpointPublicAccess: true });
  });

  // Before (issue 22, item 8): any value of eks-warden:remediation kept remediation away, in code and in the IAM Deny.
  it("an override tag set by someone the policy does not list is refused, said so at once and in the OPENED alert, and the endpoint is still closed", async () => {
    const before = monitorCounter();
    await setOverride(system, MALLORY, "mallory-prod", "opt-out");
    const refused = forCluster(await alerts(), "mallory-prod");
    expect(kinds(refused)).toEqual(["remediation OVERRIDE_REFUSED"]);
    expect(refused[0]!.attributes["severity"]).toBe("HIGH");
    expect(refused[0]!.subject).toBe("[REMEDIATION OVERRIDE REFUSED] mallory-prod (eu-west-1): tag ignored, remediation still applies");
    expect(refused[0]!.text).toContain(`eks-warden:remediation=opt-out set by ${MALLORY_ARN}, who is not allowed by policy.remediation.overrideTags: remediation still applies`);
    expect(await history.readTagGrant(arnOf("mallory-prod"), "eks-warden:remediation")).toMatchObject({ value: "opt-out", principals: [MALLORY_ARN] });

    await aliceOpens(system, "mallory-prod");
    await aliceOpens(system, "legacy-opt-out");
    const opened = await alerts();
    const ignored = `Remediation:  enforce, private (policy); tag eks-warden:remediation=opt-out set by ${MALLORY_ARN}, who is not allowed by policy.remediation.overrideTags: remediation still applies`;
    expect(forCluster(opened, "mallory-prod")[0]!.text).toContain(ignored);
    expect(forCluster(opened, "legacy-opt-out")[0]!.text).toMatch(/Remediation: {2}enforce, private \(policy\); tag eks-warden:remediation=opt-out was set by an unknown principal .*: remediation still applies/);
    await system.advance(11 * MINUTE);
    await system.advance(11 * MINUTE);
    expect(monitorCalls(system, "mallory-prod").map((event) => event.detail.errorCode ?? "ok")).toEqual(["ok"]);
    expect(monitorCalls(system, "legacy-opt-out").map((event) => event.detail.errorCode ?? "ok")).toEqual(["ok"]);
    expect(monitorCounter() - before).toBe(2);
    expect(kinds(forCluster(await alerts(), "mallory-prod"))).toEqual(["remediation SUCCEEDED", "alert RESOLVED"]);
    expect(await describe_("mallory-prod")).toMatchObject({ endpointPublicAccess: false, endpointPrivateAccess: true });

    // Removing it is told too, at INFO.
    await setOverride(system, MALLORY, "mallory-prod", null);
    const removed = forCluster(await alerts(), "mallory-prod");
    expect(removed.map((alert) => [alert.attributes["transition"], alert.attributes["severity"]])).toEqual([["OVERRIDE_REMOVED", "INFO"]]);
    expect(removed[0]!.text).toContain(`REMEDIATION OVERRIDE REMOVED: eks-warden:remediation removed by ${MALLORY_ARN}: remediation follows the policy again.`);
  });

  it("restrict-to-allowlist (by the lead's tag): public CIDRs become the allowlist, public stays on, private stays as it was", async () => {
    const before = monitorCounter();
    await setOverride(system, LEAD, "office-only", "restrict-to-allowlist");
    // The tag call is the cluster's first judgement (public, limited to the allowlist: MEDIUM), then the override's own alert.
    expect(kinds(forCluster(await alerts(), "office-only"))).toEqual(["alert OPENED", "remediation OVERRIDE_SET"]);
    await aliceOpens(system, "office-only");
    await system.advance(11 * MINUTE);
    await system.advance(11 * MINUTE);
    expect(monitorCalls(system, "office-only").map((event) => event.detail.requestParameters?.["resourcesVpcConfig"])).toEqual([
      { endpointPublicAccess: true, publicAccessCidrs: ALLOWLIST },
    ]);
    expect(await describe_("office-only")).toMatchObject({ endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ALLOWLIST });
    const done = forCluster(await alerts(), "office-only").filter((alert) => alert.attributes["kind"] === "remediation");
    expect(done.map((alert) => alert.remediation?.outcome)).toEqual(["SUCCEEDED"]);
    expect(done[0]!.text).toContain("Action:       restrict-to-allowlist (from tag eks-warden:remediation=restrict-to-allowlist)");
    // Still a MEDIUM finding (allowlisted public access does not pass by default), but not remediated again.
    await system.advance(11 * MINUTE);
    expect(monitorCounter() - before).toBe(1);
  });

  it("a human reopening 6 times gets at most 3 calls in 24 h, then one conflict alert, and no loop", async () => {
    const before = monitorCounter();
    const openings = [["0.0.0.0/0"], ["0.0.0.0/0"], ["0.0.0.0/0"], ["0.0.0.0/0"], ["198.51.100.0/24"], ["0.0.0.0/0"]];
    for (const cidrs of openings) {
      await aliceOpens(system, "contested", { endpointPublicAccess: true, publicAccessCidrs: cidrs });
      await system.advance(11 * MINUTE);
      await system.advance(11 * MINUTE);
    }
    await system.advance(11 * MINUTE);
    expect(monitorCounter() - before).toBe(3);
    expect(monitorCalls(system, "contested")).toHaveLength(3);
    const remediation = forCluster(await alerts(), "contested").filter((alert) => alert.attributes["kind"] === "remediation");
    expect(remediation.map((alert) => alert.attributes["transition"])).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "CONFLICT"]);
    const conflict = remediation[3]!;
    expect(conflict.subject).toBe("[REMEDIATION CONFLICT] contested (eu-west-1): endpoint reopened after 3 closures; stopped");
    expect(conflict.text).toContain(`Reopened by:  ${ALICE_ARN}`);
    expect(await describe_("contested")).toMatchObject({ endpointPublicAccess: true });
  });
});
