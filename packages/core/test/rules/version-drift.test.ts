import { describe, expect, it } from "vitest";
import type { ClusterVersionInfo } from "../../src/model.ts";
import { rule } from "../../src/rules/version-drift.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy, sharedCluster } from "./helpers.ts";

function run(snapshot = cluster(), evaluationContext = context(), activePolicy = policy()) {
  return only(rule.evaluate(snapshot, activePolicy, evaluationContext), rule, snapshot);
}

const standard = (version: string, extra: Partial<ClusterVersionInfo> = {}): ClusterVersionInfo => ({ version, status: "STANDARD_SUPPORT", ...extra });
const catalogueOf = (...versions: ClusterVersionInfo[]) => context({ versions: { versions } });

describe("version-drift", () => {
  // On 2026-11-29 the newest version in standard support in the shared catalogue is 1.34.
  it("passes the newest version in standard support", () => {
    expect(run(cluster({ version: "1.34" }))).toMatchObject({
      status: "PASS",
      severity: "MEDIUM",
      message: "EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.34, the newest version in standard support or later.",
      evidence: { version: "1.34", newestStandardSupportVersion: "1.34", minorVersionsBehind: 0, allowedMinorVersionsBehind: 1 },
    });
  });

  it("passes a version newer than the catalogue's newest (the real 1.35 cluster)", () => {
    expect(run(sharedCluster("DescribeCluster.v1-35.modern-fields.json"))).toMatchObject({ status: "PASS", evidence: { minorVersionsBehind: 0 } });
  });

  it("passes drift within the allowance", () => {
    expect(run(cluster({ version: "1.33" }))).toMatchObject({
      status: "PASS",
      message: "EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.33, 1 minor version behind 1.34, within the 1 allowed.",
    });
    expect(run(cluster({ version: "1.31" }), context(), policy({ versions: { allowedMinorVersionsBehind: 3 } })).status).toBe("PASS");
  });

  it("is LOW beyond the allowance", () => {
    expect(run(cluster({ version: "1.32" }))).toMatchObject({
      status: "FAIL",
      severity: "LOW",
      message: "EKS cluster payments-prod (eu-west-1) runs Kubernetes 1.32, 2 minor versions behind 1.34, the newest version in standard support (policy allows 1).",
      evidence: { minorVersionsBehind: 2 },
      remediation: { command: "aws eks update-cluster-version --region eu-west-1 --name payments-prod --kubernetes-version 1.33" },
    });
    expect(run(cluster({ version: "1.33" }), context(), policy({ versions: { allowedMinorVersionsBehind: 0 } }))).toMatchObject({ status: "FAIL", severity: "LOW" });
  });

  it("is MEDIUM at three or more minor versions behind", () => {
    expect(run(cluster({ version: "1.31" }))).toMatchObject({ status: "FAIL", severity: "MEDIUM", evidence: { minorVersionsBehind: 3 } });
    const ancient = sharedCluster("DescribeCluster.2018-no-endpoint-fields.json");
    expect(run(ancient)).toMatchObject({ status: "FAIL", severity: "MEDIUM", evidence: { version: "1.10", minorVersionsBehind: 24 } });
  });

  it("follows the clock: once 1.34 leaves standard support, nothing newer is in the catalogue", () => {
    const finding = run(cluster({ version: "1.34" }), context({ now: new Date("2026-12-05T00:00:00Z") }));
    expect(finding).toMatchObject({ status: "ERROR", message: "EKS cluster payments-prod (eu-west-1) could not be checked because the version catalogue lists no version in standard support on 2026-12-05." });
    expect(finding.evidence.catalogueVersions).toContain("1.34");
  });

  it("ignores versions not released yet and entries it cannot read", () => {
    const evaluation = catalogueOf(standard("1.33"), standard("1.36", { releaseDate: new Date("2027-01-01T00:00:00Z") }), standard("next"));
    expect(run(cluster({ version: "1.32" }), evaluation)).toMatchObject({ status: "PASS", evidence: { newestStandardSupportVersion: "1.33", minorVersionsBehind: 1 } });
  });

  it("counts the catalogue's versions in between across a major version", () => {
    const evaluation = catalogueOf(standard("1.34"), standard("2.0"), standard("2.1"), standard("2.1"));
    expect(run(cluster({ version: "1.34" }), evaluation)).toMatchObject({ status: "FAIL", severity: "LOW", evidence: { newestStandardSupportVersion: "2.1", minorVersionsBehind: 2 } });
    expect(run(cluster({ version: "2.1" }), catalogueOf(standard("1.34")))).toMatchObject({ status: "PASS", evidence: { minorVersionsBehind: 0 } });
  });

  it("reports ERROR without a catalogue or a cluster version", () => {
    expect(run(cluster(), context({ versions: undefined }))).toMatchObject({ status: "ERROR", severity: "MEDIUM", evidence: { catalogue: "unavailable" } });
    const { version: _omitted, ...withoutVersion } = cluster();
    expect(run(withoutVersion).status).toBe("ERROR");
    expect(run(withoutVersion, context({ versions: undefined }))).toMatchObject({ status: "ERROR", evidence: { catalogue: "unavailable", version: null } });
  });

  it("is NOT_APPLICABLE for a cluster being deleted or whose creation failed", () => {
    notApplicableWhileDeleting(rule, cluster({ version: "1.30" }), policy());
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, cluster({ version: "1.31" }), policy());
  });
});
