// Exemptions: a cluster tag `eks-warden:exempt` = `<rule-id>[ <rule-id>...] until=<YYYY-MM-DD> reason=<text>`, or an
// entry in the policy. An exemption holds through the end of its `until` day, UTC. A tag that cannot be parsed
// exempts nothing (the exemption-tag-valid rule reports it).
//
// Exemptions are governed: a tag exempts only when the policy lets tags exempt (`policy.exemptions.tags`), when its
// `until` is at most `policy.exemptions.maxDays` away, and when the principal who set that very value (recorded from
// its TagResource event, a TagGrant) is one the policy lists. Anyone who may tag a cluster could otherwise silence
// the monitor for it. Policy entries name clusters by ARN only: a bare name would match it in every account and region.

import { endOfDayUtc, MS_PER_DAY } from "./dates.ts";
import type { ClusterSnapshot, Policy, PolicyExemption, TagGrant } from "./model.ts";

export const EXEMPTION_TAG = "eks-warden:exempt";

/** Rule ids are kebab-case: lower-case letters and digits in words joined by single hyphens. */
export const RULE_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** What AWS allows in a tag value: letters, digits, white space and `+ - = . _ : / @`, at most 256 characters. */
const TAG_VALUE_CHARACTERS = /^[\p{L}\p{N}\s+\-=._:/@]*$/u;
const MAX_TAG_VALUE_LENGTH = 256;

export interface ExemptionGrant {
  readonly rules: readonly string[];
  /** YYYY-MM-DD, the last day the exemption holds (UTC). */
  readonly until: string;
  readonly reason: string;
}

export type TagParse = { readonly ok: true; readonly exemption: ExemptionGrant } | { readonly ok: false; readonly problem: string };

/**
 * Parses the value of the exemption tag. Rule ids come first; then `until=` and `reason=`, where `reason=` takes the
 * rest of the value, so it must come last. Problems are phrased to follow "the tag ..." in a sentence.
 */
export function parseExemptionTag(value: string): TagParse {
  const problem = (text: string): TagParse => ({ ok: false, problem: text });
  if (value.length > MAX_TAG_VALUE_LENGTH) return problem(`is ${value.length} characters long, more than AWS allows (${MAX_TAG_VALUE_LENGTH})`);
  if (!TAG_VALUE_CHARACTERS.test(value)) {
    return problem("contains characters AWS does not allow in a tag value (only letters, digits, spaces and + - = . _ : / @)");
  }
  const reasonAt = /(?:^|\s)reason=/.exec(value);
  const head = reasonAt ? value.slice(0, reasonAt.index) : value;
  const reason = reasonAt ? value.slice(reasonAt.index + reasonAt[0].length).trim() : undefined;

  const rules: string[] = [];
  let until: string | undefined;
  for (const token of head.split(/\s+/).filter(Boolean)) {
    if (token.startsWith("until=")) {
      if (until !== undefined) return problem("gives until= more than once");
      until = token.slice("until=".length);
    } else if (token.includes("=")) {
      return problem(`has an unknown field ${JSON.stringify(token)} (expected rule ids, until=YYYY-MM-DD and reason=<text>)`);
    } else if (until !== undefined) {
      return problem(`names rule ${JSON.stringify(token)} after until= (rule ids come first)`);
    } else if (!RULE_ID_PATTERN.test(token)) {
      return problem(`names ${JSON.stringify(token)}, which is not a rule id (rule ids are kebab-case, e.g. endpoint-public-access)`);
    } else {
      rules.push(token);
    }
  }
  if (rules.length === 0) return problem("names no rule id (expected `<rule-id>[ <rule-id>...] until=YYYY-MM-DD reason=<text>`)");
  if (until === undefined) return problem("has no until=YYYY-MM-DD (every exemption must end)");
  if (endOfDayUtc(until) === undefined) return problem(`has until=${until}, which is not a calendar day written YYYY-MM-DD`);
  if (reason === undefined) return problem("has no reason=<text> (every exemption must say why)");
  if (reason === "") return problem("has an empty reason= (every exemption must say why)");
  return { ok: true, exemption: { rules: [...new Set(rules)], until, reason } };
}

/** The tag's parse, or undefined when the cluster has no exemption tag. */
export function exemptionTagOf(snapshot: Pick<ClusterSnapshot, "tags">): { readonly value: string; readonly parse: TagParse } | undefined {
  const value = snapshot.tags[EXEMPTION_TAG];
  return value === undefined ? undefined : { value, parse: parseExemptionTag(value) };
}

/** True once the exemption's last day (`until`, UTC) is over at `now`. */
export function exemptionExpired(until: string, now: Date): boolean {
  const end = endOfDayUtc(until);
  return end !== undefined && now.getTime() >= end.getTime();
}

/** A policy exemption names its cluster by ARN (the policy refuses bare names). */
export function policyExemptionMatches(exemption: PolicyExemption, snapshot: Pick<ClusterSnapshot, "arn">): boolean {
  return exemption.cluster === snapshot.arn;
}

/** `*` any run of characters, `?` one; everything else literal; the whole ARN must match. */
export function principalMatches(pattern: string, principal: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s").test(principal);
}

/** Who set the tag, for a sentence: the first principal of the grant, or "an unknown principal". */
export function grantorOf(grant: TagGrant | undefined): string {
  return grant?.principals[0] ?? "an unknown principal";
}

/** Why a tag does not exempt: the text, phrased after "the tag", and whether it is refused for who set it. */
export interface TagRefusal {
  readonly text: string;
  /** A recorded principal the policy does not let grant exemptions (none may, by default): someone trying to exempt. */
  readonly bySetter: boolean;
}

/**
 * Why a well-formed exemption tag does not exempt under the policy, or undefined when it does: tag exemptions off, an
 * `until` beyond `maxDays`, or a setter who is unknown or not listed, in that order. `grant` is the recorded setting
 * of the tag; it counts only when it recorded this very value.
 */
export function tagGrantProblem(value: string, until: string, grant: TagGrant | undefined, policy: Policy, now: Date): TagRefusal | undefined {
  const { tags, maxDays } = policy.exemptions;
  if (tags === false) return { text: "is not honoured: exemptions by tag are turned off (policy.exemptions.tags is false)", bySetter: false };
  const end = endOfDayUtc(until);
  if (end !== undefined && end.getTime() - now.getTime() > maxDays * MS_PER_DAY) {
    return { text: `has until=${until}, more than ${maxDays} days away (policy.exemptions.maxDays)`, bySetter: false };
  }
  if (tags.includes("*")) return undefined;
  const recorded = grant !== undefined && grant.value === value ? grant : undefined;
  if (tags.length === 0) {
    return {
      text: `was set by ${grantorOf(recorded)}, but no principal may grant exemptions by tag (list the IAM principals that may in policy.exemptions.tags)`,
      bySetter: recorded !== undefined,
    };
  }
  if (recorded === undefined) {
    return {
      text: "was set by an unknown principal (no TagResource event was recorded for this value); it counts once a principal listed in policy.exemptions.tags sets it again",
      bySetter: false,
    };
  }
  if (!mayGrantByTag(policy, recorded)) {
    return { text: `was set by ${grantorOf(recorded)}, who is not allowed to grant exemptions (policy.exemptions.tags)`, bySetter: true };
  }
  return undefined;
}

/** Whether a principal of the recorded setting of a governed tag matches one of `patterns` (`"*"`: anyone). */
export function setterListed(patterns: readonly string[], grant: TagGrant): boolean {
  return patterns.includes("*") || grant.principals.some((principal) => patterns.some((pattern) => principalMatches(pattern, principal)));
}

/** Whether the policy lets the recorded setter of an exemption tag grant exemptions by tag. */
function mayGrantByTag(policy: Policy, grant: TagGrant): boolean {
  const { tags } = policy.exemptions;
  return tags !== false && setterListed(tags, grant);
}

export type ExemptionResolution =
  | { readonly state: "none" }
  | {
      readonly state: "active" | "expired";
      readonly until: string;
      readonly reason: string;
      readonly source: "tag" | "policy";
      /** For a tag: the principal who set it. */
      readonly grantedBy?: string;
    };

/**
 * The exemption for one rule on one cluster at `now`. When several apply, an active one wins over an expired one,
 * and among equals the one that lasts longer (the tag on a tie, being the more specific).
 */
export function resolveExemption(snapshot: ClusterSnapshot, policy: Policy, ruleId: string, now: Date, tagGrant?: TagGrant): ExemptionResolution {
  const candidates: { until: string; reason: string; source: "tag" | "policy"; end: number; grantedBy?: string }[] = [];
  const consider = (grant: ExemptionGrant, source: "tag" | "policy", grantedBy?: string): void => {
    const end = endOfDayUtc(grant.until);
    if (end !== undefined && grant.rules.includes(ruleId)) candidates.push({ until: grant.until, reason: grant.reason, source, end: end.getTime(), ...(grantedBy ? { grantedBy } : {}) });
  };
  const tag = exemptionTagOf(snapshot);
  if (tag?.parse.ok && tagGrantProblem(tag.value, tag.parse.exemption.until, tagGrant, policy, now) === undefined) {
    consider(tag.parse.exemption, "tag", tagGrant?.value === tag.value ? grantorOf(tagGrant) : undefined);
  }
  for (const exemption of policy.exemptions.entries) {
    if (policyExemptionMatches(exemption, snapshot)) consider(exemption, "policy");
  }
  const best = candidates.reduce<(typeof candidates)[number] | undefined>((chosen, next) => (chosen === undefined || next.end > chosen.end ? next : chosen), undefined);
  if (best === undefined) return { state: "none" };
  const { until, reason, source, grantedBy } = best;
  return { state: exemptionExpired(until, now) ? "expired" : "active", until, reason, source, ...(grantedBy ? { grantedBy } : {}) };
}
