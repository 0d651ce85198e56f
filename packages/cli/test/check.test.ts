// `eks-warden check`, spawned as a user (or a CI job) runs it, on the desired-state fixtures.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { REPO, warden } from "./scenario-helpers.ts";

const DESIRED = "packages/core/test/fixtures/desired";
const PLAN = `${DESIRED}/terraform-plan.json`;
const VERSIONS = "test/fixtures/eks/DescribeClusterVersions.json";
const NOW = "2026-06-01T12:00:00Z";
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "warden-check-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface CheckJson {
  summary: Record<string, number | string>;
  clusters: { name: string; source: { file: string; resource: string; line: number }; findings: { ruleId: string; status: string; severity: string; evidence: Record<string, unknown>; remediation: { command: string; inFile?: { line: number; change: string } } }[] }[];
  problems: unknown[];
}

describe("eks-warden check on a Terraform plan", () => {
  it("prints {summary, clusters: [{name, source, findings}], problems} and exits 1 on the FAILs", async () => {
    const run = await warden(["check", PLAN, "--format", "json", "--versions", VERSIONS, "--now", NOW]);
    expect(run.code).toBe(1);
    // edge-gateway's public CIDRs are known only after apply: its endpoint rule could not decide, and says so; so could
    // not platform-prod's cluster-admin rule, whose access entry's principal is known only after apply. web-public and
    // edge-gateway declare no access data: their access findings are reported, not counted (the first line says so).
    expect(run.stderr).toBe(
      "eks-warden check: web-public, edge-gateway: no access configuration or access entry declared: the access rules judge AWS's defaults (CONFIG_MAP, no entries), which --fail-on does not count (--strict counts them)\n" +
        "eks-warden check: 2 rules could not decide at or above INFO (access-cluster-admin, endpoint-public-access): the gate fails; --allow-errors lets it pass\n",
    );
    const report = JSON.parse(run.stdout) as CheckJson;
    expect(report.summary).toMatchObject({ files: 1, clusters: 3, versionCatalogue: "file" });
    expect(report.problems).toEqual([]);
    const web = report.clusters.find((cluster) => cluster.name === "web-public")!;
    expect(web.source).toMatchObject({ file: PLAN, resource: "module.web.aws_eks_cluster.this", line: 160 });
    const open = web.findings.find((finding) => finding.ruleId === "endpoint-public-access")!;
    expect([open.status, open.severity]).toEqual(["FAIL", "CRITICAL"]);
    expect(open.remediation.inFile?.change).toContain("endpoint_public_access = false");
    expect(open.remediation.command).toContain("endpointPublicAccess=false");
    // The rules that need node groups, add-ons or insights do not run on a file.
    expect(new Set(web.findings.map((finding) => finding.ruleId))).not.toContain("nodegroup-version-skew");
  });

  it("gates by --fail-on, and counts the version rules' ERRORs without a catalogue only under --strict", async () => {
    const policy = join(scratch, "policy.json");
    writeFileSync(policy, JSON.stringify({}));
    const privateOnly = join(scratch, "private.json");
    writeFileSync(
      privateOnly,
      JSON.stringify({
        format_version: "1.2",
        terraform_version: "1.9.8",
        planned_values: {
          root_module: {
            resources: [
              {
                address: "aws_eks_cluster.p",
                mode: "managed",
                type: "aws_eks_cluster",
                name: "p",
                values: { name: "private-one", version: "1.33", enabled_cluster_log_types: ["audit"], vpc_config: [{ endpoint_public_access: false, endpoint_private_access: true }] },
              },
            ],
          },
        },
      }),
    );
    const lenient = await warden(["check", privateOnly, "--policy", policy, "--format", "json"]);
    expect(lenient.stderr).toContain("no version catalogue");
    expect(lenient.code).toBe(0);
    const findings = (JSON.parse(lenient.stdout) as CheckJson).clusters[0]!.findings;
    expect(findings.find((finding) => finding.ruleId === "version-support")?.status).toBe("ERROR");
    // The plan declares no access_config: the access rules judge EKS's default (CONFIG_MAP), reported but not counted.
    expect(lenient.stderr).toContain("private-one: no access configuration or access entry declared");
    expect(findings.find((finding) => finding.ruleId === "access-authentication-mode")).toMatchObject({ status: "FAIL", severity: "MEDIUM" });
    const strict = await warden(["check", privateOnly, "--strict", "--format", "json"]);
    expect(strict.code).toBe(1);
    const high = await warden(["check", PLAN, "--versions", VERSIONS, "--now", NOW, "--fail-on", "critical", "--allow-errors", "--format", "json"]);
    expect(high.code).toBe(1);
    const allowed = await warden(["check", `${DESIRED}/terraform-plan.json`, "--rule", "control-plane-audit-logging", "--fail-on", "high"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("FAIL    MEDIUM    control-plane-audit-logging");
  });
});

describe("eks-warden check on files it cannot read", () => {
  const cases: [string, string, string, RegExp][] = [
    ["none of the formats", "notes.yaml", "title: release notes\n", /^eks-warden check: .*notes\.yaml:1:1: none of the formats eks-warden check reads/],
    ["malformed JSON", "plan.json", '{\n  "format_version": "1.2",\n  "planned_values": {,\n}\n', /^eks-warden check: .*plan\.json:3:\d+: not valid JSON or YAML: /],
    ["malformed YAML", "eksctl.yaml", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: [x\n", /^eks-warden check: .*eksctl\.yaml:\d+:\d+: not valid JSON or YAML: /],
    ["a plan without planned_values", "state.json", JSON.stringify({ format_version: "1.0", terraform_version: "1.9.8", values: {} }), /^eks-warden check: .*state\.json:1:1: a Terraform plan without planned_values/],
    ["an unknown CloudFormation tag", "stack.yaml", "Resources:\n  C:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: !Foo x\n", /^eks-warden check: .*stack\.yaml:5:\d+: unknown tag !Foo; expected one of CloudFormation's short intrinsic tags/],
  ];
  it.each(cases)("%s: exit 2, one line naming the file, line and column, no stack trace", async (_what, name, content, expected) => {
    const file = join(scratch, name);
    writeFileSync(file, content);
    const run = await warden(["check", PLAN, file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(expected);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("a missing file: exit 2 naming it", async () => {
    const run = await warden(["check", join(scratch, "absent.json")]);
    expect([run.code, run.stderr]).toEqual([2, `eks-warden check: ${join(scratch, "absent.json")}: cannot read the file (no such file)\n`]);
  });
});

describe("eks-warden check --format sarif", () => {
  it("points each result at the file and the line of the setting to change, for GitHub code scanning", async () => {
    const file = `${DESIRED}/cloudformation.yaml`;
    const run = await warden(["check", file, "--versions", VERSIONS, "--now", NOW, "--format", "sarif"]);
    expect(run.code).toBe(1);
    const sarif = JSON.parse(run.stdout) as { runs: { automationDetails: { id: string }; results: { ruleId: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; properties: { cluster: string } }[] }[] };
    const [only] = sarif.runs;
    expect(only!.automationDetails.id).toBe("eks-warden/check/");
    const vendorEndpoint = only!.results.find((result) => result.ruleId === "endpoint-public-access" && result.properties.cluster === "vendor-ingress")!;
    // Line 68 of the template: `EndpointPublicAccess: true` of VendorCluster.
    expect(vendorEndpoint.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: file }, region: { startLine: 68 } });
    const analytics = only!.results.find((result) => result.ruleId === "endpoint-public-access" && result.properties.cluster === "analytics")!;
    // An ERROR has no setting to change: it points at the resource.
    expect(analytics.locations[0]!.physicalLocation.region).toEqual({ startLine: 71, startColumn: 3 });
    expect(analytics.message.text).toContain("!ImportValue shared-network-EgressCidr");
  });
});

describe("eks-warden check --against-live", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      fleet: {
        _what: "payments-prod as eksctl-private.yaml declares it, but with its public endpoint turned on outside Git; the recorded version catalogue",
        defaultAccount: "111111111111",
        defaultRegion: "eu-west-1",
        clusterVersions: (JSON.parse(readFileSync(join(REPO, VERSIONS), "utf8")) as { data: { clusterVersions: Record<string, unknown>[] } }).data.clusterVersions,
        clusters: [
          {
            cluster: {
              name: "payments-prod",
              arn: "arn:aws:eks:eu-west-1:111111111111:cluster/payments-prod",
              version: "1.33",
              status: "ACTIVE",
              resourcesVpcConfig: { subnetIds: ["subnet-0a1b2c3d4e5f60718"], endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
              logging: { clusterLogging: [{ types: ["api", "audit"], enabled: true }, { types: ["authenticator", "controllerManager", "scheduler"], enabled: false }] },
              accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
              tags: {},
            },
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  const env = () => ({ AWS_ACCESS_KEY_ID: "AKIACHECKTESTUSER001", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_STS: sim.url, AWS_ENDPOINT_URL_EKS: undefined });

  it("reports each live setting that differs from the file as drift, with the file and line that say otherwise", async () => {
    const file = `${DESIRED}/eksctl-private.yaml`;
    const run = await warden(["check", file, `${DESIRED}/eksctl-public.yaml`, "--against-live", "--endpoint-url", sim.url, "--rule", "control-plane-audit-logging", "--format", "json"], env());
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as CheckJson & { clusters: { drift?: { status: string; severity: string; message: string; evidence: Record<string, unknown> }[] }[]; problems: { scope: string; message: string }[] };
    const drift = report.clusters[0]!.drift!;
    expect(drift.map((finding) => [finding.status, finding.severity, finding.evidence["setting"], finding.evidence["line"]])).toEqual([
      ["FAIL", "HIGH", "endpointPublicAccess", 14],
      ["FAIL", "HIGH", "publicAccessCidrs", 14],
    ]);
    expect(drift[0]!.message).toBe(`EKS cluster payments-prod (eu-west-1) has endpointPublicAccess true live, but ${file}:14 declares false: changed outside Git, or not applied yet.`);
    // web-public is not deployed: said, not an error.
    expect(report.problems).toEqual([{ scope: "eu-west-1/web-public", message: `no live cluster of this name (${DESIRED}/eksctl-public.yaml:5 is not deployed yet), so there is no drift to report` }]);
  });

  it("--live-versions reads the catalogue with the user's credentials and judges as with the same catalogue in a file", async () => {
    const file = `${DESIRED}/eksctl-private.yaml`;
    const live = await warden(["check", file, "--live-versions", "--endpoint-url", sim.url, "--now", NOW, "--format", "json"], env());
    const fromFile = await warden(["check", file, "--versions", VERSIONS, "--now", NOW, "--format", "json"]);
    const liveReport = JSON.parse(live.stdout) as CheckJson;
    expect(liveReport.summary["versionCatalogue"]).toBe("live");
    const verdicts = (report: CheckJson) => report.clusters[0]!.findings.map((finding) => `${finding.ruleId} ${finding.status} ${finding.severity}`);
    expect(verdicts(liveReport)).toEqual(verdicts(JSON.parse(fromFile.stdout) as CheckJson));
    expect(verdicts(liveReport)).toContain("version-support FAIL MEDIUM");
    expect(live.code).toBe(fromFile.code);
  });

  it("exits 4 when AWS cannot be read, naming what", async () => {
    const run = await warden(["check", `${DESIRED}/eksctl-private.yaml`, "--against-live", "--endpoint-url", "http://127.0.0.1:9"], { ...env(), AWS_MAX_ATTEMPTS: "1" });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/eks-warden check: eu-west-1: /);
  });
});

describe("eks-warden check as the documented CI and pre-commit run it", () => {
  /** Runs the installed command (what `npx eks-warden` starts) in `cwd`, through a shell as a workflow step does. */
  const shell = (command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const bin = join(REPO, "packages/cli/bin/eks-warden.js");
      const script = command.replace(/^npx eks-warden /, `"${process.execPath}" "${bin}" `).replace(/^eks-warden /, `"${process.execPath}" "${bin}" `);
      execFile("/bin/sh", ["-c", script], { cwd, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
      });
    });

  it("the GitHub Actions step of docs/gitops.md writes SARIF pointing at plan.json's lines, and fails the job on a HIGH", async () => {
    const step = /run: (npx eks-warden check [^\n]+)/.exec(readFileSync(join(REPO, "docs/gitops.md"), "utf8"))![1]!;
    expect(step).toBe("npx eks-warden check plan.json --format sarif --fail-on HIGH > eks-warden.sarif");
    const workspace = mkdtempSync(join(scratch, "workspace-"));
    copyFileSync(join(REPO, PLAN), join(workspace, "plan.json"));
    const run = await shell(step, workspace);
    expect(run.code).toBe(1);
    const sarif = JSON.parse(readFileSync(join(workspace, "eks-warden.sarif"), "utf8")) as { version: string; runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    expect(sarif.version).toBe("2.1.0");
    const open = sarif.runs[0]!.results.find((result) => result.ruleId === "endpoint-public-access" && result.level === "error")!;
    expect(open.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: "plan.json" }, region: { startLine: 175 } });
  });

  it("the pre-commit hook's entry passes a private cluster and stops a public one", async () => {
    const entry = /entry: (.+)/.exec(readFileSync(join(REPO, ".pre-commit-hooks.yaml"), "utf8"))![1]!;
    expect(entry).toBe("eks-warden check --fail-on HIGH --ignore-other-files");
    // Staged with it: a YAML file that declares no cluster, which the hook passes over instead of stopping (exit 2).
    const workflow = join(scratch, "ci.yaml");
    writeFileSync(workflow, "name: ci\non: [push]\njobs: {}\n");
    // The private cluster grants cluster admin to platform-admins: the hook's args (docs/gitops.md) give it the policy
    // that allowlists that role, as a repository's .pre-commit-config.yaml does.
    const policy = join(scratch, "hook-policy.json");
    writeFileSync(policy, JSON.stringify({ access: { admins: ["arn:aws:iam::123456789012:role/platform-admins"] } }));
    const withoutPolicy = await shell(`${entry} ${DESIRED}/eksctl-private.yaml`, REPO);
    expect(withoutPolicy.code).toBe(1);
    expect(withoutPolicy.stdout).toContain("access-cluster-admin");
    const passing = await shell(`${entry} --policy ${policy} ${DESIRED}/eksctl-private.yaml ${workflow}`, REPO);
    expect(passing.stderr).toContain(`${workflow}: passed over: none of the formats (--ignore-other-files)`);
    expect(passing.code).toBe(0);
    const failing = await shell(`${entry} ${DESIRED}/eksctl-private.yaml ${DESIRED}/eksctl-public.yaml`, REPO);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain("FAIL    CRITICAL  endpoint-public-access: EKS cluster web-public (eu-west-1)");
  });
});
