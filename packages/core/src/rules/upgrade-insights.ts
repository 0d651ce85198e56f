import type { ClusterIdentity, InsightSnapshot, Remediation, Rule } from "../model.ts";
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

function describeInsight(cluster: ClusterIdentity, insight: InsightSnapshot): Remediation {
  return {
    text:
      `Read the recommendation of the insight "${clause(insight.name)}" and the resources it lists, fix them, and check the ` +
      "other insights the same way (aws eks list-insights) before upgrading.",
    command: `aws eks describe-insight ${clusterOptions(cluster)} --id ${shellWord(insight.id)}`,
  };
}

/** ERROR: the upgrade would break something (HIGH); WARNING: it may (MEDIUM); PASSING: ready; anything else: unknown. */
function verdict(cluster: ClusterIdentity, insight: InsightSnapshot): ItemVerdict {
  const evidence = {
    id: insight.id,
    name: insight.name,
    status: insight.status,
    kubernetesVersion: insight.kubernetesVersion ?? null,
    reason: insight.reason ?? null,
    description: insight.description ?? null,
    lastRefreshTime: insight.lastRefreshTime?.toISOString() ?? null,
  };
  const forVersion = insight.kubernetesVersion ? ` for ${insight.kubernetesVersion}` : "";
  const summary = `${clause(insight.name)}${forVersion} (${insight.status}${insight.reason ? `: ${clause(insight.reason)}` : ""})`;
  if (insight.status === "ERROR" || insight.status === "WARNING") {
    return { state: "behind", severity: insight.status === "ERROR" ? "HIGH" : "MEDIUM", summary, evidence, remediation: describeInsight(cluster, insight) };
  }
  return { state: insight.status === "PASSING" ? "current" : "unknown", summary, evidence };
}

export const rule: Rule = {
  id: "upgrade-insights",
  title: "EKS upgrade insights passing",
  headline: itemsHeadline("upgrade insight", "in ERROR or WARNING"),
  severity: "HIGH",
  frameworks: [],
  ...reading("cluster", "insights"),
  risk:
    "EKS upgrade insights report what would break on the next Kubernetes version: APIs removed in it that clients still call, " +
    "nodes or add-ons too old for it. Upgrading with a failing insight breaks those workloads; not upgrading leaves the cluster " +
    "drifting towards the end of its support, when EKS upgrades it anyway.",
  remediation: listInsights,
  evaluate(snapshot) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    if (snapshot.insights === undefined) {
      return [unread(rule, snapshot, "its upgrade insights (eks:ListInsights)", "insights")];
    }
    const verdicts = snapshot.insights.map((insight) => verdict(snapshot, insight));
    return [
      summariseItems(rule, snapshot, verdicts, {
        behind: (list) => `has upgrade insights that are not passing: ${list}`,
        unknown: (list) => `could not be checked because EKS could not determine these upgrade insights: ${list}`,
        current: (number) => `has ${count(number, "upgrade insight")} from EKS, all passing`,
        none: "has no upgrade insights from EKS yet (EKS refreshes them daily)",
      }),
    ];
  },
};
