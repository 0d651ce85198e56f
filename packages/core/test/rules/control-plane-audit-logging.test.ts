import { describe, expect, it } from "vitest";
import { rule } from "../../src/rules/control-plane-audit-logging.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy, sharedCluster } from "./helpers.ts";

function run(snapshot: ReturnType<typeof cluster>) {
  return only(rule.evaluate(snapshot, policy(), context()), rule, snapshot);
}

describe("control-plane-audit-logging", () => {
  it("passes clusters that send the audit log, whatever else they send", () => {
    expect(run(sharedCluster("DescribeCluster.v1-35.modern-fields.json"))).toMatchObject({
      status: "PASS",
      severity: "MEDIUM",
      message: "EKS cluster serious-bluegrass-ladybug (us-east-1) sends its Kubernetes audit log to CloudWatch Logs.",
    });
    expect(run(sharedCluster("DescribeCluster.2019-no-cidrs.json"))).toMatchObject({
      status: "PASS",
      evidence: { enabledTypes: ["api", "audit"], disabledTypes: ["authenticator", "controllerManager", "scheduler"] },
    });
  });

  it("is MEDIUM when only other log types are on", () => {
    const finding = run(sharedCluster("DescribeCluster.public-only.open-world.json"));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "MEDIUM",
      message: "EKS cluster pod2-9756 (us-east-1) does not send its Kubernetes audit log to CloudWatch Logs.",
      evidence: { enabledTypes: ["api"] },
    });
    expect(finding.evidence.disabledTypes).toContain("audit");
    expect(finding.remediation.command).toBe(
      `aws eks update-cluster-config --region us-east-1 --name pod2-9756 --logging '{"clusterLogging":[{"types":["audit"],"enabled":true}]}'`,
    );
  });

  it("is MEDIUM when no logging is configured at all (a record without the field)", () => {
    expect(run(sharedCluster("DescribeCluster.2018-no-endpoint-fields.json"))).toMatchObject({ status: "FAIL", severity: "MEDIUM", evidence: { enabledTypes: [] } });
  });

  it("gives a remediation command whose --logging argument is the JSON EKS expects", () => {
    const command = rule.remediation(cluster()).command;
    const json = /--logging '(.*)'$/.exec(command)?.[1];
    expect(JSON.parse(json ?? "null")).toEqual({ clusterLogging: [{ types: ["audit"], enabled: true }] });
  });

  it("is NOT_APPLICABLE for a cluster being deleted or whose creation failed", () => {
    notApplicableWhileDeleting(rule, cluster({ logging: { enabledTypes: [], disabledTypes: ["audit"] } }), policy());
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, cluster({ logging: { enabledTypes: ["api"], disabledTypes: ["audit"] } }), policy());
  });
});
