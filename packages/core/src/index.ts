// @eks-warden/core: the domain every part shares. The contracts (model.ts), the rules and the engine that runs them,
// the snapshot normalisers, the policy, exemptions, identifiers, text and prices. Pure: no AWS SDK behind this entry.
// The other areas have entries of their own (package.json exports); inside core, files import each other directly.

export { ACCESS_ENTRY_PRINCIPAL, accessPolicyArn, EKS_ACCESS_POLICY_NAMES, knownAccessPolicy } from "./access-policies.ts";
export { ACCOUNT_ID, CLUSTER_NAME, clusterArnOf, clusterOfResourceArn, parseClusterArn, partitionOfRegion, REGION } from "./arn.ts";
export { parseIsoDate } from "./dates.ts";
export { evaluate, type Gate, gateFailures, sortWorstFirst, worstFirst } from "./engine.ts";
export { AccessDenied, AccountUnreachable, CredentialsMissing, PolicyError, ServiceUnavailable, TopicNotConfigured, ValidationError, WardenError } from "./errors.ts";
export { EXEMPTION_TAG } from "./exemptions.ts";
export { type AlertCause, type ClusterIdentity, type ClusterSnapshot, type DataKind, type Finding, type FindingStatus, type Policy, type Rule, SEVERITIES, type Severity, SEVERITY_RANK, STATUSES, type VersionCatalogue } from "./model.ts";
export { EKS_REMEDIATION_ACTIONS, REALTIME_FUNCTION_ACTIONS, SSM_EXTERNAL_ID_ACTIONS, SCHEDULED_FUNCTION_ACTIONS, SELF_AUDIT_ACTIONS, STATE_TABLE_ACTIONS } from "./permissions.ts";
export { defaultPolicy, parsePolicy, policySchema } from "./policy.ts";
export { regionProblem } from "./regions.ts";
export { permissionsFor, readsFor, ruleById, rules } from "./rules/index.ts";
export { nextMinorVersion } from "./rules/lib/versions.ts";
export { normaliseCluster, normaliseVersionCatalogue } from "./snapshot.ts";
export { type StoredRuleState, type Transition } from "./state/transitions.ts";
export { closestName } from "./suggest.ts";
export { oneLine, shownValue } from "./text.ts";
export { formatPath, issuesFromZod } from "./zod-issues.ts";
