// @eks-warden/core/securityhub: findings in the AWS Security Finding Format and their export (docs/security-hub.md).
export { ASFF_LIMITS, ASFF_SCHEMA_VERSION, asffFinding, complianceOf, productArnOf, productFor, recordOfEvaluation, type AsffFinding, type SecurityHubProduct } from "./finding.ts";
export { changedFindings, importRegionOf, SECURITY_HUB_EXPORT, SecurityHubExport, type FindingsImporter, type SecurityHubSettings } from "./export.ts";
