import { describe, expect, it } from "vitest";
import { rule } from "../../src/rules/endpoint-private-access.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy, publicEndpoint, sharedCluster } from "./helpers.ts";

function run(snapshot: ReturnType<typeof cluster>) {
  return only(rule.evaluate(snapshot, policy(), context()), rule, snapshot);
}

describe("endpoint-private-access", () => {
  it("passes clusters with the private endpoint on, public or not", () => {
    expect(run(sharedCluster("DescribeCluster.private-only.json"))).toMatchObject({
      status: "PASS",
      severity: "HIGH",
      message: "EKS cluster c7n-test-eks-cluster (us-east-1) has its private API endpoint turned on.",
      evidence: { privateAccess: true, publicAccess: false },
    });
    expect(run(sharedCluster("DescribeCluster.public-and-private.active.json")).status).toBe("PASS");
  });

  it("is HIGH when the private endpoint is off, because node traffic to the API leaves the VPC", () => {
    const finding = run(sharedCluster("DescribeCluster.public-only.open-world.json"));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "HIGH",
      message: "EKS cluster pod2-9756 (us-east-1) has its private API endpoint turned off, so node and in-VPC traffic to the Kubernetes API leaves the VPC.",
      evidence: { privateAccess: false, publicAccess: true, defaulted: { privateAccess: false, publicAccess: false } },
      remediation: { command: "aws eks update-cluster-config --region us-east-1 --name pod2-9756 --resources-vpc-config endpointPrivateAccess=true" },
    });
  });

  it("says when the private setting is AWS's default for a record without endpoint fields", () => {
    const finding = run(sharedCluster("DescribeCluster.2018-no-endpoint-fields.json"));
    expect(finding).toMatchObject({ status: "FAIL", severity: "HIGH", evidence: { defaulted: { privateAccess: true, publicAccess: true } } });
    expect(finding.message).toContain("no endpointPrivateAccess field, which AWS treats as off");
  });

  it("gives the rule-level remediation with the cluster filled in", () => {
    expect(rule.remediation(cluster()).command).toBe("aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPrivateAccess=true");
  });

  it("is NOT_APPLICABLE for a cluster being deleted or whose creation failed", () => {
    notApplicableWhileDeleting(rule, cluster({ endpoint: publicEndpoint(["0.0.0.0/0"], false) }), policy());
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, cluster({ endpoint: publicEndpoint(["203.0.113.0/24"], false) }), policy());
  });
});
