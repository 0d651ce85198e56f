// CloudFormation (JSON, YAML with short tags, CDK output) and eksctl configs -> declared clusters; and what each
// format's reader says about a file it cannot read: the file, the line and column, and what was expected.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parsePolicy, rules } from "../../src/index.ts";
import { checkDesiredCluster, DesiredStateError, judgesDesiredState, readDesiredState, type DesiredCluster } from "../../src/desired/index.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/desired/${name}`, import.meta.url));
const read = (name: string) => readDesiredState(name, readFileSync(fixture(name), "utf8"));
const judge = (cluster: DesiredCluster) =>
  checkDesiredCluster(cluster, { identity: { account: "000000000000", region: "eu-west-1" }, policy: parsePolicy(undefined), context: { now: new Date("2026-06-01T00:00:00Z") }, rules: rules.filter(judgesDesiredState) });
const verdict = (cluster: DesiredCluster, ruleId: string) => {
  const found = judge(cluster).findings.find((finding) => finding.ruleId === ruleId)!;
  return [found.status, found.severity];
};

function readError(file: string, text: string): DesiredStateError {
  try {
    readDesiredState(file, text);
  } catch (error) {
    if (error instanceof DesiredStateError) return error;
    throw error;
  }
  throw new Error(`${file} was read without an error`);
}

describe("CloudFormation", () => {
  it("reads a YAML template with !Ref, !Sub and !GetAtt: parameters through their defaults, a Ref to the cluster as its name", () => {
    const state = read("cloudformation.yaml");
    expect(state.format).toBe("cloudformation");
    const [payments, vendor, analytics] = state.clusters as [DesiredCluster, DesiredCluster, DesiredCluster];
    expect(payments).toMatchObject({ name: "payments-prod", version: "1.33", source: { resource: "PaymentsCluster", line: 36 } });
    // EndpointPublicAccess: !Ref PublicEndpoint, a String parameter whose default is "false".
    expect(payments.endpoint).toEqual({ publicAccess: false, privateAccess: true });
    expect(payments.enabledLogTypes).toEqual(["api", "audit"]);
    expect(payments.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
    // PrincipalArn: !Sub ...${AWS::AccountId}... is known only at deployment.
    expect(payments.accessEntries.map((entry) => entry.principalArn)).toEqual([expect.stringContaining("unknown until deployment"), "arn:aws:iam::123456789012:role/auditors"]);
    expect(payments.accessEntries[1]!.accessPolicies).toEqual([{ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope: { type: "namespace", namespaces: ["payments", "billing"] } }]);
    // PublicAccessCidrs: !Ref OfficeCidrs, a CommaDelimitedList default.
    expect(vendor.endpoint.publicAccessCidrs).toEqual(["203.0.113.0/24", "198.51.100.0/24"]);
    expect(verdict(vendor, "endpoint-public-access")).toEqual(["FAIL", "HIGH"]);
    // !ImportValue cannot be resolved from the template: the endpoint verdict is unknown, not PASS.
    expect(analytics.unknown).toEqual([expect.objectContaining({ field: "publicAccessCidrs", why: expect.stringContaining("!ImportValue shared-network-EgressCidr") })]);
    expect(verdict(analytics, "endpoint-public-access")).toEqual(["ERROR", "CRITICAL"]);
  });

  it("reads a JSON template with long-form intrinsics (Fn::Sub, Fn::Join, Ref) and gives the fix in CloudFormation's terms", () => {
    const [payments, web] = read("cloudformation.json").clusters as [DesiredCluster, DesiredCluster];
    expect(payments.name).toBe("payments-prod");
    expect(payments.accessEntries).toHaveLength(1);
    expect(web.name).toBe("web-prod");
    const open = judge(web).findings.find((finding) => finding.ruleId === "endpoint-public-access")!;
    expect([open.status, open.severity]).toEqual(["FAIL", "CRITICAL"]);
    expect(open.remediation.inFile?.change).toContain("EndpointPublicAccess: false");
  });

  it("reads what `cdk synth` writes (hashed logical ids, aws:cdk:path metadata, the bootstrap parameter)", () => {
    const [platform] = read("PlatformStack.template.json").clusters as [DesiredCluster];
    expect(platform).toMatchObject({ name: "cdk-platform", version: "1.32", source: { resource: "PlatformCluster" } });
    expect(platform.endpoint).toEqual({ publicAccess: true, privateAccess: true, publicAccessCidrs: ["203.0.113.0/24"] });
    expect(platform.accessEntries[0]!.principalArn).toContain("!GetAtt BreakGlassRole1A2B3C4D.Arn");
    expect(verdict(platform, "endpoint-public-access")).toEqual(["FAIL", "HIGH"]);
  });
});

describe("eksctl", () => {
  it("reads vpc.clusterEndpoints, metadata.version and region, cloudWatch.clusterLogging and accessConfig with its entries", () => {
    const [cluster] = read("eksctl-private.yaml").clusters as [DesiredCluster];
    expect(cluster).toMatchObject({ name: "payments-prod", region: "eu-west-1", version: "1.33", endpoint: { publicAccess: false, privateAccess: true }, enabledLogTypes: ["api", "audit"] });
    expect(cluster.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
    expect(cluster.accessEntries.map((entry) => [entry.principalArn, entry.accessPolicies.map((policy) => policy.accessScope.type)])).toEqual([
      ["arn:aws:iam::123456789012:role/platform-admins", ["cluster"]],
      ["arn:aws:iam::123456789012:role/auditors", ["namespace"]],
    ]);
    expect(verdict(cluster, "endpoint-public-access")).toEqual(["PASS", "CRITICAL"]);
  });

  it("applies AWS's defaults to omitted endpoint settings, eksctl's own to an omitted authentication mode, and * for every log type", () => {
    const [cluster] = read("eksctl-public.yaml").clusters as [DesiredCluster];
    expect(cluster.accessConfig).toEqual({ authenticationMode: "API_AND_CONFIG_MAP" });
    expect(judge(cluster).snapshot.logging.enabledTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    // 0.0.0.0/1 is half the internet: CRITICAL, as live.
    const open = judge(cluster).findings.find((finding) => finding.ruleId === "endpoint-public-access")!;
    expect([open.status, open.severity]).toEqual(["FAIL", "CRITICAL"]);
    expect(open.remediation.inFile?.change).toBe("vpc.clusterEndpoints.publicAccess: false\nvpc.clusterEndpoints.privateAccess: true");
  });
});

describe("files that cannot be read", () => {
  it("a file in none of the formats says what each format is recognised by", () => {
    const error = readError("notes.yaml", "title: release notes\nitems: [a, b]\n");
    expect(error.message).toMatch(/^notes\.yaml:1:1: none of the formats eks-warden check reads: got an object with keys "title", "items"; expected a Terraform plan/);
  });

  it("Terraform source (HCL) is named as such, with the commands that make a plan", () => {
    expect(readError("main.tf", 'resource "aws_eks_cluster" "x" {\n  name = "x"\n}\n').message).toContain("terraform show -json plan.out > plan.json");
  });

  it("malformed JSON names the file, line and column", () => {
    const error = readError("plan.json", '{\n  "format_version": "1.2",\n  "planned_values": {\n    "root_module": { "resources": [ }\n  }\n}\n');
    expect(error.message).toMatch(/^plan\.json:4:\d+: not valid JSON or YAML: /);
    expect(error.position?.line).toBe(4);
  });

  it("malformed YAML names the file, line and column", () => {
    const error = readError("cluster.yaml", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: [unclosed\n  region: eu-west-1\n");
    expect(error.message).toMatch(/^cluster\.yaml:\d+:\d+: not valid JSON or YAML: /);
    expect(error.position?.line).toBeGreaterThanOrEqual(4);
  });

  it("a plan without planned_values (a state file) says what to run instead", () => {
    const error = readError("state.json", JSON.stringify({ format_version: "1.0", terraform_version: "1.9.8", values: { root_module: {} } }));
    expect(error.message).toBe(
      "state.json:1:1: a Terraform plan without planned_values (this is `terraform show -json` of a state, which has `values`; run `terraform plan -out plan.out` and `terraform show -json plan.out`); expected the output of `terraform show -json PLANFILE`",
    );
  });

  it("an unknown CloudFormation tag is named at its line and column", () => {
    const error = readError("stack.yaml", "Resources:\n  Cluster:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: !Reff cluster\n");
    expect(error.message).toMatch(/^stack\.yaml:5:\d+: unknown tag !Reff; expected one of CloudFormation's short intrinsic tags \(!Ref, /);
  });

  it("a wrongly typed setting names the resource, the setting and its line", () => {
    const error = readError("stack.yaml", "Resources:\n  Cluster:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: x\n      ResourcesVpcConfig:\n        EndpointPublicAccess: maybe\n");
    expect(error.message).toBe('stack.yaml:7:9: Cluster.EndpointPublicAccess: expected true or false, got "maybe"');
  });
});
