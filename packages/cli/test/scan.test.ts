// `eks-warden scan`, spawned as a user runs it, against the simulator over HTTP (--endpoint-url): the same collector
// and rules as the deployed monitor, the three output formats, and the exit codes CI relies on.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { rules } from "@eks-warden/core";
import type { Finding } from "@eks-warden/core";
import { clusterArtifactUri, findingFingerprint, FINGERPRINT_KEY, sarifLevel, toSarif } from "../src/output/sarif.ts";
import { CLI_ENTRY, REPO, warden } from "./scenario-helpers.ts";
import { fleetExitCode } from "../src/commands/scan.ts";
import { renderScanTable } from "../src/output/scan-report.ts";

const ACCOUNT = "111111111111";
let sim: Simulator;
let env: NodeJS.ProcessEnv;
let scratch: string;

beforeAll(async () => {
  sim = await startSimulator({ fleet: join(REPO, "scenarios/fleets/demo.json") });
  // The user's own credentials and region; STS answers from the simulator too (serve prints the same exports).
  env = { AWS_ACCESS_KEY_ID: "AKIASCANTESTUSER0001", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_STS: sim.url, AWS_ENDPOINT_URL_EKS: undefined };
  scratch = mkdtempSync(join(tmpdir(), "warden-scan-"));
});

afterAll(async () => {
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const scan = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => warden(["scan", "--endpoint-url", sim.url, ...args], { ...env, ...extraEnv });

interface SarifLog {
  version: string;
  $schema: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; name: string; shortDescription: { text: string }; help: { text: string; markdown: string }; defaultConfiguration: { level: string }; properties: Record<string, unknown> }[] } };
    invocations: { executionSuccessful: boolean; toolExecutionNotifications: { message: { text: string } }[] }[];
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; logicalLocations: { fullyQualifiedName: string }[] }[];
      partialFingerprints: Record<string, string>;
      suppressions?: { kind: string; justification: string }[];
      properties: { status: string; cluster: string };
    }[];
  }[];
}

/** vendor-ingress exempted by a policy entry (a tag set outside EKS Warden's view exempts nothing), as in the demo. */
function exemptingPolicy(): string {
  const file = join(scratch, "exempting.json");
  const entry = { cluster: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/vendor-ingress`, rules: ["endpoint-public-access"], until: "2027-06-30", reason: "vendor-managed ingress reviewed by security" };
  writeFileSync(file, JSON.stringify({ exemptions: { entries: [entry] } }));
  return file;
}

describe("eks-warden scan against the simulator", () => {
  it("lists every region's clusters, prints the failing findings worst first with their fix, no progress when stderr is piped, and exits 1", async () => {
    const run = await scan(["--region", "eu-west-1", "--region", "us-east-1", "--policy", exemptingPolicy()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`EKS Warden scan of account ${ACCOUNT}`);
    expect(run.stdout).toMatch(/web-public\s+eu-west-1\s+FAIL\s+CRITICAL\s+endpoint-public-access: EKS cluster web-public \(eu-west-1\) has its API endpoint open to the whole internet/);
    expect(run.stdout).toContain("fix: aws eks update-cluster-config --region eu-west-1 --name web-public --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true");
    expect(run.stdout).toMatch(/vendor-ingress\s+eu-west-1\s+EXEMPT/);
    expect(run.stdout).toMatch(/payments-prod\s+eu-west-1\s+PASS\s+all 15 rules pass or do not apply/);
    expect(run.stdout).toMatch(/6 clusters in eu-west-1, us-east-1: \d+ FAIL/);
    // Piped (a CI log, a file): no line per region or per cluster, so stderr holds what went wrong and nothing else.
    expect(run.stderr).not.toContain("eu-west-1: 4 clusters");
    expect(run.stderr).not.toMatch(/\[\d+\/6\]/);
  });

  it("shows its progress, a line per region and per cluster judged, when stderr is a terminal", async () => {
    // The same scan in a pseudo-terminal (util-linux `script`), as a person runs it: every stream is the terminal.
    const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, ...CLI_ENTRY, "scan", "--endpoint-url", sim.url, "--region", "eu-west-1", "--region", "us-east-1"].map(shellQuote).join(" ");
    const terminalEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env };
    delete terminalEnv["AWS_ENDPOINT_URL_EKS"];
    const run = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile("script", ["-qec", command, "/dev/null"], { cwd: REPO, env: terminalEnv, timeout: 120_000 }, (error, stdout) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, output: stdout });
      });
    });
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain("eks-warden scan: eu-west-1: 4 clusters");
    expect(run.output).toContain("eks-warden scan: us-east-1: 2 clusters");
    expect(run.output).toMatch(/eks-warden scan: \[6\/6\] (eu-west-1|us-east-1)\/[a-z-]+: (no FAIL|\d+ FAIL)/);
    expect(run.output).toContain("EKS Warden scan of account");
  });

  it("judges by the --policy given and exits by --fail-on", async () => {
    const policy = join(scratch, "policy.json");
    writeFileSync(policy, JSON.stringify({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24"] } }));
    // us-east-1: analytics is public to an allowlisted network (MEDIUM by default), ci-runners is private.
    const high = await scan(["--region", "us-east-1", "--policy", policy, "--fail-on", "high", "--format", "json"]);
    expect(high.code).toBe(0);
    const report = JSON.parse(high.stdout) as { account: string; clusters: { name: string; findings: Finding[] }[]; summary: Record<string, number> };
    expect(report.account).toBe(ACCOUNT);
    expect(report.clusters.map((cluster) => cluster.name)).toEqual(["analytics", "ci-runners"]);
    const analytics = report.clusters[0]!.findings.find((finding) => finding.ruleId === "endpoint-public-access");
    expect(analytics).toMatchObject({ status: "FAIL", severity: "MEDIUM" });
    expect(report.summary).toMatchObject({ clusters: 2, FAIL: 1 });
    const medium = await scan(["--region", "us-east-1", "--policy", policy, "--fail-on", "MEDIUM", "--format", "json"]);
    expect(medium.code).toBe(1);
    // Without the allowlist the same exposure is HIGH.
    const strict = await scan(["--region", "us-east-1", "--fail-on", "HIGH", "--format", "json"]);
    expect(strict.code).toBe(1);
  });

  it("takes the deployment file (warden.config.json) as --policy, as the README shows, with its policy's regions", async () => {
    const config = join(scratch, "warden.config.json");
    writeFileSync(config, JSON.stringify({ region: "eu-west-1", logRetentionDays: 90, policy: { regions: ["us-east-1"], endpoint: { allowedPublicCidrs: ["203.0.113.0/24"] } } }));
    const run = await scan(["--policy", config, "--fail-on", "HIGH", "--format", "json"]);
    expect(run.stderr).not.toMatch(/unknown field/);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { regions: string[] }).regions).toEqual(["us-east-1"]);
    const typo = join(scratch, "typo.config.json");
    writeFileSync(typo, JSON.stringify({ regon: "eu-west-1", policy: {} }));
    const rejected = await scan(["--policy", typo, "--region", "us-east-1"]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain(`--policy ${typo}: invalid deployment configuration: regon: unknown setting; expected one of region, logRetentionDays, historyRetentionDays, ephemeralStages, healthEmails, organization, policy`);
  });

  it("prints no AWS SDK Node-version warning, even when the caller did not silence it", async () => {
    const run = await scan(["--region", "us-east-1", "--format", "json"], { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined });
    expect(run.stdout).toContain('"regions"');
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|will require node/);
  });

  it("takes the configured region when no --region is given", async () => {
    const run = await scan(["--format", "json"], { AWS_REGION: "us-east-1" });
    expect((JSON.parse(run.stdout) as { regions: string[] }).regions).toEqual(["us-east-1"]);
  });

  it("uses the --profile's credentials and region", async () => {
    const config = join(scratch, "config");
    const credentialsFile = join(scratch, "credentials");
    writeFileSync(config, "[profile audit]\nregion = us-east-1\n");
    writeFileSync(credentialsFile, "[audit]\naws_access_key_id = AKIAPROFILEAUDIT0001\naws_secret_access_key = from-profile\n");
    const run = await scan(["--profile", "audit", "--format", "json"], {
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_PROFILE: undefined,
    });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as { account: string; regions: string[]; clusters: unknown[] };
    expect(report).toMatchObject({ account: ACCOUNT, regions: ["us-east-1"] });
    expect(report.clusters).toHaveLength(2);
  });

  it("writes SARIF 2.1.0 that GitHub code scanning accepts: rules with help, results with level, location and fingerprint", async () => {
    const exempting = exemptingPolicy();
    const run = await scan(["--region", "eu-west-1", "--format", "sarif", "--policy", exempting]);
    expect(run.code).toBe(1);
    const log = JSON.parse(run.stdout) as SarifLog;
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    const [sarifRun] = log.runs;
    expect(sarifRun!.tool.driver.name).toBe("EKS Warden");
    expect(sarifRun!.tool.driver.rules.map((rule) => rule.id)).toEqual(rules.map((rule) => rule.id));
    for (const rule of sarifRun!.tool.driver.rules) {
      expect(rule.shortDescription.text.length).toBeGreaterThan(0);
      expect(rule.help.text).toContain("aws eks ");
      expect(rule.help.markdown).toContain("```sh");
      expect(Number(rule.properties["security-severity"])).toBeGreaterThanOrEqual(0);
      expect(["error", "warning", "note"]).toContain(rule.defaultConfiguration.level);
    }
    expect(sarifRun!.invocations[0]!.executionSuccessful).toBe(true);
    const results = sarifRun!.results;
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) {
      expect(sarifRun!.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
      expect(["error", "warning", "note"]).toContain(result.level);
      expect(result.message.text).toMatch(/\.( Fix: .+)?$/);
      const [location] = result.locations;
      expect(location!.physicalLocation.artifactLocation.uri).toMatch(new RegExp(`^eks/${ACCOUNT}/eu-west-1/[\\w-]+$`));
      expect(location!.physicalLocation.region.startLine).toBe(1);
      expect(location!.logicalLocations[0]!.fullyQualifiedName).toMatch(/^arn:aws:eks:eu-west-1:/);
      expect(result.partialFingerprints[FINGERPRINT_KEY]).toMatch(/^[0-9a-f]{32}$/);
    }
    const open = results.find((result) => result.properties.cluster === "web-public" && result.ruleId === "endpoint-public-access");
    expect(open).toMatchObject({ level: "error", locations: [{ physicalLocation: { artifactLocation: { uri: `eks/${ACCOUNT}/eu-west-1/web-public` } } }] });
    expect(open!.message.text).toContain("Fix: aws eks update-cluster-config");
    const exempt = results.find((result) => result.properties.status === "EXEMPT");
    expect(exempt?.suppressions).toEqual([expect.objectContaining({ kind: "external", justification: expect.stringContaining("until 2027-06-30") })]);
    // No PASS is a result: code scanning would show it as an alert.
    expect(results.some((result) => result.properties.status === "PASS")).toBe(false);

    // The same findings on the next scan carry the same fingerprints: GitHub keeps one alert per finding.
    const again = JSON.parse((await scan(["--region", "eu-west-1", "--format", "sarif", "--policy", exempting])).stdout) as SarifLog;
    const prints = (log: SarifLog) => log.runs[0]!.results.map((result) => result.partialFingerprints[FINGERPRINT_KEY]).sort();
    expect(prints(again)).toEqual(prints(log));
    expect(new Set(prints(log)).size).toBe(results.length);
  });

  it("writes the browser report with --format html: one self-contained page, each FAIL once, with its account and region", async () => {
    const json = JSON.parse((await scan(["--region", "eu-west-1", "--format", "json", "--policy", exemptingPolicy()])).stdout) as { clusters: { name: string; findings: Finding[] }[] };
    const run = await scan(["--region", "eu-west-1", "--format", "html", "--policy", exemptingPolicy()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^<!doctype html>/);
    expect(run.stdout).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-`);
    const failing = json.clusters.flatMap(({ name, findings }) => findings.filter((finding) => finding.status === "FAIL").map((finding) => `${finding.ruleId}@${name}`));
    expect(failing.length).toBeGreaterThan(0);
    const rows = [...run.stdout.matchAll(/<tr data-severity="[A-Z]+" data-rank="\d" data-status="FAIL" data-rule="([^"]+)" data-cluster="([^"]+)" data-account="111111111111" data-region="eu-west-1">/g)].map((match) => `${match[1]}@${match[2]}`);
    expect(rows.sort()).toEqual(failing.sort());
    expect(run.stdout.match(/<tr data-account="111111111111" data-region="eu-west-1">/g)).toHaveLength(json.clusters.length);
    expect(run.stderr).toContain("eks-warden scan: ");
  });

  it("exits 4 and says what could not be read when AWS cannot be reached, keeping the rest of the report", async () => {
    const run = await warden(["scan", "--endpoint-url", "http://127.0.0.1:9", "--region", "eu-west-1", "--format", "sarif"], env);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/eu-west-1: cannot list clusters: EKS ListClusters failed after retries/);
    const log = JSON.parse(run.stdout) as SarifLog;
    expect(log.runs[0]!.invocations[0]!.executionSuccessful).toBe(false);
    expect(log.runs[0]!.invocations[0]!.toolExecutionNotifications[0]!.message.text).toMatch(/^eu-west-1: EKS ListClusters failed/);
  });

  it("exits 4 when one cluster cannot be read, and still reports the others", async () => {
    sim.faults.failNext("DescribeCluster", 1, { errorType: "AccessDeniedException", status: 403, message: "User is not authorized to perform eks:DescribeCluster" });
    try {
      const run = await scan(["--region", "us-east-1", "--concurrency", "1"]);
      expect(run.code).toBe(4);
      expect(run.stdout).toMatch(/NOT SCANNED {2}us-east-1\/analytics: access denied to eks:DescribeCluster/);
      expect(run.stdout).toMatch(/ci-runners\s+us-east-1\s+PASS/);
      expect(run.stdout).toContain("1 cluster in us-east-1");
    } finally {
      sim.faults.clear();
    }
  });

  it("says its EKS calls, their rate and the throttles it met at the end (stderr)", async () => {
    const run = await scan(["--region", "us-east-1", "--format", "json"]);
    expect(run.stderr).toMatch(/eks-warden scan: \d+ EKS calls in \d+\.\d s \(\d+\.\d calls\/s\), 0 throttled; concurrency 4\n/);
  });

  it("under EKS's rate limit (faults.eks.rateLimit) backs off, retries every throttled call and still reads every cluster", async () => {
    // 8 clusters at once ask for far more than 4 calls a second after a burst of 2.
    sim.faults.apply({ eks: { latencyMs: 0, throttleRate: 0, errorRate: 0, rateLimit: { perSecond: 4, burst: 2 } } });
    try {
      const run = await scan(["--region", "eu-west-1", "--concurrency", "8", "--rule", "endpoint-public-access", "--format", "json"]);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toContain("cannot be read");
      expect((JSON.parse(run.stdout) as { clusters: unknown[] }).clusters).toHaveLength(4);
      const rate = /(\d+) EKS calls in [\d.]+ s \([\d.]+ calls\/s\), (\d+) throttled; concurrency 8, lowest (\d+), back up to (\d+)/.exec(run.stderr);
      expect(rate, run.stderr).not.toBeNull();
      const [, calls, throttled, lowest] = rate!.map(Number);
      expect(throttled).toBeGreaterThan(0);
      expect(throttled).toBe(sim.faults.injected().rateLimited);
      expect(calls! - throttled!).toBe(5);
      expect(lowest).toBeLessThan(8);
    } finally {
      sim.faults.clear();
    }
  });

  it("refuses a --profile that neither AWS file defines, at once and naming both files (exit 2), instead of scanning with no credentials", async () => {
    const home = mkdtempSync(join(tmpdir(), "warden-aws-home-"));
    try {
      mkdirSync(join(home, ".aws"));
      writeFileSync(join(home, ".aws", "config"), "[profile auditor]\nregion = eu-west-1\n");
      const files = { AWS_CONFIG_FILE: join(home, ".aws", "config"), AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials") };
      const run = await scan(["--profile", "nosuchprofile", "--region", "eu-west-1"], files);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim()).toBe(`eks-warden scan: --profile: profile "nosuchprofile" not found in ${files.AWS_CONFIG_FILE} or ${files.AWS_SHARED_CREDENTIALS_FILE}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it.each([
    [["--format", "xml"], '--format "xml": expected one of table, json, sarif, html'],
    [["--fail-on", "urgent"], '--fail-on "urgent": expected one of CRITICAL, HIGH, MEDIUM, LOW, INFO'],
    [["--region", "Europe"], '--region "Europe" is not an AWS region such as "eu-west-1"'],
    [["--region", "eu-wst-1"], '--region "eu-wst-1" is not an AWS region; did you mean eu-west-1?'],
    [["--policy", "/no/such/policy.json", "--region", "eu-west-1"], "--policy /no/such/policy.json: cannot read the file (no such file)"],
    [["--concurrency", "0"], '--concurrency "0": expected a whole number from 1 to 32'],
    [["--surprise"], "Unknown option '--surprise'"],
    [["--rule", "endpoint-public-access,endpoint-publik-access"], `--rule "endpoint-publik-access": no such rule; the rules are ${rules.map((rule) => rule.id).join(", ")}`],
  ])("exits 2 on bad usage: %j", async (args, message) => {
    const run = await scan(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("--rule runs only those rules and reads only their data: ListClusters, one DescribeCluster per cluster, one DescribeClusterVersions per region", async () => {
    sim.calls.reset();
    const run = await scan(["--region", "eu-west-1", "--region", "us-east-1", "--rule", "version-drift,endpoint-public-access", "--rule", "version-support", "--format", "json"]);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as { clusters: { name: string; findings: Finding[] }[] };
    expect(report.clusters).toHaveLength(6);
    for (const cluster of report.clusters) expect(cluster.findings.map((finding) => finding.ruleId).sort()).toEqual(["endpoint-public-access", "version-drift", "version-support"]);
    // Four workers collect at once: they share the one catalogue request of each region.
    expect(sim.calls.all()).toEqual({ GetCallerIdentity: 1, ListClusters: 2, DescribeCluster: 6, DescribeClusterVersions: 2 });

    sim.calls.reset();
    const endpoint = await scan(["--region", "eu-west-1", "--region", "us-east-1", "--rule", "endpoint-public-access", "--format", "sarif"]);
    expect(endpoint.code).toBe(1);
    expect((JSON.parse(endpoint.stdout) as SarifLog).runs[0]!.tool.driver.rules.map((rule) => rule.id)).toEqual(["endpoint-public-access"]);
    expect(sim.calls.all()).toEqual({ GetCallerIdentity: 1, ListClusters: 2, DescribeCluster: 6 });
  });

  it("without --rule reads what every rule needs, the catalogues once per region", async () => {
    sim.calls.reset();
    const run = await scan(["--region", "eu-west-1", "--region", "us-east-1", "--format", "json"], { AWS_ENDPOINT_URL_SSM: sim.url });
    expect(run.code, run.stderr).toBe(1);
    // The demo fleet has no node groups, add-ons, access entries or identity providers: nothing to describe, no AMI
    // parameter or add-on catalogue to read.
    expect(sim.calls.all()).toEqual({ GetCallerIdentity: 1, ListClusters: 2, DescribeCluster: 6, DescribeClusterVersions: 2, ListNodegroups: 6, ListAddons: 6, ListInsights: 6, ListAccessEntries: 6, ListIdentityProviderConfigs: 6 });
  });

  it("exits 2 when no region is given or configured", async () => {
    const run = await warden(["scan", "--endpoint-url", sim.url], { ...env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined, AWS_CONFIG_FILE: join(scratch, "no-config") });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no region to scan");
    expect((await warden(["scan", "--endpoint-url", "ftp://x"], env)).stderr).toContain("expected an http(s) URL");
  });
});

describe("SARIF mapping", () => {
  const cluster = { arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/a b`, account: ACCOUNT, region: "eu-west-1", name: "a b" };
  it("maps severities to levels: CRITICAL and HIGH block, MEDIUM warns, LOW and INFO are notes", () => {
    expect((["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"] as const).map(sarifLevel)).toEqual(["error", "error", "warning", "note", "note"]);
  });

  it("gives a stable pseudo-path and fingerprint per rule and cluster", () => {
    expect(clusterArtifactUri(cluster)).toBe(`eks/${ACCOUNT}/eu-west-1/a%20b`);
    expect(findingFingerprint({ ruleId: "x", clusterArn: cluster.arn })).toBe(findingFingerprint({ ruleId: "x", clusterArn: cluster.arn }));
    expect(findingFingerprint({ ruleId: "x", clusterArn: cluster.arn })).not.toBe(findingFingerprint({ ruleId: "y", clusterArn: cluster.arn }));
  });

  it("reports an ERROR finding as a warning that says it could not decide, and a finding of an unknown rule without ruleIndex", () => {
    const base = { clusterArn: cluster.arn, severity: "HIGH" as const, evidence: {}, remediation: { text: "t", command: "aws eks describe-cluster" } };
    const log = toSarif({
      rules,
      clusters: [{ cluster, findings: [{ ...base, ruleId: "version-support", status: "ERROR", message: "No catalogue." }, { ...base, ruleId: "retired-rule", status: "FAIL", message: "Old." }] }],
      problems: [],
      toolVersion: "1.2.3",
      startedAt: new Date(0),
      endedAt: new Date(1000),
    });
    const [error, retired] = log.runs[0]!.results;
    expect(error).toMatchObject({ level: "warning", message: { text: "Could not evaluate: No catalogue." } });
    expect(retired).not.toHaveProperty("ruleIndex");
    expect(retired).toMatchObject({ level: "error", message: { text: "Old. Fix: aws eks describe-cluster" } });
  });
});

describe("scan's and digest's exit code", () => {
  const arn = "arn:aws:eks:eu-west-1:111122223333:cluster/undecided";
  const finding = (ruleId: string, status: Finding["status"], severity: Finding["severity"]): Finding => ({
    ruleId,
    clusterArn: arn,
    status,
    severity,
    message: `EKS cluster undecided (eu-west-1) is ${status}.`,
    evidence: {},
    remediation: { text: "t", command: "aws eks describe-cluster" },
  });
  const fleet = [finding("version-support", "ERROR", "CRITICAL"), finding("version-drift", "FAIL", "MEDIUM")];

  it("fails the gate on a rule that could not decide at or above --fail-on, unless --allow-errors; an unread part wins", () => {
    expect(fleetExitCode("scan", false, fleet, { failOn: "HIGH", allowErrors: false })).toBe(1);
    expect(fleetExitCode("scan", false, fleet, { failOn: "HIGH", allowErrors: true })).toBe(0);
    expect(fleetExitCode("scan", false, fleet, { failOn: "MEDIUM", allowErrors: true })).toBe(1);
    expect(fleetExitCode("digest", true, fleet, { failOn: "HIGH", allowErrors: true })).toBe(4);
  });
});

describe("scan's table", () => {
  const identity = (name: string) => ({ arn: `arn:aws:eks:eu-west-1:111122223333:cluster/${name}`, account: "111122223333", region: "eu-west-1", name });
  const finding = (cluster: string, ruleId: string, status: Finding["status"], severity: Finding["severity"]): Finding => ({
    ruleId,
    clusterArn: identity(cluster).arn,
    status,
    severity,
    message: `EKS cluster ${cluster} (eu-west-1) is ${status}.`,
    evidence: {},
    remediation: { text: "t", command: `aws eks describe-cluster --name ${cluster}` },
  });

  it("lists findings worst first across clusters, then the clusters where everything passes", () => {
    const table = renderScanTable({
      account: "111122223333",
      memberAccounts: [],
      regions: ["eu-west-1"],
      startedAt: new Date("2026-12-07T00:00:00Z"),
      problems: [],
      clusters: [
        { cluster: identity("alpha"), findings: [finding("alpha", "version-drift", "FAIL", "MEDIUM"), finding("alpha", "upgrade-insights", "ERROR", "HIGH")] },
        { cluster: identity("beta"), findings: [finding("beta", "endpoint-private-access", "PASS", "HIGH")] },
        { cluster: identity("gamma"), findings: [finding("gamma", "endpoint-public-access", "FAIL", "CRITICAL"), finding("gamma", "version-drift", "FAIL", "MEDIUM")] },
      ],
    });
    const rows = table.split("\n").filter((line) => /^(alpha|beta|gamma)\s/.test(line)).map((line) => line.split(/\s{2,}/).slice(0, 4).join(" "));
    expect(rows).toEqual([
      "gamma eu-west-1 FAIL CRITICAL",
      "alpha eu-west-1 FAIL MEDIUM",
      "gamma eu-west-1 FAIL MEDIUM",
      "alpha eu-west-1 ERROR HIGH",
      "beta eu-west-1 PASS all 1 rules pass or do not apply",
    ]);
  });
});
