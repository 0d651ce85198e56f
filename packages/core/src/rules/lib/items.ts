// One finding per cluster from a verdict per item (node group, add-on, insight): stored state is keyed by (cluster,
// rule), so a rule about many items judges them all and lists each in its evidence. Any item behind: FAIL at the
// worst severity. Otherwise any item the rule could not judge: ERROR, never PASS. Otherwise PASS when some item
// was judged current, NOT_APPLICABLE when none applies.

import { SEVERITY_RANK, type ClusterSnapshot, type Evidence, type Finding, type Remediation, type Rule, type Severity } from "../../model.ts";
import { clusterLabel, finding, type RuleHead } from "./finding.ts";

export type ItemState = "behind" | "current" | "not-applicable" | "unknown";

export interface ItemVerdict {
  readonly state: ItemState;
  /** For "behind": how bad it is. */
  readonly severity?: Severity;
  /** A short phrase naming the item and what was found, e.g. "batch-al2 (1.31, 2 minor versions behind)". */
  readonly summary: string;
  readonly evidence: Evidence;
  /** For "behind": the fix for this item; the FAIL carries the first one. */
  readonly remediation?: Remediation;
}

export interface ItemMessages {
  /** Each completes "EKS cluster <label> ...", from the summaries of the items in that state. */
  readonly behind: (summaries: string) => string;
  readonly unknown: (summaries: string) => string;
  readonly current: (count: number, summaries: string) => string;
  /** Default: `none`. */
  readonly notApplicable?: (summaries: string) => string;
  /** When no item applies (or there are none). */
  readonly none: string;
}

/** Text from AWS (a reason, a message) as a clause inside one sentence: no sentence breaks, no final period. */
export function clause(text: string): string {
  return text.trim().replace(/\s+/g, " ").replace(/\.\s+(?=\S)/g, "; ").replace(/\.+$/, "");
}

function list(verdicts: readonly ItemVerdict[]): string {
  return verdicts.map((verdict) => verdict.summary).join(", ");
}

export function summariseItems(rule: RuleHead & Pick<Rule, "severity">, snapshot: ClusterSnapshot, verdicts: readonly ItemVerdict[], messages: ItemMessages, evidence: Evidence = {}): Finding {
  const of = (state: ItemState) => verdicts.filter((verdict) => verdict.state === state);
  const behind = of("behind");
  const unknown = of("unknown");
  const current = of("current");
  const all = { ...evidence, items: verdicts.map((verdict) => ({ ...verdict.evidence, state: verdict.state, ...(verdict.severity ? { severity: verdict.severity } : {}) })) };
  const say = (text: string) => `EKS cluster ${clusterLabel(snapshot)} ${text}.`;
  if (behind.length > 0) {
    const severity = behind.reduce<Severity>((worst, verdict) => (SEVERITY_RANK[verdict.severity ?? "LOW"] > SEVERITY_RANK[worst] ? (verdict.severity ?? "LOW") : worst), "INFO");
    const remediation = behind.find((verdict) => verdict.remediation !== undefined)?.remediation;
    return finding(rule, snapshot, { status: "FAIL", severity, message: say(messages.behind(list(behind))), evidence: all, ...(remediation && { remediation }) });
  }
  if (unknown.length > 0) return finding(rule, snapshot, { status: "ERROR", severity: rule.severity, message: say(messages.unknown(list(unknown))), evidence: all });
  if (current.length > 0) return finding(rule, snapshot, { status: "PASS", severity: rule.severity, message: say(messages.current(current.length, list(current))), evidence: all });
  const notApplicable = of("not-applicable");
  return finding(rule, snapshot, {
    status: "NOT_APPLICABLE",
    severity: rule.severity,
    message: say(notApplicable.length > 0 && messages.notApplicable ? messages.notApplicable(list(notApplicable)) : messages.none),
    evidence: all,
  });
}

/** "1 node group" / "3 node groups". */
export function count(number: number, noun: string): string {
  return `${number} ${noun}${number === 1 ? "" : "s"}`;
}

/**
 * The alert headline of a rule whose finding lists items (summariseItems' `evidence.items`): how many are behind, e.g.
 * "2 node groups behind the control plane". Nothing when the evidence holds no such list (stored by another version).
 */
export function itemsHeadline(noun: string, what: string): NonNullable<Rule["headline"]> {
  return ({ evidence }) => {
    const items = evidence["items"];
    if (!Array.isArray(items)) return undefined;
    const behind = items.filter((item: unknown) => typeof item === "object" && item !== null && (item as { state?: unknown }).state === "behind").length;
    return behind === 0 ? undefined : `${count(behind, noun)} ${what}`;
  };
}
