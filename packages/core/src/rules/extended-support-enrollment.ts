import type { ClusterIdentity, Remediation, Rule } from "../model.ts";
import { catalogueRemediation, clusterVersionSupport } from "./lib/catalogue.ts";
import { clusterArguments, clusterLabel, evidenceText, finding, notApplicableForLifecycle, undecided } from "./lib/finding.ts";
import { upgradeControlPlane } from "./lib/upgrade.ts";
import { daysUntil, isoDay, withinDays } from "./lib/versions.ts";
import { reading } from "./lib/reads.ts";
import { EKS_LIST_PRICES, extendedSupportExtraPerMonthUsd, HOURS_PER_MONTH, usdText, type ControlPlanePricing } from "../pricing.ts";

/** What extended support costs over standard, as the rule's risk and findings say it. */
function priceSentence(pricing: ControlPlanePricing, source: string): string {
  const perMonth = extendedSupportExtraPerMonthUsd(pricing);
  return `EKS bills ${usdText(pricing.extendedPerClusterHourUsd)} instead of ${usdText(pricing.standardPerClusterHourUsd)} per cluster-hour in extended support (${source}, about ${usdText(Math.round(perMonth))} more a month)`;
}

const LIST_PRICE = "AWS list price";

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
    `version leaves standard support, and ${priceSentence(EKS_LIST_PRICES, LIST_PRICE)}, per cluster, silently, until it is upgraded.`,
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
    const listPrices = policy.pricing.standardPerClusterHourUsd === EKS_LIST_PRICES.standardPerClusterHourUsd && policy.pricing.extendedPerClusterHourUsd === EKS_LIST_PRICES.extendedPerClusterHourUsd;
    const source = listPrices ? LIST_PRICE : "the policy's price";
    const pricing = {
      standard: policy.pricing.standardPerClusterHourUsd,
      extended: policy.pricing.extendedPerClusterHourUsd,
      extraUsdPerMonth: extendedSupportExtraPerMonthUsd(policy.pricing),
      hoursPerMonth: HOURS_PER_MONTH,
      source: listPrices ? `${LIST_PRICE}, aws.amazon.com/eks/pricing` : "policy.pricing",
    };
    const sentence = priceSentence(policy.pricing, source);
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
          message: `EKS cluster ${label} ${enrolled} and Kubernetes ${version} left standard support${endOfStandard ? ` on ${endOfStandard}` : ""}, so ${sentence}.`,
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
          message: `EKS cluster ${label} ${enrolled} and standard support for Kubernetes ${version} ends on ${endOfStandard}, after which ${sentence}.`,
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
