import { describe, expect, it } from "vitest";
import type { ClusterVersionInfo } from "../../src/model.ts";
import { extendedSupportExtraPerMonthUsd } from "../../src/pricing.ts";
import { rule } from "../../src/rules/extended-support-enrollment.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy, sharedCluster } from "./helpers.ts";

function run(snapshot = cluster(), evaluationContext = context(), activePolicy = policy()) {
  return only(rule.evaluate(snapshot, activePolicy, evaluationContext), rule, snapshot);
}

const catalogueOf = (...versions: ClusterVersionInfo[]) => context({ versions: { versions } });
const SET_STANDARD = "aws eks update-cluster-config --region eu-west-1 --name payments-prod --upgrade-policy supportType=STANDARD";

describe("extended-support-enrollment", () => {
  it("passes a cluster whose support type is STANDARD, without needing the catalogue (the real 1.35 cluster)", () => {
    const snapshot = sharedCluster("DescribeCluster.v1-35.modern-fields.json");
    expect(snapshot.supportType).toBe("STANDARD");
    expect(run(snapshot, context({ versions: undefined }))).toMatchObject({
      status: "PASS",
      severity: "LOW",
      message:
        "EKS cluster serious-bluegrass-ladybug (us-east-1) has support type STANDARD, so EKS upgrades it at the end of standard support instead of billing extended support.",
      evidence: { supportType: "STANDARD", supportTypeDefaulted: false },
    });
  });

  it("passes a STANDARD cluster even when its record has no version", () => {
    const { version: _omitted, ...withoutVersion } = cluster({ supportType: "STANDARD" });
    expect(run(withoutVersion)).toMatchObject({ status: "PASS", evidence: { version: null } });
  });

  it("passes an EXTENDED cluster whose standard support lasts beyond the warning window", () => {
    const finding = run(cluster({ version: "1.34", supportType: "EXTENDED" }), context({ now: new Date("2026-06-01T00:00:00Z") }));
    expect(finding).toMatchObject({
      status: "PASS",
      message: "EKS cluster payments-prod (eu-west-1) is enrolled in extended support, but standard support for Kubernetes 1.34 lasts until 2026-12-02, beyond the 90-day warning window.",
    });
  });

  it("is LOW, stating the price difference, when standard support ends within the window", () => {
    const finding = run(cluster({ version: "1.34", supportType: "EXTENDED" }));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "LOW",
      message:
        "EKS cluster payments-prod (eu-west-1) is enrolled in extended support and standard support for Kubernetes 1.34 ends on 2026-12-02, " +
        "after which EKS bills $0.60 instead of $0.10 per cluster-hour in extended support (AWS list price, about $365 more a month).",
      evidence: {
        supportType: "EXTENDED",
        supportTypeDefaulted: false,
        versionStatus: "STANDARD_SUPPORT",
        daysToEndOfStandardSupport: 2,
        pricing: { standard: 0.1, extended: 0.6, extraUsdPerMonth: 365, hoursPerMonth: 730, source: expect.stringContaining("AWS list price") },
      },
      remediation: { command: SET_STANDARD },
    });
    expect(rule.risk).toContain("$0.60 instead of $0.10 per cluster-hour");
  });

  it("prices by the policy, with the digest's computation: one figure for one cost", () => {
    const negotiated = policy({ pricing: { standardPerClusterHourUsd: 0.1, extendedPerClusterHourUsd: 0.5 } });
    const finding = run(cluster({ version: "1.34", supportType: "EXTENDED" }), context(), negotiated);
    expect(finding.message).toContain("EKS bills $0.50 instead of $0.10 per cluster-hour in extended support (the policy's price, about $292 more a month).");
    expect(finding.evidence.pricing).toEqual({ standard: 0.1, extended: 0.5, extraUsdPerMonth: 292, hoursPerMonth: 730, source: "policy.pricing" });
    expect(extendedSupportExtraPerMonthUsd(negotiated.pricing)).toBe(292);
  });

  it("counts a missing upgrade policy as EXTENDED, as AWS does", () => {
    const { supportType: _omitted, ...noUpgradePolicy } = cluster({ version: "1.34" });
    const finding = run(noUpgradePolicy);
    expect(finding).toMatchObject({ status: "FAIL", severity: "LOW", evidence: { supportType: "EXTENDED", supportTypeDefaulted: true } });
    expect(finding.message).toContain("is enrolled in extended support by default (no upgrade policy)");
  });

  it("is LOW once extended support has begun, and the fix is then an upgrade (the support type can no longer change)", () => {
    const finding = run(cluster({ version: "1.33", supportType: "EXTENDED" }));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "LOW",
      evidence: { versionStatus: "EXTENDED_SUPPORT" },
      remediation: { command: "aws eks update-cluster-version --region eu-west-1 --name payments-prod --kubernetes-version 1.34" },
    });
    expect(finding.message).toContain("Kubernetes 1.33 left standard support on 2026-07-29, so EKS bills $0.60 instead of $0.10 per cluster-hour");
    const undated = run(cluster({ version: "1.40", supportType: "EXTENDED" }), catalogueOf({ version: "1.40", status: "EXTENDED_SUPPORT" }));
    expect(undated.message).toContain("Kubernetes 1.40 left standard support, so");
  });

  it("reports ERROR when it needs the catalogue and cannot have it", () => {
    expect(run(cluster({ supportType: "EXTENDED" }), context({ versions: undefined }))).toMatchObject({ status: "ERROR", evidence: { catalogue: "unavailable" } });
    // The real 1.22 cluster has no upgrade policy; 1.22 is older than the catalogue's oldest entry (1.23, unsupported),
    // so it is unsupported too and the cluster is billed as enrolled, like a listed unsupported version.
    expect(run(sharedCluster("DescribeCluster.public-only.open-world.json"))).toMatchObject({ status: "FAIL", severity: "LOW", evidence: { versionStatus: "UNSUPPORTED", supportTypeDefaulted: true } });
    const noEnd = run(cluster({ version: "1.40", supportType: "EXTENDED" }), catalogueOf({ version: "1.40", status: "STANDARD_SUPPORT" }));
    expect(noEnd).toMatchObject({ status: "ERROR", message: "EKS cluster payments-prod (eu-west-1) could not be checked because the version catalogue gives no end of standard support for Kubernetes 1.40." });
  });

  it("gives the rule-level remediation with the cluster filled in", () => {
    expect(rule.remediation(cluster()).command).toBe(SET_STANDARD);
  });

  it("is NOT_APPLICABLE for a cluster being deleted or whose creation failed", () => {
    notApplicableWhileDeleting(rule, cluster({ version: "1.34", supportType: "EXTENDED" }), policy());
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, cluster({ version: "1.34", supportType: "EXTENDED" }), policy());
  });
});
