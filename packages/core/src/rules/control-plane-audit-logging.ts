import type { ClusterIdentity, Remediation, Rule } from "../model.ts";
import { clusterArguments, clusterLabel, evidenceStrings, finding, notApplicableForLifecycle } from "./lib/finding.ts";
import { reading } from "./lib/reads.ts";

const AUDIT_LOG_TYPE = "audit";

function enableAuditLog(cluster: ClusterIdentity): Remediation {
  return {
    text:
      "Turn on the control plane's audit log, which EKS delivers to the CloudWatch Logs group /aws/eks/<cluster>/cluster " +
      "(CloudWatch ingestion and storage are billed); other log types keep their settings.",
    command: `aws eks update-cluster-config ${clusterArguments(cluster)} --logging '{"clusterLogging":[{"types":["${AUDIT_LOG_TYPE}"],"enabled":true}]}'`,
  };
}

export const rule: Rule = {
  id: "control-plane-audit-logging",
  area: "governance",
  title: "EKS control plane audit log enabled",
  severity: "MEDIUM",
  frameworks: ["CIS-EKS 2.1.1", "FSBP EKS.8"],
  ...reading("cluster"),
  risk:
    "Without the Kubernetes audit log there is no record of who called the API, what they read or changed, and from where: " +
    "a compromise through a leaked credential or an over-broad RBAC binding cannot be investigated, and misuse goes unnoticed.",
  remediation: enableAuditLog,
  headline: ({ evidence }) => (evidenceStrings(evidence.enabledTypes)?.includes(AUDIT_LOG_TYPE) === false ? "Kubernetes audit log not sent to CloudWatch Logs" : undefined),
  evaluate(snapshot) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const evidence = { enabledTypes: [...snapshot.logging.enabledTypes], disabledTypes: [...snapshot.logging.disabledTypes] };
    const label = clusterLabel(snapshot);
    if (snapshot.logging.enabledTypes.includes(AUDIT_LOG_TYPE)) {
      return [finding(rule, snapshot, { status: "PASS", severity: rule.severity, message: `EKS cluster ${label} sends its Kubernetes audit log to CloudWatch Logs.`, evidence })];
    }
    return [
      finding(rule, snapshot, {
        status: "FAIL",
        severity: "MEDIUM",
        message: `EKS cluster ${label} does not send its Kubernetes audit log to CloudWatch Logs.`,
        evidence,
      }),
    ];
  },
};
