// What the browser report (report-html.ts) shows, from each of its sources (pure): the digest's full report with the
// weeks of history the digest has stored, and a scan's judged clusters. Each finding is listed once: the digest's
// node group, add-on and endpoint lists are views of its FAIL list, so only the FAIL, ERROR and exempt lists are read.

import type { ClusterIdentity, Finding } from "../model.ts";
import { adminLine, changeLine, headlineLines, refLine, supportLine, usd } from "./digest.ts";
import type { DigestCluster, DigestReport, DigestWeekCounts } from "./digest-report.ts";
import { reportHtml, type ReportCluster, type ReportFinding, type ReportPage } from "./report-html.ts";

const exemptionNote = (exemption: { readonly until: string; readonly source: string; readonly reason: string }): string =>
  `exempt until ${exemption.until} (${exemption.source}): ${exemption.reason}`;

function digestCluster(cluster: DigestCluster): ReportCluster {
  const findings: ReportFinding[] = [
    ...cluster.failing.map((finding) => ({ ruleId: finding.ruleId, status: "FAIL" as const, severity: finding.severity, ...(finding.message !== undefined && { message: finding.message }) })),
    ...cluster.errors.map((finding) => ({ ruleId: finding.ruleId, status: "ERROR" as const, severity: finding.severity, ...(finding.message !== undefined && { message: finding.message }) })),
    ...cluster.exempt.map((exemption) => ({ ruleId: exemption.ruleId, status: "EXEMPT" as const, severity: exemption.severity, note: exemptionNote(exemption) })),
  ];
  return { arn: cluster.arn, name: cluster.name, region: cluster.region, account: cluster.account, support: supportLine(cluster), findings };
}

/** The digest's full report as a page; `history` is what the digest has stored per week, this week included. */
export function digestPage(report: DigestReport, history: readonly DigestWeekCounts[] = []): ReportPage {
  const { couldNotRead, changes } = report;
  return {
    title: `EKS Warden weekly digest ${report.week}`,
    summary: [
      `Generated ${report.generatedAt}${report.previousWeek ? `, compared with ${report.previousWeek}` : " (first digest: the baseline)"}. Prices: standard ${usd(report.pricing.standardPerClusterHourUsd)}, extended ${usd(report.pricing.extendedPerClusterHourUsd)} per cluster-hour.`,
      ...headlineLines(report.headline),
    ],
    problems: [
      ...couldNotRead.accounts.map((account) => `account ${account.account} (every region): ${account.problem}`),
      ...couldNotRead.regions.map((region) => `${region.account ? `account ${region.account} ` : ""}region ${region.region}: ${region.problem}`),
      ...couldNotRead.clusters.map((cluster) => `cluster ${cluster.name} (${cluster.region}): ${cluster.problem}`),
    ],
    sections: [
      { title: "Findings opened", items: changes.opened.map(changeLine) },
      { title: "Findings closed", items: changes.closed.map(changeLine) },
      { title: "Clusters added", items: changes.added.map(refLine) },
      { title: "Clusters removed", items: changes.removed.map(refLine) },
      { title: "Versions upgraded", items: changes.upgraded.map((item) => `${refLine(item)} ${item.from ?? "?"} -> ${item.to ?? "?"}`) },
      {
        title: "Who holds cluster admin: principals per cluster, flagged when not in policy.access.admins, newest grants first",
        items: report.clusters.flatMap((cluster) => (cluster.admins ?? []).map((admin) => `${refLine(cluster)} ${adminLine(admin)}`)),
      },
    ],
    clusters: report.clusters.map(digestCluster),
    history,
  };
}

/** The full report as one self-contained HTML page (report-html.ts). */
export function digestHtml(report: DigestReport, history: readonly DigestWeekCounts[] = []): string {
  return reportHtml(digestPage(report, history));
}

export interface ScanPageInput {
  readonly generatedAt: Date;
  /** Lines under the title (scan's summary line). */
  readonly summary: readonly string[];
  readonly clusters: readonly { readonly cluster: ClusterIdentity; readonly findings: readonly Finding[] }[];
  /** Scopes (region, cluster, account) that could not be scanned. */
  readonly problems: readonly { readonly scope: string; readonly message: string }[];
}

/** A scan as a page: its FAIL, ERROR and EXEMPT findings (PASS and NOT_APPLICABLE are counted by the summary line). */
export function scanPage(input: ScanPageInput): ReportPage {
  const clusters = input.clusters.map(({ cluster, findings }): ReportCluster => ({
    arn: cluster.arn,
    name: cluster.name,
    region: cluster.region,
    account: cluster.account,
    findings: findings.flatMap((finding): ReportFinding[] => {
      if (finding.status !== "FAIL" && finding.status !== "ERROR" && finding.status !== "EXEMPT") return [];
      const note = finding.exemption ? (finding.exemption.expired ? `exemption expired ${finding.exemption.until} (${finding.exemption.source}): ${finding.exemption.reason}` : exemptionNote(finding.exemption)) : undefined;
      return [{ ruleId: finding.ruleId, status: finding.status, severity: finding.severity, message: finding.message, ...(note !== undefined && { note }) }];
    }),
  }));
  return {
    title: "EKS Warden scan",
    summary: [`Scanned ${input.generatedAt.toISOString()}.`, ...input.summary],
    problems: input.problems.map((problem) => `${problem.scope}: ${problem.message}`),
    sections: [],
    clusters,
    history: [],
  };
}
