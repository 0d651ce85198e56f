import { describe, expect, it } from "vitest";
import { EVENT_RULE_SCOPES, rulesAffectedBy } from "../../src/events/affected-rules.ts";
import { HANDLED_CLUSTER_EVENTS, parseClusterEvent } from "../../src/events/cloudtrail.ts";
import { EXEMPTION_TAG, exemptionTagOf } from "../../src/exemptions.ts";
import { effectiveRemediation, REMEDIATION_TAG } from "../../src/remediation/plan.ts";
import { isTagReadByMonitor } from "../../src/monitor-tags.ts";
import { defaultPolicy } from "../../src/policy.ts";
import { rules } from "../../src/rules/index.ts";
import { eventBridgeEnvelope } from "../../../../test/fixtures/index.ts";

const ALL = rules.map((rule) => rule.id);
const CLUSTER = ["endpoint-public-access", "endpoint-private-access", "version-support", "version-drift", "extended-support-enrollment", "control-plane-audit-logging", "exemption-tag-valid"];
const NODEGROUPS = ["nodegroup-version-skew", "nodegroup-ami-outdated"];
const ADDONS = ["addon-outdated"];

function call(eventName: string, requestParameters: Record<string, unknown>): Record<string, unknown> {
  return {
    userIdentity: { type: "IAMUser", arn: "arn:aws:iam::123456789012:user/alice" },
    eventTime: "2026-01-05T10:00:00Z",
    eventSource: "eks.amazonaws.com",
    eventName,
    awsRegion: "eu-west-1",
    sourceIPAddress: "198.51.100.23",
    requestParameters,
    responseElements: null,
    eventID: `evt-${eventName}`,
  };
}

const ids = (affected: readonly { id: string }[]) => affected.map((rule) => rule.id);

describe("the rules an EKS call can change", () => {
  it.each([
    ["UpdateClusterConfig", CLUSTER],
    ["UpdateNodegroupVersion", NODEGROUPS],
    ["CreateNodegroup", NODEGROUPS],
    ["CreateAddon", ADDONS],
    ["UpdateAddon", ADDONS],
    ["TagResource", ALL],
    ["UntagResource", ALL],
    ["UpdateClusterVersion", ALL],
    ["CreateCluster", ALL],
    ["DeleteCluster", ALL],
    ["SomeFutureCall", ALL],
    ["toString", ALL],
  ])("%s -> %j", (eventName, expected) => {
    expect(ids(rulesAffectedBy({ eventName }, rules))).toEqual(expected);
  });

  it("names a scope for every event the real-time path handles, and keeps the order of the rules given", () => {
    expect(Object.keys(EVENT_RULE_SCOPES).sort()).toEqual([...HANDLED_CLUSTER_EVENTS].sort());
    expect(ids(rulesAffectedBy({ eventName: "UpdateClusterConfig" }, [...rules].reverse()))).toEqual([...CLUSTER].reverse());
    // upgrade-insights reads the insights: only events that change everything re-judge it.
    expect(ids(rulesAffectedBy({ eventName: "UpdateClusterConfig" }, rules))).not.toContain("upgrade-insights");
  });
});

describe("the rules a tag call can change, by the keys it touches", () => {
  const CLUSTER_ARN = "arn:aws:eks:eu-west-1:123456789012:cluster/lab";
  const tagged = (tags: unknown, resourceArn = CLUSTER_ARN) =>
    parseClusterEvent(eventBridgeEnvelope(call("TagResource", { resourceArn, ...(tags !== undefined ? { tags } : {}) }), { account: "123456789012" }));
  const untagged = (tagKeys: unknown) =>
    parseClusterEvent(eventBridgeEnvelope(call("UntagResource", { resourceArn: CLUSTER_ARN, ...(tagKeys !== undefined ? { tagKeys } : {}) }), { account: "123456789012" }));
  const EXEMPTION = "endpoint-public-access until=2099-12-31 reason=lab";

  it("a tag the monitor does not read re-judges the cluster rules alone (no node-group, add-on or insight reads)", () => {
    expect(ids(rulesAffectedBy(tagged({ team: "payments", owner: "alice" }), rules))).toEqual(CLUSTER);
    expect(ids(rulesAffectedBy(untagged(["team", "cost-centre"]), rules))).toEqual(CLUSTER);
    // On a node group too: the keys decide.
    expect(ids(rulesAffectedBy(tagged({ team: "payments" }, "arn:aws:eks:eu-west-1:123456789012:nodegroup/lab/ng/1"), rules))).toEqual(CLUSTER);
  });

  it("setting the exemption tag, alone or among others, re-judges every rule (it can exempt any of them)", () => {
    expect(ids(rulesAffectedBy(tagged({ [EXEMPTION_TAG]: EXEMPTION }), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(tagged({ team: "payments", [EXEMPTION_TAG]: EXEMPTION }), rules))).toEqual(ALL);
  });

  it("setting or removing the remediation override re-judges every rule", () => {
    expect(ids(rulesAffectedBy(tagged({ [REMEDIATION_TAG]: "opt-out" }), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(untagged([REMEDIATION_TAG]), rules))).toEqual(ALL);
  });

  it("removing the exemption tag re-judges every rule (the exemption ends)", () => {
    expect(ids(rulesAffectedBy(untagged([EXEMPTION_TAG]), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(untagged(["team", EXEMPTION_TAG]), rules))).toEqual(ALL);
  });

  it("keys missing, empty or unreadable: every rule (fail safe)", () => {
    expect(ids(rulesAffectedBy(tagged(undefined), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(tagged({}), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(tagged(["team"]), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(tagged("team=payments"), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(untagged(undefined), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(untagged([]), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(untagged("team"), rules))).toEqual(ALL);
    expect(ids(rulesAffectedBy(untagged(["team", 7]), rules))).toEqual(ALL);
    // A settle check's message carries the call's name alone.
    expect(ids(rulesAffectedBy({ eventName: "TagResource" }, rules))).toEqual(ALL);
  });

  it("compares keys exactly, as the exemption and remediation code look them up: another case is another tag, read by no one", () => {
    const variants = ["EKS-Warden:Exempt", "eks-warden:EXEMPT", "Eks-Warden:Remediation"];
    for (const key of variants) {
      // What the readers make of it: no exemption, no override...
      expect(exemptionTagOf({ tags: { [key]: EXEMPTION } })).toBeUndefined();
      expect(effectiveRemediation(defaultPolicy(), { [key]: "opt-out" })).toMatchObject({ source: "policy", optedOut: false });
      // ...so the monitor does not read it, and tagging with it changes no verdict beyond the cluster rules'.
      expect(isTagReadByMonitor(key)).toBe(false);
      expect(ids(rulesAffectedBy(tagged({ [key]: EXEMPTION }), rules))).toEqual(CLUSTER);
    }
    expect([EXEMPTION_TAG, REMEDIATION_TAG].every(isTagReadByMonitor)).toBe(true);
  });
});
