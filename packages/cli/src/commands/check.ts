// `eks-warden check FILE...`: the desired state (Terraform plan JSON, CloudFormation JSON/YAML incl. CDK output,
// eksctl ClusterConfig) judged by the same rules, policy and version catalogue as `scan`, before it is deployed. Each
// declared cluster becomes the snapshot the live collector would build (core/desired), so a file and the live
// cluster it becomes get the same verdicts. Exit codes as evaluate's: 0 fine, 1 a FAIL (or an ERROR, unless
// --allow-errors) at or above --fail-on, 2 a file or argument it cannot read (one line naming file:line:column),
// 3 an internal error, 4 (--live-versions, --against-live) AWS could not be read.
import { readFile } from "node:fs/promises";
import { relative, isAbsolute } from "node:path";
import { clusterArnOf, oneLine, parseIsoDate, readsFor, type Gate, normaliseVersionCatalogue, rules as registry, ruleById, worstFirst } from "@eks-warden/core";
import type { Finding, Policy, Rule, VersionCatalogue } from "@eks-warden/core";
import { checkDesiredCluster, declaresAccess, DesiredStateError, driftFindings, NotADesiredState, judgesDesiredState, readDesiredState, type CheckedCluster, type DesiredState } from "@eks-warden/core/desired";
import { paletteFor, type Palette } from "../output/colour.ts";
import { toSarif, type ScannedCluster, type ScanProblem } from "../output/sarif.ts";
import type { FleetReader, ScanOptions } from "./scan.ts";
import { choiceOption, CliInputError, GATE_OPTIONS, gateExitCode, gateOption, gateUsage, interpretOption, parseCommandLine, readJsonOption, readPolicyOption, unreadableReason, type Command } from "./command.ts";

/** The rules a declared cluster can feed: those reading the cluster record, the catalogue and the access data. */
export const DESIRED_RULES: readonly Rule[] = registry.filter(judgesDesiredState);

/** The account declared clusters are given when --account is not: no real account, so no ARN is mistaken for one. */
export const PLACEHOLDER_ACCOUNT = "000000000000";
const DEFAULT_REGION = "us-east-1";

const usage = `Usage: eks-warden check FILE... [options]

Judges the EKS clusters that FILE declares, before they are deployed, by the rules that judge a cluster's record
(endpoint, version, logging, access), as \`eks-warden scan\` judges them live. The format is read from the content:
  Terraform plan JSON   terraform plan -out plan.out && terraform show -json plan.out > plan.json
  CloudFormation        a template, JSON or YAML (short tags !Ref, !Sub, !GetAtt...), or CDK's cdk.out/*.template.json
  eksctl                a ClusterConfig (apiVersion: eksctl.io/v1alpha5)
A setting known only at deployment ("known after apply", an unresolvable intrinsic) is judged as AWS's default; when
the verdict depends on it, the finding is ERROR and says so.

Options:
  --rule ID             run only this rule (repeatable, or comma-separated): ${DESIRED_RULES.map((rule) => rule.id).join(", ")}
  --policy FILE         policy to judge by: warden.config.json, or a bare policy (JSON); default: the default policy
  --versions FILE       DescribeClusterVersions output (aws eks describe-cluster-versions) for the version rules
  --live-versions       read the version catalogue from AWS with your credentials (eks:DescribeClusterVersions)
  --strict              count for --fail-on what a file may leave out (default: not counted): the version rules'
                        ERRORs without a catalogue, the access rules' findings on a cluster declaring no access
  --against-live        also read the live clusters of the same names (like scan: ListClusters, DescribeCluster)
                        and report drift: a live setting that differs from the file (changed outside Git)
  --ignore-other-files  pass over a file in none of the formats (a hook given every staged YAML), instead of exit 2
  --profile NAME        AWS profile for --live-versions and --against-live
  --endpoint-url URL    send EKS calls there instead of AWS (e.g. the simulator of \`eks-warden serve\`)
  --region REGION       region of a cluster whose file names none (default: AWS_REGION, else ${DEFAULT_REGION})
  --account ID          account id for the clusters' ARNs in the report (default: ${PLACEHOLDER_ACCOUNT})
  --now ISO             evaluation time, ISO 8601 (default: now)
  --format FORMAT       table, json or sarif (SARIF 2.1.0 with the file and line of each finding) (default: table)
${gateUsage(24)}
  -h, --help            show this help

Exit codes: 0 nothing at or above --fail-on; 1 a FAIL or an ERROR at or above it; 2 a file or argument that cannot be
read; 3 internal error; 4 AWS could not be read (--live-versions, --against-live).`;

const FORMATS = ["table", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

export interface CheckOptions {
  readonly files: readonly string[];
  readonly rules: readonly Rule[];
  readonly policy?: string;
  readonly versions?: string;
  readonly liveVersions: boolean;
  readonly strict: boolean;
  readonly againstLive: boolean;
  /** A well-formed file in none of the formats is passed over (with a note on stderr) instead of exit 2: for hooks. */
  readonly ignoreOtherFiles: boolean;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly region: string;
  readonly regionGiven: boolean;
  readonly account: string;
  readonly now: Date;
  readonly format: Format;
  readonly gate: Gate;
}

function selectRules(values: readonly string[] | undefined): Rule[] {
  const ids = (values ?? []).flatMap((value) => value.split(",")).map((id) => id.trim()).filter((id) => id !== "");
  if (ids.length === 0) return [...DESIRED_RULES];
  for (const id of ids) {
    const rule = ruleById(id);
    if (rule === undefined) throw new CliInputError(`--rule ${JSON.stringify(id)}: no such rule; the rules check runs are ${DESIRED_RULES.map((each) => each.id).join(", ")}`);
    if (!judgesDesiredState(rule)) throw new CliInputError(`--rule ${id}: it judges ${rule.reads.join(", ")}, which a desired-state file does not declare; run it with \`eks-warden scan\``);
  }
  return DESIRED_RULES.filter((rule) => ids.includes(rule.id));
}

export function parseCheckOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CheckOptions | "help" {
  const parsed = parseCommandLine(
    argv,
    {
      rule: { type: "string", multiple: true },
      policy: { type: "string" },
      versions: { type: "string" },
      "live-versions": { type: "boolean" },
      strict: { type: "boolean" },
      "against-live": { type: "boolean" },
      "ignore-other-files": { type: "boolean" },
      profile: { type: "string" },
      "endpoint-url": { type: "string" },
      region: { type: "string" },
      account: { type: "string" },
      now: { type: "string" },
      format: { type: "string" },
      ...GATE_OPTIONS,
    },
    true,
  );
  if (parsed === "help") return "help";
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new CliInputError("no FILE given; expected one or more Terraform plan JSON, CloudFormation or eksctl files (see --help)");
  if (values.versions !== undefined && values["live-versions"] === true) throw new CliInputError("--versions and --live-versions: give one catalogue, not both");
  const now = values.now === undefined ? new Date() : parseIsoDate(values.now);
  if (now === undefined) throw new CliInputError(`--now ${JSON.stringify(values.now)}: expected an ISO 8601 date or date-time, e.g. 2026-06-01T12:00:00Z`);
  const account = values.account ?? PLACEHOLDER_ACCOUNT;
  if (!/^\d{12}$/.test(account)) throw new CliInputError(`--account ${JSON.stringify(account)}: expected a 12-digit AWS account id`);
  const region = values.region ?? env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? DEFAULT_REGION;
  if (!/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/.test(region)) throw new CliInputError(`--region ${JSON.stringify(region)}: expected an AWS region such as eu-west-1`);
  return {
    files: positionals,
    rules: selectRules(values.rule),
    ...(values.policy !== undefined && { policy: values.policy }),
    ...(values.versions !== undefined && { versions: values.versions }),
    liveVersions: values["live-versions"] === true,
    strict: values.strict === true,
    againstLive: values["against-live"] === true,
    ignoreOtherFiles: values["ignore-other-files"] === true,
    ...(values.profile !== undefined && { profile: values.profile }),
    ...(values["endpoint-url"] !== undefined && { endpointUrl: values["endpoint-url"] }),
    region,
    regionGiven: values.region !== undefined,
    account,
    now,
    format: choiceOption("--format", values.format, FORMATS, "table"),
    gate: gateOption(values),
  };
}

/** A file's declared clusters; an unreadable or malformed file is a one-line CliInputError (exit 2). */
export async function readDesiredFile(path: string, ignoreOtherFiles = false): Promise<DesiredState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliInputError(`${path}: cannot read the file (${unreadableReason(error)})`, { cause: error });
  }
  try {
    return readDesiredState(path, text);
  } catch (error) {
    if (ignoreOtherFiles && error instanceof NotADesiredState) {
      process.stderr.write(`eks-warden check: ${path}: passed over: none of the formats (--ignore-other-files)\n`);
      return undefined;
    }
    if (error instanceof DesiredStateError) throw new CliInputError(oneLine(error), { cause: error });
    throw error;
  }
}

export interface CheckReport {
  readonly files: readonly DesiredState[];
  readonly clusters: readonly CheckedCluster[];
  readonly problems: readonly ScanProblem[];
  /** Drift between each file's cluster and the live one (--against-live), by the cluster's index in `clusters`. */
  readonly drift: ReadonlyMap<number, readonly Finding[]>;
  readonly catalogue: "file" | "live" | "none";
  readonly startedAt: Date;
  /** AWS could not be read for --live-versions or --against-live: the report is incomplete (exit 4). */
  readonly unread: boolean;
}

const isAccessFinding = (finding: Finding): boolean => ruleById(finding.ruleId)?.area === "access";

/** The declared clusters whose file says nothing about access (no access configuration, no entry). */
export function clustersWithoutAccess(report: Pick<CheckReport, "clusters">): CheckedCluster[] {
  return report.clusters.filter((checked) => !declaresAccess(checked.cluster));
}

/**
 * The findings the gate counts. Unless --strict, two kinds of data a file may not give are not held against it: the
 * version rules' ERRORs without a catalogue, and the access rules' findings on a cluster whose file declares no access
 * data (they judge AWS's defaults: CONFIG_MAP, no entries). Both are still reported.
 */
export function gatedFindings(report: Pick<CheckReport, "clusters" | "drift" | "catalogue">, strict: boolean): Finding[] {
  const drift = [...report.drift.values()].flat();
  if (strict) return [...report.clusters.flatMap((checked) => checked.findings), ...drift];
  const counted = report.clusters.flatMap((checked) => (declaresAccess(checked.cluster) ? checked.findings : checked.findings.filter((finding) => !isAccessFinding(finding))));
  const all = [...counted, ...drift];
  if (report.catalogue !== "none") return all;
  return all.filter((finding) => !(finding.status === "ERROR" && ruleById(finding.ruleId)?.reads.includes("versionCatalogue") === true && finding.evidence["unknownUntilDeployment"] === undefined));
}

export async function check(options: CheckOptions): Promise<CheckReport> {
  const startedAt = new Date();
  const [read, policy, versionsInput] = await Promise.all([
    Promise.all(options.files.map((file) => readDesiredFile(file, options.ignoreOtherFiles))),
    readPolicyOption(options.policy),
    options.versions === undefined ? undefined : readJsonOption("--versions", options.versions),
  ]);
  const files = read.filter((file): file is DesiredState => file !== undefined);
  const problems: ScanProblem[] = [];
  let unread = false;
  let versions = options.versions === undefined ? undefined : interpretOption("--versions", options.versions, () => normaliseVersionCatalogue(versionsInput));
  const regions = [...new Set(files.flatMap((file) => file.clusters.map((cluster) => cluster.region ?? options.region)))];
  // scan's reader (and with it the AWS SDK) is loaded only when AWS is to be read: a plain check starts faster.
  const live = options.liveVersions || options.againstLive ? await import("./scan.ts") : undefined;
  const reader = live === undefined ? undefined : await live.openFleetReader(fleetOptions(options, regions), policy, "check");
  try {
    if (reader !== undefined && options.liveVersions) {
      try {
        const region = regions[0] ?? options.region;
        versions = await reader.collector.versionCatalogue({ arn: clusterArnOf("aws", region, options.account, "catalogue"), account: options.account, region, name: "catalogue" });
      } catch (error) {
        unread = true;
        problems.push({ scope: "version catalogue", message: live!.awsProblem(error) });
      }
    }
    const clusters = judgeAll(files, options, policy, versions);
    const drift = reader !== undefined && options.againstLive ? await readDrift(reader, live!, clusters, options, problems) : { found: new Map<number, Finding[]>(), unread: false };
    return finish(files, clusters, problems, drift.found, versions, options, startedAt, unread || drift.unread);
  } finally {
    reader?.destroy();
  }
}

function judgeAll(files: readonly DesiredState[], options: CheckOptions, policy: Policy, versions: VersionCatalogue | undefined): CheckedCluster[] {
  return files.flatMap((file) =>
    file.clusters.map((cluster) =>
      checkDesiredCluster(cluster, {
        identity: { account: options.account, region: options.region },
        policy,
        context: { now: options.now, ...(versions !== undefined && { versions }) },
        rules: options.rules,
      }),
    ),
  );
}

/** scan's options for the reads check makes: the clusters' regions, the user's profile and endpoint. */
function fleetOptions(options: CheckOptions, regions: readonly string[]): ScanOptions<"json"> {
  return {
    regions,
    rules: options.rules,
    ...(options.profile !== undefined && { profile: options.profile }),
    ...(options.endpointUrl !== undefined && { endpointUrl: options.endpointUrl }),
    ...(options.policy !== undefined && { policy: options.policy }),
    format: "json",
    gate: options.gate,
    concurrency: 4,
  };
}

/** --against-live: each declared cluster's live namesake (ListClusters in its region, then collected as scan collects). */
async function readDrift(reader: FleetReader, scan: typeof import("./scan.ts"), clusters: readonly CheckedCluster[], options: CheckOptions, problems: ScanProblem[]): Promise<{ found: Map<number, Finding[]>; unread: boolean }> {
  let unread = false;
  const listing = await reader.list((outcome) => {
    if (outcome.problem !== undefined) {
      unread = true;
      problems.push({ scope: scan.problemScope(reader.members, outcome), message: outcome.problem });
    }
  });
  const found = new Map<number, Finding[]>();
  const reads = readsFor(options.rules);
  const { inPool } = await import("@eks-warden/core/sweep");
  await inPool([...clusters.entries()], 4, async ([index, checked]) => {
    const { snapshot, cluster } = checked;
    const ref = listing.clusters.find((candidate) => candidate.name === snapshot.name && candidate.region === snapshot.region);
    if (ref === undefined) {
      problems.push({ scope: `${snapshot.region}/${snapshot.name}`, message: `no live cluster of this name (${cluster.source.file}:${cluster.source.line} is not deployed yet), so there is no drift to report` });
      return;
    }
    try {
      const collected = await reader.collector.collect(ref, reads);
      found.set(index, driftFindings(cluster, snapshot, collected.snapshot));
    } catch (error) {
      unread = true;
      problems.push({ scope: `${ref.region}/${ref.name}`, message: scan.awsProblem(error) });
    }
  });
  return { found, unread };
}

function finish(
  files: readonly DesiredState[],
  clusters: readonly CheckedCluster[],
  problems: ScanProblem[],
  drift: ReadonlyMap<number, readonly Finding[]>,
  versions: VersionCatalogue | undefined,
  options: CheckOptions,
  startedAt: Date,
  unread: boolean,
): CheckReport {
  const seen = new Map<string, CheckedCluster>();
  for (const checked of clusters) {
    const earlier = seen.get(checked.snapshot.arn);
    if (earlier !== undefined) {
      problems.push({ scope: checked.cluster.source.file, message: `cluster ${checked.cluster.name} is declared twice: ${where(earlier)} and ${where(checked)}` });
    }
    seen.set(checked.snapshot.arn, checked);
  }
  return { files, clusters, problems, drift, catalogue: versions !== undefined ? (options.liveVersions ? "live" : "file") : "none", startedAt, unread };
}

function where(checked: CheckedCluster): string {
  return `${checked.cluster.source.file}:${checked.cluster.source.line}`;
}

function counts(findings: readonly Finding[]): Record<string, number> {
  const result: Record<string, number> = { FAIL: 0, ERROR: 0, EXEMPT: 0, PASS: 0, NOT_APPLICABLE: 0 };
  for (const finding of findings) result[finding.status] = (result[finding.status] ?? 0) + 1;
  return result;
}

const shownFinding = ({ ruleId, status, severity, message, evidence, remediation, exemption }: Finding) => ({ ruleId, status, severity, message, evidence, remediation, ...(exemption && { exemption }) });

export function renderCheckJson(report: CheckReport): string {
  const all = report.clusters.flatMap((checked) => checked.findings);
  const drift = [...report.drift.values()].flat();
  const output = {
    summary: {
      files: report.files.length,
      clusters: report.clusters.length,
      ...counts(all),
      ...(report.drift.size > 0 || drift.length > 0 ? { drift: drift.length } : {}),
      versionCatalogue: report.catalogue,
    },
    clusters: report.clusters.map((checked, index) => ({
      name: checked.cluster.name,
      region: checked.snapshot.region,
      arn: checked.snapshot.arn,
      source: { file: checked.cluster.source.file, format: checked.cluster.source.format, resource: checked.cluster.source.resource, line: checked.cluster.source.line, column: checked.cluster.source.column },
      findings: checked.findings.map(shownFinding),
      ...(report.drift.has(index) && { drift: report.drift.get(index)!.map(shownFinding) }),
    })),
    problems: report.problems,
  };
  return `${JSON.stringify(output, null, 2)}\n`;
}

const needsAttention = (finding: Finding) => finding.status === "FAIL" || finding.status === "ERROR" || finding.status === "EXEMPT";

export function renderCheckTable(report: CheckReport, palette: Palette): string {
  const out: string[] = [];
  report.clusters.forEach((checked, index) => {
    const { cluster, snapshot } = checked;
    const findings = [...checked.findings, ...(report.drift.get(index) ?? [])];
    out.push(`${cluster.source.file}:${cluster.source.line}  ${cluster.source.resource}  (EKS cluster ${cluster.name}, ${snapshot.region})`);
    const shown = findings.filter(needsAttention).sort(worstFirst);
    if (shown.length === 0) out.push(`  PASS  all ${findings.length} rules pass or do not apply`);
    for (const finding of shown) {
      out.push(`  ${palette.status(finding.status.padEnd(6), finding.status)}  ${palette.severity(finding.severity.padEnd(8), finding.severity)}  ${finding.ruleId}: ${oneLine(finding.message, 1000)}`);
      if (finding.status !== "FAIL") continue;
      const inFile = (finding.remediation as { inFile?: { line: number; change: string } }).inFile;
      if (inFile !== undefined) out.push(`      fix in ${cluster.source.file}:${inFile.line}: ${inFile.change.replace(/\n/g, "\n        ")}`);
      out.push(`      or live: ${finding.remediation.command}`);
    }
    out.push("");
  });
  for (const problem of report.problems) out.push(`PROBLEM  ${problem.scope}: ${problem.message}`);
  const all = [...report.clusters.flatMap((checked) => checked.findings), ...[...report.drift.values()].flat()];
  const tally = counts(all);
  out.push(`${report.clusters.length} cluster${report.clusters.length === 1 ? "" : "s"} in ${report.files.length} file${report.files.length === 1 ? "" : "s"}: ${Object.entries(tally).map(([status, count]) => `${count} ${status}`).join(", ")}`);
  return `${out.join("\n")}\n`;
}

/** A path as SARIF wants it for GitHub: relative to the working directory (the repository root in CI), with "/". */
function artifactUri(file: string): string {
  const path = isAbsolute(file) ? relative(process.cwd(), file) : file;
  return path.split("\\").join("/").replace(/^\.\//, "");
}

export function checkSarif(report: CheckReport, rules: readonly Rule[], toolVersion: string) {
  const clusters: ScannedCluster[] = report.clusters.map((checked, index) => ({
    cluster: checked.snapshot,
    findings: [...checked.findings, ...(report.drift.get(index) ?? [])],
    source: {
      uri: artifactUri(checked.cluster.source.file),
      line: checked.cluster.source.line,
      column: checked.cluster.source.column,
      lineOf: (finding) => (finding.remediation as { inFile?: { line: number } }).inFile?.line ?? (typeof finding.evidence["line"] === "number" ? finding.evidence["line"] : undefined),
    },
  }));
  return toSarif({ rules, clusters, problems: report.problems, toolVersion, startedAt: report.startedAt, endedAt: new Date(), category: "check" });
}

async function toolVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

export const command: Command = {
  usage,
  async run(argv) {
    const options = parseCheckOptions(argv);
    if (options === "help") {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    const report = await check(options);
    if (report.catalogue === "none" && options.rules.some((rule) => rule.reads.includes("versionCatalogue"))) {
      process.stderr.write(
        `eks-warden check: no version catalogue (--versions FILE or --live-versions): the version rules report ERROR${options.strict ? " and, with --strict, count for --fail-on" : ", which --fail-on does not count (--strict counts them)"}\n`,
      );
    }
    const silentOnAccess = options.rules.some((rule) => rule.area === "access") ? clustersWithoutAccess(report) : [];
    if (silentOnAccess.length > 0) {
      const names = silentOnAccess.map((checked) => checked.cluster.name).join(", ");
      process.stderr.write(
        `eks-warden check: ${names}: no access configuration or access entry declared: the access rules judge AWS's defaults (CONFIG_MAP, no entries)${options.strict ? " and, with --strict, count for --fail-on" : ", which --fail-on does not count (--strict counts them)"}\n`,
      );
    }
    if (options.format === "table") process.stdout.write(renderCheckTable(report, paletteFor(process.stdout)));
    else if (options.format === "json") process.stdout.write(renderCheckJson(report));
    else process.stdout.write(`${JSON.stringify(checkSarif(report, options.rules, await toolVersion()), null, 2)}\n`);
    if (report.unread) {
      for (const problem of report.problems) process.stderr.write(`eks-warden check: ${problem.scope}: ${problem.message}\n`);
      // scan's exit code for AWS that could not be read (SCAN_EXIT.aws).
      return 4;
    }
    return gateExitCode("check", gatedFindings(report, options.strict), options.gate);
  },
};
