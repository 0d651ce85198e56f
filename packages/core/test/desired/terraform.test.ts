// Terraform plan JSON -> declared clusters, and those judged as scan would judge them once applied.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parsePolicy, rules } from "../../src/index.ts";
import { checkDesiredCluster, judgesDesiredState, readDesiredState, type DesiredCluster } from "../../src/desired/index.ts";

const PLAN = fileURLToPath(new URL("../fixtures/desired/terraform-plan.json", import.meta.url));
const state = readDesiredState(PLAN, readFileSync(PLAN, "utf8"));
const byName = (name: string): DesiredCluster => state.clusters.find((cluster) => cluster.name === name)!;
const judge = (cluster: DesiredCluster) =>
  checkDesiredCluster(cluster, { identity: { account: "000000000000", region: "us-east-1" }, policy: parsePolicy(undefined), context: { now: new Date("2026-12-07T00:00:00Z") }, rules: rules.filter(judgesDesiredState) });
const finding = (cluster: DesiredCluster, ruleId: string) => judge(cluster).findings.find((each) => each.ruleId === ruleId)!;

describe("Terraform plan JSON", () => {
  it("reads aws_eks_cluster from the root module and nested child modules, with the address and line of each", () => {
    expect(state.format).toBe("terraform-plan");
    expect(state.clusters.map((cluster) => [cluster.name, cluster.source.resource])).toEqual([
      ["platform-prod", "aws_eks_cluster.platform"],
      ["web-public", "module.web.aws_eks_cluster.this"],
      ["edge-gateway", "module.web.module.edge.aws_eks_cluster.this"],
    ]);
    const lines = readFileSync(PLAN, "utf8").split("\n");
    for (const cluster of state.clusters) expect(lines[cluster.source.line - 1]).toContain("{");
    expect(lines[byName("web-public").source.line]).toContain('"address": "module.web.aws_eks_cluster.this"');
    // The provider's constant region is the clusters' region.
    expect(byName("platform-prod").region).toBe("eu-west-1");
  });

  it("takes the declared settings as written and leaves what the configuration omits to AWS's defaults", () => {
    const platform = byName("platform-prod");
    expect(platform.endpoint).toEqual({ publicAccess: false, privateAccess: true });
    expect(platform.enabledLogTypes).toEqual(["api", "audit", "authenticator"]);
    expect(platform.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
    expect(platform.supportType).toBe("STANDARD");
    // public_access_cidrs is computed by the provider and "known after apply" in the plan, but the configuration does
    // not set it: that is AWS's default (0.0.0.0/0 when public), not an unknown.
    const web = byName("web-public");
    expect(web.unknown).toEqual([]);
    expect(judge(web).snapshot.endpoint).toEqual({
      publicAccess: true,
      privateAccess: false,
      publicAccessCidrs: ["0.0.0.0/0"],
      defaulted: { publicAccess: false, privateAccess: false, publicAccessCidrs: true },
    });
  });

  it("joins access entries and policy associations to their cluster, also when cluster_name and principal_arn are known only after apply", () => {
    const entries = byName("platform-prod").accessEntries;
    // aws_eks_access_entry.admins names the cluster by aws_eks_cluster.platform.id (known after apply): the configuration's reference resolves it.
    expect(entries[0]).toMatchObject({
      principalArn: "arn:aws:iam::123456789012:role/platform-admins",
      accessPolicies: [{ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster", namespaces: [] } }],
    });
    // aws_eks_access_entry.ci's principal is a role created in the same plan; its association refers to the entry.
    expect(entries[1]).toMatchObject({
      principalArn: "(known after apply: aws_iam_role.ci)",
      kubernetesGroups: ["deployers"],
      accessPolicies: [{ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope: { type: "namespace", namespaces: ["apps"] } }],
    });
    expect(byName("platform-prod").unknown.map((value) => value.field)).toEqual(["accessEntries"]);
    expect(judge(byName("platform-prod")).snapshot.accessEntries).toHaveLength(2);
  });

  it("judges a configured value known only after apply as unknown, never PASS, saying what AWS does by default", () => {
    const edge = byName("edge-gateway");
    expect(edge.unknown).toEqual([expect.objectContaining({ field: "publicAccessCidrs", why: "vpc_config.public_access_cidrs is known after apply" })]);
    // The line is after_unknown's, in the resource change of that cluster.
    const lines = readFileSync(PLAN, "utf8").split("\n");
    expect(lines[edge.unknown[0]!.line - 1]).toContain('"public_access_cidrs": true');
    expect(lines.slice(0, edge.unknown[0]!.line).reverse().find((line) => line.includes('"address"'))).toContain("module.web.module.edge.aws_eks_cluster.this");
    const result = finding(edge, "endpoint-public-access");
    expect(result.status).toBe("ERROR");
    expect(result.severity).toBe("CRITICAL");
    expect(result.message).toContain("vpc_config.public_access_cidrs is known after apply");
    expect(result.message).toContain("EKS opens a public endpoint to 0.0.0.0/0 when no publicAccessCidrs are set, which gives FAIL CRITICAL");
    expect(result.evidence["verdictWithAwsDefaults"]).toEqual({ status: "FAIL", severity: "CRITICAL" });
    // A rule the unknown value does not touch keeps its verdict.
    expect(finding(edge, "endpoint-private-access").status).toBe("PASS");
    expect(finding(edge, "control-plane-audit-logging").status).toBe("PASS");
  });

  it("gives the same verdicts as the live rules, with the fix in HCL beside the AWS CLI command", () => {
    const web = byName("web-public");
    const open = finding(web, "endpoint-public-access");
    expect([open.status, open.severity]).toEqual(["FAIL", "CRITICAL"]);
    expect(open.remediation.command).toBe("aws eks update-cluster-config --region eu-west-1 --name web-public --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true");
    expect(open.remediation.inFile?.change).toBe("vpc_config {\n  endpoint_public_access = false\n  endpoint_private_access = true\n}");
    expect(open.remediation.inFile?.line).toBe(readFileSync(PLAN, "utf8").split("\n").findIndex((line, index) => index > web.source.line && line.includes('"endpoint_public_access"')) + 1);
    const logging = finding(web, "control-plane-audit-logging");
    expect([logging.status, logging.severity, logging.remediation.inFile?.change]).toEqual(["FAIL", "MEDIUM", 'enabled_cluster_log_types = ["audit"]']);
    expect(finding(byName("platform-prod"), "endpoint-public-access").status).toBe("PASS");
  });
});
