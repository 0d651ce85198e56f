import { describe, expect, it } from "vitest";
import type { NodegroupSnapshot } from "../../src/model.ts";
import { rule } from "../../src/rules/nodegroup-version-skew.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy } from "./helpers.ts";

const group = (name: string, version?: string): NodegroupSnapshot => ({ name, ...(version !== undefined && { version }), amiType: "AL2023_x86_64_STANDARD" });

function run(snapshot: ReturnType<typeof cluster>) {
  return only(rule.evaluate(snapshot, policy(), context()), rule, snapshot);
}

describe("nodegroup-version-skew", () => {
  it("passes when every managed node group runs the control plane's version (or, impossibly, a newer one)", () => {
    expect(run(cluster({ nodegroups: [group("general", "1.34"), group("canary", "1.35")] }))).toMatchObject({
      status: "PASS",
      severity: "MEDIUM",
      message: "EKS cluster payments-prod (eu-west-1) has 2 managed node groups, all on the control plane's Kubernetes 1.34.",
    });
  });

  it.each([
    ["1.33", "LOW", "1 minor version behind", 1],
    ["1.32", "MEDIUM", "2 minor versions behind", 2],
    ["1.31", "HIGH", "3 minor versions behind", 3],
    ["1.28", "HIGH", "6 minor versions behind", 6],
    ["0.99", "HIGH", "an older major version", null],
  ] as const)("a node group on %s is %s", (version, severity, distance, behind) => {
    const finding = run(cluster({ nodegroups: [group("general", "1.34"), group("batch", version)] }));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity,
      message: `EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.34 with managed node groups behind it: batch (${version}, ${distance}).`,
      evidence: { controlPlaneVersion: "1.34", items: [{ nodegroup: "general", state: "current" }, { nodegroup: "batch", state: "behind", severity, minorVersionsBehind: behind }] },
    });
    expect(finding.remediation.command).toBe("aws eks update-nodegroup-version --region eu-west-1 --cluster-name payments-prod --nodegroup-name batch --kubernetes-version 1.34");
  });

  it("gives one finding per cluster at the worst severity, listing every group behind", () => {
    const finding = run(cluster({ nodegroups: [group("a", "1.33"), group("b", "1.31"), group("c", "1.34")] }));
    expect(finding).toMatchObject({ status: "FAIL", severity: "HIGH" });
    expect(finding.message).toContain("a (1.33, 1 minor version behind), b (1.31, 3 minor versions behind)");
    // The fix names the first group behind.
    expect(finding.remediation.command).toContain("--nodegroup-name a ");
  });

  it("is NOT_APPLICABLE without managed node groups, or for a cluster being deleted", () => {
    expect(run(cluster({ nodegroups: [] }))).toMatchObject({ status: "NOT_APPLICABLE", message: "EKS cluster payments-prod (eu-west-1) has no managed node groups." });
    notApplicableWhileDeleting(rule, cluster({ nodegroups: [group("a", "1.30")] }), policy());
  });

  it("is ERROR, never PASS, when the node groups or a version are missing", () => {
    expect(run(cluster())).toMatchObject({ status: "ERROR", evidence: { nodegroups: "unavailable" } });
    expect(run(cluster({ version: undefined, nodegroups: [group("a", "1.30")] }))).toMatchObject({ status: "ERROR", evidence: { version: null } });
    expect(run(cluster({ nodegroups: [group("a", "1.34"), group("b")] }))).toMatchObject({
      status: "ERROR",
      message: "EKS cluster payments-prod (eu-west-1) could not be checked because these node groups have no readable version: b (no readable Kubernetes version in its record).",
    });
    // A group behind is a FAIL even when another cannot be read.
    expect(run(cluster({ nodegroups: [group("a", "1.32"), group("b")] }))).toMatchObject({ status: "FAIL", severity: "MEDIUM" });
  });

  it("has a default remediation naming a placeholder group", () => {
    expect(rule.remediation(cluster()).command).toBe("aws eks update-nodegroup-version --region eu-west-1 --cluster-name payments-prod --nodegroup-name '<nodegroup-name>' --kubernetes-version 1.34");
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, cluster({ nodegroups: [group("a", "1.32")] }), policy());
  });
});
