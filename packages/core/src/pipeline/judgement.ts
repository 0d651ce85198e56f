// One kernel for every judgement of a cluster (docs/design.md, Data flow 5-6). A use-case PLANS: findings ->
// transitions -> the records to write, a history entry and an outbox of rendered alerts (a Judgement). `judge`
// commits that plan in ONE unit of work and hands it to the deliverers. Real time, settle, the sweep and
// remediation's follow-up all go through it.
//
// The unit of work: the use-case reads the cluster's state when it is ready to plan (`readState`: one consistent read
// of the records and the outbox, whose entries an earlier attempt could not confirm are published first, at least
// once, never lost); its plan is written in one conditional transaction that also completes the event's claim and
// deletes the outbox entries known published. Losing that write means another evaluation got there first: the
// use-case plans again from a fresh read (of the cluster too), so the newer view always wins and one transition is
// announced once.
//
// Delivery: every alert of the committed outbox is published; on a failure the entry stays (the retry of the input,
// or the next judgement of the cluster, publishes it) and the first failure is rethrown. An early alert's entry is
// held for its change's settle check (`heldFor`), whose message says it was published: the check's own transaction
// deletes it, and no other judgement publishes it again before `heldUntil`.

import { renderAlert, type RenderedAlert } from "../alerts/render.ts";
import { StateConflict } from "../errors.ts";
import type { AlertCause, ClusterIdentity, ClusterSnapshot, Finding } from "../model.ts";
import { effectiveRemediation, REMEDIATION_RULE_ID } from "../remediation/plan.ts";
import type { StatePlan, StoredRuleState, Transition } from "../state/transitions.ts";
import { rulesOf, settingsOf, type Deliverer, type HistoryEntry, type HistoryKind, type Judgement, type PendingAlerts, type PipelineDeps } from "./ports.ts";

/**
 * A cluster event claimed for processing. Its claim is completed under the instant it was taken, by whichever write
 * ends the event's handling: the token by which a failing invocation recognises its own completion and gives it back.
 */
export interface EventClaim {
  readonly eventId: string;
  readonly at: Date;
}

/** What the input being handled says about the cluster's outbox and claim; every judgement it makes honours it. */
export interface Origin {
  /** The event handled: outbox entries held for it are its own to publish. */
  readonly eventId?: string;
  /** The claim the judgement's write completes (cluster events). */
  readonly claim?: EventClaim;
  /** The outbox entry a settle message says was published: deleted with the write, never published again. */
  readonly publishedOutboxId?: string;
}

/** What one attempt of a use-case comes to: no cluster to judge, a view older than the one stored, or a plan. */
export type Attempt = { readonly kind: "not-found" } | { readonly kind: "stale" } | { readonly kind: "planned"; readonly judgement: Judgement };

/** Reads the cluster's stored records, publishing first what earlier attempts left in its outbox. */
export type ReadState = () => Promise<readonly StoredRuleState[]>;

/**
 * Plans with `attempt`, commits its judgement (re-planning from a fresh read after a lost write, up to
 * maxConflictRetries), then delivers it. The attempt's own result is returned, facts and all.
 */
export async function judge<Result extends Attempt>(deps: PipelineDeps, cluster: ClusterIdentity, origin: Origin, attempt: (readState: ReadState) => Promise<Result>): Promise<Result> {
  const result = await commit(deps, cluster, origin, attempt);
  if (result.kind === "planned") await deliver(deps, cluster, result.judgement);
  return result;
}

/** Appends a history entry alone (no state changed), completing the origin's claim with it. */
export async function recordHistory(deps: PipelineDeps, origin: Origin, entry: HistoryEntry): Promise<void> {
  await deps.store.appendHistory(entry, origin.claim ? { completeEvent: origin.claim } : {});
}

/** For a path that writes no judgement: publishes what is pending, and deletes the entry the origin says was published. */
export async function flushOutbox(deps: PipelineDeps, cluster: ClusterIdentity, origin: Origin): Promise<void> {
  const outbox = pendingOutbox(deps, cluster, origin);
  await outbox.readState();
  await outbox.deleteNow();
}

/** A judgement of `plan`: its history entry (with `findings`, when the plan judged any) and its rendered alerts. */
export function judgementOf(
  deps: PipelineDeps,
  cluster: ClusterIdentity,
  plan: StatePlan,
  entry: { readonly at: Date; readonly kind: HistoryKind; readonly cause: AlertCause; readonly findings?: readonly Finding[]; readonly note?: string },
  alerts: { readonly judged?: Pick<ClusterSnapshot, "tags">; readonly hold?: Pick<PendingAlerts, "heldFor" | "heldUntil"> } = {},
): Judgement {
  const history = historyEntry(cluster, entry.at, entry.kind, entry.cause, { ...(entry.findings ? { findings: entry.findings } : {}), ...plan }, entry.note ? { note: entry.note } : {});
  return { plan, history, outbox: { id: outboxIdOf(history), alerts: renderTransitions(deps, cluster, plan.notify, entry.cause, entry.at, alerts.judged), ...alerts.hold } };
}

export function historyEntry(
  cluster: ClusterIdentity,
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
 * The alerts of the transitions to notify, rendered before the write so they can be stored with it. `judged` is the
 * cluster as judged (live, or as a call asked for it): while remediation is on, the remediated rule's alerts tell
 * what it does on this cluster, override tag included; without it (the cluster could not be read) they cannot.
 */
function renderTransitions(deps: PipelineDeps, cluster: ClusterIdentity, transitions: readonly Transition[], cause: AlertCause, at: Date, judged?: Pick<ClusterSnapshot, "tags">): RenderedAlert[] {
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

/** The outbox id of a judgement: unique per cluster, time, cause and kind (as the history key). */
function outboxIdOf(history: HistoryEntry): string {
  return `${history.at.toISOString()}#${history.cause.eventId ?? history.cause.trigger}#${history.kind}`;
}

async function commit<Result extends Attempt>(deps: PipelineDeps, cluster: ClusterIdentity, origin: Origin, attempt: (readState: ReadState) => Promise<Result>): Promise<Result> {
  const outbox = pendingOutbox(deps, cluster, origin);
  const { maxConflictRetries } = settingsOf(deps);
  for (let round = 0; ; round += 1) {
    const result = await attempt(outbox.readState);
    if (result.kind !== "planned") {
      await outbox.deleteNow();
      return result;
    }
    const { plan, history, outbox: alerts } = result.judgement;
    const published = outbox.published();
    try {
      await deps.store.commit(cluster.arn, plan.writes, history, alerts, {
        ...(origin.claim ? { completeEvent: origin.claim } : {}),
        ...(published.length > 0 ? { clearOutbox: published } : {}),
      });
      return result;
    } catch (error) {
      if (!(error instanceof StateConflict) || round >= maxConflictRetries) throw error;
      deps.logger.info("state changed meanwhile: reading again", { clusterArn: cluster.arn, round: round + 1 });
    }
  }
}

/** Every deliverer is tried; the first failure is rethrown. */
async function deliver(deps: PipelineDeps, cluster: ClusterIdentity, judgement: Judgement): Promise<void> {
  let firstFailure: unknown;
  for (const deliverer of [alertsTopic(deps), ...(deps.deliverers ?? [])]) {
    try {
      await deliverer.deliver(cluster, judgement);
    } catch (error) {
      firstFailure ??= error;
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
}

/** The first deliverer: the judgement's alerts to the alerts topic; an early alert's entry stays for its settle check. */
function alertsTopic(deps: PipelineDeps): Deliverer {
  return { deliver: (cluster, judgement) => publishEntry(deps, cluster, judgement.outbox, { keep: judgement.outbox.heldFor !== undefined }) };
}

/** Publishes every alert of an outbox entry, then deletes it (unless `keep`); on a failure the entry stays. */
async function publishEntry(deps: PipelineDeps, cluster: ClusterIdentity, entry: PendingAlerts, options: { keep: boolean }): Promise<void> {
  let firstFailure: unknown;
  for (const alert of entry.alerts) {
    try {
      await deps.notifier.publish(alert);
      deps.logger.info("alert published", { clusterArn: cluster.arn, ruleId: alert.attributes.ruleId, transition: alert.attributes.transition, severity: alert.attributes.severity, subject: alert.subject });
    } catch (error) {
      deps.logger.error("alert could not be published: kept in the outbox for the retry", { clusterArn: cluster.arn, ruleId: alert.attributes.ruleId, transition: alert.attributes.transition, error });
      firstFailure ??= error;
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
  if (entry.alerts.length > 0 && !options.keep) await deps.store.clearAlerts(cluster.arn, entry.id);
}

/** Whether an outbox entry is held for another event's settle check (not this origin's to publish yet). */
function heldForAnother(entry: PendingAlerts, origin: Origin, now: Date): boolean {
  if (entry.heldFor === undefined || entry.heldFor === origin.eventId) return false;
  return entry.heldUntil !== undefined && Date.parse(entry.heldUntil) > now.getTime();
}

/**
 * The cluster's outbox as one unit of work sees it across its attempts: what earlier invocations left is published
 * as it is read; the entry the origin says was published is only remembered, to be deleted with the write.
 */
function pendingOutbox(deps: PipelineDeps, cluster: ClusterIdentity, origin: Origin): { readState: ReadState; published: () => string[]; deleteNow: () => Promise<void> } {
  // A published entry is deleted at once, so a later attempt's (consistent) read no longer finds it.
  const toDelete = new Set<string>();
  return {
    async readState() {
      const { records, pending } = await deps.store.readCluster(cluster.arn);
      for (const entry of pending) {
        if (entry.id === origin.publishedOutboxId) {
          toDelete.add(entry.id);
          continue;
        }
        if (heldForAnother(entry, origin, deps.now())) continue;
        deps.logger.warn("publishing alerts left in the outbox by an earlier attempt", { clusterArn: cluster.arn, outboxId: entry.id, alerts: entry.alerts.length });
        await publishEntry(deps, cluster, entry, { keep: false });
      }
      return records;
    },
    published: () => [...toDelete],
    async deleteNow() {
      for (const id of toDelete) await deps.store.clearAlerts(cluster.arn, id);
      toDelete.clear();
    },
  };
}
