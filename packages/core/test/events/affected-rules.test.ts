import { describe, expect, it } from "vitest";
import { EVENT_RULE_SCOPES, rulesAffectedBy } from "../../src/events/affected-rules.ts";
import { HANDLED_CLUSTER_EVENTS } from "../../src/events/cloudtrail.ts";
import { rules } from "../../src/rules/index.ts";

const ALL = rules.map((rule) => rule.id);
const CLUSTER = ["endpoint-public-access", "endpoint-private-access", "version-support", "version-drift", "extended-support-enrollment", "control-plane-audit-logging", "exemption-tag-valid"];
const NODEGROUPS = ["nodegroup-version-skew", "nodegroup-ami-outdated"];
const ADDONS = ["addon-outdated"];

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
    expect(rulesAffectedBy(eventName, rules).map((rule) => rule.id)).toEqual(expected);
  });

  it("names a scope for every event the real-time path handles, and keeps the order of the rules given", () => {
    expect(Object.keys(EVENT_RULE_SCOPES).sort()).toEqual([...HANDLED_CLUSTER_EVENTS].sort());
    expect(rulesAffectedBy("UpdateClusterConfig", [...rules].reverse()).map((rule) => rule.id)).toEqual([...CLUSTER].reverse());
    // upgrade-insights reads the insights: only events that change everything re-judge it.
    expect(rulesAffectedBy("UpdateClusterConfig", rules).map((rule) => rule.id)).not.toContain("upgrade-insights");
  });
});
