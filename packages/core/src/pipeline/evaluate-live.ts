// The shared step of every live evaluation (docs/design.md steps 4-6): read the cluster, evaluate, persist the state
// by conditional write (with the rendered alerts in an outbox, in the same transaction), then publish the alerts
// the write made and clear the outbox. Losing the write means another evaluation got
// there first: look again (state AND cluster), so the newer view of the cluster always wins and one transition
// is announced once.
//
// Calls per event are kept to the minimum: the state read also returns the outbox (alerts an earlier attempt left
// unpublished are published from it), and the one transaction also completes the event's claim and deletes outbox
// entries known to be published. An invocation that fails after its own transaction completed its claim gives the
// claim back (releaseEvent with the completion time), so the retry still publishes what is left.

import { renderAlert, type RenderedAlert } from "../voice/alert.ts";
import { ClusterNotFound, StateConflict } from "../errors.ts";
import { evaluate } from "../engine.ts";
import type { Actor } from "../events/cloudtrail.ts";
import { EXEMPTION_TAG } from "../exemptions.ts";
import type { AlertCause, ClusterSnapshot, Finding, Rule, TagGrant } from "../model.ts";
import { effectiveRemediation, REMEDIATION_RULE_ID } from "../remediation/plan.ts";
import { readsFor, rules as registeredRules } from "../rules/index.ts";
import { planClose, planEvaluation, type StatePlan, type Transition } from "../state/transitions.ts";
import type { StoredRuleState } from "../state/transitions.ts";
import { contextOf, DEFAULT_PIPELINE_SETTINGS, type ClusterRef, type CollectedCluster, type HistoryEntry, type HistoryKind, type PendingAlerts, type PipelineDeps, type PipelineSettings } from "./ports.ts";

export interface LiveOutcome {
  readonly status: "evaluated" | "stale" | "cluster-not-found";
  readonly findings: readonly Finding[];
  readonly transitions: readonly Transition[];
  readonly notified: readonly Transition[];
  /** The live cluster the findings were computed from (absent when it was not found). */
  readonly snapshot?: ClusterSnapshot;
  /** What the evaluation read (absent when the cluster was not found): the sweep and the digest report on it. */
  readonly collected?: CollectedCluster;
}

export function settingsOf(deps: PipelineDeps): PipelineSettings {
  return { ...DEFAULT_PIPELINE_SETTINGS, ...deps.settings };
}

export function rulesOf(deps: PipelineDeps): readonly Rule[] {
  return deps.rules ?? registeredRules;
}

/** Every rule id an exemption may name: the registry's and the deployment's, also when only some of them run. */
function knownRuleIds(deps: PipelineDeps): string[] {
  return [...new Set([...registeredRules, ...rulesOf(deps)].map((rule) => rule.id))];
}

export function historyEntry(
  cluster: ClusterRef,
  at: Date,
  kind: HistoryKind,
  cause: AlertCause,
  plan?: { findings?: readonly Finding[]; transitions: readonly Transition[]; notify: readonly Transition[] },
  extra: Partial<HistoryEntry> = {},
): HistoryEntry {
  return {
    clusterArn: cluster.arn,
    at,
    kind,
    cause,
    ...(plan?.findings ? { findings: plan.findings.map((finding) => ({ ruleId: finding.ruleId, status: finding.status, severity: finding.severity })) } : {}),
    ...(plan ? { transitions: plan.transitions.map((transition) => ({ ruleId: transition.ruleId, kind: transition.kind, notified: plan.notify.includes(transition) })) } : {}),
    ...extra,
  };
}

/**
 * Who set the cluster's exemption tag, read only when it has one (no extra call for the others): every evaluation
 * checks the setter against the policy again, so a change of policy.exemptions.tags takes effect at the next one.
 */
export async function tagGrantFor(deps: PipelineDeps, snapshot: Pick<ClusterSnapshot, "arn" | "tags">): Promise<TagGrant | undefined> {
  return Object.hasOwn(snapshot.tags, EXEMPTION_TAG) ? deps.store.readTagGrant(snapshot.arn) : undefined;
}

/** The principals of a CloudTrail identity, most specific first: the identity's ARN, then its session issuer's. */
export function principalsOf(actor: Actor): string[] {
  return [actor.arn, actor.sessionIssuer?.arn].filter((arn): arn is string => typeof arn === "string" && arn !== "");
}

/**
 * The alerts of the transitions to notify, rendered before the write so they can be stored with it. `judged` is the
 * cluster as judged (live, or as a call asked for it): while remediation is on, the remediated rule's alerts tell
 * what it does on this cluster, override tag included; without it (the cluster could not be read) they cannot.
 */
export function renderTransitions(deps: PipelineDeps, cluster: ClusterRef, transitions: readonly Transition[], cause: AlertCause, at: Date, judged?: Pick<ClusterSnapshot, "tags">): RenderedAlert[] {
  const rules = rulesOf(deps);
  const autoRemediation = judged && deps.policy.remediation.mode !== "off" ? effectiveRemediation(deps.policy, judged.tags) : undefined;
  return transitions.map((transition) =>
    renderAlert({
      transition,
      cluster,
      cause,
      rule: rules.find((candidate) => candidate.id === transition.ruleId),
      evaluatedAt: at,
      ...(autoRemediation && transition.ruleId === REMEDIATION_RULE_ID ? { autoRemediation } : {}),
    }),
  );
}

/** The outbox id of an evaluation: unique per cluster, evaluation time, cause and kind (as the history key). */
export function outboxIdOf(history: HistoryEntry): string {
  return `${history.at.toISOString()}#${history.cause.eventId ?? history.cause.trigger}#${history.kind}`;
}

/** What one invocation carries from its reads to its one write. */
export interface Invocation {
  /** The event the invocation handles: outbox entries held for it are its own to publish. */
  readonly eventId?: string;
  /** The claimed event whose claim the transaction completes (cluster events only). */
  readonly claimed?: string;
  /** When the transaction completed the claim; unset until then. */
  completedAt?: Date;
  /** The outbox entry the settle message says was published: cleared, not published again. */
  readonly publishedOutboxId?: string;
  /** Outbox entries dealt with by this invocation, and those to delete in its transaction. */
  readonly handled: Set<string>;
  readonly clear: Set<string>;
}

export function invocation(init: { eventId?: string; claimed?: string; publishedOutboxId?: string } = {}): Invocation {
  return { ...init, handled: new Set(), clear: new Set() };
}

/**
 * Publishes an outbox entry, then clears it (unless `keep`: an early alert's entry, which its settle check clears).
 * Every alert is attempted; on a failure the entry stays (the retry of the event, or the next evaluation of the
 * cluster, publishes it again) and the first failure is rethrown.
 */
export async function deliverAlerts(deps: PipelineDeps, cluster: ClusterRef, pending: PendingAlerts, options: { keep?: boolean } = {}): Promise<void> {
  let firstFailure: unknown;
  for (const alert of pending.alerts) {
    try {
      await deps.notifier.publish(alert);
      deps.logger.info("alert published", { clusterArn: cluster.arn, ruleId: alert.attributes.ruleId, transition: alert.attributes.transition, severity: alert.attributes.severity, subject: alert.subject });
    } catch (error) {
      deps.logger.error("alert could not be published: kept in the outbox for the retry", { clusterArn: cluster.arn, ruleId: alert.attributes.ruleId, transition: alert.attributes.transition, error });
      firstFailure ??= error;
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
  if (pending.alerts.length > 0 && !options.keep) await deps.store.clearAlerts(cluster.arn, pending.id);
}

/** Whether an outbox entry is held for another event's settle check (not this invocation's to publish yet). */
function heldForAnother(pending: PendingAlerts, run: Invocation, now: Date): boolean {
  if (pending.heldFor === undefined || pending.heldFor === run.eventId) return false;
  return pending.heldUntil !== undefined && Date.parse(pending.heldUntil) > now.getTime();
}

/**
 * The cluster's stored state, read with its outbox in one call. What an earlier invocation wrote but could not
 * confirm publishing is published first (at least once, never lost); the entry the settle message says was
 * published is only marked for deletion in the invocation's transaction.
 */
export async function readClusterState(deps: PipelineDeps, cluster: ClusterRef, run: Invocation): Promise<StoredRuleState[]> {
  const { records, pending } = await deps.store.readCluster(cluster.arn);
  for (const entry of pending) {
    if (run.handled.has(entry.id)) continue;
    if (entry.id === run.publishedOutboxId) {
      run.handled.add(entry.id);
      run.clear.add(entry.id);
      continue;
    }
    if (heldForAnother(entry, run, deps.now())) continue;
    deps.logger.warn("publishing alerts left in the outbox by an earlier attempt", { clusterArn: cluster.arn, outboxId: entry.id, alerts: entry.alerts.length });
    await deliverAlerts(deps, cluster, entry);
    run.handled.add(entry.id);
  }
  return records;
}

/** For a path that writes no transaction: publishes what is pending, and deletes what the invocation marked. */
export async function flushPendingAlerts(deps: PipelineDeps, cluster: ClusterRef, run: Invocation = invocation()): Promise<void> {
  await readClusterState(deps, cluster, run);
  await clearMarked(deps, cluster, run);
}

async function clearMarked(deps: PipelineDeps, cluster: ClusterRef, run: Invocation): Promise<void> {
  for (const id of run.clear) await deps.store.clearAlerts(cluster.arn, id);
  run.clear.clear();
}

/** The claim completion the invocation's write carries, if it has a claim not completed yet. */
function completionOf(deps: PipelineDeps, run: Invocation): { eventId: string; at: Date } | undefined {
  return run.claimed !== undefined && run.completedAt === undefined ? { eventId: run.claimed, at: deps.now() } : undefined;
}

/** Appends a history entry alone (no state changed), completing the invocation's claim with it. */
export async function recordHistory(deps: PipelineDeps, run: Invocation, entry: HistoryEntry): Promise<void> {
  const completeEvent = completionOf(deps, run);
  await deps.store.appendHistory(entry, completeEvent ? { completeEvent } : {});
  if (completeEvent) run.completedAt = completeEvent.at;
}

/**
 * Commits a plan, retrying from a fresh read when another evaluation wrote first. `attempt` may decline (undefined).
 * The transaction also completes the invocation's claim and deletes the outbox entries it marked.
 */
export async function commitWithRetry<Planned extends { plan: StatePlan; history: HistoryEntry; outbox?: PendingAlerts } | undefined>(
  deps: PipelineDeps,
  cluster: ClusterRef,
  run: Invocation,
  attempt: () => Promise<Planned>,
): Promise<Planned> {
  const { maxConflictRetries } = settingsOf(deps);
  for (let round = 0; ; round += 1) {
    const planned = await attempt();
    if (!planned) {
      await clearMarked(deps, cluster, run);
      return planned;
    }
    const completeEvent = completionOf(deps, run);
    try {
      await deps.store.commit(cluster.arn, planned.plan.writes, planned.history, planned.outbox, {
        ...(completeEvent ? { completeEvent } : {}),
        ...(run.clear.size > 0 ? { clearOutbox: [...run.clear] } : {}),
      });
      if (completeEvent) run.completedAt = completeEvent.at;
      run.clear.clear();
      return planned;
    } catch (error) {
      if (!(error instanceof StateConflict) || round >= maxConflictRetries) throw error;
      deps.logger.info("state changed meanwhile: reading again", { clusterArn: cluster.arn, round: round + 1 });
    }
  }
}

/** Closes the cluster's state (deleted): records kept and marked closed, history says why. */
export async function closeCluster(deps: PipelineDeps, cluster: ClusterRef, cause: AlertCause, kind: "closed" | "cluster-not-found", run: Invocation = invocation()): Promise<void> {
  await commitWithRetry(deps, cluster, run, async () => {
    const now = deps.now();
    const plan = planClose(await readClusterState(deps, cluster, run), { now, ...(cause.eventId ? { eventId: cause.eventId } : {}) });
    return { plan, history: historyEntry(cluster, now, kind, cause, plan) };
  });
}

/**
 * Evaluates the live cluster and persists it; `settles` names the intent event this evaluation follows up. `rules`
 * (default: every rule of the deployment) are the rules to re-evaluate: only their data is read, and only their
 * stored records change; the others keep their state.
 */
export async function evaluateLive(
  deps: PipelineDeps,
  cluster: ClusterRef,
  cause: AlertCause,
  options: { settles?: string; updateStatus?: string; note?: string; rules?: readonly Rule[] } = {},
  run: Invocation = invocation(),
): Promise<LiveOutcome> {
  const rules = options.rules ?? rulesOf(deps);
  let findings: readonly Finding[] = [];
  let snapshot: ClusterSnapshot | undefined;
  let collected: CollectedCluster | undefined;
  let notFound = false;
  let stale = false;
  const committed = await commitWithRetry(deps, cluster, run, async () => {
    const observedAt = deps.now();
    try {
      collected = await deps.eks.collect(cluster, readsFor(rules));
    } catch (error) {
      if (!(error instanceof ClusterNotFound)) throw error;
      notFound = true;
      return undefined;
    }
    const now = deps.now();
    snapshot = collected.snapshot;
    const tagGrant = await tagGrantFor(deps, collected.snapshot);
    findings = evaluate(collected.snapshot, deps.policy, { ...contextOf(collected, now), ruleIds: knownRuleIds(deps), ...(tagGrant ? { tagGrant } : {}) }, rules);
    const previous = await readClusterState(deps, cluster, run);
    const plan = planEvaluation(previous, findings, {
      now,
      observedAt,
      ...(cause.eventId ? { eventId: cause.eventId } : {}),
      ...(options.settles ? { settles: options.settles } : {}),
      ...(options.updateStatus ? { updateStatus: options.updateStatus } : {}),
    });
    if (plan.stale) {
      stale = true;
      return undefined;
    }
    const history = historyEntry(cluster, now, "evaluation", cause, { findings, ...plan }, options.note ? { note: options.note } : {});
    return { plan, history, outbox: { id: outboxIdOf(history), alerts: renderTransitions(deps, cluster, plan.notify, cause, now, collected.snapshot) } };
  });

  if (notFound) {
    deps.logger.info("cluster not found: closing its state", { clusterArn: cluster.arn });
    await closeCluster(deps, cluster, cause, "cluster-not-found", run);
    return { status: "cluster-not-found", findings: [], transitions: [], notified: [] };
  }
  if (stale || !committed) {
    // A newer read of the cluster is already stored: this older view must not overwrite it.
    deps.logger.info("a newer evaluation is already stored: nothing written", { clusterArn: cluster.arn });
    await recordHistory(deps, run, historyEntry(cluster, deps.now(), "evaluation", cause, { findings, transitions: [], notify: [] }, { note: "stale view, not stored" }));
    return { status: "stale", findings, transitions: [], notified: [], ...(snapshot ? { snapshot } : {}), ...(collected ? { collected } : {}) };
  }
  await deliverAlerts(deps, cluster, committed.outbox);
  // Set by the attempt that committed (an attempt without a cluster declines, see above).
  return { status: "evaluated", findings, transitions: committed.plan.transitions, notified: committed.plan.notify, ...(snapshot ? { snapshot } : {}), ...(collected ? { collected } : {}) };
}
