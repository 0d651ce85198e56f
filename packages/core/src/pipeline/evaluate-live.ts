// The shared step of every live evaluation (docs/design.md steps 4-6): read the cluster, evaluate, persist the state
// by conditional write (with the rendered alerts in an outbox, in the same transaction), then publish the alerts
// the write made and clear the outbox. Losing the write means another evaluation got
// there first: look again (state AND cluster), so the newer view of the cluster always wins and one transition
// is announced once.

import { renderAlert, type RenderedAlert } from "../alerts/render.ts";
import { ClusterNotFound, StateConflict } from "../errors.ts";
import { evaluate } from "../engine.ts";
import type { AlertCause, Finding, Rule } from "../model.ts";
import { rules as registeredRules } from "../rules/index.ts";
import { planClose, planEvaluation, type StatePlan, type Transition } from "../state/transitions.ts";
import { DEFAULT_PIPELINE_SETTINGS, type ClusterRef, type CollectedCluster, type HistoryEntry, type HistoryKind, type PendingAlerts, type PipelineDeps, type PipelineSettings } from "./ports.ts";

export interface LiveOutcome {
  readonly status: "evaluated" | "stale" | "cluster-not-found";
  readonly findings: readonly Finding[];
  readonly transitions: readonly Transition[];
  readonly notified: readonly Transition[];
  /** What the evaluation read (absent when the cluster was not found): the sweep and the digest report on it. */
  readonly collected?: CollectedCluster;
}

export function settingsOf(deps: PipelineDeps): PipelineSettings {
  return { ...DEFAULT_PIPELINE_SETTINGS, ...deps.settings };
}

export function rulesOf(deps: PipelineDeps): readonly Rule[] {
  return deps.rules ?? registeredRules;
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

/** The alerts of the transitions to notify, rendered before the write so they can be stored with it. */
export function renderTransitions(deps: PipelineDeps, cluster: ClusterRef, transitions: readonly Transition[], cause: AlertCause, at: Date): RenderedAlert[] {
  const rules = rulesOf(deps);
  return transitions.map((transition) => renderAlert({ transition, cluster, cause, rule: rules.find((candidate) => candidate.id === transition.ruleId), evaluatedAt: at }));
}

/** The outbox id of an evaluation: unique per cluster, evaluation time, cause and kind (as the history key). */
export function outboxIdOf(history: HistoryEntry): string {
  return `${history.at.toISOString()}#${history.cause.eventId ?? history.cause.trigger}#${history.kind}`;
}

/**
 * Publishes an outbox entry, then clears it. Every alert is attempted; on a failure the entry stays (the retry of the
 * event, or the next evaluation of the cluster, publishes it again) and the first failure is rethrown.
 */
export async function deliverAlerts(deps: PipelineDeps, cluster: ClusterRef, pending: PendingAlerts): Promise<void> {
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
  if (pending.alerts.length > 0) await deps.store.clearAlerts(cluster.arn, pending.id);
}

/** Publishes what an earlier invocation wrote but could not confirm publishing (at least once, never lost). */
export async function flushPendingAlerts(deps: PipelineDeps, cluster: ClusterRef): Promise<void> {
  for (const pending of await deps.store.pendingAlerts(cluster.arn)) {
    deps.logger.warn("publishing alerts left in the outbox by an earlier attempt", { clusterArn: cluster.arn, outboxId: pending.id, alerts: pending.alerts.length });
    await deliverAlerts(deps, cluster, pending);
  }
}

/** Commits a plan, retrying from a fresh read when another evaluation wrote first. `attempt` may decline (undefined). */
export async function commitWithRetry<Planned extends { plan: StatePlan; history: HistoryEntry; outbox?: PendingAlerts } | undefined>(
  deps: PipelineDeps,
  cluster: ClusterRef,
  attempt: () => Promise<Planned>,
): Promise<Planned> {
  const { maxConflictRetries } = settingsOf(deps);
  for (let round = 0; ; round += 1) {
    const planned = await attempt();
    if (!planned) return planned;
    try {
      await deps.store.commit(cluster.arn, planned.plan.writes, planned.history, planned.outbox);
      return planned;
    } catch (error) {
      if (!(error instanceof StateConflict) || round >= maxConflictRetries) throw error;
      deps.logger.info("state changed meanwhile: reading again", { clusterArn: cluster.arn, round: round + 1 });
    }
  }
}

/** Closes the cluster's state (deleted): records kept and marked closed, history says why. */
export async function closeCluster(deps: PipelineDeps, cluster: ClusterRef, cause: AlertCause, kind: "closed" | "cluster-not-found"): Promise<void> {
  await commitWithRetry(deps, cluster, async () => {
    const now = deps.now();
    const plan = planClose(await deps.store.readState(cluster.arn), { now, ...(cause.eventId ? { eventId: cause.eventId } : {}) });
    return { plan, history: historyEntry(cluster, now, kind, cause, plan) };
  });
}

/** Evaluates the live cluster and persists it; `settles` names the intent event this evaluation follows up. */
export async function evaluateLive(deps: PipelineDeps, cluster: ClusterRef, cause: AlertCause, options: { settles?: string; note?: string } = {}): Promise<LiveOutcome> {
  let findings: readonly Finding[] = [];
  let collected: CollectedCluster | undefined;
  let notFound = false;
  let stale = false;
  const committed = await commitWithRetry(deps, cluster, async () => {
    const observedAt = deps.now();
    try {
      collected = await deps.eks.collect(cluster);
    } catch (error) {
      if (!(error instanceof ClusterNotFound)) throw error;
      notFound = true;
      return undefined;
    }
    const now = deps.now();
    findings = evaluate(collected.snapshot, deps.policy, { now, ...(collected.versions ? { versions: collected.versions } : {}) }, rulesOf(deps));
    const previous = await deps.store.readState(cluster.arn);
    const plan = planEvaluation(previous, findings, {
      now,
      observedAt,
      ...(cause.eventId ? { eventId: cause.eventId } : {}),
      ...(options.settles ? { settles: options.settles } : {}),
    });
    if (plan.stale) {
      stale = true;
      return undefined;
    }
    const history = historyEntry(cluster, now, "evaluation", cause, { findings, ...plan }, options.note ? { note: options.note } : {});
    return { plan, history, outbox: { id: outboxIdOf(history), alerts: renderTransitions(deps, cluster, plan.notify, cause, now) } };
  });

  if (notFound) {
    deps.logger.info("cluster not found: closing its state", { clusterArn: cluster.arn });
    await closeCluster(deps, cluster, cause, "cluster-not-found");
    return { status: "cluster-not-found", findings: [], transitions: [], notified: [] };
  }
  if (stale || !committed) {
    // A newer read of the cluster is already stored: this older view must not overwrite it.
    deps.logger.info("a newer evaluation is already stored: nothing written", { clusterArn: cluster.arn });
    await deps.store.appendHistory(historyEntry(cluster, deps.now(), "evaluation", cause, { findings, transitions: [], notify: [] }, { note: "stale view, not stored" }));
    return { status: "stale", findings, transitions: [], notified: [], ...(collected ? { collected } : {}) };
  }
  await deliverAlerts(deps, cluster, committed.outbox);
  return { status: "evaluated", findings, transitions: committed.plan.transitions, notified: committed.plan.notify, ...(collected ? { collected } : {}) };
}
