// The real `eks-warden evaluate` command, spawned as a user runs it, on the shared EKS recordings.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ENTRY } from "./scenario-helpers.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const eks = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/eks/${name}`, import.meta.url));
const OPEN_WORLD = eks("DescribeCluster.public-only.open-world.json");
const PRIVATE_ONLY = eks("DescribeCluster.private-only.json");
const VERSIONS = eks("DescribeClusterVersions.json");
const NOW = "2026-06-01T12:00:00Z";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function warden(args: readonly string[], entry: readonly string[] = CLI_ENTRY): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...entry, ...args], { cwd: repo, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

interface JsonFinding {
  ruleId: string;
  status: string;
  severity: string;
  message: string;
  evidence: Record<string, unknown>;
  remediation: { text: string; command: string };
  exemption?: { until: string; reason: string; source: string; expired: boolean };
}

function findingsOf(run: Run): { cluster: string; findings: JsonFinding[] } {
  return JSON.parse(run.stdout) as { cluster: string; findings: JsonFinding[] };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "warden-cli-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function scratchFile(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

describe("eks-warden evaluate", () => {
  it("prints JSON findings for the open-world cluster and exits 1 on its FAILs", async () => {
    const run = await warden(["evaluate", "--cluster", OPEN_WORLD, "--versions", VERSIONS, "--now", NOW, "--format", "json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    const output = findingsOf(run);
    expect(Object.keys(output)).toEqual(["cluster", "findings"]);
    expect(output.cluster).toBe("arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756");
    expect(output.findings.length).toBeGreaterThanOrEqual(7);
    // The rules that judge the record alone: a DescribeCluster file has no node groups, add-ons or insights to judge.
    expect(output.findings.map((finding) => finding.ruleId).sort()).toEqual(
      ["access-authentication-mode", "control-plane-audit-logging", "endpoint-private-access", "endpoint-public-access", "exemption-tag-valid", "extended-support-enrollment", "version-drift", "version-support"],
    );
    for (const finding of output.findings) {
      expect(Object.keys(finding)).toEqual(["ruleId", "status", "severity", "message", "evidence", "remediation"]);
      expect(finding.message).toMatch(/pod2-9756 \(us-east-1\).*\.$/);
      expect(typeof finding.remediation.command).toBe("string");
    }
    expect(output.findings.find((finding) => finding.ruleId === "endpoint-public-access")).toMatchObject({
      status: "FAIL",
      severity: "CRITICAL",
      evidence: { publicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
    });
  });

  it("exits 1 only for FAILs at or above --fail-on", async () => {
    const json = findingsOf(await warden(["evaluate", "--cluster", PRIVATE_ONLY, "--versions", VERSIONS, "--now", NOW, "--format", "json"]));
    const failing = json.findings.filter((finding) => finding.status === "FAIL").map((finding) => finding.severity);
    const ranks = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
    const worst = Math.max(...failing.map((severity) => ranks.indexOf(severity)));
    expect(worst).toBeGreaterThanOrEqual(0);
    const atWorst = await warden(["evaluate", "--cluster", PRIVATE_ONLY, "--versions", VERSIONS, "--now", NOW, "--fail-on", ranks[worst]!.toLowerCase()]);
    expect(atWorst.code).toBe(1);
    if (worst < ranks.length - 1) {
      const above = await warden(["evaluate", "--cluster", PRIVATE_ONLY, "--versions", VERSIONS, "--now", NOW, "--fail-on", ranks[worst + 1]!]);
      expect(above.code).toBe(0);
    }
  });

  it("fails the gate when a rule at or above --fail-on could not decide, unless --allow-errors", async () => {
    // Without --versions, version-support cannot decide (ERROR, CRITICAL); the private-only cluster fails nothing CRITICAL.
    const undecided = await warden(["evaluate", "--cluster", PRIVATE_ONLY, "--now", NOW, "--fail-on", "CRITICAL", "--format", "json"]);
    const critical = findingsOf(undecided).findings.filter((finding) => finding.severity === "CRITICAL");
    expect(critical.map((finding) => [finding.ruleId, finding.status]).sort()).toEqual([["endpoint-public-access", "PASS"], ["version-support", "ERROR"]]);
    expect(undecided.code).toBe(1);
    expect(undecided.stderr).toContain("1 rule could not decide at or above CRITICAL (version-support): the gate fails; --allow-errors lets it pass");

    const allowed = await warden(["evaluate", "--cluster", PRIVATE_ONLY, "--now", NOW, "--fail-on", "CRITICAL", "--allow-errors"]);
    expect(allowed.code).toBe(0);
    // With the catalogue, version-support decides (Kubernetes 1.25 is out of support: a CRITICAL FAIL), and only that fails the gate.
    const decided = await warden(["evaluate", "--cluster", PRIVATE_ONLY, "--versions", VERSIONS, "--now", NOW, "--fail-on", "CRITICAL"]);
    expect(decided.code).toBe(1);
    expect(decided.stderr).toBe("");
  });

  it("exits 0 when the policy exempts every FAIL, and shows the exemptions", async () => {
    const first = findingsOf(await warden(["evaluate", "--cluster", OPEN_WORLD, "--versions", VERSIONS, "--now", NOW, "--format", "json"]));
    const failingRules = [...new Set(first.findings.filter((finding) => finding.status === "FAIL").map((finding) => finding.ruleId))];
    const policy = scratchFile(
      "exempt-all.json",
      JSON.stringify({ exemptions: { entries: [{ cluster: "arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756", rules: failingRules, until: "2026-06-30", reason: "migration to private endpoint" }] } }),
    );
    const run = await warden(["evaluate", "--cluster", OPEN_WORLD, "--versions", VERSIONS, "--now", NOW, "--policy", policy, "--format", "json"]);
    expect(run.code).toBe(0);
    const exempt = findingsOf(run).findings.filter((finding) => finding.status === "EXEMPT");
    expect(exempt.map((finding) => finding.ruleId).sort()).toEqual([...failingRules].sort());
    expect(exempt[0]?.exemption).toEqual({ until: "2026-06-30", reason: "migration to private endpoint", source: "policy", expired: false });

    const table = await warden(["evaluate", "--cluster", OPEN_WORLD, "--versions", VERSIONS, "--now", NOW, "--policy", policy]);
    expect(table.stdout).toContain("exempt until 2026-06-30 (policy): migration to private endpoint");
  });

  it("prints a worst-first table naming the cluster, with the fix under each FAIL and a count", async () => {
    const run = await warden(["evaluate", "--cluster", OPEN_WORLD, "--versions", VERSIONS, "--now", NOW]);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`Cluster arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756 (ACTIVE), evaluated at 2026-06-01T12:00:00.000Z`);
    expect(lines[2]).toMatch(/^STATUS\s+SEVERITY\s+RULE\s+FINDING$/);
    expect(lines[3]).toMatch(/^FAIL\s+CRITICAL\s+endpoint-public-access\s+EKS cluster pod2-9756 \(us-east-1\)/);
    expect(lines[4]).toMatch(/^\s+fix: aws eks update-cluster-config --region us-east-1 --name pod2-9756 /);
    const statuses = lines.slice(3, -2).filter((line) => /^[A-Z]/.test(line)).map((line) => line.split(/\s+/)[0]);
    const urgency = ["FAIL", "ERROR", "EXEMPT", "PASS", "NOT_APPLICABLE"];
    expect(statuses.map((status) => urgency.indexOf(status!))).toEqual([...statuses.map((status) => urgency.indexOf(status!))].sort((a, b) => a - b));
    expect(lines.at(-1)).toMatch(/^\d+ FAIL(, \d+ [A-Z_]+)*$/);
  });

  it("says once on stderr that the version rules report ERROR without --versions", async () => {
    const run = await warden(["evaluate", "--cluster", PRIVATE_ONLY, "--now", NOW, "--format", "json"]);
    // Two lines: the missing catalogue, said once for every version rule, then the gate that its ERRORs fail.
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/no --versions file: the version rules report ERROR/);
    expect(lines[1]).toBe("eks-warden evaluate: 3 rules could not decide at or above INFO (version-support, version-drift, extended-support-enrollment): the gate fails; --allow-errors lets it pass");
    const versionSupport = findingsOf(run).findings.filter((finding) => finding.ruleId === "version-support");
    expect(versionSupport.map((finding) => finding.status)).toEqual(["ERROR"]);
  });

  it("without --versions, gives the way to supply the catalogue as the fix of the ERRORs, never an upgrade", async () => {
    const run = await warden(["evaluate", "--cluster", eks("DescribeCluster.v1-35.modern-fields.json"), "--now", NOW]);
    expect(run.stdout).toMatch(/^ERROR\s+\S+\s+version-support\s/m);
    expect(run.stdout).not.toMatch(/--kubernetes-version/);
    expect(run.stdout).toMatch(/fix: aws eks describe-cluster-versions --region /);
  });

  it("accepts the README's deployment file (warden.config.json) as --policy, and uses its policy member", async () => {
    const config = scratchFile(
      "warden.config.json",
      JSON.stringify({
        _what: "deployment file",
        region: "eu-west-1",
        logRetentionDays: 90,
        ephemeralStages: ["dev"],
        policy: { exemptions: { entries: [{ cluster: "arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756", rules: ["endpoint-public-access"], until: "2026-06-30", reason: "vendor demo" }] } },
      }),
    );
    const run = await warden(["evaluate", "--cluster", OPEN_WORLD, "--versions", VERSIONS, "--now", NOW, "--policy", config, "--format", "json"]);
    expect(run.stderr).toBe("");
    const endpoint = findingsOf(run).findings.find((finding) => finding.ruleId === "endpoint-public-access");
    expect(endpoint).toMatchObject({ status: "EXEMPT", exemption: { until: "2026-06-30", reason: "vendor demo", source: "policy" } });
    // The repository's own example too.
    const example = await warden(["evaluate", "--cluster", OPEN_WORLD, "--versions", VERSIONS, "--now", NOW, "--policy", join(repo, "warden.config.example.json"), "--format", "json"]);
    expect(example.stderr).toBe("");
    expect(example.code).toBe(1);
  });

  it("builds the identity of an ARN-less record from --account, and refuses a contradicting one", async () => {
    const recording = JSON.parse(readFileSync(eks("DescribeCluster.2018-no-endpoint-fields.json"), "utf8")) as { data: { cluster: Record<string, unknown> } };
    const { arn: _arn, ...record } = recording.data.cluster;
    const arnless = scratchFile("arnless.json", JSON.stringify({ cluster: record }));
    const missing = await warden(["evaluate", "--cluster", arnless, "--versions", VERSIONS, "--now", NOW]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cluster\.arn: missing; expected the cluster ARN, or an account id/);
    const built = await warden(["evaluate", "--cluster", arnless, "--versions", VERSIONS, "--now", NOW, "--account", "644160558196", "--format", "json"]);
    expect(findingsOf(built).cluster).toBe("arn:aws:eks:us-east-1:644160558196:cluster/dev");
    const contradicted = await warden(["evaluate", "--cluster", eks("DescribeCluster.2018-no-endpoint-fields.json"), "--account", "111122223333"]);
    expect(contradicted.code).toBe(2);
    expect(contradicted.stderr).toMatch(/account 644160558196 differs from the expected account 111122223333/);
  });
});

// Concurrent: each case is a separate process, and they share nothing but read-only fixtures.
describe.concurrent("eks-warden evaluate on bad input exits 2 with a one-line reason", () => {
  it.each<[string, () => string[], RegExp]>([
    ["a missing file", () => ["--cluster", join(scratch, "nope.json")], /--cluster .*nope\.json: cannot read the file \(no such file\)$/],
    ["a file that is not JSON", () => ["--cluster", scratchFile("not.json", "cluster: dev\n")], /: not JSON \(/],
    ["JSON that is not a cluster", () => ["--cluster", eks("ListClusters.json")], /invalid DescribeCluster data: data: expected a DescribeCluster response/],
    ["a recorded failed call", () => ["--cluster", eks("DescribeNodegroup.json")], /failed with HTTP 404 \(ResourceNotFoundException/],
    ["a bad catalogue", () => ["--cluster", OPEN_WORLD, "--versions", OPEN_WORLD], /--versions .*: invalid DescribeClusterVersions data/],
    [
      "an invalid policy",
      () => ["--cluster", OPEN_WORLD, "--policy", scratchFile("bad-policy.json", JSON.stringify({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24", "10.0.0.0/33"] } }))],
      /--policy .*: invalid policy: endpoint\.allowedPublicCidrs\[1\]: "10\.0\.0\.0\/33" is not a valid IPv4 or IPv6 CIDR/,
    ],
    [
      "a deployment file with an unknown setting",
      () => ["--cluster", OPEN_WORLD, "--policy", scratchFile("typo.config.json", JSON.stringify({ region: "eu-west-1", logRetention: 30, policy: {} }))],
      /--policy .*typo\.config\.json: invalid deployment configuration: logRetention: unknown setting; expected one of region, logRetentionDays, historyRetentionDays, ephemeralStages, healthEmails, organization, policy/,
    ],
    [
      "a deployment file with an invalid policy",
      () => ["--cluster", OPEN_WORLD, "--policy", scratchFile("bad.config.json", JSON.stringify({ region: "eu-west-1", policy: { alertEmails: ["nobody"] } }))],
      /--policy .*bad\.config\.json: invalid policy: policy\.alertEmails\[0\]: "nobody" is not an email address/,
    ],
    ["no --cluster", () => [], /--cluster FILE is required/],
    ["an unknown option", () => ["--cluster", OPEN_WORLD, "--verbose"], /Unknown option '--verbose'/],
    ["a bad --fail-on", () => ["--cluster", OPEN_WORLD, "--fail-on", "severe"], /--fail-on "severe": expected one of CRITICAL, HIGH, MEDIUM, LOW, INFO/],
    ["a bad --format", () => ["--cluster", OPEN_WORLD, "--format", "yaml"], /--format "yaml": expected one of table, json/],
    ["a bad --now", () => ["--cluster", OPEN_WORLD, "--now", "yesterday"], /--now "yesterday": expected an ISO 8601 date/],
  ])("%s", async (_what, args, reason) => {
    const run = await warden(["evaluate", ...args()]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^eks-warden evaluate: /);
    expect(lines[0]).toMatch(reason);
  });
});

describe("colour", () => {
  /** The command as a person runs it, with the environment given (and none of the test run's NO_COLOR). */
  function coloured(args: readonly string[], env: Record<string, string>): Promise<Run> {
    const { NO_COLOR: _noColour, FORCE_COLOR: _force, ...base } = process.env;
    return new Promise((resolve) => {
      execFile(process.execPath, [...CLI_ENTRY, ...args], { cwd: repo, env: { ...base, ...env } }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
      });
    });
  }
  const args = ["evaluate", "--cluster", OPEN_WORLD, "--versions", VERSIONS, "--now", NOW];
  const ESCAPE = "\u001b[";

  it("colours statuses and severities when asked, without moving a column", async () => {
    const [plain, forced] = await Promise.all([coloured(args, {}), coloured(args, { FORCE_COLOR: "1" })]);
    expect(plain.stdout).not.toContain(ESCAPE);
    expect(forced.stdout).toContain(`${ESCAPE}1;31mFAIL`);
    expect(forced.stdout).toContain(`${ESCAPE}1;31mCRITICAL`);
    expect(forced.stdout.replace(/\u001b\[[0-9;]*m/g, "")).toBe(plain.stdout);
  });

  it("stays plain in a pipe, under NO_COLOR, and with --no-color", async () => {
    const runs = await Promise.all([coloured(args, { FORCE_COLOR: "1", NO_COLOR: "1" }), coloured([...args, "--no-color"], { FORCE_COLOR: "1" }), coloured(args, {})]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stdout).not.toContain(ESCAPE);
    }
  });
});

describe("eks-warden entry points", () => {
  it("runs through the installed bin script", async () => {
    const run = await warden(["evaluate", "--cluster", PRIVATE_ONLY, "--versions", VERSIONS, "--now", NOW, "--format", "json"], CLI_ENTRY);
    expect(run.stderr).toBe("");
    expect(findingsOf(run).cluster).toBe("arn:aws:eks:us-east-1:644160558196:cluster/c7n-test-eks-cluster");
  });

  describe("an internal error's stack trace (EKS_WARDEN_DEBUG=1)", () => {
    // A deliberate failure inside a command: stdout's first write throws (a preload replaces it), so evaluate's report
    // write is where the unexpected error starts, and main reports it with exit 3 and, under EKS_WARDEN_DEBUG, the stack.
    const THROWING_STDOUT = `data:text/javascript,process.stdout.write = () => { throw new Error("deliberate failure: stdout refused the report"); };`;
    const args = ["evaluate", "--cluster", PRIVATE_ONLY, "--versions", VERSIONS, "--now", NOW];
    const source = join(repo, "packages/cli/src/commands/evaluate.ts");
    /** The 1-based line of evaluate.ts that writes the report: where the stack must point. */
    const reportWriteLine = readFileSync(source, "utf8").split("\n").findIndex((line) => line.includes("process.stdout.write(options.format")) + 1;
    const failing = (entry: readonly string[]): Promise<Run> =>
      new Promise((resolve) => {
        execFile(process.execPath, ["--import", THROWING_STDOUT, ...entry, ...args], { cwd: repo, env: { ...process.env, NO_COLOR: "1", EKS_WARDEN_DEBUG: "1" } }, (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
        });
      });

    it("points at the TypeScript file and line through the bin script (source maps on)", async () => {
      expect(reportWriteLine).toBeGreaterThan(0);
      const run = await failing(CLI_ENTRY);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain("eks-warden evaluate: unexpected error: deliberate failure: stdout refused the report");
      expect(run.stderr).toContain(`${source}:${reportWriteLine}:`);
      expect(run.stderr).not.toMatch(/packages\/cli\/dist\//);
    });

    it("runs JavaScript built in packages/cli/dist, not the TypeScript: without source maps the trace names the bundle", async () => {
      const run = await failing([join(repo, "packages/cli/dist/main.js")]);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/packages\/cli\/dist\/commands\/evaluate\/[a-z0-9-]+\.js:\d+:\d+/i);
      expect(run.stderr).not.toContain(`${source}:`);
    });
  });

  it("lists the commands, and rejects an unknown one with exit 2", async () => {
    const help = await warden(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: eks-warden <command>/);
    expect(help.stdout).toMatch(/^ {2}evaluate {2}/m);
    const evaluateHelp = await warden(["evaluate", "--help"]);
    expect(evaluateHelp.code).toBe(0);
    expect(evaluateHelp.stdout).toMatch(/--fail-on SEVERITY/);
    const unknown = await warden(["evaluat"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('eks-warden: unknown command "evaluat"; did you mean evaluate?\n');
    const nothingLike = await warden(["frobnicate"]);
    expect(nothingLike.code).toBe(2);
    expect(nothingLike.stderr).toMatch(/^eks-warden: unknown command "frobnicate"; expected one of .*evaluate/);
  });

  it("tells its version, and `help <command>` prints that command's options", async () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    for (const flag of ["--version", "-V", "version"]) {
      const run = await warden([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`eks-warden ${manifest.version}\n`);
    }
    const help = await warden(["help", "scan"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await warden(["scan", "--help"])).stdout);
    expect(help.stdout).toMatch(/--allow-errors/);
  });
});
