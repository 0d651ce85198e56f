import type { ClusterIdentity, Remediation, Rule } from "../model.ts";
import { catalogueRemediation, clusterVersionSupport } from "./lib/catalogue.ts";
import { clusterArguments, clusterLabel, evidenceText, finding, notApplicableForLifecycle, undecided } from "./lib/finding.ts";
import { upgradeControlPlane } from "./lib/upgrade.ts";
import { daysUntil, isoDay, withinDays } from "./lib/versions.ts";
import { reading } from "./lib/reads.ts";

/**
 * Amazon EKS list prices per cluster-hour (aws.amazon.com/eks/pricing): $0.10 in standard support, $0.60 in extended
 * support. Evidence quotes them as list prices: discounts and regional differences are not known here.
 */
export const EKS_PRICE_USD_PER_CLUSTER_HOUR = { standard: 0.1, extended: 0.6 } as const;
const HOURS_PER_MONTH = 730;
const EXTRA_USD_PER_MONTH = Math.round((EKS_PRICE_USD_PER_CLUSTER_HOUR.extended - EKS_PRICE_USD_PER_CLUSTER_HOUR.standard) * HOURS_PER_MONTH);
const PRICE_SENTENCE = `EKS bills $0.60 instead of $0.10 per cluster-hour in extended support (AWS list price, about $${EXTRA_USD_PER_MONTH} more a month)`;

function chooseStandardSupport(cluster: ClusterIdentity): Remediation {
  return {
    text:
      "Upgrade to a version in standard support before it ends; or, to rule out extended support charges, set the support type to " +
      "STANDARD, after which EKS upgrades the control plane itself when standard support ends (this cannot be set once extended support has begun).",
    command: `aws eks update-cluster-config ${clusterArguments(cluster)} --upgrade-policy supportType=STANDARD`,
  };
}

export const rule: Rule = {
  id: "extended-support-enrollment",
  area: "version",
  title: "EKS cluster not headed for paid extended support",
  severity: "LOW",
  // A cost control: no security framework has a control for the support type.
  frameworks: [],
  ...reading("cluster", "versionCatalogue"),
  risk:
    "A cluster whose support type is EXTENDED (AWS's default when no upgrade policy is set) moves into extended support when its " +
    `version leaves standard support, and ${PRICE_SENTENCE}, per cluster, silently, until it is upgraded.`,
  remediation: chooseStandardSupport,
  headline({ evidence }) {
    const version = evidenceText(evidence.version);
    const endOfStandard = evidenceText(evidence.endOfStandardSupportDate);
    if (version === undefined || endOfStandard === undefined) return undefined;
    return evidence.versionStatus === "STANDARD_SUPPORT"
      ? `extended support billing starts ${endOfStandard} (v${version})`
      : `extended support billed since ${endOfStandard} (v${version})`;
  },
  evaluate(snapshot, policy, context) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const label = clusterLabel(snapshot);
    const supportTypeDefaulted = snapshot.supportType === undefined;
    const supportType = snapshot.supportType ?? "EXTENDED";
    const pricing = { ...EKS_PRICE_USD_PER_CLUSTER_HOUR, extraUsdPerMonth: EXTRA_USD_PER_MONTH, hoursPerMonth: HOURS_PER_MONTH, source: "AWS list price, aws.amazon.com/eks/pricing" };
    if (supportType === "STANDARD") {
      return [
        finding(rule, snapshot, {
          status: "PASS",
          severity: rule.severity,
          message: `EKS cluster ${label} has support type STANDARD, so EKS upgrades it at the end of standard support instead of billing extended support.`,
          evidence: { supportType, supportTypeDefaulted, version: snapshot.version ?? null },
        }),
      ];
    }
    const resolved = clusterVersionSupport(rule, snapshot, context);
    if (!resolved.ok) return [resolved.finding];
    const { version, info, versionStatus } = resolved.value;
    const { now } = context;
    const endOfStandard = isoDay(info.endOfStandardSupportDate);
    const evidence = {
      supportType,
      supportTypeDefaulted,
      version,
      versionStatus,
      endOfStandardSupportDate: endOfStandard ?? null,
      daysToEndOfStandardSupport: daysUntil(info.endOfStandardSupportDate, now) ?? null,
      warningWindowDays: policy.versions.warningWindowDays,
      pricing,
      evaluatedAt: now.toISOString(),
    };
    const enrolled = supportTypeDefaulted ? "is enrolled in extended support by default (no upgrade policy)" : "is enrolled in extended support";

    if (versionStatus !== "STANDARD_SUPPORT") {
      // Extended support has begun (or ended): the support type can no longer be switched, only the version upgraded.
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: "LOW",
          message: `EKS cluster ${label} ${enrolled} and Kubernetes ${version} left standard support${endOfStandard ? ` on ${endOfStandard}` : ""}, so ${PRICE_SENTENCE}.`,
          evidence,
          remediation: upgradeControlPlane(snapshot),
        }),
      ];
    }
    if (info.endOfStandardSupportDate === undefined) {
      return [undecided(rule, snapshot, `EKS cluster ${label} could not be checked because the version catalogue gives no end of standard support for Kubernetes ${version}.`, evidence, catalogueRemediation(snapshot))];
    }
    if (withinDays(info.endOfStandardSupportDate, now, policy.versions.warningWindowDays)) {
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: "LOW",
          message: `EKS cluster ${label} ${enrolled} and standard support for Kubernetes ${version} ends on ${endOfStandard}, after which ${PRICE_SENTENCE}.`,
          evidence,
        }),
      ];
    }
    return [
      finding(rule, snapshot, {
        status: "PASS",
        severity: rule.severity,
        message: `EKS cluster ${label} ${enrolled}, but standard support for Kubernetes ${version} lasts until ${endOfStandard}, beyond the ${policy.versions.warningWindowDays}-day warning window.`,
        evidence,
      }),
    ];
  },
};
