import type { Rule } from "../model.ts";
import { clusterVersionSupport } from "./lib/catalogue.ts";
import { clusterLabel, evidenceText, finding, notApplicableForLifecycle } from "./lib/finding.ts";
import { upgradeControlPlane } from "./lib/upgrade.ts";
import { daysUntil, isoDay, withinDays } from "./lib/versions.ts";
import { reading } from "./lib/reads.ts";

function inDays(days: number): string {
  if (days === 0) return "within a day";
  return days === 1 ? "in 1 day" : `in ${days} days`;
}

export const rule: Rule = {
  id: "version-support",
  area: "version",
  title: "EKS Kubernetes version in standard support",
  severity: "CRITICAL",
  frameworks: ["FSBP EKS.2"],
  ...reading("cluster", "versionCatalogue"),
  risk:
    "A Kubernetes version past its standard support gets no new patches from the Kubernetes project; in extended support AWS " +
    "still patches it at six times the hourly price, and once extended support ends the version is unsupported and EKS upgrades " +
    "the control plane on its own schedule, which can break workloads that were never tested against the new version.",
  remediation: upgradeControlPlane,
  headline({ evidence }) {
    const version = evidenceText(evidence.version);
    const endOfStandard = evidenceText(evidence.endOfStandardSupportDate);
    const endOfExtended = evidenceText(evidence.endOfExtendedSupportDate);
    if (version === undefined) return undefined;
    switch (evidence.versionStatus) {
      case "UNSUPPORTED":
        return `Kubernetes ${version} out of all support${endOfExtended ? ` since ${endOfExtended}` : ""}`;
      case "EXTENDED_SUPPORT":
        return `Kubernetes ${version} in paid extended support${endOfStandard ? ` since ${endOfStandard}` : ""}`;
      default:
        return endOfStandard ? `Kubernetes ${version} leaves standard support on ${endOfStandard}` : undefined;
    }
  },
  evaluate(snapshot, policy, context) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const resolved = clusterVersionSupport(rule, snapshot, context);
    if (!resolved.ok) return [resolved.finding];
    const { version, info, versionStatus } = resolved.value;
    const { now } = context;
    const endOfStandard = isoDay(info.endOfStandardSupportDate);
    const endOfExtended = isoDay(info.endOfExtendedSupportDate);
    const daysToEndOfStandardSupport = daysUntil(info.endOfStandardSupportDate, now);
    const daysToEndOfExtendedSupport = daysUntil(info.endOfExtendedSupportDate, now);
    const evidence = {
      version,
      versionStatus,
      catalogueVersionStatus: info.status,
      endOfStandardSupportDate: endOfStandard ?? null,
      endOfExtendedSupportDate: endOfExtended ?? null,
      daysToEndOfStandardSupport: daysToEndOfStandardSupport ?? null,
      daysToEndOfExtendedSupport: daysToEndOfExtendedSupport ?? null,
      warningWindowDays: policy.versions.warningWindowDays,
      evaluatedAt: now.toISOString(),
    };
    const label = clusterLabel(snapshot);

    if (versionStatus === "UNSUPPORTED") {
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: "CRITICAL",
          message: `EKS cluster ${label} runs Kubernetes ${version}, which is out of all support${endOfExtended ? ` since ${endOfExtended}` : ""}.`,
          evidence,
        }),
      ];
    }
    if (versionStatus === "EXTENDED_SUPPORT") {
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: "HIGH",
          message: `EKS cluster ${label} runs Kubernetes ${version} in paid extended support${endOfExtended ? `, which ends on ${endOfExtended}` : ""}.`,
          evidence,
        }),
      ];
    }
    if (info.endOfStandardSupportDate !== undefined && daysToEndOfStandardSupport !== undefined && withinDays(info.endOfStandardSupportDate, now, policy.versions.warningWindowDays)) {
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: "MEDIUM",
          message: `EKS cluster ${label} runs Kubernetes ${version}, whose standard support ends on ${endOfStandard} (${inDays(daysToEndOfStandardSupport)}).`,
          evidence,
        }),
      ];
    }
    return [
      finding(rule, snapshot, {
        status: "PASS",
        severity: rule.severity,
        message: `EKS cluster ${label} runs Kubernetes ${version}, in standard support${endOfStandard ? ` until ${endOfStandard}` : ""}.`,
        evidence,
      }),
    ];
  },
};
