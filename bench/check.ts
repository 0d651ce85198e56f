// `eks-warden check` on one Terraform plan of 200 clusters (each with an access entry and its policy association), as
// a CI job runs it: a fresh `eks-warden` process (bin/eks-warden.js) per run, JSON out. Target: under 2 s. The floors,
// timed in the same runs: `node -e 0` (a Node process) and `eks-warden --version` (the CLI started, no work done).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./stats.ts";

export const CHECK_CLUSTERS = 200;
export const CHECK_TARGET_MS = 2000;
const BIN = fileURLToPath(new URL("../packages/cli/bin/eks-warden.js", import.meta.url));

/** A plan as `terraform show -json` prints it: every fourth cluster public to the world, the others private. */
export function benchPlan(clusters = CHECK_CLUSTERS): string {
  const planned: unknown[] = [];
  const changes: unknown[] = [];
  const configured: unknown[] = [];
  for (let index = 0; index < clusters; index += 1) {
    const name = `cluster-${index}`;
    const open = index % 4 === 0;
    const values = {
      name,
      version: ["1.32", "1.33", "1.34"][index % 3],
      role_arn: "arn:aws:iam::111122223333:role/eks",
      enabled_cluster_log_types: index % 2 === 0 ? ["api", "audit"] : null,
      vpc_config: [{ endpoint_public_access: open, endpoint_private_access: true, subnet_ids: ["subnet-0a1b2c3d4e5f60718", "subnet-0f9e8d7c6b5a40312"] }],
      access_config: [{ authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false }],
    };
    const add = (type: string, id: string, value: Record<string, unknown>, unknown: Record<string, unknown>, expressions: Record<string, unknown>) => {
      const address = `${type}.${id}`;
      planned.push({ address, mode: "managed", type, name: id, provider_name: "registry.terraform.io/hashicorp/aws", schema_version: 0, values: value, sensitive_values: {} });
      changes.push({ address, mode: "managed", type, name: id, change: { actions: ["create"], before: null, after: value, after_unknown: unknown } });
      configured.push({ address, mode: "managed", type, name: id, expressions });
    };
    add("aws_eks_cluster", `c${index}`, values, { arn: true, id: true, vpc_config: [{ public_access_cidrs: true }] }, { name: { constant_value: name }, vpc_config: [{ endpoint_public_access: { constant_value: open } }] });
    const principal = `arn:aws:iam::111122223333:role/team-${index}`;
    const clusterRef = { references: [`aws_eks_cluster.c${index}.id`, `aws_eks_cluster.c${index}`] };
    add("aws_eks_access_entry", `e${index}`, { principal_arn: principal }, { cluster_name: true }, { cluster_name: clusterRef });
    add(
      "aws_eks_access_policy_association",
      `e${index}`,
      { principal_arn: principal, policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", access_scope: [{ type: "cluster" }] },
      { cluster_name: true },
      { cluster_name: clusterRef },
    );
  }
  return JSON.stringify({
    format_version: "1.2",
    terraform_version: "1.9.8",
    planned_values: { root_module: { resources: planned } },
    resource_changes: changes,
    configuration: { provider_config: { aws: { name: "aws", expressions: { region: { constant_value: "eu-west-1" } } } }, root_module: { resources: configured } },
  });
}

export interface CheckFigures {
  readonly clusters: number;
  readonly planBytes: number;
  readonly checkMsMedian: number;
  readonly nodeFloorMsMedian: number;
  readonly cliFloorMsMedian: number;
  readonly exitCode: number | null;
  readonly runs: number;
}

function timed(args: readonly string[]): { ms: number; status: number | null; stdout: string } {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } });
  return { ms: performance.now() - started, status: child.status, stdout: child.stdout };
}

export function measureCheck(runs = 7, clusters = CHECK_CLUSTERS): CheckFigures {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-check-"));
  try {
    const plan = join(dir, "plan.json");
    const text = benchPlan(clusters);
    writeFileSync(plan, text);
    const check: number[] = [];
    const node: number[] = [];
    const cli: number[] = [];
    let exitCode: number | null = null;
    // Interleaved, so that load on the machine falls on all three alike.
    for (let run = 0; run < runs; run += 1) {
      node.push(timed(["-e", "0"]).ms);
      cli.push(timed([BIN, "--version"]).ms);
      const result = timed([BIN, "check", plan, "--format", "json", "--now", "2026-06-01T00:00:00Z"]);
      const report = JSON.parse(result.stdout) as { summary: { clusters: number } };
      if (report.summary.clusters !== clusters) throw new Error(`check judged ${report.summary.clusters} clusters, expected ${clusters}`);
      exitCode = result.status;
      check.push(result.ms);
    }
    return { clusters, planBytes: text.length, checkMsMedian: median(check), nodeFloorMsMedian: median(node), cliFloorMsMedian: median(cli), exitCode, runs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
