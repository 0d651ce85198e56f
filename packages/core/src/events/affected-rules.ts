// Which rules an EKS call can change the verdict of, so the real-time path re-reads and re-judges only those and
// keeps the stored state of the others (state/transitions.ts plans only the rules evaluated). Pure.
//
// - cluster rules judge the cluster record (and the version catalogue): endpoint access, logging, support type;
// - node-group rules read the node groups; add-on rules read the add-ons;
// - tags can add, change or remove an exemption of any rule, and a version upgrade or a new cluster changes what
//   every rule compares against: all rules.

import type { Rule } from "../model.ts";
import type { ClusterEventName } from "./parsers.ts";

export type RuleScope = "all" | "cluster" | "nodegroups" | "addons";

export const EVENT_RULE_SCOPES: Readonly<Record<ClusterEventName, RuleScope>> = {
  CreateCluster: "all",
  UpdateClusterVersion: "all",
  TagResource: "all",
  UntagResource: "all",
  DeleteCluster: "all",
  UpdateClusterConfig: "cluster",
  CreateNodegroup: "nodegroups",
  UpdateNodegroupVersion: "nodegroups",
  CreateAddon: "addons",
  UpdateAddon: "addons",
};

const CLUSTER_RECORD_KINDS: ReadonlySet<string> = new Set(["cluster", "versionCatalogue"]);

function inScope(rule: Rule, scope: RuleScope): boolean {
  switch (scope) {
    case "all":
      return true;
    case "cluster":
      return rule.reads.every((kind) => CLUSTER_RECORD_KINDS.has(kind));
    default:
      return rule.reads.includes(scope);
  }
}

/** The rules whose verdict the call `eventName` can change, in the given order; every rule for a name not known here. */
export function rulesAffectedBy(eventName: string, rules: readonly Rule[]): Rule[] {
  const scope: RuleScope = Object.hasOwn(EVENT_RULE_SCOPES, eventName) ? EVENT_RULE_SCOPES[eventName as ClusterEventName] : "all";
  return rules.filter((rule) => inScope(rule, scope));
}
