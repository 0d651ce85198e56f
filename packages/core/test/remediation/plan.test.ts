// The pure remediation decision: every guard, both actions, the budget and the conflict, without AWS.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/engine.ts";
import type { Policy } from "../../src/model.ts";
import { parsePolicy, type PolicyInput } from "../../src/policy.ts";
import {
  attemptsInWindow,
  effectiveRemediation,
  planRemediation,
  remediationCommand,
  type RemediationAttempt,
  type RemediationContext,
  type RemediationRecord,
} from "../../src/remediation/plan.ts";
import { ruleById } from "../../src/rules/index.ts";
import { normaliseCluster } from "../../src/snapshot.ts";
import { clusterRecord, OPEN } from "../pipeline/fakes.ts";

const REF = { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod", account: "111122223333", region: "eu-west-1", name: "payments-prod" };
const NOW = new Date("2026-03-01T12:00:00Z");
const ALICE = { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/alice", userName: "alice" };
const ALLOWLIST = ["203.0.113.0/24"];

/** The role policy.remediation.overrideTags lists in these tests (unless a test's policy says otherwise), and a session of it. */
const PLATFORM_LEAD_ROLE = "arn:aws:iam::111122223333:role/PlatformLead";
const PLATFORM_LEAD = "arn:aws:sts::111122223333:assumed-role/PlatformLead/dana";
const MALLORY = "arn:aws:iam::111122223333:user/mallory";

/** The override tag, when `tags` has one, was set by `overrideBy` (default the platform lead; null: no event recorded). */
function context(
  options: { vpc?: typeof OPEN; tags?: Record<string, string>; status?: string; policy?: PolicyInput; record?: RemediationRecord; byMonitor?: boolean; overrideBy?: string | null } = {},
): RemediationContext {
  const input = options.policy ?? { remediation: { mode: "enforce" } };
  const policy: Policy = parsePolicy({ ...input, remediation: { overrideTags: [PLATFORM_LEAD_ROLE], ...input.remediation } });
  const tags = options.tags ?? {};
  const snapshot = normaliseCluster(clusterRecord(REF, options.vpc ?? OPEN, { tags, status: options.status ?? "ACTIVE" }));
  const [finding] = evaluate(snapshot, policy, { now: NOW }, [ruleById("endpoint-public-access")!]);
  const value = tags["eks-warden:remediation"];
  const setter = options.overrideBy === undefined ? PLATFORM_LEAD : options.overrideBy;
  const overrideGrant = value !== undefined && setter !== null ? { value, principals: [setter, ...(setter === PLATFORM_LEAD ? [PLATFORM_LEAD_ROLE] : [])], at: "2026-03-01T09:00:00Z", eventId: "tag-1" } : undefined;
  return { finding, snapshot, policy, record: options.record, now: NOW, opener: ALICE, byMonitor: options.byMonitor ?? false, ...(overrideGrant ? { overrideGrant } : {}) };
}

function attempt(hoursAgo: number, status: RemediationAttempt["status"] = "succeeded", openedBy = ALICE.arn): RemediationAttempt {
  return {
    id: `a-${hoursAgo}`,
    at: new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString(),
    action: "private",
    status,
    input: { name: REF.name, resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } },
    openedBy,
  };
}

const record = (attempts: RemediationAttempt[], extra: Partial<RemediationRecord> = {}): RemediationRecord => ({ clusterArn: REF.arn, version: attempts.length, attempts, ...extra });

describe("planRemediation", () => {
  it("is off by default: the default policy never acts", () => {
    expect(planRemediation(context({ policy: {} }))).toEqual({ kind: "skip", reason: expect.stringMatching(/remediation is off/) });
  });

  it("acts on a settled FAIL with one call: private on and public off together", () => {
    const decision = planRemediation(context());
    expect(decision).toEqual({
      kind: "act",
      action: "private",
      input: { name: "payments-prod", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } },
      command: "aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true",
    });
  });

  it("in dry-run names the exact call and makes none", () => {
    const decision = planRemediation(context({ policy: { remediation: { mode: "dry-run" } } }));
    expect(decision).toMatchObject({ kind: "dry-run", input: { resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } } });
  });

  it("restrict-to-allowlist keeps public on, sets the CIDRs to the allowlist and leaves private access as it is", () => {
    const decision = planRemediation(context({ policy: { remediation: { mode: "enforce", action: "restrict-to-allowlist" }, endpoint: { allowedPublicCidrs: ALLOWLIST } } }));
    expect(decision).toMatchObject({ kind: "act", action: "restrict-to-allowlist", input: { name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ALLOWLIST } } });
    expect(decision.kind === "act" && "endpointPrivateAccess" in decision.input.resourcesVpcConfig).toBe(false);
    expect(decision.kind === "act" && decision.command).toBe(
      "aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPublicAccess=true,publicAccessCidrs=203.0.113.0/24",
    );
  });

  it("does not restrict again a cluster already limited to the allowlist (no loop on the MEDIUM finding)", () => {
    const decision = planRemediation(
      context({ vpc: { ...OPEN, publicAccessCidrs: ALLOWLIST }, policy: { remediation: { mode: "enforce", action: "restrict-to-allowlist" }, endpoint: { allowedPublicCidrs: ALLOWLIST } } }),
    );
    expect(decision).toEqual({ kind: "skip", reason: expect.stringMatching(/already limited to the allowlist/) });
  });

  it("follows the per-cluster tag set by a principal of policy.remediation.overrideTags: opt-out, or the other action, and records it with its setter", () => {
    expect(planRemediation(context({ tags: { "eks-warden:remediation": "opt-out" } }))).toEqual({
      kind: "skip",
      reason: `opted out by tag eks-warden:remediation=opt-out, set by ${PLATFORM_LEAD}`,
      override: { tag: "eks-warden:remediation", value: "opt-out", setBy: PLATFORM_LEAD },
    });
    const other = planRemediation(context({ tags: { "eks-warden:remediation": "restrict-to-allowlist" }, policy: { remediation: { mode: "enforce" }, endpoint: { allowedPublicCidrs: ALLOWLIST } } }));
    expect(other).toMatchObject({ kind: "act", action: "restrict-to-allowlist", override: { value: "restrict-to-allowlist" } });
    expect(planRemediation(context({ tags: { "eks-warden:remediation": "restrict-to-allowlist" } }))).toMatchObject({ kind: "skip", reason: expect.stringMatching(/allowedPublicCidrs, which is empty/) });
    expect(planRemediation(context({ tags: { "eks-warden:remediation": "yes please" } }))).toMatchObject({ kind: "skip", reason: expect.stringMatching(/unknown value "yes please"/) });
  });

  it("ignores an override tag whose setter policy.remediation.overrideTags does not list: remediation still applies, with the policy's action", () => {
    // Before (issue 22, item 8): any value of eks-warden:remediation stopped remediation, whoever set it.
    for (const tags of [{ "eks-warden:remediation": "opt-out" }, { "eks-warden:remediation": "later please" }, { "eks-warden:remediation": "restrict-to-allowlist" }]) {
      const allowlist = { remediation: { mode: "enforce" as const }, endpoint: { allowedPublicCidrs: ALLOWLIST } };
      expect(planRemediation(context({ tags, overrideBy: MALLORY, policy: allowlist }))).toEqual({ kind: "act", action: "private", input: expect.any(Object), command: expect.any(String) });
      // No recorded TagResource for the value (set before the monitor was deployed, or the event was lost): ignored too.
      expect(planRemediation(context({ tags, overrideBy: null, policy: allowlist }))).toMatchObject({ kind: "act", action: "private" });
    }
    // The default lists no one: even the platform lead's tag is ignored.
    expect(planRemediation(context({ tags: { "eks-warden:remediation": "opt-out" }, policy: { remediation: { mode: "enforce", overrideTags: [] } } }))).toMatchObject({ kind: "act", action: "private" });
    // "*" lets anyone set it, as before the governance (an unknown setter included).
    expect(planRemediation(context({ tags: { "eks-warden:remediation": "opt-out" }, overrideBy: null, policy: { remediation: { mode: "enforce", overrideTags: ["*"] } } }))).toMatchObject({
      kind: "skip",
      reason: "opted out by tag eks-warden:remediation=opt-out, set by an unknown principal",
    });
  });

  it("never acts on an exempt cluster, on a cluster not ACTIVE, or on its own change; an exemption tag that exempts nothing does not stop it", () => {
    // Exempt by the policy (tag exemptions count only from principals the policy lists, so a tag alone leaves a FAIL).
    const exempt = context({ policy: { remediation: { mode: "enforce" }, exemptions: { entries: [{ cluster: REF.arn, rules: ["endpoint-public-access"], until: "2099-01-01", reason: "vendor ingress" }] } } });
    expect(planRemediation(exempt)).toMatchObject({ kind: "skip", reason: expect.stringMatching(/EXEMPT, not FAIL/) });
    // Before: any value of the tag stopped remediation (and the role's IAM Deny too), whoever set it. Now only an
    // honoured exemption does (the finding is EXEMPT, above); a tag the governance refuses, or a malformed one, leaves
    // the FAIL, which is remediated.
    expect(planRemediation(context({ tags: { "eks-warden:exempt": "endpoint-public-access until=2099-01-01 reason=vendor ingress" } }))).toMatchObject({ kind: "act", action: "private" });
    expect(planRemediation(context({ tags: { "eks-warden:exempt": "malformed" } }))).toMatchObject({ kind: "act", action: "private" });
    const active = context();
    expect(planRemediation({ ...active, snapshot: { ...active.snapshot, status: "DELETING" } })).toMatchObject({ kind: "skip", reason: "the cluster is DELETING, not ACTIVE" });
    // Another update running: the call is made, EKS refuses it with ResourceInUseException and it is retried.
    expect(planRemediation(context({ status: "UPDATING" }))).toMatchObject({ kind: "act" });
    expect(planRemediation(context({ byMonitor: true }))).toMatchObject({ kind: "skip", reason: expect.stringMatching(/own remediation/) });
    expect(planRemediation(context({ vpc: { ...OPEN, endpointPublicAccess: false } }))).toMatchObject({ kind: "skip", reason: expect.stringMatching(/PASS, not FAIL/) });
    expect(planRemediation({ ...context(), finding: undefined })).toMatchObject({ kind: "skip", reason: expect.stringMatching(/no settled finding/) });
  });

  it("waits while an attempt is in flight, unless it is stale", () => {
    expect(planRemediation(context({ record: record([{ ...attempt(0.1, "in-progress"), updateId: "u-1" }]) }))).toMatchObject({ kind: "skip", reason: expect.stringMatching(/already in flight \(in-progress, update u-1\)/) });
    expect(planRemediation(context({ record: record([attempt(7, "retrying")]) }))).toMatchObject({ kind: "act" });
    // Reserved, not called yet: no update id to name.
    expect(planRemediation(context({ record: record([attempt(0.1, "calling")]) }))).toMatchObject({ kind: "skip", reason: expect.stringMatching(/already in flight \(calling\)$/) });
  });

  it("allows 3 calls per 24 h, then one conflict naming the openers, then nothing", () => {
    const BOB = "arn:aws:iam::111122223333:user/bob";
    const spent = record([attempt(20, "succeeded", BOB), attempt(10), attempt(1, "failed"), attempt(2, "already-closed")]);
    expect(attemptsInWindow(spent, NOW)).toHaveLength(3);
    const conflict = planRemediation(context({ record: spent }));
    expect(conflict).toMatchObject({ kind: "conflict", openers: [BOB, ALICE.arn] });
    const reported = record(spent.attempts as RemediationAttempt[], { conflict: { at: new Date(NOW.getTime() - 3_600_000).toISOString(), openers: [ALICE.arn] } });
    expect(planRemediation(context({ record: reported }))).toMatchObject({ kind: "skip", reason: expect.stringMatching(/budget \(3 per 24 h\) is spent and the conflict was reported/) });
    // A day later the window has moved on: one more call is allowed.
    expect(planRemediation(context({ record: record([attempt(30), attempt(26), attempt(25)]) }))).toMatchObject({ kind: "act" });
    expect(planRemediation(context({ record: spent, policy: { remediation: { mode: "enforce", attemptsPerDay: 5 } } }))).toMatchObject({ kind: "act" });
  });

  it("tells the conflict of an overridden cluster with its tag", () => {
    const spent = record([attempt(3), attempt(2), attempt(1)]);
    expect(planRemediation(context({ record: spent, tags: { "eks-warden:remediation": "private" } }))).toMatchObject({ kind: "conflict", override: { tag: "eks-warden:remediation", value: "private" } });
  });

  it("computes the effective remediation from the policy and the tag, the one way plan and alerts see it", () => {
    const policy = parsePolicy({ remediation: { mode: "dry-run", action: "restrict-to-allowlist", overrideTags: [PLATFORM_LEAD_ROLE] }, endpoint: { allowedPublicCidrs: ALLOWLIST } });
    const by = (value: string, principal = PLATFORM_LEAD) => ({ value, principals: [principal, PLATFORM_LEAD_ROLE], at: "2026-03-01T09:00:00Z", eventId: "t" });
    const TAG = "eks-warden:remediation" as const;
    expect(effectiveRemediation(policy, {})).toEqual({ mode: "dry-run", action: "restrict-to-allowlist", source: "policy", optedOut: false });
    expect(effectiveRemediation(policy, { [TAG]: "private" }, by("private"))).toEqual({ mode: "dry-run", action: "private", source: "tag", override: { tag: TAG, value: "private", setBy: PLATFORM_LEAD }, optedOut: false });
    expect(effectiveRemediation(policy, { [TAG]: "opt-out" }, by("opt-out"))).toEqual({ mode: "dry-run", source: "tag", override: { tag: TAG, value: "opt-out", setBy: PLATFORM_LEAD }, optedOut: true });
    // Tag values are case-sensitive: "Private" names no action, and nothing is done (fail safe).
    expect(effectiveRemediation(policy, { [TAG]: "Private" }, by("Private"))).toEqual({ mode: "dry-run", source: "tag", override: { tag: TAG, value: "Private", setBy: PLATFORM_LEAD }, optedOut: false });
    // The recorded setting must be of this very value: the lead set "private", someone later set "opt-out" unseen.
    expect(effectiveRemediation(policy, { [TAG]: "opt-out" }, by("private"))).toEqual({
      mode: "dry-run",
      action: "restrict-to-allowlist",
      source: "policy",
      ignored: { tag: TAG, value: "opt-out", problem: "was set by an unknown principal (no TagResource event was recorded for this value), so policy.remediation.overrideTags cannot allow it" },
      optedOut: false,
    });
    const mallory = { value: "opt-out", principals: [MALLORY], at: "2026-03-01T09:00:00Z", eventId: "t" };
    expect(effectiveRemediation(policy, { [TAG]: "opt-out" }, mallory)).toEqual({
      mode: "dry-run",
      action: "restrict-to-allowlist",
      source: "policy",
      ignored: { tag: TAG, value: "opt-out", setBy: MALLORY, problem: `set by ${MALLORY}, who is not allowed by policy.remediation.overrideTags` },
      optedOut: false,
    });
    expect(effectiveRemediation(parsePolicy({ remediation: { mode: "enforce" } }), { [TAG]: "opt-out" }, mallory)).toMatchObject({
      action: "private",
      ignored: { problem: `set by ${MALLORY}, who is not allowed by policy.remediation.overrideTags (it lists no one)` },
    });
  });

  it("writes the CLI command with the list last", () => {
    expect(remediationCommand({ name: "x", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["a", "b"] } }, "us-east-1")).toBe(
      "aws eks update-cluster-config --region us-east-1 --name x --resources-vpc-config endpointPublicAccess=true,endpointPrivateAccess=true,publicAccessCidrs=a,b",
    );
  });
});
