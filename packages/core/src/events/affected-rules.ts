// Which rules an EKS call can change the verdict of, so the real-time path re-reads and re-judges only those and
// keeps the stored state of the others (state/transitions.ts plans only the rules evaluated). Pure.
//
// - cluster rules judge the cluster record (and the version catalogue): endpoint access, logging, support type;
// - node-group rules read the node groups; add-on rules read the add-ons;
// - a version upgrade or a new cluster changes what every rule compares against: all rules;
// - an access entry or policy call changes only the rules reading access entries, an identity provider call only those
//   reading identity providers, an authentication mode change (UpdateClusterConfig accessConfig) the access rules; no
//   other configuration call changes an access rule's verdict;
// - a tag the monitor reads (monitor-tags.ts) can add, change or remove an exemption of any rule (the exemption tag)
//   or change what is done about a finding (the remediation override): all rules. A tag call whose keys are all known
//   and none of them read changes no verdict, so only the cluster rules are re-judged (the cluster record is read
//   anyway, and they keep the stored state current), which spares the node-group, add-on and insight reads. When the
//   keys are missing or unreadable, the call may have touched a tag the monitor reads: all rules (fail safe).

import type { Rule } from "../model.ts";
import { isTagReadByMonitor } from "../monitor-tags.ts";
import type { ClusterEvent } from "./model.ts";
import type { ClusterEventName } from "./names.ts";

export type RuleScope = "all" | "cluster" | "nodegroups" | "addons" | "accessEntries" | "identityProviders" | "access";

export const EVENT_RULE_SCOPES: Readonly<Record<ClusterEventName, RuleScope>> = {
  CreateCluster: "all",
  UpdateClusterVersion: "all",
  // Unless the keys they touch say otherwise (scopeOf): tags the monitor reads, or keys unknown.
  TagResource: "all",
  UntagResource: "all",
  DeleteCluster: "all",
  UpdateClusterConfig: "cluster",
  CreateNodegroup: "nodegroups",
  UpdateNodegroupVersion: "nodegroups",
  CreateAddon: "addons",
  UpdateAddon: "addons",
  // Access calls change only the access rules, and only those reading what the call changed.
  CreateAccessEntry: "accessEntries",
  UpdateAccessEntry: "accessEntries",
  DeleteAccessEntry: "accessEntries",
  AssociateAccessPolicy: "accessEntries",
  DisassociateAccessPolicy: "accessEntries",
  AssociateIdentityProviderConfig: "identityProviders",
  DisassociateIdentityProviderConfig: "identityProviders",
};

const CLUSTER_RECORD_KINDS: ReadonlySet<string> = new Set(["cluster", "versionCatalogue"]);

function inScope(rule: Rule, scope: RuleScope): boolean {
  switch (scope) {
    case "all":
      return true;
    case "cluster":
      // The access rules judge only what access calls change: another configuration call leaves them as they were.
      return rule.area !== "access" && rule.reads.every((kind) => CLUSTER_RECORD_KINDS.has(kind));
    case "access":
      return rule.area === "access";
    default:
      return rule.reads.includes(scope);
  }
}

/** The calls that set or remove tags: their scope depends on the keys they touch. */
const TAG_CALLS: ReadonlySet<string> = new Set<ClusterEventName>(["TagResource", "UntagResource"]);

/** What decides the scope: the call, and for a tag call the keys it set or removed (absent: unknown). */
export type EventScopeInput = { readonly eventName: string } & Partial<Pick<ClusterEvent, "tagKeys" | "access">>;

/** The scope of `event`: its call's, narrowed to the cluster rules for a tag call touching only tags the monitor does not read. */
function scopeOf(event: EventScopeInput): RuleScope {
  if (!Object.hasOwn(EVENT_RULE_SCOPES, event.eventName)) return "all";
  const keys = event.tagKeys;
  if (TAG_CALLS.has(event.eventName) && keys !== undefined && keys.length > 0 && !keys.some(isTagReadByMonitor)) return "cluster";
  // UpdateClusterConfig carries one kind of change: an authentication mode change is an access change.
  if (event.eventName === "UpdateClusterConfig" && event.access?.authenticationMode !== undefined) return "access";
  return EVENT_RULE_SCOPES[event.eventName as ClusterEventName];
}

/** The rules whose verdict `event` can change, in the given order; every rule for a call not known here. */
export function rulesAffectedBy(event: EventScopeInput, rules: readonly Rule[]): Rule[] {
  const scope = scopeOf(event);
  return rules.filter((rule) => inScope(rule, scope));
}
