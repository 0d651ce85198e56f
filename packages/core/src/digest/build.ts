// Builds the weekly digest from a sweep and last week's snapshot (pure): what a platform lead needs each Monday.
// Findings are read generically (ruleId, status, severity, evidence): node group and add-on drift are the FAIL findings
// of rules whose ids start with `nodegroup-` / `addon-`, endpoint exposure those starting with `endpoint-`.
// A region or cluster that could not be read is reported as such and carried over from last week's snapshot, so it
// is never counted as removed, and its findings are neither opened nor closed.

import { endOfDayUtc } from "../dates.ts";
import { SEVERITIES, SEVERITY_RANK, type Finding, type Policy, type RuleArea, type Severity } from "../model.ts";
import { extendedSupportExtraPerMonthUsd, toCents } from "../pricing.ts";
import { ruleById } from "../rules/index.ts";
import { compareMinorVersions, daysUntil, findVersion, isoDay, parseMinorVersion, supportStatusAt } from "../rules/lib/versions.ts";
import type { SweepResult, SweptCluster } from "../sweep/sweep.ts";
import type { DigestSnapshot, DigestSnapshotCluster } from "./model.ts";
import {
  DIGEST_PAYLOAD_VERSION,
  EXEMPTION_NOTICE_DAYS,
  type DigestChangeFinding,
  type DigestAdmin,
  type DigestCluster,
  type DigestClusterRef,
  type DigestExemptFinding,
  type DigestExemption,
  type DigestFinding,
  type DigestReport,
  type DigestWeekCounts,
  type SupportState,
} from "../voice/digest-report.ts";

const DAY_MS = 86_400_000;
/** The rule whose evidence lists every principal holding cluster admin (rules/access-cluster-admin.ts). */
const CLUSTER_ADMIN_RULE = "access-cluster-admin";

/** ISO 8601 week of a date, UTC: "2026-W49". */
export function isoWeek(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}


function digestFinding(finding: Finding, withEvidence: boolean): DigestFinding {
  return {
    ruleId: finding.ruleId,
    status: finding.status,
    severity: finding.severity,
    message: finding.message,
    ...(withEvidence ? { evidence: finding.evidence } : {}),
  };
}

const bySeverity = (left: { severity: Severity; ruleId: string }, right: { severity: Severity; ruleId: string }): number =>
  SEVERITY_RANK[right.severity] - SEVERITY_RANK[left.severity] || left.ruleId.localeCompare(right.ruleId);

function supportOf(swept: SweptCluster, now: Date): DigestCluster["support"] {
  const version = swept.snapshot?.version;
  const supportType = swept.snapshot?.supportType;
  const parsed = version === undefined ? undefined : parseMinorVersion(version);
  const info = parsed && swept.versions ? findVersion(swept.versions, parsed) : undefined;
  const base = supportType !== undefined ? { supportType } : {};
  if (!info) return { state: "UNKNOWN", ...base };
  const state: SupportState = supportStatusAt(info, now);
  const endOfStandardSupport = isoDay(info.endOfStandardSupportDate);
  const endOfExtendedSupport = isoDay(info.endOfExtendedSupportDate);
  const daysToEnd = state === "STANDARD_SUPPORT" ? daysUntil(info.endOfStandardSupportDate, now) : daysUntil(info.endOfExtendedSupportDate, now);
  return {
    state,
    ...(endOfStandardSupport ? { endOfStandardSupport } : {}),
    ...(endOfExtendedSupport ? { endOfExtendedSupport } : {}),
    ...(daysToEnd !== undefined ? { daysToEnd } : {}),
    ...base,
  };
}

function costOf(support: DigestCluster["support"], policy: Policy): DigestCluster["cost"] {
  const { standardPerClusterHourUsd: standard, extendedPerClusterHourUsd: extended } = policy.pricing;
  const extra = extendedSupportExtraPerMonthUsd(policy.pricing);
  if (support.state === "EXTENDED_SUPPORT" || support.state === "UNSUPPORTED") return { perClusterHourUsd: extended, extendedExtraMonthlyUsd: extra };
  // No upgrade policy means EXTENDED (AWS's default): the cluster stays, at the extended price, once standard support ends.
  if (support.state === "STANDARD_SUPPORT" && support.supportType !== "STANDARD" && support.endOfStandardSupport) {
    return { perClusterHourUsd: standard, extendedExtraMonthlyUsd: extra, from: support.endOfStandardSupport };
  }
  return { perClusterHourUsd: standard, extendedExtraMonthlyUsd: 0 };
}

/** Every exemption in force on the cluster, worst hidden severity first, with the days it has left. */
function exemptionsInForce(findings: readonly Finding[], now: Date): DigestExemptFinding[] {
  const inForce: DigestExemptFinding[] = [];
  for (const finding of findings) {
    const exemption = finding.exemption;
    if (finding.status !== "EXEMPT" || !exemption || exemption.expired) continue;
    const end = endOfDayUtc(exemption.until);
    if (!end) continue;
    const daysLeft = Math.floor((end.getTime() - now.getTime()) / DAY_MS);
    inForce.push({ ruleId: finding.ruleId, severity: finding.severity, until: exemption.until, reason: exemption.reason, source: exemption.source, daysLeft });
  }
  return inForce.sort((left, right) => SEVERITY_RANK[right.severity] - SEVERITY_RANK[left.severity] || left.ruleId.localeCompare(right.ruleId));
}

/** The exemptions in force that end within EXEMPTION_NOTICE_DAYS, soonest first. */
function expiringExemptions(inForce: readonly DigestExemptFinding[]): DigestExemption[] {
  return inForce
    .filter((exemption) => exemption.daysLeft <= EXEMPTION_NOTICE_DAYS)
    .map(({ severity: _severity, ...exemption }) => exemption)
    .sort((left, right) => left.daysLeft - right.daysLeft || left.ruleId.localeCompare(right.ruleId));
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const records = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === "object" && item !== null) : []);

/**
 * Who holds cluster admin, from access-cluster-admin's evidence (PASS or FAIL: it lists every admin principal), newest
 * grant first. Undefined when that rule did not judge the cluster (not run, or ERROR without a list).
 */
export function clusterAdminsOf(findings: readonly Finding[]): DigestAdmin[] | undefined {
  const finding = findings.find((candidate) => candidate.ruleId === CLUSTER_ADMIN_RULE && (candidate.status === "PASS" || candidate.status === "FAIL"));
  if (!finding || !Array.isArray(finding.evidence["admins"])) return undefined;
  const admins = records(finding.evidence["admins"]).flatMap((admin): DigestAdmin[] => {
    const principalArn = text(admin["principalArn"]);
    if (principalArn === undefined) return [];
    const policies = records(admin["policies"]);
    const holds = [
      ...policies.map((policy) => `${text(policy["policy"]) ?? text(policy["policyArn"]) ?? "access policy"} (${text(policy["scope"]) ?? "?"})`),
      ...(Array.isArray(admin["kubernetesGroups"]) ? admin["kubernetesGroups"].filter((group): group is string => typeof group === "string") : []),
    ];
    const times = [...policies.map((policy) => text(policy["associatedAt"])), text(admin["createdAt"])].filter((time): time is string => time !== undefined && !Number.isNaN(Date.parse(time)));
    const grantedAt = times.sort((left, right) => Date.parse(right) - Date.parse(left))[0];
    const severity = text(admin["severity"]);
    return [
      {
        principalArn,
        holds,
        ...(grantedAt !== undefined && { grantedAt }),
        allowlisted: admin["allowlisted"] === true,
        outsideOwnAccounts: admin["outsideOwnAccounts"] === true,
        ...(severity !== undefined && (SEVERITIES as readonly string[]).includes(severity) && { flagged: severity as Severity }),
      },
    ];
  });
  return admins.sort((left, right) => (right.grantedAt ?? "").localeCompare(left.grantedAt ?? "") || left.principalArn.localeCompare(right.principalArn));
}

export function digestCluster(swept: SweptCluster, policy: Policy, now: Date): DigestCluster {
  const { ref, findings } = swept;
  const support = supportOf(swept, now);
  const failing = findings.filter((finding) => finding.status === "FAIL").sort(bySeverity);
  const exempt = exemptionsInForce(findings, now);
  const failingWith = (area: RuleArea) => failing.filter((finding) => ruleById(finding.ruleId)?.area === area).map((finding) => digestFinding(finding, true));
  const worst = failing[0]?.severity;
  const admins = clusterAdminsOf(findings);
  return {
    arn: ref.arn,
    name: ref.name,
    region: ref.region,
    account: ref.account,
    ...(swept.snapshot?.version !== undefined ? { version: swept.snapshot.version } : {}),
    support,
    cost: costOf(support, policy),
    ...(worst ? { worstSeverity: worst } : {}),
    failing: failing.map((finding) => digestFinding(finding, false)),
    errors: findings.filter((finding) => finding.status === "ERROR").sort(bySeverity).map((finding) => digestFinding(finding, false)),
    nodegroupsBehind: failingWith("nodegroup"),
    addonsBehind: failingWith("addon"),
    endpoint: failingWith("endpoint"),
    exempt,
    exemptionsExpiring: expiringExemptions(exempt),
    ...(swept.snapshot ? { nodegroups: swept.snapshot.nodegroups, addons: swept.snapshot.addons } : {}),
    ...(admins !== undefined && { admins }),
  };
}

/**
 * Most urgent first: unsupported, then the worst open finding's severity, then fewest days to the end of the support
 * window, then name. Severity comes before days, so a cluster with nothing failing never ranks above one with a HIGH
 * finding (a cluster paying for extended support is one), however soon its own window ends.
 */
export function byUrgency(left: DigestCluster, right: DigestCluster): number {
  const unsupported = (cluster: DigestCluster) => (cluster.support.state === "UNSUPPORTED" ? 0 : 1);
  const days = (cluster: DigestCluster) => cluster.support.daysToEnd ?? Number.POSITIVE_INFINITY;
  const severity = (cluster: DigestCluster) => (cluster.worstSeverity ? SEVERITY_RANK[cluster.worstSeverity] : -1);
  return (
    unsupported(left) - unsupported(right) ||
    severity(right) - severity(left) ||
    (days(left) === days(right) ? 0 : days(left) < days(right) ? -1 : 1) ||
    left.name.localeCompare(right.name) ||
    left.region.localeCompare(right.region) ||
    left.arn.localeCompare(right.arn)
  );
}

function refOf(arn: string, cluster: Pick<DigestSnapshotCluster, "name" | "region">): DigestClusterRef {
  return { arn, name: cluster.name, region: cluster.region };
}

const byRef = (left: DigestClusterRef, right: DigestClusterRef): number => left.name.localeCompare(right.name) || left.region.localeCompare(right.region) || left.arn.localeCompare(right.arn);
const byChange = (left: DigestChangeFinding, right: DigestChangeFinding): number =>
  left.cluster.localeCompare(right.cluster) || left.region.localeCompare(right.region) || left.clusterArn.localeCompare(right.clusterArn) || left.ruleId.localeCompare(right.ruleId);

export interface BuildDigestInput {
  readonly sweep: SweepResult;
  readonly previous?: DigestSnapshot;
  readonly policy: Policy;
  readonly now: Date;
}

export function buildDigest(input: BuildDigestInput): { report: DigestReport; snapshot: DigestSnapshot } {
  const { sweep, previous, policy, now } = input;
  const week = isoWeek(now);
  const readable = sweep.clusters.filter((swept) => swept.status === "evaluated" || swept.status === "stale");
  const unreadable = sweep.clusters.filter((swept) => swept.status === "unreadable");
  const failedRegions = sweep.regions.filter((region) => region.problem !== undefined);
  // A region of the own account that failed stands for every account there; a member account's, for that account only.
  const failedScopes = new Set(failedRegions.map((region) => (region.account === undefined ? region.region : `${region.account}\n${region.region}`)));
  const unreachableAccounts = new Set(sweep.unreachableAccounts.map((account) => account.account));

  const clusters = readable.map((swept) => digestCluster(swept, policy, now)).sort(byUrgency);
  const current: Record<string, DigestSnapshotCluster> = {};
  for (const cluster of clusters) {
    current[cluster.arn] = {
      name: cluster.name,
      region: cluster.region,
      account: cluster.account,
      ...(cluster.version !== undefined ? { version: cluster.version } : {}),
      failing: Object.fromEntries(cluster.failing.map((finding) => [finding.ruleId, finding.severity])),
    };
  }
  // What could not be read keeps last week's picture: not removed, nothing opened or closed.
  const carried: Record<string, DigestSnapshotCluster> = {};
  for (const [arn, cluster] of Object.entries(previous?.clusters ?? {})) {
    if (current[arn]) continue;
    if (failedScopes.has(cluster.region) || failedScopes.has(`${cluster.account}\n${cluster.region}`) || unreadable.some((swept) => swept.ref.arn === arn)) carried[arn] = cluster;
  }

  const opened: DigestChangeFinding[] = [];
  const closed: DigestChangeFinding[] = [];
  const added: DigestClusterRef[] = [];
  const removed: DigestClusterRef[] = [];
  const upgraded: (DigestClusterRef & { from?: string; to?: string })[] = [];
  if (previous) {
    for (const [arn, now_] of Object.entries(current)) {
      const before = previous.clusters[arn];
      if (!before) added.push(refOf(arn, now_));
      for (const [ruleId, severity] of Object.entries(now_.failing)) {
        if (!before?.failing[ruleId]) opened.push({ clusterArn: arn, cluster: now_.name, region: now_.region, ruleId, severity });
      }
      if (!before) continue;
      for (const [ruleId, severity] of Object.entries(before.failing)) {
        if (!now_.failing[ruleId]) closed.push({ clusterArn: arn, cluster: now_.name, region: now_.region, ruleId, severity });
      }
      const from = before.version === undefined ? undefined : parseMinorVersion(before.version);
      const to = now_.version === undefined ? undefined : parseMinorVersion(now_.version);
      if (from && to && compareMinorVersions(to, from) > 0) upgraded.push({ ...refOf(arn, now_), from: before.version!, to: now_.version! });
    }
    for (const [arn, before] of Object.entries(previous.clusters)) {
      if (!current[arn] && !carried[arn]) removed.push(refOf(arn, before));
    }
  }

  const couldNotRead = {
    accounts: sweep.unreachableAccounts.map((account) => ({ account: account.account, ...(account.roleArn !== undefined && { roleArn: account.roleArn }), problem: account.problem })),
    regions: failedRegions
      .filter((region) => region.account === undefined || !unreachableAccounts.has(region.account))
      .map((region) => ({ region: region.region, ...(region.account !== undefined && { account: region.account }), problem: region.problem! })),
    clusters: unreadable.map((swept) => ({ arn: swept.ref.arn, name: swept.ref.name, region: swept.ref.region, problem: swept.problem ?? "unknown" })).sort(byRef),
  };
  const inExtended = clusters.filter((cluster) => cluster.support.state === "EXTENDED_SUPPORT" || cluster.support.state === "UNSUPPORTED");
  const report: DigestReport = {
    kind: "digest",
    version: DIGEST_PAYLOAD_VERSION,
    week,
    generatedAt: now.toISOString(),
    ...(previous ? { previousWeek: previous.week } : {}),
    headline: {
      clusters: clusters.length,
      regions: new Set(sweep.regions.map((region) => region.region)).size,
      clustersFailing: clusters.filter((cluster) => cluster.failing.length > 0).length,
      unsupported: clusters.filter((cluster) => cluster.support.state === "UNSUPPORTED").length,
      extendedSupport: clusters.filter((cluster) => cluster.support.state === "EXTENDED_SUPPORT").length,
      findingsOpened: opened.length,
      findingsClosed: closed.length,
      clustersAdded: added.length,
      clustersRemoved: removed.length,
      versionsUpgraded: upgraded.length,
      exemptionsExpiring: clusters.reduce((sum, cluster) => sum + cluster.exemptionsExpiring.length, 0),
      couldNotRead: couldNotRead.accounts.length + couldNotRead.regions.length + couldNotRead.clusters.length,
      extendedSupportMonthlyUsd: toCents(inExtended.reduce((sum, cluster) => sum + cluster.cost.extendedExtraMonthlyUsd, 0)),
    },
    changes: { opened: opened.sort(byChange), closed: closed.sort(byChange), added: added.sort(byRef), removed: removed.sort(byRef), upgraded: upgraded.sort(byRef) },
    clusters,
    couldNotRead,
    pricing: { ...policy.pricing },
  };
  return { report, snapshot: { week, generatedAt: now.toISOString(), clusters: { ...carried, ...current } } };
}

/** What the week keeps for the history chart: its snapshot's open findings by severity (carried-over clusters included). */
export function weekCounts(snapshot: DigestSnapshot): DigestWeekCounts {
  const open = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  const clusters = Object.values(snapshot.clusters);
  for (const cluster of clusters) for (const severity of Object.values(cluster.failing)) open[severity] += 1;
  return { week: snapshot.week, generatedAt: snapshot.generatedAt, clusters: clusters.length, open };
}
