// Use-case of the `cluster-event` function (docs/design.md data flow 1-2): one EventBridge event in, the cluster's
// state and alerts brought up to date. Pure orchestration over the ports.

import { evaluate } from "../engine.ts";
import { ClusterNotFound, SnapshotError } from "../errors.ts";
import { rulesAffectedBy } from "../events/affected-rules.ts";
import { EventRejected, parseClusterEvent, startsAsynchronousChange, type ClusterEvent } from "../events/cloudtrail.ts";
import type { AlertCause, ClusterSnapshot, Rule } from "../model.ts";
import { normaliseCluster } from "../snapshot.ts";
import { planIntent, type Transition } from "../state/transitions.ts";
import { closeCluster, commitWithRetry, deliverAlerts, evaluateLive, flushPendingAlerts, historyEntry, outboxIdOf, renderTransitions, rulesOf, settingsOf } from "./evaluate-live.ts";
import type { ClusterRef, PipelineDeps, ReadInput, SettleMessage } from "./ports.ts";

export type ClusterEventOutcome =
  | { readonly status: "rejected"; readonly eventId?: string; readonly reason: EventRejected["reason"] }
  | { readonly status: "duplicate"; readonly eventId: string }
  | { readonly status: "failed-call" | "closed"; readonly eventId: string; readonly clusterArn: string }
  | { readonly status: "settling"; readonly eventId: string; readonly clusterArn: string; readonly earlyAlerts: readonly Transition[] }
  | { readonly status: "evaluated" | "stale" | "cluster-not-found"; readonly eventId: string; readonly clusterArn: string; readonly notified: readonly Transition[] };

/** The rules an intent is judged by: only the endpoint rules, the ones a configuration call can break at once. */
export function intentRules(rules: readonly Rule[]): Rule[] {
  return rules.filter((rule) => rule.id.startsWith("endpoint-"));
}

export function causeOf(event: ClusterEvent, trigger: AlertCause["trigger"]): AlertCause {
  return {
    trigger,
    eventId: event.eventId,
    eventName: event.eventName,
    actor: event.actor,
    sourceIp: event.sourceIp,
    userAgent: event.userAgent,
    eventTime: event.eventTime,
  };
}

export function refOf(event: ClusterEvent): ClusterRef {
  return { arn: event.clusterArn, account: event.account, region: event.region, name: event.clusterName };
}

/**
 * The configuration the call asked for, as a snapshot: CreateCluster's own record, or (UpdateClusterConfig) the
 * live record with the update's endpoint fields laid over it. Undefined when there is nothing to judge.
 */
async function intendedSnapshot(event: ClusterEvent, deps: PipelineDeps): Promise<ClusterSnapshot | undefined> {
  const intent = event.intent;
  if (!intent) return undefined;
  const identity = { account: event.account, region: event.region };
  if (intent.kind === "cluster") return normaliseCluster(intent.cluster, { identity });
  let record: Readonly<Record<string, unknown>>;
  try {
    record = (await deps.eks.collect(refOf(event), ["cluster"])).record;
  } catch (error) {
    if (error instanceof ClusterNotFound) return undefined;
    throw error;
  }
  const vpc = typeof record.resourcesVpcConfig === "object" && record.resourcesVpcConfig !== null ? record.resourcesVpcConfig : {};
  return normaliseCluster({ ...record, resourcesVpcConfig: { ...vpc, ...intent.resourcesVpcConfig } }, { identity });
}

async function raiseIntent(event: ClusterEvent, deps: PipelineDeps): Promise<readonly Transition[]> {
  const cluster = refOf(event);
  const cause = causeOf(event, "intent");
  let snapshot: ClusterSnapshot | undefined;
  try {
    snapshot = await intendedSnapshot(event, deps);
  } catch (error) {
    // An intent we cannot read is no reason to lose the event: the settle check judges the live cluster anyway.
    if (!(error instanceof SnapshotError)) throw error;
    deps.logger.warn("intended configuration unreadable: no early alert, the settle check follows", { eventId: event.eventId, clusterArn: cluster.arn, issues: error.issues });
    return [];
  }
  if (!snapshot) return [];
  const committed = await commitWithRetry(deps, cluster, async () => {
    const now = deps.now();
    const findings = evaluate(snapshot, deps.policy, { now }, intentRules(rulesOf(deps)));
    const plan = planIntent(await deps.store.readState(cluster.arn), findings, { now, eventId: event.eventId });
    const history = historyEntry(cluster, now, "intent", cause, { findings, ...plan }, { note: "intended configuration, change in progress" });
    return { plan, history, outbox: { id: outboxIdOf(history), alerts: renderTransitions(deps, cluster, plan.notify, cause, now) } };
  });
  await deliverAlerts(deps, cluster, committed.outbox);
  return committed.plan.notify;
}

export function settleMessageOf(event: ClusterEvent, queuedAt: Date): SettleMessage {
  return {
    version: 1,
    cluster: refOf(event),
    eventId: event.eventId,
    eventName: event.eventName,
    ...(event.updateId ? { updateId: event.updateId } : {}),
    ...(event.nodegroupName ? { nodegroupName: event.nodegroupName } : {}),
    ...(event.addonName ? { addonName: event.addonName } : {}),
    attempt: 1,
    queuedAt: queuedAt.toISOString(),
    cause: { actor: event.actor, sourceIp: event.sourceIp, userAgent: event.userAgent, eventTime: event.eventTime.toISOString() },
  };
}

async function apply(event: ClusterEvent, deps: PipelineDeps): Promise<ClusterEventOutcome> {
  const cluster = refOf(event);
  const base = { eventId: event.eventId, clusterArn: cluster.arn };
  if (event.failed) {
    // Nothing changed; who tried what is still worth keeping.
    await deps.store.appendHistory(historyEntry(cluster, deps.now(), "failed-call", causeOf(event, "event"), undefined, { failed: event.failed }));
    return { status: "failed-call", ...base };
  }
  await flushPendingAlerts(deps, cluster);
  if (event.eventName === "DeleteCluster") {
    await closeCluster(deps, cluster, causeOf(event, "event"), "closed");
    return { status: "closed", ...base };
  }
  if (startsAsynchronousChange(event)) {
    const earlyAlerts = await raiseIntent(event, deps);
    await deps.settleQueue.enqueue(settleMessageOf(event, deps.now()), settingsOf(deps).settleDelaySeconds);
    return { status: "settling", ...base, earlyAlerts };
  }
  const outcome = await evaluateLive(deps, cluster, causeOf(event, "event"), { rules: rulesAffectedBy(event.eventName, rulesOf(deps)) });
  return { status: outcome.status, ...base, notified: outcome.notified };
}

/** Parses one EventBridge event, once: the event or why it is rejected, with its log keys. Never throws EventRejected. */
export function readClusterEvent(input: unknown): ReadInput<ClusterEvent, EventRejected> {
  try {
    const event = parseClusterEvent(input);
    return { value: event, logKeys: { eventId: event.eventId, clusterArn: event.clusterArn } };
  } catch (error) {
    if (!(error instanceof EventRejected)) throw error;
    return { rejected: error, logKeys: error.eventId ? { eventId: error.eventId } : {} };
  }
}

/** Handles one raw EventBridge event: readClusterEvent, then processClusterEvent. */
export async function handleClusterEvent(input: unknown, deps: PipelineDeps): Promise<ClusterEventOutcome> {
  return processClusterEvent(readClusterEvent(input), deps);
}

/**
 * Handles one EventBridge event, read by readClusterEvent. A malformed or unknown event is logged with its id and
 * dropped (returned as "rejected", never thrown: a retry could not fix it). Failures of the services are thrown,
 * after giving the event's claim back, so that the retry of the same event is processed.
 */
export async function processClusterEvent(read: ReadInput<ClusterEvent, EventRejected>, deps: PipelineDeps): Promise<ClusterEventOutcome> {
  if (read.rejected) {
    const error = read.rejected;
    deps.logger.warn("event rejected: dropped without retry", { eventId: error.eventId, reason: error.reason, issues: error.issues.slice(0, 10) });
    return { status: "rejected", ...(error.eventId ? { eventId: error.eventId } : {}), reason: error.reason };
  }
  const event = read.value;
  if ((await deps.store.claimEvent(event.eventId, deps.now())) === "duplicate") {
    deps.logger.info("event already processed: skipped", { eventId: event.eventId, clusterArn: event.clusterArn });
    return { status: "duplicate", eventId: event.eventId };
  }
  try {
    const outcome = await apply(event, deps);
    await deps.store.completeEvent(event.eventId, deps.now());
    return outcome;
  } catch (error) {
    await deps.store.releaseEvent(event.eventId).catch((releaseError: unknown) => {
      deps.logger.error("could not release the event claim; its retry waits for the lease to run out", { eventId: event.eventId, error: releaseError });
    });
    throw error;
  }
}
