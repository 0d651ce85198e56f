// A large fleet's digest for the browser report (test/report.browser.test.ts and `npm run bench -- report-screenshot`):
// a sweep of N clusters across three accounts and four regions, judged findings of the real rules' ids and
// severities, built into the digest's report by the digest's own buildDigest, and a half-year of weekly counts as the
// digest's store keeps them. Deterministic (no Math.random): the same N gives the same page.
// Two clusters carry hostile names and tag values, as an attacker with eks:TagResource or CreateCluster could set them.

import { buildDigest } from "@eks-warden/core/digest";
import { defaultPolicy, SEVERITIES, type Finding, type Severity, type VersionCatalogue } from "@eks-warden/core";
import type { SweepResult, SweptCluster } from "@eks-warden/core/sweep";
import type { DigestReport, DigestWeekCounts } from "@eks-warden/core/voice";

export const REPORT_NOW = new Date("2026-12-07T08:00:00Z");
export const REPORT_ACCOUNTS = ["111111111111", "222222222222", "333333333333"] as const;
export const REPORT_REGIONS = ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1"] as const;

/** Names (and a tag value) that would run script if the page put them in as markup. */
export const HOSTILE = {
  name: `<img src=x onerror="window.__pwned=1">`,
  scriptName: `</script><script>window.__pwned=2</script>`,
  tagReason: `"><svg onload="window.__pwned=3">`,
} as const;

const CATALOGUE: VersionCatalogue = {
  versions: [
    { version: "1.35", status: "STANDARD_SUPPORT", endOfStandardSupportDate: new Date("2028-01-28T00:00:00Z"), endOfExtendedSupportDate: new Date("2029-01-28T00:00:00Z") },
    { version: "1.34", status: "STANDARD_SUPPORT", endOfStandardSupportDate: new Date("2027-12-02T00:00:00Z"), endOfExtendedSupportDate: new Date("2028-12-02T00:00:00Z") },
    { version: "1.32", status: "EXTENDED_SUPPORT", endOfStandardSupportDate: new Date("2026-03-23T00:00:00Z"), endOfExtendedSupportDate: new Date("2027-03-23T00:00:00Z") },
  ],
};

/** The rules a fleet fails, with the severity their FAIL carries. */
const FAILS: readonly (readonly [string, Severity])[] = [
  ["endpoint-public-access", "CRITICAL"],
  ["version-support", "HIGH"],
  ["endpoint-private-access", "MEDIUM"],
  ["control-plane-audit-logging", "MEDIUM"],
  ["nodegroup-ami-outdated", "MEDIUM"],
  ["addon-outdated", "LOW"],
  ["upgrade-insights", "INFO"],
];

function finding(arn: string, ruleId: string, status: Finding["status"], severity: Severity, message: string, extra: Partial<Finding> = {}): Finding {
  return { ruleId, clusterArn: arn, status, severity, message, evidence: {}, remediation: { text: "t", command: "c" }, ...extra };
}

/** `lastWeek`: one cluster in ten failed other rules a week ago, so the digest has changes to show. */
function clusterOf(index: number, lastWeek = false): SweptCluster {
  const account = REPORT_ACCOUNTS[index % REPORT_ACCOUNTS.length]!;
  const region = REPORT_REGIONS[Math.floor(index / 3) % REPORT_REGIONS.length]!;
  const name = index === 7 ? HOSTILE.name : index === 11 ? HOSTILE.scriptName : `team-${String(index).padStart(4, "0")}`;
  const arn = `arn:aws:eks:${region}:${account}:cluster/${name}`;
  const findings: Finding[] = [];
  const exempt = index === 7 || index % 53 === 0;
  FAILS.forEach(([ruleId, severity], rule) => {
    if (exempt && ruleId === "endpoint-public-access") return;
    // Each rule fails on a different share of the fleet (1 in 5 ... 1 in 11), so the counts differ by severity.
    const shift = lastWeek && index % 10 === 0 ? 1 : 0;
    if ((index * 7 + rule * 3 + shift) % (5 + rule) === 0) findings.push(finding(arn, ruleId, "FAIL", severity, `${ruleId} fails on ${name} in ${region}.`));
  });
  if (index % 97 === 0) findings.push(finding(arn, "nodegroup-version-skew", "ERROR", "MEDIUM", `could not read the node groups of ${name}: Throttled: EKS ListNodegroups.`));
  if (exempt) {
    findings.push(finding(arn, "endpoint-public-access", "EXEMPT", "CRITICAL", "exempt", { exemption: { until: "2027-03-31", reason: index === 7 ? HOSTILE.tagReason : "vendor-managed ingress, reviewed", source: "tag", expired: false } }));
  }
  const version = index % 9 === 0 ? "1.32" : index % 2 === 0 ? "1.34" : "1.35";
  return { ref: { arn, account, region, name }, status: "evaluated", findings, snapshot: { status: "ACTIVE", version, nodegroups: 2, addons: 4 }, versions: CATALOGUE };
}

/** The digest of `clusters` clusters, compared with last week's (its snapshot), and 26 weeks of stored counts ending with this one. */
export function fleetDigest(clusters = 1000): { report: DigestReport; history: DigestWeekCounts[] } {
  const sweepOf = (lastWeek: boolean, size: number): SweepResult => ({
    startedAt: REPORT_NOW,
    endedAt: REPORT_NOW,
    regions: REPORT_REGIONS.map((region) => ({ region, clusters: 0 })),
    clusters: Array.from({ length: size }, (_, index) => clusterOf(index, lastWeek)),
    closed: [],
    alertsPublished: 0,
    unreachableAccounts: [],
  });
  // Last week had three clusters fewer (added this week).
  const lastWeek = buildDigest({ sweep: sweepOf(true, Math.max(0, clusters - 3)), policy: defaultPolicy(), now: new Date(REPORT_NOW.getTime() - 7 * 86_400_000) });
  const { report } = buildDigest({ sweep: sweepOf(false, clusters), previous: lastWeek.snapshot, policy: defaultPolicy(), now: REPORT_NOW });
  const thisWeek = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const cluster of report.clusters) for (const failing of cluster.failing) thisWeek[failing.severity] += 1;
  // Earlier weeks: more open, falling as the fleet is fixed (weeks 2026-W25 ... W49).
  const history: DigestWeekCounts[] = Array.from({ length: 25 }, (_, index) => {
    const factor = 1 + (25 - index) * 0.06;
    const open = Object.fromEntries(SEVERITIES.map((severity) => [severity, Math.round(thisWeek[severity] * factor)])) as Record<Severity, number>;
    return { week: `2026-W${String(25 + index).padStart(2, "0")}`, generatedAt: "", clusters, open };
  });
  history.push({ week: report.week, generatedAt: report.generatedAt, clusters: report.clusters.length, open: thisWeek });
  return { report, history };
}
