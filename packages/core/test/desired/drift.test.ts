// Drift (`eks-warden check --against-live`): a live cluster that differs from the file declaring it. Pure: the live
// snapshot is built here as the collector would build it, so each setting's comparison is seen on its own.
import { describe, expect, it } from "vitest";
import { desiredSnapshot, DRIFT_RULE_ID, driftFindings, type DesiredCluster } from "../../src/desired/index.ts";
import type { ClusterSnapshot } from "../../src/model.ts";

const identity = { account: "111122223333", region: "eu-west-1" };
const adminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const viewPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

function declared(overrides: Partial<DesiredCluster> = {}): DesiredCluster {
  return {
    name: "payments-prod",
    source: { file: "plans/prod.json", format: "terraform-plan", resource: "aws_eks_cluster.payments", line: 12, column: 5 },
    version: "1.33",
    endpoint: { publicAccess: false, privateAccess: true },
    enabledLogTypes: ["audit", "api"],
    accessConfig: { authenticationMode: "API" },
    accessEntries: [],
    tags: {},
    unknown: [],
    declaredAt: { endpointPublicAccess: { line: 20, column: 9 }, version: { line: 14, column: 7 }, logging: { line: 30, column: 3 } },
    ...overrides,
  };
}

/** The live cluster: the declared one as deployed, then changed outside Git by `change`. */
function live(cluster: DesiredCluster, change: (snapshot: ClusterSnapshot) => ClusterSnapshot = (snapshot) => snapshot): ClusterSnapshot {
  return change(desiredSnapshot(cluster, identity));
}

const drift = (cluster: DesiredCluster, change?: (snapshot: ClusterSnapshot) => ClusterSnapshot) => driftFindings(cluster, desiredSnapshot(cluster, identity), live(cluster, change));

describe("drift between a declared cluster and the live one", () => {
  it("a live cluster as declared gets one PASS naming the file and line that declare it", () => {
    const findings = drift(declared());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: DRIFT_RULE_ID, status: "PASS", evidence: { file: "plans/prod.json", line: 12, resource: "aws_eks_cluster.payments" } });
    expect(findings[0]!.message).toContain("plans/prod.json:12");
  });

  it("a public endpoint opened outside Git is a HIGH FAIL at the line that declares it, with the command that puts it back", () => {
    const [finding, ...rest] = drift(declared(), (snapshot) => ({ ...snapshot, endpoint: { ...snapshot.endpoint, publicAccess: true } }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "HIGH",
      evidence: { setting: "endpointPublicAccess", desired: false, live: true, line: 20, column: 9 },
      remediation: { command: "aws eks update-cluster-config --region eu-west-1 --name payments-prod --resources-vpc-config endpointPublicAccess=false" },
    });
    expect(finding!.message).toBe("EKS cluster payments-prod (eu-west-1) has endpointPublicAccess true live, but plans/prod.json:20 declares false: changed outside Git, or not applied yet.");
  });

  it("compares CIDR lists as sets, and points an undeclared CIDR list at the public access line it follows from", () => {
    const cluster = declared({ endpoint: { publicAccess: true, privateAccess: true, publicAccessCidrs: ["203.0.113.0/24", "198.51.100.0/24"] } });
    expect(drift(cluster, (snapshot) => ({ ...snapshot, endpoint: { ...snapshot.endpoint, publicAccessCidrs: ["198.51.100.0/24", "203.0.113.0/24"] } }))[0]!.status).toBe("PASS");
    const [widened] = drift(cluster, (snapshot) => ({ ...snapshot, endpoint: { ...snapshot.endpoint, publicAccessCidrs: ["0.0.0.0/0"] } }));
    expect(widened).toMatchObject({ status: "FAIL", evidence: { setting: "publicAccessCidrs", desired: ["198.51.100.0/24", "203.0.113.0/24"], live: ["0.0.0.0/0"], line: 20 } });
    expect(widened!.remediation.command).toContain("--resources-vpc-config publicAccessCidrs=203.0.113.0/24,198.51.100.0/24");
  });

  it("a setting declared nowhere in particular is reported at the cluster's own line", () => {
    const [finding] = drift(declared(), (snapshot) => ({ ...snapshot, endpoint: { ...snapshot.endpoint, privateAccess: false } }));
    expect(finding).toMatchObject({ evidence: { setting: "endpointPrivateAccess", line: 12, column: 5 } });
  });

  it("a version upgraded or rolled outside Git gives the update-cluster-version command; logging drift is MEDIUM", () => {
    const findings = drift(declared(), (snapshot) => ({ ...snapshot, version: "1.34", logging: { ...snapshot.logging, enabledTypes: ["api"] } }));
    const byName = Object.fromEntries(findings.map((finding) => [finding.evidence.setting, finding]));
    expect(Object.keys(byName).sort()).toEqual(["logging (enabled types)", "version"]);
    expect(byName.version).toMatchObject({ severity: "MEDIUM", evidence: { desired: "1.33", live: "1.34", line: 14 } });
    expect(byName.version!.remediation.command).toBe("aws eks update-cluster-version --region eu-west-1 --name payments-prod --kubernetes-version 1.33");
    expect(byName["logging (enabled types)"]).toMatchObject({ severity: "MEDIUM", evidence: { desired: ["api", "audit"], live: ["api"], line: 30 } });
    expect(byName["logging (enabled types)"]!.remediation.command).toContain(`--logging '{"clusterLogging":[{"types":["api","audit"],"enabled":true}]}'`);
  });

  it("the support type and the authentication mode are compared only when the file declares them and the live value was read", () => {
    const extended = (snapshot: ClusterSnapshot): ClusterSnapshot => ({ ...snapshot, supportType: "EXTENDED" });
    expect(drift(declared(), extended)[0]!.status).toBe("PASS");
    const [support] = drift(declared({ supportType: "STANDARD" }), extended);
    expect(support).toMatchObject({ status: "FAIL", severity: "LOW", evidence: { setting: "upgradePolicy.supportType", desired: "STANDARD", live: "EXTENDED" } });
    expect(support!.remediation.command).toContain("--upgrade-policy supportType=STANDARD");

    const [mode] = drift(declared(), (snapshot) => ({ ...snapshot, accessConfig: { authenticationMode: "API_AND_CONFIG_MAP" } }));
    expect(mode).toMatchObject({ status: "FAIL", severity: "HIGH", evidence: { setting: "accessConfig.authenticationMode", desired: "API", live: "API_AND_CONFIG_MAP" } });
    expect(mode!.remediation.command).toContain("--access-config authenticationMode=API");
    const { accessConfig: _unread, ...unreadMode } = live(declared());
    expect(driftFindings(declared(), desiredSnapshot(declared(), identity), unreadMode)[0]!.status).toBe("PASS");
  });

  it("access entries are compared when the file declares some: a grant added outside Git is a HIGH FAIL that lists them", () => {
    const auditors = { principalArn: "arn:aws:iam::111122223333:role/auditors", kubernetesGroups: [], accessPolicies: [{ policyArn: viewPolicy, accessScope: { type: "namespace" as const, namespaces: ["payments", "billing"] } }], line: 40 };
    const cluster = declared({ accessEntries: [auditors] });
    expect(drift(cluster)[0]!.status).toBe("PASS");
    const outsider = { principalArn: "arn:aws:iam::444455556666:role/vendor", kubernetesGroups: [], accessPolicies: [{ policyArn: adminPolicy, accessScope: { type: "cluster" as const, namespaces: [] } }] };
    const [grant] = drift(cluster, (snapshot) => ({ ...snapshot, accessEntries: [...(snapshot.accessEntries ?? []), outsider] }));
    expect(grant).toMatchObject({ status: "FAIL", severity: "HIGH", evidence: { setting: "access entries" } });
    expect(grant!.evidence.live).toEqual([`arn:aws:iam::111122223333:role/auditors ${viewPolicy}@namespace:billing,payments`, `arn:aws:iam::444455556666:role/vendor ${adminPolicy}@cluster`]);
    expect(grant!.remediation.command).toBe("aws eks list-access-entries --region eu-west-1 --cluster-name payments-prod");
    // A file that declares no entries leaves them to another tool: live entries are not drift.
    expect(drift(declared(), (snapshot) => ({ ...snapshot, accessEntries: [outsider] }))[0]!.status).toBe("PASS");
  });

  it("a setting the file leaves unknown until deployment is not drift, whatever its live value", () => {
    const cluster = declared({ unknown: [{ field: "endpointPublicAccess", why: "known after apply", line: 20, column: 9 }] });
    expect(drift(cluster, (snapshot) => ({ ...snapshot, endpoint: { ...snapshot.endpoint, publicAccess: true } }))[0]!.status).toBe("PASS");
  });
});
