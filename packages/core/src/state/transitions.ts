// The stored compliance state per (cluster, rule), and the pure logic that turns a new evaluation into
// transitions and the records to write. Only transitions are ever notified; a repeat of a known state is not.
//
// Decisions recorded here (docs/design.md, Data flow 5):
// - ERROR is "unknown", never PASS: it never resolves an open FAIL. The stored status keeps the last decided one,
//   and an `error` block counts consecutive errors. Entering the error state is the transition ERRORED, once;
//   further errors only count. A rule that never decided is stored with status ERROR.
// - An intent evaluation (the configuration a call asked for, before EKS applied it) never changes the stored
//   status: it only records an `intent` marker when it raises the early "change in progress" alert. The settled
//   evaluation then does not re-send an alert the marker already covers, and sends a correcting RESOLVED when the
//   change did not take effect.
// - Every live evaluation rewrites the record of every rule it evaluated (new version, `observedAt`), so that an
//   evaluation holding an older view of the cluster always loses the conditional write and has to look again.
// - A rule not evaluated (the real-time path re-evaluates only the rules an event can change) keeps its record as
//   it is: it is neither resolved nor closed, and its record does not make this evaluation stale.
// - A closed record (the cluster was deleted) is history: a cluster recreated with the same ARN starts afresh.

import type { Evidence, Finding, FindingStatus, Severity } from "../model.ts";
import { SEVERITY_RANK } from "../model.ts";

export const TRANSITION_KINDS = ["OPENED", "ESCALATED", "RESOLVED", "EXEMPTED", "EXPIRED", "ERRORED"] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

export interface IntentMarker {
  /** The event whose intended configuration raised the early alert. */
  readonly eventId: string;
  readonly status: FindingStatus;
  readonly severity: Severity;
  readonly at: string;
}

export interface StoredRuleState {
  readonly clusterArn: string;
  readonly ruleId: string;
  /** The last decided status; ERROR only when the rule never decided. */
  readonly status: FindingStatus;
  readonly severity: Severity;
  readonly message: string;
  readonly evidence: Evidence;
  readonly exemption?: Finding["exemption"];
  /** Optimistic-concurrency version: 1 for the first write; 0 means "not stored yet". */
  readonly version: number;
  /** When the status last changed. */
  readonly since: string;
  /** When the cluster was last read for this record: an older view never overwrites a newer one. */
  readonly observedAt: string;
  readonly updatedAt: string;
  readonly lastEventId?: string;
  readonly error?: { readonly message: string; readonly since: string; readonly count: number };
  readonly intent?: IntentMarker;
  readonly closed?: { readonly at: string; readonly eventId?: string };
}

export interface Transition {
  readonly kind: TransitionKind;
  readonly clusterArn: string;
  readonly ruleId: string;
  readonly before?: { readonly status: FindingStatus; readonly severity: Severity; readonly evidence: Evidence };
  readonly after: { readonly status: FindingStatus; readonly severity: Severity; readonly evidence: Evidence };
  readonly finding: Finding;
  /** The early alert from an intent: the change is still in progress. */
  readonly inProgress?: boolean;
  /** A RESOLVED that corrects an early alert whose change did not take effect (failed, cancelled, reverted). */
  readonly correcting?: boolean;
}

export interface RecordWrite {
  readonly record: StoredRuleState;
  /** The version the stored record must still have (0: must not exist yet). */
  readonly expectedVersion: number;
}

export interface StatePlan {
  readonly writes: readonly RecordWrite[];
  /** Every transition, for history. */
  readonly transitions: readonly Transition[];
  /** The transitions to publish: those not already announced by an early alert. */
  readonly notify: readonly Transition[];
  /** True when a stored record was observed after this evaluation's read: it must not be written. */
  readonly stale: boolean;
}

export interface EvaluationStamp {
  readonly now: Date;
  /** When the cluster was read for this evaluation (defaults to now). */
  readonly observedAt?: Date;
  readonly eventId?: string;
  /** The intent event this evaluation settles: its marker is cleared, with a correcting alert if not confirmed. */
  readonly settles?: string;
}

const DECIDED: ReadonlySet<FindingStatus> = new Set(["PASS", "FAIL", "EXEMPT", "NOT_APPLICABLE"]);

function byRule(previous: readonly StoredRuleState[]): Map<string, StoredRuleState> {
  return new Map(previous.filter((record) => record.closed === undefined).map((record) => [record.ruleId, record]));
}

function versionOf(previous: readonly StoredRuleState[], ruleId: string): number {
  // A closed record still occupies the key: the new one must replace exactly that version.
  return previous.find((record) => record.ruleId === ruleId)?.version ?? 0;
}

function decidedStatus(record: StoredRuleState | undefined): FindingStatus | undefined {
  return record && DECIDED.has(record.status) ? record.status : undefined;
}

function snapshotOf(record: StoredRuleState): NonNullable<Transition["before"]> {
  return { status: record.status, severity: record.severity, evidence: record.evidence };
}

function afterOf(finding: Finding): Transition["after"] {
  return { status: finding.status, severity: finding.severity, evidence: finding.evidence };
}

/** The transition a decided finding makes from the stored record, if any. */
function decidedTransition(previous: StoredRuleState | undefined, finding: Finding): TransitionKind | undefined {
  const before = decidedStatus(previous);
  switch (finding.status) {
    case "FAIL":
      if (before === "FAIL") return SEVERITY_RANK[finding.severity] > SEVERITY_RANK[previous!.severity] ? "ESCALATED" : undefined;
      return finding.exemption?.expired ? "EXPIRED" : "OPENED";
    case "EXEMPT":
      return before === "EXEMPT" ? undefined : "EXEMPTED";
    default:
      return before === "FAIL" ? "RESOLVED" : undefined;
  }
}

function transitionOf(kind: TransitionKind, previous: StoredRuleState | undefined, finding: Finding, extra: Partial<Transition> = {}): Transition {
  return {
    kind,
    clusterArn: finding.clusterArn,
    ruleId: finding.ruleId,
    ...(previous && decidedStatus(previous) ? { before: snapshotOf(previous) } : {}),
    after: afterOf(finding),
    finding,
    ...extra,
  };
}

/** Plans a live (settled) evaluation: new records for every evaluated rule, transitions, and what to notify. */
export function planEvaluation(previous: readonly StoredRuleState[], findings: readonly Finding[], stamp: EvaluationStamp): StatePlan {
  const open = byRule(previous);
  const now = stamp.now.toISOString();
  const observedAt = (stamp.observedAt ?? stamp.now).toISOString();
  // Only the rules evaluated here: another rule's record may come from a later read of other data (an event that
  // re-evaluated only its own rules), which says nothing about the data these findings came from.
  const evaluated = new Set(findings.map((finding) => finding.ruleId));
  const stale = [...open.values()].some((record) => evaluated.has(record.ruleId) && record.observedAt > observedAt);
  const writes: RecordWrite[] = [];
  const transitions: Transition[] = [];
  const notify: Transition[] = [];

  for (const finding of findings) {
    const before = open.get(finding.ruleId);
    const common = { clusterArn: finding.clusterArn, ruleId: finding.ruleId, version: versionOf(previous, finding.ruleId) + 1, observedAt, updatedAt: now, ...(stamp.eventId ? { lastEventId: stamp.eventId } : {}) };
    // The marker survives evaluations that do not settle its change and do not confirm it.
    let intent = before?.intent;

    if (finding.status === "ERROR") {
      const error = before?.error
        ? { ...before.error, message: finding.message, count: before.error.count + 1 }
        : { message: finding.message, since: now, count: 1 };
      const record: StoredRuleState = before && decidedStatus(before)
        ? { ...before, ...common, error }
        : { ...common, status: "ERROR", severity: finding.severity, message: finding.message, evidence: finding.evidence, since: now, error };
      if (!before?.error) {
        const errored = transitionOf("ERRORED", before, finding);
        transitions.push(errored);
        notify.push(errored);
      }
      writes.push({ record: withIntent(record, intent), expectedVersion: common.version - 1 });
      continue;
    }

    const kind = decidedTransition(before, finding);
    const statusChanged = kind !== undefined || decidedStatus(before) !== finding.status;
    const record: StoredRuleState = {
      ...common,
      status: finding.status,
      severity: finding.severity,
      message: finding.message,
      evidence: finding.evidence,
      ...(finding.exemption ? { exemption: finding.exemption } : {}),
      since: statusChanged || !before ? now : before.since,
    };

    if (intent && finding.status === "FAIL") {
      // The live cluster confirms (or exceeds) what the early alert announced.
      if (kind) {
        const transition = transitionOf(kind, before, finding);
        transitions.push(transition);
        if (SEVERITY_RANK[finding.severity] > SEVERITY_RANK[intent.severity]) notify.push(transition);
      }
      intent = undefined;
    } else if (intent && stamp.settles === intent.eventId) {
      // The change the early alert announced did not take effect: say so, once.
      const correcting: Transition = {
        kind: "RESOLVED",
        clusterArn: finding.clusterArn,
        ruleId: finding.ruleId,
        // A marker lives on a stored record, so `before` exists here.
        before: { status: intent.status, severity: intent.severity, evidence: (before as StoredRuleState).evidence },
        after: afterOf(finding),
        finding,
        correcting: true,
      };
      transitions.push(correcting);
      notify.push(correcting);
      if (kind && kind !== "RESOLVED") {
        const transition = transitionOf(kind, before, finding);
        transitions.push(transition);
        notify.push(transition);
      }
      intent = undefined;
    } else if (kind) {
      const transition = transitionOf(kind, before, finding);
      transitions.push(transition);
      notify.push(transition);
    }
    writes.push({ record: withIntent(record, intent), expectedVersion: common.version - 1 });
  }
  return { writes, transitions, notify, stale };
}

function withIntent(record: StoredRuleState, intent: IntentMarker | undefined): StoredRuleState {
  const { intent: _old, ...rest } = record;
  return intent ? { ...rest, intent } : rest;
}

/**
 * Plans an intent evaluation: the stored status stays; a FAIL the change would open (or escalate, or an expiry)
 * raises an early alert and leaves a marker on the record so the settled evaluation does not repeat it.
 */
export function planIntent(previous: readonly StoredRuleState[], findings: readonly Finding[], stamp: EvaluationStamp & { eventId: string }): StatePlan {
  const open = byRule(previous);
  const now = stamp.now.toISOString();
  const writes: RecordWrite[] = [];
  const transitions: Transition[] = [];
  for (const finding of findings) {
    if (finding.status !== "FAIL") continue;
    const before = open.get(finding.ruleId);
    const kind = decidedTransition(before, finding);
    if (!kind) continue;
    if (before?.intent && SEVERITY_RANK[before.intent.severity] >= SEVERITY_RANK[finding.severity]) continue;
    const transition = transitionOf(kind, before, finding, { inProgress: true });
    transitions.push(transition);
    const marker: IntentMarker = { eventId: stamp.eventId, status: finding.status, severity: finding.severity, at: now };
    const version = versionOf(previous, finding.ruleId);
    // Not stored yet: the placeholder records "not decided" (ERROR is never read as PASS) until the settle decides.
    const base: StoredRuleState = before ?? {
      clusterArn: finding.clusterArn,
      ruleId: finding.ruleId,
      status: "ERROR",
      severity: finding.severity,
      message: "Not evaluated on the live cluster yet: a change is in progress.",
      evidence: {},
      version,
      since: now,
      observedAt: new Date(0).toISOString(),
      updatedAt: now,
    };
    writes.push({ record: { ...base, version: version + 1, updatedAt: now, intent: marker }, expectedVersion: version });
  }
  return { writes, transitions, notify: transitions, stale: false };
}

/** Plans closing a deleted cluster: every record is kept, marked closed; nothing is notified. */
export function planClose(previous: readonly StoredRuleState[], stamp: EvaluationStamp): StatePlan {
  const now = stamp.now.toISOString();
  const writes = previous
    .filter((record) => record.closed === undefined)
    .map((record) => {
      const { intent: _pending, ...rest } = record;
      return {
        record: { ...rest, version: record.version + 1, updatedAt: now, closed: { at: now, ...(stamp.eventId ? { eventId: stamp.eventId } : {}) } },
        expectedVersion: record.version,
      };
    });
  return { writes, transitions: [], notify: [], stale: false };
}
