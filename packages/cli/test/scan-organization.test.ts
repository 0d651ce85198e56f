// `eks-warden scan` and `digest` over an AWS Organization, spawned as a user runs them against the simulator's
// organisation fleet (scenarios/fleets/organization.json): the policy's member accounts are read in their read-only
// roles, assumed with the user's own credentials (the simulator's STS AssumeRole, external id checked); an account
// whose role cannot be assumed is reported in every output and makes the run exit 4, never passes for "no clusters".
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DigestReport } from "@eks-warden/core/voice";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { REPO, warden } from "./scenario-helpers.ts";

const CENTRAL = "111111111111";
const PAYMENTS = "222222222222";
const DATA = "333333333333";
const NEVER_DEPLOYED = "444444444444";
const EXTERNAL_ID = "eks-warden-7f3a9c";
const memberAccount = (id: string) => ({
  id,
  roleArn: `arn:aws:iam::${id}:role/eks-warden-member-read`,
  remediationRoleArn: `arn:aws:iam::${id}:role/eks-warden-member-remediate`,
  externalId: EXTERNAL_ID,
});

let sim: Simulator;
let env: NodeJS.ProcessEnv;
let scratch: string;

beforeAll(async () => {
  sim = await startSimulator({ fleet: join(REPO, "scenarios/fleets/organization.json") });
  // The user's own credentials (the central account's) and region; STS answers from the simulator too.
  env = { AWS_ACCESS_KEY_ID: "AKIAORGSCANTESTUSER1", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_STS: sim.url, AWS_ENDPOINT_URL_EKS: undefined };
  scratch = mkdtempSync(join(tmpdir(), "warden-scan-org-"));
});

afterAll(async () => {
  await sim?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  sim.calls.reset();
});

/** warden.config.json of a central deployment naming these member accounts, in eu-west-1 and us-east-1. */
function deploymentConfig(name: string, members: readonly string[]): string {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify({ region: "eu-west-1", policy: { regions: ["eu-west-1", "us-east-1"], accounts: members.map(memberAccount) } }));
  return file;
}

const run = (command: "scan" | "digest", args: readonly string[]) => warden([command, "--endpoint-url", sim.url, ...args], env);

interface ScanJson {
  account: string;
  memberAccounts?: string[];
  clusters: { name: string; account: string; region: string }[];
  problems: { scope: string; message: string }[];
  summary: Record<string, number>;
}

describe("eks-warden scan of an organisation", () => {
  it("reads the caller's own account and the member account through its read-only role, once per run", async () => {
    const result = await run("scan", ["--policy", deploymentConfig("two-accounts.json", [PAYMENTS]), "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ScanJson;
    expect(report.account).toBe(CENTRAL);
    expect(report.memberAccounts).toEqual([PAYMENTS]);
    expect(report.clusters.map((cluster) => `${cluster.account} ${cluster.region} ${cluster.name}`)).toEqual([
      `${CENTRAL} eu-west-1 platform-eu`,
      `${CENTRAL} us-east-1 platform-us`,
      `${PAYMENTS} eu-west-1 payments-eu`,
      `${PAYMENTS} us-east-1 payments-us`,
    ]);
    expect(report.problems).toEqual([]);
    // One session of the read-only role for the account, whatever its regions and calls; never the remediation role.
    expect(sim.calls.get("AssumeRole")).toBe(1);
    // Piped: no progress line (scan.test.ts shows it on a terminal); nothing went wrong, so stderr holds the run's
    // summary alone: the EKS calls and their rate (issue 23: the scan says its effective rate), then the verdicts.
    expect(result.stderr).not.toContain(`${PAYMENTS}/us-east-1: 1 cluster`);
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^eks-warden scan: \d+ EKS calls in [\d.]+ s \([\d.]+ calls\/s\), 0 throttled; concurrency 4$/),
      expect.stringMatching(/^eks-warden scan: 4 clusters of 2 accounts in eu-west-1, us-east-1: /),
    ]);
  }, 60_000);

  it("shows whose each cluster is in the table, and counts the accounts", async () => {
    const result = await run("scan", ["--policy", deploymentConfig("two-accounts.json", [PAYMENTS])]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`EKS Warden scan of account ${CENTRAL} and member account ${PAYMENTS}`);
    expect(result.stdout).toMatch(/CLUSTER\s+ACCOUNT\s+REGION\s+STATUS\s+SEVERITY\s+FINDING/);
    expect(result.stdout).toMatch(new RegExp(`payments-us\\s+${PAYMENTS}\\s+us-east-1\\s+PASS`));
    expect(result.stdout).toContain("4 clusters of 2 accounts in eu-west-1, us-east-1: ");
  }, 60_000);

  it("reports a member account whose role cannot be assumed in the table, once for all its regions, and exits 4", async () => {
    const result = await run("scan", ["--policy", deploymentConfig("unreachable.json", [PAYMENTS, NEVER_DEPLOYED])]);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain(
      `NOT SCANNED  account ${NEVER_DEPLOYED} (every region): account ${NEVER_DEPLOYED} could not be read: role arn:aws:iam::${NEVER_DEPLOYED}:role/eks-warden-member-read could not be assumed (AccessDenied: `,
    );
    expect(result.stdout.match(/NOT SCANNED/g)).toHaveLength(1);
    // The readable accounts are still scanned.
    expect(result.stdout).toMatch(new RegExp(`payments-eu\\s+${PAYMENTS}\\s+eu-west-1\\s+PASS`));
    expect(result.stdout).toContain("4 clusters of 3 accounts in eu-west-1, us-east-1: ");
    expect(result.stdout).toContain("; 1 could not be scanned");
    expect(result.stderr).toContain(`eks-warden scan: account ${NEVER_DEPLOYED}: cannot be read: account ${NEVER_DEPLOYED} could not be read`);
  }, 60_000);

  it("reports it in JSON and SARIF too (the run not successful), and exits 4 even when nothing read fails", async () => {
    const policy = deploymentConfig("unreachable.json", [PAYMENTS, NEVER_DEPLOYED]);
    const json = await run("scan", ["--policy", policy, "--format", "json"]);
    expect(json.code).toBe(4);
    const report = JSON.parse(json.stdout) as ScanJson;
    expect(report.problems).toEqual([{ scope: `account ${NEVER_DEPLOYED} (every region)`, message: expect.stringMatching(new RegExp(`^account ${NEVER_DEPLOYED} could not be read: role .* could not be assumed`)) }]);
    expect(report.summary).toMatchObject({ clusters: 4, notScanned: 1 });

    const sarif = await run("scan", ["--policy", policy, "--format", "sarif"]);
    expect(sarif.code).toBe(4);
    const invocation = (JSON.parse(sarif.stdout) as { runs: { invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[] }[] }).runs[0]!.invocations[0]!;
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications).toEqual([{ level: "error", message: { text: expect.stringMatching(new RegExp(`^account ${NEVER_DEPLOYED} \\(every region\\): account ${NEVER_DEPLOYED} could not be read`)) } }]);
  }, 60_000);

  it("names a member account's region it could not list with the account", async () => {
    // The first ListClusters is the caller's own eu-west-1, the second its us-east-1, the third the member's eu-west-1.
    sim.faults.failNext("ListClusters", 3, { errorType: "AccessDeniedException", status: 403, message: "denied" });
    try {
      const result = await run("scan", ["--policy", deploymentConfig("two-accounts.json", [PAYMENTS]), "--format", "json"]);
      expect(result.code).toBe(4);
      const report = JSON.parse(result.stdout) as ScanJson;
      expect(report.problems.map((problem) => problem.scope)).toEqual(["eu-west-1", "us-east-1", `${PAYMENTS}/eu-west-1`]);
      expect(report.clusters.map((cluster) => cluster.name)).toEqual(["payments-us"]);
    } finally {
      sim.faults.clear();
    }
  }, 60_000);
});

describe("eks-warden digest of an organisation", () => {
  it("covers every readable account and lists the one whose role cannot be assumed under 'could not read', exiting 4", async () => {
    const policy = deploymentConfig("three-members.json", [PAYMENTS, DATA, NEVER_DEPLOYED]);
    const text = await run("digest", ["--policy", policy]);
    expect(text.code).toBe(4);
    expect(text.stdout).toMatch(/6 clusters in 2 regions/);
    expect(text.stdout).toContain(
      `COULD NOT READ (not counted as removed; last week's state kept; nothing closed):\n  account ${NEVER_DEPLOYED} (every region): account ${NEVER_DEPLOYED} could not be read: role arn:aws:iam::${NEVER_DEPLOYED}:role/eks-warden-member-read could not be assumed`,
    );
    expect(text.stdout).toContain(`data-us (us-east-1, ${DATA})`);
    expect(text.stderr).toContain(`eks-warden digest: 6 clusters of 4 accounts in 2 regions`);

    const json = await run("digest", ["--policy", policy, "--format", "json"]);
    const report = JSON.parse(json.stdout) as DigestReport;
    expect(new Set(report.clusters.map((cluster) => cluster.account))).toEqual(new Set([CENTRAL, PAYMENTS, DATA]));
    expect(report.couldNotRead.accounts).toEqual([{ account: NEVER_DEPLOYED, roleArn: `arn:aws:iam::${NEVER_DEPLOYED}:role/eks-warden-member-read`, problem: expect.stringContaining("AccessDenied") }]);
    // Its regions are the account's problem, not listed again one by one.
    expect(report.couldNotRead.regions).toEqual([]);
  }, 60_000);
});
