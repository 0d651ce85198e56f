// A finding as the CLI's JSON reports print it (`scan`, `evaluate`): the verdict and its reasons, without the cluster
// ARN, which the report gives once per cluster.
import type { Finding } from "@eks-warden/core";

export function reportedFinding({ ruleId, status, severity, message, evidence, remediation, exemption }: Finding) {
  return { ruleId, status, severity, message, evidence, remediation, ...(exemption !== undefined && { exemption }) };
}
