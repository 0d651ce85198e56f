// `eks-warden scan` output for people (table) and programs (json). SARIF is in sarif.ts.
import { oneLine, SEVERITIES, STATUSES, worstFirst, type ClusterIdentity, type Finding, type FindingStatus, type Severity } from "@eks-warden/core";
import { PLAIN, type Palette } from "./colour.ts";
import { reportedFinding } from "./finding-json.ts";
import { jsonChunks, StreamedArray } from "./json-stream.ts";
import type { ScannedCluster, ScanProblem } from "./sarif.ts";

const isStatus = (cell: string): cell is FindingStatus => (STATUSES as readonly string[]).includes(cell);
const isSeverity = (cell: string): cell is Severity => (SEVERITIES as readonly string[]).includes(cell);

export interface ScanReport {
  /** The caller's own account. */
  readonly account?: string;
  /** The policy's member accounts, read in their read-only roles besides the caller's own (none: the own account alone). */
  readonly memberAccounts: readonly string[];
  readonly regions: readonly string[];
  readonly startedAt: Date;
  readonly clusters: readonly ScannedCluster[];
  readonly problems: readonly ScanProblem[];
}

function countByStatus(clusters: readonly ScannedCluster[]): Map<FindingStatus, number> {
  const counts = new Map<FindingStatus, number>();
  for (const { findings } of clusters) for (const finding of findings) counts.set(finding.status, (counts.get(finding.status) ?? 0) + 1);
  return counts;
}

export function summaryLine(report: ScanReport): string {
  const counts = countByStatus(report.clusters);
  const parts = (["FAIL", "ERROR", "EXEMPT", "PASS", "NOT_APPLICABLE"] as const).map((status) => `${counts.get(status) ?? 0} ${status}`);
  const problems = report.problems.length > 0 ? `; ${report.problems.length} could not be scanned` : "";
  const accounts = report.memberAccounts.length > 0 ? ` of ${report.memberAccounts.length + 1} accounts` : "";
  return `${report.clusters.length} cluster${report.clusters.length === 1 ? "" : "s"}${accounts} in ${report.regions.join(", ") || "no region"}: ${parts.join(", ")}${problems}`;
}

/** " of account 111111111111", and the member accounts after it when the scan read any; "" when nothing is known. */
function ofAccounts(report: ScanReport): string {
  const own = report.account ? `account ${report.account}` : undefined;
  if (report.memberAccounts.length === 0) return own ? ` of ${own}` : "";
  return ` of ${own ?? "your account"} and member account${report.memberAccounts.length === 1 ? "" : "s"} ${report.memberAccounts.join(", ")}`;
}

/** Worst first across clusters; PASS and NOT_APPLICABLE findings are only counted (a scan of 50 clusters must stay readable). */
export function renderScanTable(report: ScanReport, palette: Palette = PLAIN): string {
  return [...scanTableChunks(report, palette)].join("");
}

/** renderScanTable's text, a line at a time (the rows are sorted first: the table's widths and order need them all). */
export function* scanTableChunks(report: ScanReport, palette: Palette = PLAIN): Generator<string> {
  // Across accounts the same cluster name may recur: the table then says whose each cluster is.
  const byAccount = report.memberAccounts.length > 0;
  const rows: string[][] = [];
  const notes: Map<number, string[]> = new Map();
  const where = (cluster: ClusterIdentity) => (byAccount ? [cluster.name, cluster.account, cluster.region] : [cluster.name, cluster.region]);
  const needsAttention = (finding: Finding) => finding.status === "FAIL" || finding.status === "ERROR" || finding.status === "EXEMPT";
  // Worst first across the fleet, not cluster by cluster: the first rows are what to fix first, wherever it is.
  const shown = report.clusters
    .flatMap(({ cluster, findings }) => findings.filter(needsAttention).map((finding) => ({ cluster, finding })))
    .sort((left, right) => worstFirst(left.finding, right.finding) || left.cluster.name.localeCompare(right.cluster.name) || left.cluster.arn.localeCompare(right.cluster.arn));
  for (const { cluster, finding } of shown) {
    rows.push([...where(cluster), finding.status, finding.severity, `${finding.ruleId}: ${oneLine(finding.message, 1000)}`]);
    const extra: string[] = [];
    if (finding.exemption) extra.push(`${finding.exemption.expired ? "exemption expired" : "exempt"} until ${finding.exemption.until} (${finding.exemption.source}): ${oneLine(finding.exemption.reason, 300)}`);
    if (finding.status === "FAIL") extra.push(`fix: ${finding.remediation.command}`);
    if (extra.length > 0) notes.set(rows.length - 1, extra);
  }
  for (const { cluster, findings } of report.clusters) {
    if (!findings.some(needsAttention)) rows.push([...where(cluster), "PASS", "", `all ${findings.length} rules pass or do not apply`]);
  }
  const header = byAccount ? ["CLUSTER", "ACCOUNT", "REGION", "STATUS", "SEVERITY", "FINDING"] : ["CLUSTER", "REGION", "STATUS", "SEVERITY", "FINDING"];
  const last = header.length - 1;
  const widths = header.slice(0, last).map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const statusColumn = header.indexOf("STATUS");
  const severityColumn = header.indexOf("SEVERITY");
  // Padded before it is coloured, so the escape codes take no column; the header's titles are no status or severity.
  const colour = (cell: string, column: number): string => {
    if (column === statusColumn && isStatus(cell)) return palette.status(cell.padEnd(widths[column]!), cell);
    if (column === severityColumn && isSeverity(cell)) return palette.severity(cell.padEnd(widths[column]!), cell);
    return column < last ? cell.padEnd(widths[column]!) : cell;
  };
  const format = (row: readonly string[]) => row.map(colour).join("  ").trimEnd();
  const indent = " ".repeat(widths.reduce((sum, width) => sum + width + 2, 0));
  yield `EKS Warden scan${ofAccounts(report)}, ${report.startedAt.toISOString()}\n\n`;
  if (rows.length > 0) {
    yield `${format(header)}\n`;
    for (const [index, row] of rows.entries()) {
      yield `${format(row)}\n`;
      for (const note of notes.get(index) ?? []) yield `${indent}${note}\n`;
    }
    yield "\n";
  }
  for (const problem of report.problems) yield `NOT SCANNED  ${problem.scope}: ${problem.message}\n`;
  if (report.problems.length > 0) yield "\n";
  yield `${summaryLine(report)}\n`;
}

export function renderScanJson(report: ScanReport): string {
  return [...scanJsonChunks(report)].join("");
}

/** renderScanJson's text in chunks, a cluster at a time: the fleet's JSON is never one string. */
export function scanJsonChunks(report: ScanReport): Generator<string> {
  const counts = countByStatus(report.clusters);
  return jsonChunks({
    ...(report.account && { account: report.account }),
    ...(report.memberAccounts.length > 0 && { memberAccounts: report.memberAccounts }),
    regions: report.regions,
    scannedAt: report.startedAt.toISOString(),
    summary: { clusters: report.clusters.length, ...Object.fromEntries(counts), notScanned: report.problems.length },
    clusters: new StreamedArray(clusterEntries(report.clusters)),
    problems: report.problems,
  });
}

function* clusterEntries(clusters: readonly ScannedCluster[]) {
  for (const { cluster, findings } of clusters) {
    yield {
      ...cluster,
      findings: findings.map(reportedFinding),
    };
  }
}
