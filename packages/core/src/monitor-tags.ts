// The cluster tags EKS Warden reads, and nothing else: a tag call that sets or removes only other keys cannot change
// a verdict, an exemption or a remediation, so the real-time path re-judges only the cluster-record rules for it
// (events/affected-rules.ts). Keys are compared exactly, as the readers look them up (`tags[EXEMPTION_TAG]`): AWS tag
// keys are case-sensitive, so `EKS-Warden:Exempt` is another tag, which exempts nothing.
//
// Readers: the exemption tag in exemptions.ts (every rule's exemption, and the exemption-tag-valid rule), the
// remediation override in remediation/plan.ts (opt-out or action, announced with the alerts). A new reader of a tag
// adds its key here.

import { EXEMPTION_TAG } from "./exemptions.ts";

/** The per-cluster remediation override tag: `opt-out`, or the action to use on this cluster (remediation/plan.ts). */
export const REMEDIATION_TAG = "eks-warden:remediation";

const TAG_KEYS_READ_BY_MONITOR: ReadonlySet<string> = new Set([EXEMPTION_TAG, REMEDIATION_TAG]);

/**
 * The tags whose setter is governed by the policy (exemptions.tags, remediation.overrideTags): who set each to which
 * value is recorded from its TagResource event (a TagGrant) and checked at every use.
 */
export type GovernedTag = typeof EXEMPTION_TAG | typeof REMEDIATION_TAG;

/** True when EKS Warden reads the cluster tag `key`, so setting or removing it can change what it reports or does. */
export function isTagReadByMonitor(key: string): boolean {
  return TAG_KEYS_READ_BY_MONITOR.has(key);
}
