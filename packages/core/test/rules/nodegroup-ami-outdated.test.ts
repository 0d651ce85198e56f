import { describe, expect, it } from "vitest";
import type { AmiReleases, NodegroupSnapshot } from "../../src/model.ts";
import { rule } from "../../src/rules/nodegroup-ami-outdated.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy } from "./helpers.ts";

const AL2023 = "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/release_version";
const BOTTLEROCKET = "/aws/service/bottlerocket/aws-k8s-1.34/x86_64/latest/image_version";
const RELEASES: AmiReleases = { [AL2023]: "1.34.7-20261112", [BOTTLEROCKET]: "1.51.2-4f8e2a1c" };

const al2023 = (name: string, releaseVersion?: string): NodegroupSnapshot => ({ name, version: "1.34", amiType: "AL2023_x86_64_STANDARD", ...(releaseVersion && { releaseVersion }) });
const bottlerocket = (name: string, releaseVersion: string): NodegroupSnapshot => ({ name, version: "1.34", amiType: "BOTTLEROCKET_x86_64", releaseVersion });

/** `amiReleases` null: not read. */
function run(nodegroups: readonly NodegroupSnapshot[] | undefined, amiReleases: AmiReleases | null = RELEASES) {
  const snapshot = cluster(nodegroups ? { nodegroups } : {});
  return only(rule.evaluate(snapshot, policy(), context(amiReleases ? { amiReleases } : {})), rule, snapshot);
}

describe("nodegroup-ami-outdated", () => {
  it("passes node groups on the latest release of their AMI type", () => {
    expect(run([al2023("general", "1.34.7-20261112"), bottlerocket("br", "1.51.2-4f8e2a1c")])).toMatchObject({
      status: "PASS",
      severity: "MEDIUM",
      message: "EKS cluster payments-prod (eu-west-1) has 2 managed node groups checked, all on the latest AMI release.",
    });
  });

  it.each([
    ["1.34.7-20261020", "LOW", 23],
    ["1.34.6-20260901", "MEDIUM", 72],
    ["1.34.1-20260601", "HIGH", 164],
  ] as const)("an AL2023 release %s is %s (%i days older than the latest)", (release, severity, days) => {
    const finding = run([al2023("general", release)]);
    expect(finding).toMatchObject({ status: "FAIL", severity, evidence: { items: [{ nodegroup: "general", days, latestReleaseDate: "2026-11-12", latestReleaseVersion: "1.34.7-20261112", parameter: AL2023 }] } });
    expect(finding.message).toContain(`general (${release}, built `);
    expect(finding.message).toContain(`${days} days older than the latest 1.34.7-20261112 of 2026-11-12`);
    expect(finding.remediation.command).toBe("aws eks update-nodegroup-version --region eu-west-1 --cluster-name payments-prod --nodegroup-name general");
  });

  it.each([
    ["1.51.0-aaaa", "LOW", "2 patch releases behind"],
    ["1.50.3-aaaa", "MEDIUM", "1 minor version behind"],
    ["1.48.0-aaaa", "HIGH", "3 minor versions behind"],
    ["0.9.0-aaaa", "HIGH", "1 major version behind"],
  ] as const)("a Bottlerocket release %s is %s", (release, severity, distance) => {
    expect(run([bottlerocket("br", release)])).toMatchObject({
      status: "FAIL",
      severity,
      message: `EKS cluster payments-prod (eu-west-1) has managed node groups behind the latest AMI release: br (${release}, ${distance} the latest 1.51.2-4f8e2a1c).`,
    });
  });

  it("is NOT_APPLICABLE, never PASS, for custom and Windows AMIs, and without node groups", () => {
    const custom: NodegroupSnapshot = { name: "custom", version: "1.34", amiType: "CUSTOM", launchTemplate: { id: "lt-0abc", version: "3" } };
    const windows: NodegroupSnapshot = { name: "win", version: "1.34", amiType: "WINDOWS_FULL_2022_x86_64" };
    const finding = run([custom, windows]);
    expect(finding).toMatchObject({ status: "NOT_APPLICABLE", evidence: { items: [{ nodegroup: "custom", state: "not-applicable" }, { nodegroup: "win", state: "not-applicable" }] } });
    expect(finding.message).toContain("custom (it runs a custom AMI from its launch template, whose releases its owner tracks, not AWS)");
    expect(run([])).toMatchObject({ status: "NOT_APPLICABLE", message: "EKS cluster payments-prod (eu-west-1) has no managed node groups." });
    // Without node groups nothing needs the releases.
    expect(run([], null)).toMatchObject({ status: "NOT_APPLICABLE" });
    // A custom group beside a current one: the current one passes, the custom one is listed as not applicable.
    expect(run([custom, al2023("general", "1.34.7-20261112")])).toMatchObject({ status: "PASS", evidence: { items: [{ state: "not-applicable" }, { state: "current" }] } });
    notApplicableWhileDeleting(rule, cluster({ nodegroups: [al2023("general", "1.34.1-20260601")] }), policy(), context({ amiReleases: RELEASES }));
  });

  it("is ERROR, never PASS, when a release cannot be known or compared", () => {
    expect(run(undefined)).toMatchObject({ status: "ERROR", evidence: { nodegroups: "unavailable" } });
    expect(run([al2023("general", "1.34.7-20261112")], null)).toMatchObject({ status: "ERROR", evidence: { amiReleases: "unavailable" } });
    const cases: [NodegroupSnapshot, AmiReleases, string][] = [
      [al2023("general", "1.34.7-20261112"), {}, `the latest release (${AL2023}) was not read`],
      [al2023("general", "1.34.7-20261112"), { [AL2023]: null }, `AWS publishes no ${AL2023}`],
      [al2023("general"), RELEASES, "its record has no AMI release version"],
      [al2023("general", "custom-build"), RELEASES, '"custom-build" is not an EKS-optimised AMI release'],
      [{ name: "general", version: "1.34", amiType: "AL2023_x86_64_FUTURE", releaseVersion: "1.34.7-20261112" }, RELEASES, "EKS Warden knows no release parameter for its AMI type AL2023_x86_64_FUTURE"],
    ];
    for (const [group, releases, reason] of cases) {
      const finding = run([group], releases);
      expect(finding.status, reason).toBe("ERROR");
      expect(finding.message).toContain(reason);
    }
    // A group behind is a FAIL even when another cannot be compared.
    expect(run([al2023("a", "1.34.1-20260601"), al2023("b")])).toMatchObject({ status: "FAIL", severity: "HIGH" });
  });

  it("has a default remediation naming a placeholder group", () => {
    expect(rule.remediation(cluster()).command).toBe("aws eks update-nodegroup-version --region eu-west-1 --cluster-name payments-prod --nodegroup-name '<nodegroup-name>'");
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, cluster({ nodegroups: [al2023("general", "1.34.1-20260601")] }), policy(), context({ amiReleases: RELEASES }));
  });
});
