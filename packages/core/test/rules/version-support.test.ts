import { describe, expect, it } from "vitest";
import type { ClusterVersionInfo } from "../../src/model.ts";
import { rule } from "../../src/rules/version-support.ts";
import { cluster, context, expectExemptionsApply, NOW, notApplicableWhileDeleting, only, policy, sharedCluster } from "./helpers.ts";

function run(snapshot = cluster(), evaluationContext = context(), activePolicy = policy()) {
  return only(rule.evaluate(snapshot, activePolicy, evaluationContext), rule, snapshot);
}

const at = (iso: string) => context({ now: new Date(iso) });
const catalogueOf = (...versions: ClusterVersionInfo[]) => context({ versions: { versions } });

describe("version-support", () => {
  it("passes a version whose standard support lasts beyond the warning window", () => {
    const finding = run(cluster({ version: "1.34" }), at("2026-06-01T00:00:00Z"));
    expect(finding).toMatchObject({
      status: "PASS",
      severity: "CRITICAL",
      message: "EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.34, in standard support until 2026-12-02.",
      evidence: {
        version: "1.34",
        versionStatus: "STANDARD_SUPPORT",
        catalogueVersionStatus: "STANDARD_SUPPORT",
        endOfStandardSupportDate: "2026-12-02",
        endOfExtendedSupportDate: "2027-12-02",
        daysToEndOfStandardSupport: 184,
        daysToEndOfExtendedSupport: 549,
        warningWindowDays: 90,
      },
    });
  });

  it("is MEDIUM when standard support ends within the warning window", () => {
    const finding = run(cluster({ version: "1.34" }));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "MEDIUM",
      message: "EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.34, whose standard support ends on 2026-12-02 (in 2 days).",
      evidence: { daysToEndOfStandardSupport: 2 },
      remediation: { command: "aws eks update-cluster-version --region eu-west-1 --name payments-prod --kubernetes-version 1.35" },
    });
    expect(run(cluster({ version: "1.34" }), at("2026-11-30T12:00:00Z")).message).toContain("(in 1 day)");
    expect(run(cluster({ version: "1.34" }), at("2026-12-01T12:00:00Z")).message).toContain("(within a day)");
  });

  it("takes the window from the policy", () => {
    expect(run(cluster({ version: "1.34" }), context(), policy({ versions: { warningWindowDays: 2 } })).status).toBe("PASS");
    expect(run(cluster({ version: "1.34" }), context(), policy({ versions: { warningWindowDays: 3 } })).status).toBe("FAIL");
  });

  it("is HIGH in paid extended support", () => {
    const finding = run(cluster({ version: "1.33" }));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "HIGH",
      message: "EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.33 in paid extended support, which ends on 2027-07-29.",
      evidence: { versionStatus: "EXTENDED_SUPPORT", daysToEndOfStandardSupport: -124, daysToEndOfExtendedSupport: 241 },
    });
  });

  it("is CRITICAL once all support has ended (the real 1.25 cluster)", () => {
    const snapshot = sharedCluster("DescribeCluster.private-only.json");
    expect(run(snapshot)).toMatchObject({
      status: "FAIL",
      severity: "CRITICAL",
      message: "EKS cluster c7n-test-eks-cluster (us-east-1) runs Kubernetes 1.25, which is out of all support since 2025-05-01.",
      remediation: { command: "aws eks update-cluster-version --region us-east-1 --name c7n-test-eks-cluster --kubernetes-version 1.26" },
    });
  });

  it("decides from the dates when the catalogue's status is stale", () => {
    // The catalogue says 1.31 is EXTENDED_SUPPORT, but its extended support ended on 2026-11-26.
    const finding = run(cluster({ version: "1.31" }));
    expect(finding).toMatchObject({ severity: "CRITICAL", evidence: { versionStatus: "UNSUPPORTED", catalogueVersionStatus: "EXTENDED_SUPPORT" } });
    // And before that date, the same entry is extended support.
    expect(run(cluster({ version: "1.31" }), at("2026-11-01T00:00:00Z")).severity).toBe("HIGH");
    // A version the catalogue still calls STANDARD_SUPPORT whose standard end has passed is in extended support.
    const stale = catalogueOf({ version: "1.40", status: "STANDARD_SUPPORT", endOfStandardSupportDate: new Date("2026-11-01T00:00:00Z") });
    expect(run(cluster({ version: "1.40" }), stale)).toMatchObject({ severity: "HIGH", message: expect.stringMatching(/in paid extended support\.$/) });
  });

  it("falls back to the catalogue's status where it gives no dates", () => {
    const undated = (status: ClusterVersionInfo["status"]) => catalogueOf({ version: "1.40", status });
    expect(run(cluster({ version: "1.40" }), undated("UNSUPPORTED"))).toMatchObject({
      severity: "CRITICAL",
      message: "EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.40, which is out of all support.",
      evidence: { endOfStandardSupportDate: null, daysToEndOfExtendedSupport: null },
    });
    expect(run(cluster({ version: "1.40" }), undated("EXTENDED_SUPPORT")).severity).toBe("HIGH");
    expect(run(cluster({ version: "1.40" }), undated("STANDARD_SUPPORT"))).toMatchObject({
      status: "PASS",
      message: "EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.40, in standard support.",
    });
    // Standard support over and no extended end date: the catalogue's UNSUPPORTED stands.
    const ended = catalogueOf({ version: "1.40", status: "UNSUPPORTED", endOfStandardSupportDate: new Date("2025-01-01T00:00:00Z") });
    expect(run(cluster({ version: "1.40" }), ended).severity).toBe("CRITICAL");
  });

  it("reports ERROR without a catalogue, naming what is missing", () => {
    const finding = run(cluster(), context({ versions: undefined }));
    expect(finding).toMatchObject({ status: "ERROR", severity: "CRITICAL", evidence: { catalogue: "unavailable", version: "1.34" } });
    expect(finding.message).toBe("EKS cluster payments-prod (eu-west-1) could not be checked because the version catalogue (eks:DescribeClusterVersions) was not available.");
  });

  it("reports ERROR, naming the version, when the catalogue does not list it (the real 1.35 cluster)", () => {
    const snapshot = sharedCluster("DescribeCluster.v1-35.modern-fields.json");
    const finding = run(snapshot);
    expect(finding).toMatchObject({
      status: "ERROR",
      message: "EKS cluster serious-bluegrass-ladybug (us-east-1) runs Kubernetes 1.35, which the version catalogue (eks:DescribeClusterVersions) does not list.",
    });
    expect(finding.evidence.catalogueVersions).toContain("1.34");
  });

  it("judges a version older than the catalogue's oldest entry UNSUPPORTED when that entry is unsupported (the real 1.22 cluster)", () => {
    const finding = run(sharedCluster("DescribeCluster.public-only.open-world.json"));
    expect(finding).toMatchObject({ status: "FAIL", severity: "CRITICAL", evidence: { version: "1.22", versionStatus: "UNSUPPORTED" } });
    expect(finding.message).toContain("1.22");
  });

  it("reports ERROR for a version older than the oldest entry while that entry is still supported: nothing says its support ended", () => {
    const supportedOldest = catalogueOf(
      { version: "1.33", status: "STANDARD_SUPPORT", endOfStandardSupportDate: new Date("2027-07-29T00:00:00Z"), endOfExtendedSupportDate: new Date("2028-07-29T00:00:00Z") },
      { version: "1.34", status: "STANDARD_SUPPORT", endOfStandardSupportDate: new Date("2027-12-02T00:00:00Z"), endOfExtendedSupportDate: new Date("2028-12-02T00:00:00Z") },
    );
    expect(run(cluster({ version: "1.30" }), supportedOldest)).toMatchObject({ status: "ERROR", message: expect.stringContaining("does not list") });
  });

  it("reports ERROR when the cluster has no version, or one that is not major.minor", () => {
    const { version: _omitted, ...withoutVersion } = cluster();
    expect(run(withoutVersion)).toMatchObject({ status: "ERROR", message: expect.stringContaining("has no Kubernetes version"), evidence: { version: null } });
    expect(run(cluster({ version: "latest" }))).toMatchObject({ status: "ERROR", message: expect.stringContaining(`"latest" is not of the form <major>.<minor>`) });
    expect(rule.remediation(withoutVersion).command).toBe("aws eks update-cluster-version --region eu-west-1 --name payments-prod --kubernetes-version <next-minor-version>");
  });

  it("matches a patch-level version to its minor version in the catalogue", () => {
    expect(run(cluster({ version: "1.33.5" })).severity).toBe("HIGH");
  });

  it("is NOT_APPLICABLE for a cluster being deleted or whose creation failed", () => {
    notApplicableWhileDeleting(rule, cluster({ version: "1.28" }), policy());
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expect(NOW.toISOString()).toBe("2026-11-29T12:00:00.000Z");
    expectExemptionsApply(rule, cluster({ version: "1.28" }), policy());
    expectExemptionsApply(rule, cluster({ version: "1.34" }), policy());
  });
});
