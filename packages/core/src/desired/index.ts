// Desired state: EKS clusters as Terraform plans, CloudFormation templates (and CDK output) and eksctl configs declare
// them, judged by the live rules before they are deployed (`eks-warden check`).

export { AWS_DEFAULT, checkDesiredCluster, type CheckedCluster, type CheckOptions, type DesiredFinding, judgesDesiredState } from "./checker.ts";
export { DRIFT_RULE_ID, driftFindings } from "./drift.ts";
export { detectFormat, NotADesiredState, readDesiredState } from "./detect.ts";
export { DesiredStateError, parseWithPositions, type ParsedDocument, type Position } from "./document.ts";
export { EKSCTL_DEFAULT_AUTHENTICATION_MODE } from "./eksctl.ts";
export { DESIRED_FORMATS, type DesiredCluster, type DesiredFormat, type DesiredSource, type DesiredState, type UnknownField, type UnknownValue } from "./model.ts";
export { declaresAccess, describeClusterRecord, desiredSnapshot, type DesiredIdentity } from "./snapshot.ts";
