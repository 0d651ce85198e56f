// `eks-warden evaluate`: one cluster's DescribeCluster output (a file, any form normaliseCluster accepts) through
// every rule that judges the record, printed as a table (worst first) or JSON. Exit 0 unless a FAIL, or an ERROR (a rule that could not
// decide), at or above --fail-on (exit 1; --allow-errors lets ERRORs pass);
// a bad argument or file exits 2 with a one-line reason on stderr.
import { printHelp } from "../output/wrap.ts";
import { oneLine, parseIsoDate, evaluate, sortWorstFirst, type Gate, rules, normaliseCluster, normaliseVersionCatalogue } from "@eks-warden/core";
import type { ClusterSnapshot, Finding, Policy, VersionCatalogue } from "@eks-warden/core";
import { paletteFor, type Palette } from "../output/colour.ts";
import { reportedFinding } from "../output/finding-json.ts";
import { choiceOption, CliInputError, GATE_OPTIONS, gateExitCode, gateOption, gateUsage, interpretOption, parseCommandLine, readJsonOption, readPolicyOption, type Command } from "./command.ts";

/** The rules a DescribeCluster record (with the version catalogue) can feed: those reading nothing else. */
const RECORD_RULES = rules.filter((rule) => rule.reads.every((kind) => kind === "cluster" || kind === "versionCatalogue"));

const usage = `Usage: eks-warden evaluate --cluster FILE [options]

Evaluates one EKS cluster against the rules that judge its record (the node group, add-on and insight rules need
more reads: \`eks-warden scan\` makes them). FILE holds DescribeCluster output: \`aws eks describe-cluster\` JSON,
SDK v3 output, or a {status_code, data} recording.

Options:
  --cluster FILE       DescribeCluster output (required)
  --versions FILE      DescribeClusterVersions output; without it the version rules report ERROR
  --policy FILE        policy (JSON): warden.config.json, or a bare policy; default: the default policy
  --nodegroup FILE     DescribeNodegroup output (repeatable)
  --addon FILE         DescribeAddon output (repeatable)
  --account ID         account id, for a record without an ARN (checked against the ARN otherwise)
  --region REGION      region, for a record without an ARN (checked against the ARN otherwise)
  --now ISO            evaluation time, ISO 8601 (default: now)
  --format table|json  output format (default: table)
${gateUsage(23)}
  -h, --help           show this help`;

const FORMATS = ["table", "json"] as const;
type Format = (typeof FORMATS)[number];

interface Options {
  readonly cluster: string;
  readonly versions?: string;
  readonly policy?: string;
  readonly nodegroups: readonly string[];
  readonly addons: readonly string[];
  readonly account?: string;
  readonly region?: string;
  readonly now: Date;
  readonly format: Format;
  readonly gate: Gate;
}

function parseOptions(argv: readonly string[]): Options | "help" {
  const parsed = parseCommandLine(argv, {
    cluster: { type: "string" },
    versions: { type: "string" },
    policy: { type: "string" },
    nodegroup: { type: "string", multiple: true },
    addon: { type: "string", multiple: true },
    account: { type: "string" },
    region: { type: "string" },
    now: { type: "string" },
    format: { type: "string" },
    ...GATE_OPTIONS,
  });
  if (parsed === "help") return "help";
  const { values } = parsed;
  if (values.cluster === undefined) throw new CliInputError("--cluster FILE is required (DescribeCluster output)");

  const format = choiceOption("--format", values.format, FORMATS, "table");
  const gate = gateOption(values);
  const now = values.now === undefined ? new Date() : parseIsoDate(values.now);
  if (now === undefined) throw new CliInputError(`--now ${JSON.stringify(values.now)}: expected an ISO 8601 date or date-time, e.g. 2026-06-01T12:00:00Z`);

  return {
    cluster: values.cluster,
    ...(values.versions !== undefined && { versions: values.versions }),
    ...(values.policy !== undefined && { policy: values.policy }),
    nodegroups: values.nodegroup ?? [],
    addons: values.addon ?? [],
    ...(values.account !== undefined && { account: values.account }),
    ...(values.region !== undefined && { region: values.region }),
    now,
    format,
    gate,
  };
}

async function load(options: Options): Promise<{ snapshot: ClusterSnapshot; policy: Policy; versions?: VersionCatalogue }> {
  const [clusterInput, versionsInput, policy, nodegroups, addons] = await Promise.all([
    readJsonOption("--cluster", options.cluster),
    options.versions === undefined ? undefined : readJsonOption("--versions", options.versions),
    readPolicyOption(options.policy),
    Promise.all(options.nodegroups.map((path) => readJsonOption("--nodegroup", path))),
    Promise.all(options.addons.map((path) => readJsonOption("--addon", path))),
  ]);
  const identity = { ...(options.account !== undefined && { account: options.account }), ...(options.region !== undefined && { region: options.region }) };
  const snapshot = interpretOption("--cluster", options.cluster, () => normaliseCluster(clusterInput, { nodegroups, addons, identity }));
  const versions = options.versions === undefined ? undefined : interpretOption("--versions", options.versions, () => normaliseVersionCatalogue(versionsInput));
  return { snapshot, policy, ...(versions !== undefined && { versions }) };
}

function renderJson(snapshot: ClusterSnapshot, findings: readonly Finding[]): string {
  const output = {
    cluster: snapshot.arn,
    findings: findings.map(reportedFinding),
  };
  return `${JSON.stringify(output, null, 2)}\n`;
}

function renderTable(snapshot: ClusterSnapshot, findings: readonly Finding[], now: Date, palette: Palette): string {
  const rows = sortWorstFirst(findings);
  const statusWidth = Math.max(6, ...rows.map((finding) => finding.status.length));
  const severityWidth = Math.max(8, ...rows.map((finding) => finding.severity.length));
  const ruleWidth = Math.max(4, ...rows.map((finding) => finding.ruleId.length));
  const indent = " ".repeat(statusWidth + severityWidth + ruleWidth + 6);
  // The status and severity cells come padded, and a row's coloured after padding, so escape codes take no column.
  const line = (statusCell: string, severityCell: string, rule: string, text: string) => `${statusCell}  ${severityCell}  ${rule.padEnd(ruleWidth)}  ${text}`.trimEnd();

  const out = [`Cluster ${snapshot.arn} (${snapshot.status}), evaluated at ${now.toISOString()}`, "", line("STATUS".padEnd(statusWidth), "SEVERITY".padEnd(severityWidth), "RULE", "FINDING")];
  for (const finding of rows) {
    const status = palette.status(finding.status.padEnd(statusWidth), finding.status);
    const severity = palette.severity(finding.severity.padEnd(severityWidth), finding.severity);
    out.push(line(status, severity, finding.ruleId, oneLine(finding.message, 1000)));
    if (finding.exemption) {
      const { until, reason, source, expired } = finding.exemption;
      out.push(`${indent}${expired ? "exemption expired" : "exempt"} until ${until} (${source}): ${oneLine(reason, 300)}`);
    }
    if (finding.status === "FAIL" || finding.status === "ERROR") out.push(`${indent}fix: ${finding.remediation.command}`);
  }
  const counts = new Map<string, number>();
  for (const finding of rows) counts.set(finding.status, (counts.get(finding.status) ?? 0) + 1);
  out.push("", [...counts].map(([status, count]) => `${count} ${status}`).join(", "));
  return `${out.join("\n")}\n`;
}

export const command: Command = {
  usage,
  async run(argv) {
    const options = parseOptions(argv);
    if (options === "help") {
      printHelp(usage);
      return 0;
    }
    const { snapshot, policy, versions } = await load(options);
    if (versions === undefined) {
      process.stderr.write("eks-warden evaluate: no --versions file: the version rules report ERROR (give DescribeClusterVersions output, e.g. from `aws eks describe-cluster-versions`)\n");
    }
    const findings = evaluate(snapshot, policy, { now: options.now, ...(versions !== undefined && { versions }) }, RECORD_RULES);
    process.stdout.write(options.format === "json" ? renderJson(snapshot, findings) : renderTable(snapshot, findings, options.now, paletteFor(process.stdout)));
    return gateExitCode("evaluate", findings, options.gate);
  },
};
