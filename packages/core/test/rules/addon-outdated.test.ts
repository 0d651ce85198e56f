import { describe, expect, it } from "vitest";
import type { AddonSnapshot, AddonVersionInfo } from "../../src/model.ts";
import { rule } from "../../src/rules/addon-outdated.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy } from "./helpers.ts";

const CATALOGUE: AddonVersionInfo[] = [
  { addonName: "vpc-cni", kubernetesVersion: "1.34", defaultVersion: "v1.20.4-eksbuild.1", compatibleVersions: ["v1.20.5-eksbuild.1", "v1.20.4-eksbuild.1", "v1.20.4-eksbuild.0", "v1.20.1-eksbuild.1", "custom"] },
  { addonName: "coredns", kubernetesVersion: "1.34", compatibleVersions: ["v1.12.4-eksbuild.1"] },
  { addonName: "kube-proxy", kubernetesVersion: "1.34", defaultVersion: "v1.34.1-eksbuild.3", compatibleVersions: ["v1.34.1-eksbuild.3"] },
  { addonName: "retired", kubernetesVersion: "1.34", compatibleVersions: [] },
];
const addon = (name: string, version: string, healthIssues: AddonSnapshot["healthIssues"] = []): AddonSnapshot => ({ name, version, status: "ACTIVE", healthIssues });

/** `catalogue` null: not read; `version` null: the record has none. */
function run(addons: readonly AddonSnapshot[] | undefined, catalogue: readonly AddonVersionInfo[] | null = CATALOGUE, version: string | null = "1.34") {
  const snapshot = cluster({ version: version ?? undefined, ...(addons && { addons }) });
  return only(rule.evaluate(snapshot, policy(), context(catalogue ? { addonVersions: catalogue } : {})), rule, snapshot);
}

describe("addon-outdated", () => {
  it("passes add-ons on the default version or newer, and compatible ones without a default; health issues are told", () => {
    const finding = run([addon("vpc-cni", "v1.20.5-eksbuild.1"), addon("coredns", "v1.12.4-eksbuild.1", [{ code: "InsufficientNumberOfReplicas", message: "Not enough replicas. See the pods." }])]);
    expect(finding).toMatchObject({
      status: "PASS",
      severity: "LOW",
      message:
        "EKS cluster payments-prod (eu-west-1) has 2 EKS add-ons on the default version for Kubernetes 1.34 or newer: vpc-cni (v1.20.5-eksbuild.1), coredns (v1.12.4-eksbuild.1; 1 health issue: InsufficientNumberOfReplicas: Not enough replicas; See the pods).",
      evidence: { kubernetesVersion: "1.34", items: [{ addon: "vpc-cni", compatible: true, defaultVersion: "v1.20.4-eksbuild.1" }, { addon: "coredns", healthIssues: [{ code: "InsufficientNumberOfReplicas" }] }] },
    });
  });

  it("is LOW for a compatible version behind the default, comparing eksbuild numbers too", () => {
    for (const version of ["v1.20.1-eksbuild.1", "v1.20.4-eksbuild.0", "custom"]) {
      const finding = run([addon("vpc-cni", version)]);
      expect(finding, version).toMatchObject({ status: "FAIL", severity: "LOW", message: `EKS cluster payments-prod (eu-west-1) has EKS add-ons behind the default version for Kubernetes 1.34: vpc-cni (${version}, behind the default v1.20.4-eksbuild.1).` });
      expect(finding.remediation.command).toBe("aws eks update-addon --region eu-west-1 --cluster-name payments-prod --addon-name vpc-cni --addon-version v1.20.4-eksbuild.1 --resolve-conflicts PRESERVE");
    }
  });

  it("is HIGH for a version not compatible with the cluster's Kubernetes version, naming the version to move to", () => {
    const finding = run([addon("kube-proxy", "v1.31.2-eksbuild.1", [{ message: "degraded" }]), addon("vpc-cni", "v1.20.1-eksbuild.1")]);
    expect(finding).toMatchObject({ status: "FAIL", severity: "HIGH" });
    expect(finding.message).toContain("kube-proxy (v1.31.2-eksbuild.1, not compatible with Kubernetes 1.34, default v1.34.1-eksbuild.3; 1 health issue: degraded)");
    expect(finding.remediation.command).toContain("--addon-name kube-proxy --addon-version v1.34.1-eksbuild.3 ");
    expect(run([addon("coredns", "v1.11.0-eksbuild.1")]).message).toContain("not compatible with Kubernetes 1.34, default v1.12.4-eksbuild.1)");
    const none = run([addon("retired", "v1.0.0-eksbuild.1")]);
    expect(none.message).toContain("retired (v1.0.0-eksbuild.1, not compatible with Kubernetes 1.34)");
    expect(none.remediation.command).toContain("--addon-version '<default-version>'");
  });

  it("is ERROR, never PASS, when the add-ons, the catalogue or the version are missing, or EKS lists no version of an add-on", () => {
    expect(run(undefined)).toMatchObject({ status: "ERROR", evidence: { addons: "unavailable" } });
    expect(run([addon("vpc-cni", "v1.20.4-eksbuild.1")], null)).toMatchObject({ status: "ERROR", evidence: { addonVersions: "unavailable" } });
    expect(run([addon("vpc-cni", "v1.20.4-eksbuild.1")], CATALOGUE, null)).toMatchObject({ status: "ERROR", message: "EKS cluster payments-prod (eu-west-1) could not be checked because its record has no Kubernetes version." });
    expect(run([addon("vpc-cni", "v1.20.4-eksbuild.1"), addon("third-party", "v2.0.0")])).toMatchObject({
      status: "ERROR",
      message: "EKS cluster payments-prod (eu-west-1) could not be checked because EKS lists no versions for these add-ons: third-party (v2.0.0, which EKS lists no versions of for Kubernetes 1.34).",
    });
  });

  it("is NOT_APPLICABLE without add-ons (even without the catalogue), and for a cluster being deleted", () => {
    expect(run([])).toMatchObject({ status: "NOT_APPLICABLE", message: "EKS cluster payments-prod (eu-west-1) has no EKS add-ons." });
    expect(run([], null)).toMatchObject({ status: "NOT_APPLICABLE" });
    notApplicableWhileDeleting(rule, cluster({ addons: [addon("vpc-cni", "v1.20.1-eksbuild.1")] }), policy(), context({ addonVersions: CATALOGUE }));
  });

  it("has a default remediation with placeholders", () => {
    expect(rule.remediation(cluster()).command).toBe("aws eks update-addon --region eu-west-1 --cluster-name payments-prod --addon-name '<addon-name>' --addon-version '<default-version>' --resolve-conflicts PRESERVE");
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, cluster({ addons: [addon("vpc-cni", "v1.20.1-eksbuild.1")] }), policy(), context({ addonVersions: CATALOGUE }));
  });
});
