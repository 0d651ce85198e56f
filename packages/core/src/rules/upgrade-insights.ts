import { FAILING_INSIGHT_STATUSES, type ClusterIdentity, type Evidence, type InsightDeprecation, type InsightDetails, type InsightSnapshot, type Remediation, type Rule } from "../model.ts";
import { notApplicableForLifecycle, shellWord, unread } from "./lib/finding.ts";
import { clause, count, summariseItems, type ItemVerdict, itemsHeadline } from "./lib/items.ts";
import { reading } from "./lib/reads.ts";

function clusterOptions(cluster: ClusterIdentity): string {
  return `--region ${shellWord(cluster.region)} --cluster-name ${shellWord(cluster.name)}`;
}

function listInsights(cluster: ClusterIdentity): Remediation {
  return {
    text:
      "Read each failing insight's recommendation and the resources it lists (deprecated APIs still called, node or add-on " +
      "versions too old for the next version), fix them, and upgrade only once every insight passes.",
    command: `aws eks list-insights ${clusterOptions(cluster)} --filter categories=UPGRADE_READINESS`,
  };
}

/** The fix of one failing insight: EKS's own recommendation for it, and the command that lists what it found. */
function describeInsight(cluster: ClusterIdentity, insight: InsightSnapshot): Remediation {
  const recommendation = insight.details?.recommendation;
  return {
    text:
      (recommendation ? `${clause(recommendation)} (EKS's recommendation for the insight "${clause(insight.name)}"). ` : `Read what the insight "${clause(insight.name)}" found (EKS gives no recommendation for it). `) +
      "Fix the resources it lists, and check the other insights the same way (aws eks list-insights) before upgrading.",
    command: `aws eks describe-insight ${clusterOptions(cluster)} --id ${shellWord(insight.id)}`,
  };
}

/** The deprecated APIs still called, as a clause: "/apis/x/v1beta1/y (replaced by /apis/x/v1/y, gone in 1.35)". */
function deprecationsClause(deprecations: readonly InsightDeprecation[]): string {
  return deprecations
    .map((deprecation) => {
      const facts = [deprecation.replacedWith && `replaced by ${deprecation.replacedWith}`, deprecation.stopServingVersion && `gone in ${deprecation.stopServingVersion}`].filter(Boolean);
      return `${clause(deprecation.usage)}${facts.length > 0 ? ` (${facts.join(", ")})` : ""}`;
    })
    .join(", ");
}

/** What DescribeInsight said, for the evidence: dates as ISO strings, nothing left out. */
function detailsEvidence(details: InsightDetails): Evidence {
  return {
    recommendation: details.recommendation ?? null,
    additionalInfo: details.additionalInfo,
    resources: details.resources,
    deprecationDetails: details.deprecations.map((deprecation) => ({
      ...deprecation,
      clientStats: deprecation.clientStats.map((stat) => ({ ...stat, ...(stat.lastRequestTime && { lastRequestTime: stat.lastRequestTime.toISOString() }) })),
    })),
    addonCompatibilityDetails: details.addonCompatibility,
  };
}

/**
 * ERROR: the upgrade would break something (HIGH); WARNING: it may (MEDIUM), each told with EKS's recommendation and
 * what it found (DescribeInsight); without that description the insight cannot be judged (ERROR, never PASS).
 * PASSING: ready; anything else: unknown.
 */
function verdict(cluster: ClusterIdentity, insight: InsightSnapshot): ItemVerdict {
  const evidence = {
    id: insight.id,
    name: insight.name,
    status: insight.status,
    kubernetesVersion: insight.kubernetesVersion ?? null,
    reason: insight.reason ?? null,
    description: insight.description ?? null,
    lastRefreshTime: insight.lastRefreshTime?.toISOString() ?? null,
    ...(insight.details && detailsEvidence(insight.details)),
    ...(insight.detailsUnreadable !== undefined && { detailsUnreadable: insight.detailsUnreadable }),
  };
  const forVersion = insight.kubernetesVersion ? ` for ${insight.kubernetesVersion}` : "";
  const found = `${clause(insight.name)}${forVersion} (${insight.status}${insight.reason ? `: ${clause(insight.reason)}` : ""}`;
  if (FAILING_INSIGHT_STATUSES.has(insight.status)) {
    const details = insight.details;
    if (details === undefined) {
      const why = insight.detailsUnreadable === undefined ? "not read" : clause(insight.detailsUnreadable);
      return { state: "unknown", summary: `${found}; its recommendation could not be read (eks:DescribeInsight): ${why})`, evidence };
    }
    const told = [
      details.recommendation && `recommendation: ${clause(details.recommendation)}`,
      details.deprecations.length > 0 && `deprecated APIs still called: ${deprecationsClause(details.deprecations)}`,
      details.resources.length > 0 && count(details.resources.length, "resource") + " listed",
    ].filter(Boolean);
    const summary = `${found}${told.length > 0 ? `; ${told.join("; ")}` : ""})`;
    return { state: "behind", severity: insight.status === "ERROR" ? "HIGH" : "MEDIUM", summary, evidence, remediation: describeInsight(cluster, insight) };
  }
  return { state: insight.status === "PASSING" ? "current" : "unknown", summary: `${found})`, evidence };
}

export const rule: Rule = {
  id: "upgrade-insights",
  area: "version",
  title: "EKS upgrade insights passing",
  headline: itemsHeadline("upgrade insight", "in ERROR or WARNING"),
  severity: "HIGH",
  frameworks: [],
  ...reading("cluster", "insights"),
  risk:
    "EKS upgrade insights report what would break on the next Kubernetes version: APIs removed in it that clients still call, " +
    "nodes or add-ons too old for it. Upgrading with a failing insight breaks those workloads; not upgrading leaves the cluster " +
    "drifting towards the end of its support, when EKS upgrades it anyway. Each failing insight is told with EKS's own " +
    "recommendation and what it found (DescribeInsight): the deprecated APIs still called, by whom, and the resources concerned.",
  remediation: listInsights,
  evaluate(snapshot) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    if (snapshot.insights === undefined) {
      return [unread(rule, snapshot, "its upgrade insights (eks:ListInsights, eks:DescribeInsight)", "insights")];
    }
    const verdicts = snapshot.insights.map((insight) => verdict(snapshot, insight));
    return [
      summariseItems(rule, snapshot, verdicts, {
        behind: (list) => `has upgrade insights that are not passing: ${list}`,
        unknown: (list) => `could not be checked because these upgrade insights are undetermined by EKS or could not be read: ${list}`,
        current: (number) => `has ${count(number, "upgrade insight")} from EKS, all passing`,
        none: "has no upgrade insights from EKS yet (EKS refreshes them daily)",
      }),
    ];
  },
};
