// @eks-warden/core/remediation: what auto-remediation does to a public endpoint, and when it may.

export { REMEDIATION_OPT_OUT, REMEDIATION_TAG } from "./plan.ts";
