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
// - Flapping is coalesced per (cluster, rule): after an alert, another of the same pair (OPENED/RESOLVED,
//   EXEMPTED/UNEXEMPTED) no worse than it is held for ALERT_COALESCE_SECONDS; the record counts what it held
//   (`alerts`, written in the same transaction as the judgement), and the next alert of the rule, or the first
//   judgement after the window, tells it in one summary ("flapped N times between T1 and T2, last state X"). Only a
//   live evaluation of a call that takes effect at once (tags) holds: settled changes (EKS applies one at a time, over
//   minutes), early alerts, corrections, exposure windows, remediation's follow-up and the sweep are always told.

import type { Evidence, Finding, FindingStatus, Severity } from "../model.ts";
import { SEVERITY_RANK } from "../model.ts";

export const TRANSITION_KINDS = ["OPENED", "ESCALATED", "RESOLVED", "EXEMPTED", "UNEXEMPTED", "EXPIRED", "ERRORED"] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

export interface IntentMarker {
  /** The event whose intended configuration raised the early alert. */
  readonly eventId: string;
  readonly status: FindingStatus;
  readonly severity: Severity;
  readonly at: string;
  /** A later call that asked to undo it before it settled (a quick open-and-close): who, when. */
  readonly closedBy?: { readonly eventId: string; readonly at: string; readonly actor?: string };
}

/** A rule's alerts may be held for this long after the last one told, when they repeat the same pair of transitions. */
export const ALERT_COALESCE_SECONDS = 300;

/** What was told of a rule lately, and what was held since (coalescing, see above). */
export interface AlertWindow {
  /** The pair of the last alert told (pairOf). */
  readonly pair: string;
  /** When it was told: alerts of the same pair are held until ALERT_COALESCE_SECONDS later. */
  readonly at: string;
  /** Its severity: a worse alert is never held. */
  readonly severity: Severity;
  readonly held?: HeldAlerts;
}

/** Alerts held in a window: how many, the first's and the last's time, and the last one's kind (the state it left). */
export interface HeldAlerts {
  readonly count: number;
  readonly first: string;
  readonly last: string;
  readonly kind: TransitionKind;
  readonly status: FindingStatus;
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
  /** Alerts told and held lately (coalescing). */
  readonly alerts?: AlertWindow;
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
  /** A RESOLVED that corrects an early alert whose change did not take effect (failed, cancelled). */
  readonly correcting?: boolean;
  /**
   * A RESOLVED of a change that did take effect (its update succeeded) but was undone before it settled: the
   * exposure window ends at `closedAt` (the closing call's time, when one was seen), by `closedBy`.
   */
  readonly exposure?: { readonly closedAt?: string; readonly closedBy?: string; readonly closedEventId?: string };
  /** Alerts of this rule held before this one (flapping): told with it. `summary`: this transition is the held run's
   * last, told once the window ended, and nothing new happened. */
  readonly flapped?: HeldAlerts & { readonly summary: boolean };
  /** ERRORED for a cluster that could not be read: the other rules left unjudged for the same reason, told in this
   * one alert rather than one alert each. */
  readonly sameProblem?: readonly string[];
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
  /** An alert was held: the cluster must be judged again at this time (ISO), so the summary is told even if nothing
   * else happens to it. */
  readonly judgeAgainAt?: string;
}

/** A plan that can never be stale: it does not judge the live cluster (an intent, a close). */
export type FreshPlan = StatePlan & { readonly stale: false };

export interface EvaluationStamp {
  readonly now: Date;
  /** When the cluster was read for this evaluation (defaults to now). */
  readonly observedAt?: Date;
  readonly eventId?: string;
  /** The intent event this evaluation settles: its marker is cleared, with a correcting alert if not confirmed. */
  readonly settles?: string;
  /** How the settled change ended (DescribeUpdate): Successful means it took effect, even if undone since. */
  readonly updateStatus?: string;
  /** The call being judged (intent evaluations): when and by whom, to mark a pending change as undone. */
  readonly eventTime?: Date;
  readonly actor?: string;
  /** Alerts repeating a flapping rule's last one may be held (coalescing): a live evaluation of a call that takes
   * effect at once (a tag). Never a settled change (EKS applies one at a time, over minutes), remediation's follow-up
   * or the sweep; what was held is told by any evaluation. */
  readonly hold?: boolean;
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

/** The exemption as it is granted: a change of any of these is a new grant. */
function grantOf(exemption: Finding["exemption"]): string {
  return exemption ? JSON.stringify([exemption.source, exemption.until, exemption.reason, exemption.grantedBy ?? ""]) : "";
}

/**
 * The transition a decided finding makes from the stored record, if any. Exemptions are alerts in their own right:
 * granting one (or changing it, or a worse finding behind it) is EXEMPTED, at the severity of what it hides (for a
 * passing rule, its own severity: what it would hide); losing one is UNEXEMPTED, or EXPIRED when it ran out.
 */
function decidedTransition(previous: StoredRuleState | undefined, finding: Finding): TransitionKind | undefined {
  const before = decidedStatus(previous);
  switch (finding.status) {
    case "FAIL":
      if (before === "FAIL") return SEVERITY_RANK[finding.severity] > SEVERITY_RANK[previous!.severity] ? "ESCALATED" : undefined;
      if (finding.exemption?.expired) return "EXPIRED";
      return before === "EXEMPT" ? "UNEXEMPTED" : "OPENED";
    case "EXEMPT":
      if (before !== "EXEMPT") return "EXEMPTED";
      return grantOf(previous!.exemption) !== grantOf(finding.exemption) || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[previous!.severity] ? "EXEMPTED" : undefined;
    default:
      if (before === "FAIL") return "RESOLVED";
      // An exemption granted, changed or removed while the rule passes is told too, before it hides anything.
      // (A first evaluation tells a tag's grant, not the policy's own entries, which are reviewed where they are written.)
      if (finding.status !== "PASS" || grantOf(previous?.exemption) === grantOf(finding.exemption)) return undefined;
      if (before === "PASS" || before === "EXEMPT" || (before === undefined && finding.exemption?.source === "tag")) return finding.exemption ? "EXEMPTED" : "UNEXEMPTED";
      return undefined;
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

    if (intent && (finding.status === "FAIL" || finding.status === "EXEMPT")) {
      // The live cluster confirms (or exceeds) what the early alert announced; told again only when it is worse,
      // or when it is no longer (or now) covered by an exemption.
      if (kind) {
        const transition = transitionOf(kind, before, finding);
        transitions.push(transition);
        if (SEVERITY_RANK[finding.severity] > SEVERITY_RANK[intent.severity] || finding.status !== intent.status) notify.push(transition);
      }
      intent = undefined;
    } else if (intent && stamp.settles === intent.eventId) {
      // The change the early alert announced is not on the live cluster. Its update succeeded: it took effect and
      // was undone before this check (an exposure window, said as such); otherwise it did not take effect.
      const tookEffect = stamp.updateStatus === "Successful";
      const closed = intent.closedBy;
      const correcting: Transition = {
        kind: "RESOLVED",
        clusterArn: finding.clusterArn,
        ruleId: finding.ruleId,
        // A marker lives on a stored record, so `before` exists here.
        before: { status: intent.status, severity: intent.severity, evidence: (before as StoredRuleState).evidence },
        after: afterOf(finding),
        finding,
        ...(tookEffect
          ? { exposure: { ...(closed ? { closedAt: closed.at, closedEventId: closed.eventId } : {}), ...(closed?.actor ? { closedBy: closed.actor } : {}) } }
          : { correcting: true }),
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
  return coalesce(previous, { writes, transitions, notify, stale }, findings, stamp.now, stamp.hold === true);
}

/** Transitions that repeat each other when a rule flaps: the pair an alert belongs to. */
function pairOf(kind: TransitionKind): string {
  switch (kind) {
    case "OPENED":
    case "RESOLVED":
    case "ESCALATED":
      return "OPENED/RESOLVED";
    case "EXEMPTED":
    case "UNEXEMPTED":
    case "EXPIRED":
      return "EXEMPTED/UNEXEMPTED";
    default:
      return kind;
  }
}

/** An exemption granted, changed or removed while its rule passes: it hides nothing (yet); told as INFO. */
export function hidesNothing(transition: Pick<Transition, "kind" | "after">): boolean {
  return (transition.kind === "EXEMPTED" || transition.kind === "UNEXEMPTED") && transition.after.status === "PASS";
}

/** The severity an alert of the transition is told at: a resolution keeps the severity of what it resolves; an
 * exemption that hides nothing is INFO. */
export function toldSeverity(transition: Pick<Transition, "kind" | "before" | "after">): Severity {
  if (hidesNothing(transition)) return "INFO";
  return transition.kind === "RESOLVED" ? (transition.before?.severity ?? transition.after.severity) : transition.after.severity;
}

function heldUntil(window: AlertWindow): number {
  return Date.parse(window.at) + ALERT_COALESCE_SECONDS * 1000;
}

/**
 * Holds the alerts of a plan that repeat, within ALERT_COALESCE_SECONDS, the pair of a rule's last alert (and are no
 * worse), counting them on the rule's record; tells what was held with the rule's next alert, or as a summary at
 * the first evaluation after the window. Every transition stays in the history.
 */
function coalesce(previous: readonly StoredRuleState[], plan: StatePlan, findings: readonly Finding[], now: Date, hold: boolean): StatePlan {
  const open = byRule(previous);
  const at = now.toISOString();
  const windows = new Map<string, AlertWindow | undefined>(plan.writes.map((write) => [write.record.ruleId, open.get(write.record.ruleId)?.alerts]));
  const told = new Set<string>();
  const transitions = [...plan.transitions];
  const notify: Transition[] = [];
  let judgeAgainAt: number | undefined;
  for (const transition of plan.notify) {
    const window = windows.get(transition.ruleId);
    const pair = pairOf(transition.kind);
    const severity = toldSeverity(transition);
    const holdable = hold && !transition.inProgress && !transition.correcting && !transition.exposure && !told.has(transition.ruleId);
    if (holdable && window && window.pair === pair && now.getTime() < heldUntil(window) && SEVERITY_RANK[severity] <= SEVERITY_RANK[window.severity]) {
      const held: HeldAlerts = { count: (window.held?.count ?? 0) + 1, first: window.held?.first ?? at, last: at, kind: transition.kind, status: transition.after.status };
      windows.set(transition.ruleId, { ...window, held });
      judgeAgainAt = Math.max(judgeAgainAt ?? 0, heldUntil(window));
      continue;
    }
    notify.push(window?.held ? { ...transition, flapped: { ...window.held, summary: false } } : transition);
    windows.set(transition.ruleId, { pair, at, severity });
    told.add(transition.ruleId);
  }
  // A window that ended with alerts held and nothing told since: its summary, the last held transition again.
  for (const [ruleId, window] of windows) {
    if (!window?.held || told.has(ruleId)) continue;
    if (now.getTime() < heldUntil(window)) {
      // Judged again before the hold ended (a delayed check that came early, another call): ask again for its end.
      judgeAgainAt = Math.max(judgeAgainAt ?? 0, heldUntil(window));
      continue;
    }
    const finding = findings.find((candidate) => candidate.ruleId === ruleId);
    if (!finding) continue;
    const summary: Transition = { kind: window.held.kind, clusterArn: finding.clusterArn, ruleId, after: afterOf(finding), finding, flapped: { ...window.held, summary: true } };
    transitions.push(summary);
    notify.push(summary);
    windows.set(ruleId, { pair: window.pair, at, severity: toldSeverity(summary) });
  }
  const writes = plan.writes.map((write) => {
    const { alerts: _old, ...rest } = write.record;
    const window = windows.get(write.record.ruleId);
    return { ...write, record: window ? { ...rest, alerts: window } : rest };
  });
  return { ...plan, writes, transitions, notify, ...(judgeAgainAt !== undefined ? { judgeAgainAt: new Date(judgeAgainAt + 1000).toISOString() } : {}) };
}

function withIntent(record: StoredRuleState, intent: IntentMarker | undefined): StoredRuleState {
  const { intent: _old, ...rest } = record;
  return intent ? { ...rest, intent } : rest;
}

/**
 * Plans an intent evaluation: the stored status stays; a FAIL the change would open (or escalate, or an expiry), or
 * an EXEMPT it would newly put behind an exemption, raises an early alert and leaves a marker on the record so the settled evaluation does not repeat it.
 */
export function planIntent(previous: readonly StoredRuleState[], findings: readonly Finding[], stamp: EvaluationStamp & { eventId: string }): FreshPlan {
  const open = byRule(previous);
  const now = stamp.now.toISOString();
  const writes: RecordWrite[] = [];
  const transitions: Transition[] = [];
  for (const finding of findings) {
    const before = open.get(finding.ruleId);
    if (finding.status === "PASS" && before?.intent && before.intent.eventId !== stamp.eventId && !before.intent.closedBy) {
      // A call undoing a change still in progress: noted on its marker, so the settle check can tell the window.
      const closedBy = { eventId: stamp.eventId, at: (stamp.eventTime ?? stamp.now).toISOString(), ...(stamp.actor ? { actor: stamp.actor } : {}) };
      writes.push({ record: { ...before, version: before.version + 1, updatedAt: now, intent: { ...before.intent, closedBy } }, expectedVersion: before.version });
      continue;
    }
    // An exempt cluster being opened is told too (marked exempt): an exemption hides a finding, not the change.
    if (finding.status !== "FAIL" && finding.status !== "EXEMPT") continue;
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
export function planClose(previous: readonly StoredRuleState[], stamp: EvaluationStamp): FreshPlan {
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
