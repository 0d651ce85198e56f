// `eks-warden digest`, spawned as a user runs it, against the simulator over HTTP (--endpoint-url): scan's options,
// collector and rules, the digest's report as text, JSON and HTML, and scan's exit codes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DigestReport } from "@eks-warden/core/voice";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { REPO, warden } from "./scenario-helpers.ts";

let sim: Simulator;
let env: NodeJS.ProcessEnv;
let scratch: string;

beforeAll(async () => {
  sim = await startSimulator({ fleet: join(REPO, "scenarios/fleets/demo.json") });
  scratch = mkdtempSync(join(tmpdir(), "warden-digest-"));
  env = { AWS_ACCESS_KEY_ID: "AKIADIGESTTESTUSER01", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_STS: sim.url, AWS_ENDPOINT_URL_EKS: undefined };
});

afterAll(async () => {
  await sim?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** vendor-ingress exempted by a policy entry (a tag set outside EKS Warden's view exempts nothing), as in the demo. */
function exemptingPolicy(): string {
  const file = join(scratch, "exempting.json");
  const entry = { cluster: "arn:aws:eks:eu-west-1:111111111111:cluster/vendor-ingress", rules: ["endpoint-public-access"], until: "2027-06-30", reason: "vendor-managed ingress reviewed by security" };
  writeFileSync(file, JSON.stringify({ exemptions: { entries: [entry] } }));
  return file;
}

const digest = (args: readonly string[]) => warden(["digest", "--endpoint-url", sim.url, "--policy", exemptingPolicy(), ...args], env);

describe("eks-warden digest against the simulator", () => {
  it("prints the digest as the e-mail reads it, most urgent first, and exits 1 on a FAIL", async () => {
    const run = await digest(["--region", "eu-west-1", "--region", "us-east-1"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^EKS Warden weekly digest \d{4}-W\d{2} \(first digest: the baseline for next week\)/);
    expect(run.stdout).toMatch(/6 clusters in 2 regions: \d+ failing/);
    // Nothing unsupported: the worst open finding first, then fewest days to the end of support. legacy-batch, paying for
    // extended support (a HIGH finding), ranks above the clusters whose worst finding is lower, whatever their days.
    expect(run.stdout).toMatch(/1\. web-public \(eu-west-1, 111111111111\)\n {6}Kubernetes 1\.35, standard support until \d{4}-\d{2}-\d{2} \(\d+ days\); \$0\.10\/cluster-hour/);
    expect(run.stdout).toMatch(/3\. legacy-batch \(eu-west-1, 111111111111\)\n {6}Kubernetes 1\.33, extended support until \d{4}-\d{2}-\d{2} \(\d+ days\); \$0\.60\/cluster-hour; \+\$365\.00\/month over standard/);
    expect(run.stdout).toContain("Endpoint: CRITICAL endpoint-public-access: EKS cluster web-public (eu-west-1) has its API endpoint open to the whole internet");
    expect(run.stdout).toContain("Full report: not stored");
    expect(run.stderr).toContain("eks-warden digest: 6 clusters in 2 regions");
  }, 60_000);

  it("prints the full report as JSON and as one HTML page", async () => {
    const json = await digest(["--region", "eu-west-1", "--region", "us-east-1", "--format", "json"]);
    const report = JSON.parse(json.stdout) as DigestReport;
    expect(report.clusters).toHaveLength(6);
    expect(report.clusters.map((cluster) => cluster.name)).toEqual(["web-public", "analytics", "legacy-batch", "ci-runners", "payments-prod", "vendor-ingress"]);
    expect(report.clusters[2]!.support.state).toBe("EXTENDED_SUPPORT");
    expect(report.clusters[2]!.worstSeverity).toBe("HIGH");
    const html = await digest(["--region", "eu-west-1", "--format", "html"]);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain("<title>EKS Warden weekly digest ");
    expect(html.stdout).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-`);
    // The browser report: one row per cluster with its account and region, the public endpoint FAIL once.
    expect(html.stdout.match(/<tr data-account="111111111111" data-region="eu-west-1">/g)?.length).toBe(report.clusters.filter((cluster) => cluster.region === "eu-west-1").length);
    expect(html.stdout.match(/data-status="FAIL" data-rule="endpoint-public-access" data-cluster="web-public"/g)).toHaveLength(1);
  }, 60_000);

  it("exits 4 with a 'could not read' section when a region cannot be listed", async () => {
    sim.faults.failNext("ListClusters", 1, { errorType: "AccessDeniedException", status: 403, message: "denied" });
    const run = await digest(["--region", "eu-west-1", "--region", "us-east-1"]);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain("COULD NOT READ (not counted as removed; last week's state kept; nothing closed):\n  region eu-west-1: ");
  }, 60_000);

  it("refuses an unknown format with exit 2", async () => {
    const run = await digest(["--format", "sarif"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--format "sarif": expected one of text, json, html');
  }, 60_000);
});
