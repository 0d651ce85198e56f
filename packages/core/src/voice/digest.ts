// The digest as people and machines read it (pure): the SNS message (readable text for e-mail, a JSON summary for
// SQS/Lambda/HTTPS, in the envelope of every message). The full report's HTML page is report-page.ts.
//
// SNS accepts at most 256 KB per message (all protocol bodies and attributes together). At a large fleet the message
// summarises: it keeps the headline and as many clusters and changes, most urgent first, as fit, says how many were
// left out, and points at the full report (s3:// URI). The text is a pure function of the JSON summary, so a
// subscriber of either form reads the same.
//
// Cluster names, tags (exemption reasons) and finding messages are attacker-controlled text: the text puts every
// string through the one sanitiser (text.ts), as the HTML page does (and escapes it too).

import { EXEMPTION_NOTICE_DAYS, type DigestAdmin, type DigestChangeFinding, type DigestCluster, type DigestClusterRef, type DigestFinding, type DigestReport } from "./digest-report.ts";
import { messageBody, snsEnvelope, type SnsEnvelope } from "./envelope.ts";
import { asciiSubject } from "./subject.ts";
import { oneLine } from "../text.ts";

/** SNS's limit is 262,144 bytes for the whole message; leave room for subject and attributes. */
export const DIGEST_MESSAGE_BUDGET_BYTES = 250_000;

/** The digest as published: the report with its lists cut to what fits, the counts of what was cut, and where the rest is. */
export interface DigestSummary extends Omit<DigestReport, "clusters" | "changes"> {
  readonly clusters: readonly DigestCluster[];
  readonly changes: DigestReport["changes"];
  /** Totals of the lists before cutting (equal to the lists' lengths when nothing was cut). */
  readonly totals: { readonly clusters: number; readonly opened: number; readonly closed: number; readonly added: number; readonly removed: number; readonly upgraded: number };
  readonly reportUri?: string;
  /** The SHA-256 (hex) of the HTML report stored at reportUri: what was stored is what the digest vouches for. */
  readonly reportSha256?: string;
}

/** Where the digest stored its full report, and the SHA-256 (hex) of the object it wrote there. */
export interface StoredReport {
  readonly uri: string;
  readonly sha256: string;
}

export interface RenderedDigest extends SnsEnvelope<"kind" | "week"> {
  readonly text: string;
  readonly payload: DigestSummary;
}

/** A digest line keeps each free text to 300 characters unless told otherwise, so one cluster cannot crowd out the rest. */
const clean = (text: string, max = 300): string => oneLine(text, max);

export const usd = (value: number): string => `$${value.toFixed(2)}`;
const plural = (count: number, word: string, many = `${word}s`): string => `${count} ${count === 1 ? word : many}`;

/** Without evidence, and without the messages of the FAIL and ERROR lists (their rule ids say it; the report has the rest). */
function compactCluster(cluster: DigestCluster): DigestCluster {
  const bare = (finding: DigestFinding): DigestFinding => ({ ruleId: finding.ruleId, status: finding.status, severity: finding.severity });
  const withoutEvidence = ({ evidence: _evidence, ...finding }: DigestFinding): DigestFinding => finding;
  return {
    ...cluster,
    failing: cluster.failing.map(bare),
    errors: cluster.errors.map(bare),
    nodegroupsBehind: cluster.nodegroupsBehind.map(withoutEvidence),
    addonsBehind: cluster.addonsBehind.map(withoutEvidence),
    endpoint: cluster.endpoint.map(withoutEvidence),
  };
}

/** The summary with at most `limit` entries per list (clusters and each kind of change), clusters compacted. */
export function digestSummary(report: DigestReport, limit: number, stored?: string | StoredReport): DigestSummary {
  const reportUri = typeof stored === "string" ? stored : stored?.uri;
  const reportSha256 = typeof stored === "string" ? undefined : stored?.sha256;
  const { changes } = report;
  return {
    ...report,
    clusters: report.clusters.slice(0, limit).map(compactCluster),
    changes: {
      opened: changes.opened.slice(0, limit),
      closed: changes.closed.slice(0, limit),
      added: changes.added.slice(0, limit),
      removed: changes.removed.slice(0, limit),
      upgraded: changes.upgraded.slice(0, limit),
    },
    totals: {
      clusters: report.clusters.length,
      opened: changes.opened.length,
      closed: changes.closed.length,
      added: changes.added.length,
      removed: changes.removed.length,
      upgraded: changes.upgraded.length,
    },
    ...(reportUri ? { reportUri } : {}),
    ...(reportUri && reportSha256 ? { reportSha256 } : {}),
  };
}

export function digestSubject(report: Pick<DigestReport, "week" | "headline">): string {
  const { headline } = report;
  const parts = [
    plural(headline.clusters, "cluster"),
    `${headline.clustersFailing} failing`,
    headline.unsupported > 0 ? `${headline.unsupported} unsupported` : undefined,
    `${headline.findingsOpened} opened`,
    `${headline.findingsClosed} closed`,
    headline.couldNotRead > 0 ? `${headline.couldNotRead} not read` : undefined,
  ].filter(Boolean);
  return asciiSubject(`[DIGEST] EKS Warden ${report.week}: ${parts.join(", ")}`);
}

export function supportLine(cluster: DigestCluster): string {
  const { support, cost } = cluster;
  const version = cluster.version ? `Kubernetes ${clean(cluster.version, 20)}` : "version unknown";
  let window: string;
  switch (support.state) {
    case "UNSUPPORTED":
      window = `UNSUPPORTED${support.endOfExtendedSupport ? ` since ${support.endOfExtendedSupport}` : ""}`;
      break;
    case "EXTENDED_SUPPORT":
      window = `extended support until ${support.endOfExtendedSupport ?? "?"}${support.daysToEnd !== undefined ? ` (${support.daysToEnd} days)` : ""}`;
      break;
    case "STANDARD_SUPPORT":
      window = `standard support until ${support.endOfStandardSupport ?? "?"}${support.daysToEnd !== undefined ? ` (${support.daysToEnd} days)` : ""}`;
      break;
    default:
      window = "support window unknown";
  }
  const price = `${usd(cost.perClusterHourUsd)}/cluster-hour`;
  const exposure = cost.extendedExtraMonthlyUsd > 0 ? (cost.from ? `; +${usd(cost.extendedExtraMonthlyUsd)}/month in extended support from ${cost.from}` : `; +${usd(cost.extendedExtraMonthlyUsd)}/month over standard`) : "";
  return `${version}, ${window}; ${price}${exposure}`;
}

function findingLines(label: string, findings: readonly DigestFinding[]): string[] {
  return findings.map((finding) => `      ${label} ${finding.severity} ${finding.ruleId}${finding.message ? `: ${clean(finding.message)}` : ""}`);
}

function clusterLines(cluster: DigestCluster, position: number): string[] {
  const lines = [`  ${position}. ${clean(cluster.name, 100)} (${clean(cluster.region, 32)}, ${clean(cluster.account, 12)})`, `      ${supportLine(cluster)}`];
  lines.push(...findingLines("Node groups behind:", cluster.nodegroupsBehind));
  lines.push(...findingLines("Add-ons behind:", cluster.addonsBehind));
  lines.push(...findingLines("Endpoint:", cluster.endpoint));
  const listed = new Set([...cluster.nodegroupsBehind, ...cluster.addonsBehind, ...cluster.endpoint].map((finding) => finding.ruleId));
  const others = cluster.failing.filter((finding) => !listed.has(finding.ruleId));
  if (others.length > 0) lines.push(`      Other FAIL: ${others.map((finding) => `${finding.ruleId} (${finding.severity})`).join(", ")}`);
  if (cluster.errors.length > 0) lines.push(`      Could not evaluate: ${cluster.errors.map((finding) => finding.ruleId).join(", ")}`);
  for (const exemption of cluster.exempt) {
    if (exemption.daysLeft > EXEMPTION_NOTICE_DAYS) lines.push(`      Exempt: ${exemption.severity} ${exemption.ruleId} until ${clean(exemption.until, 10)} (${exemption.source}): ${clean(exemption.reason, 200)}`);
  }
  for (const exemption of cluster.exemptionsExpiring) {
    lines.push(`      Exemption ends ${clean(exemption.until, 10)} (${plural(exemption.daysLeft, "day")} left): ${exemption.ruleId} (${exemption.source}): ${clean(exemption.reason, 200)}`);
  }
  return lines;
}

/** Principals listed per cluster in the message; the full report lists every one. */
const ADMINS_PER_CLUSTER = 10;

/** One principal holding cluster admin: flagged (not allowlisted) first in the line, what it holds, since when. */
export function adminLine(admin: DigestAdmin): string {
  const mark = admin.flagged ? `${admin.flagged} not allowlisted${admin.outsideOwnAccounts ? ", another account" : ""}` : admin.allowlisted ? "allowlisted" : "ok";
  const holds = admin.holds.map((item) => clean(item, 100)).slice(0, 5).join(", ");
  return `[${mark}] ${clean(admin.principalArn)}: ${holds || "cluster admin"}${admin.grantedAt ? `, granted ${clean(admin.grantedAt, 30)}` : ""}`;
}

/** The clusters' cluster-admin holders, counted per cluster, newest grants first; [] when no cluster was judged for it. */
export function adminSection(clusters: readonly DigestCluster[], perCluster = Number.POSITIVE_INFINITY): string[] {
  const judged = clusters.filter((cluster) => cluster.admins !== undefined);
  if (judged.length === 0) return [];
  const holding = judged.filter((cluster) => cluster.admins!.length > 0);
  if (holding.length === 0) return [`no principal holds cluster admin through an access entry on the ${plural(judged.length, "cluster")} judged`];
  return holding.flatMap((cluster) => {
    const admins = cluster.admins!;
    const flagged = admins.filter((admin) => admin.flagged !== undefined).length;
    const shown = admins.slice(0, perCluster);
    return [
      `${refLine(cluster)}: ${plural(admins.length, "principal")}${flagged > 0 ? `, ${flagged} not allowlisted` : ""}`,
      ...shown.map((admin) => `  ${adminLine(admin)}`),
      ...(admins.length > shown.length ? [`  ... and ${admins.length - shown.length} more in the full report`] : []),
    ];
  });
}

export const changeLine = (change: DigestChangeFinding): string => `${clean(change.cluster, 100)} (${clean(change.region, 32)}) ${change.ruleId} ${change.severity}`;
export const refLine = (ref: DigestClusterRef): string => `${clean(ref.name, 100)} (${clean(ref.region, 32)})`;

function moreLine(shown: number, total: number, what: string): string[] {
  return total > shown ? [`    ... and ${total - shown} more ${what} in the full report`] : [];
}

/** The two sentences a reader sees first. */
export function headlineLines(headline: DigestReport["headline"]): string[] {
  return [
    `${plural(headline.clusters, "cluster")} in ${plural(headline.regions, "region")}: ${headline.clustersFailing} failing, ${headline.unsupported} unsupported, ${headline.extendedSupport} in extended support (+${usd(headline.extendedSupportMonthlyUsd)}/month over standard).`,
    `This week: ${plural(headline.findingsOpened, "finding")} opened, ${headline.findingsClosed} closed; ${plural(headline.clustersAdded, "cluster")} added, ${headline.clustersRemoved} removed; ${plural(headline.versionsUpgraded, "version")} upgraded; ${plural(headline.exemptionsExpiring, "exemption")} ending within 14 days.`,
  ];
}

/** The digest as an e-mail reader sees it: headline, what could not be read, changes, clusters most urgent first. */
export function digestText(summary: DigestSummary): string {
  const { headline, changes, totals } = summary;
  const lines: string[] = [];
  lines.push(`EKS Warden weekly digest ${summary.week}${summary.previousWeek ? `, compared with ${summary.previousWeek}` : " (first digest: the baseline for next week)"}`, "");
  lines.push(...headlineLines(headline));
  const { couldNotRead } = summary;
  if (couldNotRead.accounts.length + couldNotRead.regions.length + couldNotRead.clusters.length > 0) {
    lines.push("", "COULD NOT READ (not counted as removed; last week's state kept; nothing closed):");
    for (const account of couldNotRead.accounts) lines.push(`  account ${clean(account.account)} (every region): ${clean(account.problem)}`);
    for (const region of couldNotRead.regions) lines.push(`  ${region.account ? `account ${clean(region.account)} ` : ""}region ${clean(region.region, 32)}: ${clean(region.problem)}`);
    for (const cluster of couldNotRead.clusters) lines.push(`  cluster ${refLine(cluster)}: ${clean(cluster.problem)}`);
  }
  if (summary.previousWeek) {
    lines.push("", `Changes since ${summary.previousWeek}:`);
    const section = <T>(title: string, items: readonly T[], total: number, line: (item: T) => string, what: string) => {
      if (total === 0) return;
      lines.push(`  ${title}`);
      for (const item of items) lines.push(`    ${line(item)}`);
      lines.push(...moreLine(items.length, total, what));
    };
    section("Findings opened:", changes.opened, totals.opened, changeLine, "opened findings");
    section("Findings closed:", changes.closed, totals.closed, changeLine, "closed findings");
    section("Clusters added:", changes.added, totals.added, refLine, "added clusters");
    section("Clusters removed:", changes.removed, totals.removed, refLine, "removed clusters");
    section("Versions upgraded:", changes.upgraded, totals.upgraded, (item) => `${refLine(item)} ${clean(item.from ?? "?", 20)} -> ${clean(item.to ?? "?", 20)}`, "upgrades");
    if (totals.opened + totals.closed + totals.added + totals.removed + totals.upgraded === 0) lines.push("  nothing changed");
  }
  lines.push("", "Clusters, most urgent first (unsupported, then the worst open finding, then days to end of support):");
  summary.clusters.forEach((cluster, index) => lines.push(...clusterLines(cluster, index + 1)));
  lines.push(...moreLine(summary.clusters.length, totals.clusters, "clusters"));
  const admins = adminSection(summary.clusters, ADMINS_PER_CLUSTER);
  if (admins.length > 0) lines.push("", "Who holds cluster admin (access entries; flagged when not in policy.access.admins), newest grants first:", ...admins.map((line) => `  ${line}`));
  lines.push("", summary.reportUri ? `Full report: ${summary.reportUri} (HTML; JSON beside it)` : "Full report: not stored (no report bucket configured).");
  // The hash the digest computed of what it stored: an object replaced in the bucket later no longer matches.
  if (summary.reportUri && summary.reportSha256) lines.push(`Report SHA-256: ${clean(summary.reportSha256, 64)}`);
  return `${lines.join("\n")}\n`;
}

/** The SNS message: every cluster and change when it fits in the budget, else as many as fit, most urgent first. */
export function renderDigest(report: DigestReport, stored?: string | StoredReport, budgetBytes = DIGEST_MESSAGE_BUDGET_BYTES): RenderedDigest {
  const build = (limit: number) => {
    const payload = digestSummary(report, limit, stored);
    const text = digestText(payload);
    return { payload, text, message: messageBody(text, JSON.stringify(payload)) };
  };
  const longest = Math.max(report.clusters.length, ...Object.values(report.changes).map((list) => list.length));
  let best = build(longest);
  if (Buffer.byteLength(best.message) > budgetBytes) {
    // The largest limit that fits: binary search (each try renders once).
    let low = 0;
    let high = longest;
    best = build(0);
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      const candidate = build(middle);
      if (Buffer.byteLength(candidate.message) <= budgetBytes) {
        low = middle;
        best = candidate;
      } else {
        high = middle - 1;
      }
    }
  }
  return { ...snsEnvelope(digestSubject(report), best.text, JSON.stringify(best.payload), { kind: "digest", week: report.week }), text: best.text, payload: best.payload };
}
