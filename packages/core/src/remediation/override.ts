// The per-cluster remediation override (tag eks-warden:remediation) is governed like an exemption: it counts only
// when the principal who set that very value (recorded from its TagResource event, a TagGrant of the tag) is one
// policy.remediation.overrideTags lists (none by default). Anyone who may tag a cluster could otherwise keep
// remediation away from it (`opt-out`) or swap its action. A refused override is ignored: the policy applies.

import { grantorOf, setterListed } from "../exemptions.ts";
import type { Policy, TagGrant } from "../model.ts";

export type OverrideStanding =
  | { readonly honoured: true; readonly setBy: string }
  /** `problem` follows "eks-warden:remediation=<value> " in a sentence. */
  | { readonly honoured: false; readonly setBy?: string; readonly problem: string };

/** Whether the override tag's `value` counts under the policy, given the recorded setting of the tag (`grant`). */
export function overrideStanding(value: string, grant: TagGrant | undefined, policy: Policy): OverrideStanding {
  const patterns = policy.remediation.overrideTags;
  // The setting counts only when it recorded this very value: a later value set before any event was recorded is not its.
  const recorded = grant !== undefined && grant.value === value ? grant : undefined;
  const setBy = recorded ? { setBy: grantorOf(recorded) } : {};
  if (patterns.includes("*")) return { honoured: true, setBy: grantorOf(recorded) };
  if (recorded === undefined) {
    return { honoured: false, problem: "was set by an unknown principal (no TagResource event was recorded for this value), so policy.remediation.overrideTags cannot allow it" };
  }
  if (!setterListed(patterns, recorded)) {
    return { honoured: false, ...setBy, problem: `set by ${grantorOf(recorded)}, who is not allowed by policy.remediation.overrideTags${patterns.length === 0 ? " (it lists no one)" : ""}` };
  }
  return { honoured: true, setBy: grantorOf(recorded) };
}
