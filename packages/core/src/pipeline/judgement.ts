// One kernel for every judgement of a cluster (docs/design.md, Data flow 5-6). A use-case gives two steps: `observe`
// reads what it judges (the live cluster, or nothing) and `plan` turns the stored records and that observation into
// a Draft (findings -> transitions -> the records to write, what the history entry says, how the alerts are told).
// `judge` runs them in ONE unit of work, then hands the committed Judgement to the deliverers. Real time, settle, the
// sweep and remediation's follow-up all go through it.
//
// The unit of work: the state is read after the observation, with the outbox in the same consistent read (entries
// an earlier attempt could not confirm published are published first: at least once, never lost); the plan is
// written in one conditional transaction that also completes the event's claim and deletes the outbox entries known
// published. Losing that write means another evaluation got there first: both steps run again from a fresh read (of
// the cluster too), so the newer view always wins and one transition is announced once.
//
// Delivery: every alert of the committed outbox is published; on a failure the entry stays (the retry of the input,
// or the next judgement of the cluster, publishes it) and the first failure is rethrown. A staged deliverer's export
// (Security Hub) is planned with the state and written in the same entry: sent after the write, the entry keeps what
// is not yet sent (an alert is never published twice because an export failed), and a later attempt sends it again.
// An export left by an earlier attempt that fails again does not hold up this judgement: its failure is thrown
// once the judgement is delivered. An early alert's entry is
// held for its change's settle check (`heldFor`), whose message says it was published: the check's own transaction
// deletes it, and no other judgement publishes it again before `heldUntil`.

import { renderAlert, type RenderedAlert } from "../voice/alert.ts";
import { StateConflict } from "../errors.ts";
import type { AlertCause, ClusterIdentity, ClusterSnapshot, Finding, TagGrant } from "../model.ts";
import { effectiveRemediation, REMEDIATION_RULE_ID } from "../remediation/plan.ts";
import type { FreshPlan, StatePlan, StoredRuleState, Transition } from "../state/transitions.ts";
import { outboxId, outboxIdParts, rulesOf, settingsOf, unsentOf, type HistoryEntry, type HistoryKind, type Judgement, type PendingAlerts, type PipelineDeps, type SettleMessage, type StagedDeliverer } from "./ports.ts";

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

/** What `observe` answers when there is no cluster to judge (EKS does not know it). */
export const NOT_FOUND: unique symbol = Symbol("not-found");

/** What the remediated rule's alerts need of the cluster judged: its tags, and who set its override tag (when read). */
export interface JudgedCluster extends Pick<ClusterSnapshot, "tags"> {
  readonly overrideGrant?: TagGrant;
}

/** What a use-case plans on the stored records: the state plan, what its history entry says, how its alerts are told. */
export interface Draft<Plan extends StatePlan = StatePlan> {
  readonly plan: Plan;
  readonly at: Date;
  readonly kind: HistoryKind;
  readonly cause: AlertCause;
  readonly findings?: readonly Finding[];
  readonly note?: string;
  /** The cluster as judged (live, or as a call asked for it): the remediated rule's alerts say what remediation does to it. */
  readonly judged?: JudgedCluster;
  /** An early alert's outbox entry, held for its change's settle check. */
  readonly hold?: Pick<PendingAlerts, "heldFor" | "heldUntil">;
}

/**
 * One judgement of a cluster, in two steps: `observe` reads what is judged (the live cluster) before the state is
 * read, and `plan` plans on the stored records what was observed, without I/O. Both run again after a lost write.
 */
export interface Steps<Observed, Plan extends StatePlan = StatePlan> {
  observe(): Promise<Observed | typeof NOT_FOUND>;
  plan(records: readonly StoredRuleState[], observed: Observed): Draft<Plan>;
}

/** What a judgement came to: no cluster to judge, a view older than the one stored (nothing written), or committed. */
export type Judged<Observed, Plan extends StatePlan = StatePlan> =
  | { readonly kind: "not-found" }
  | (Plan extends FreshPlan ? never : { readonly kind: "stale"; readonly observed: Observed })
  | { readonly kind: "planned"; readonly observed: Observed; readonly judgement: Judgement };

/**
 * Observes, reads the state, plans and commits the plan (all again from a fresh read after a lost write, up to
 * maxConflictRetries), then delivers the committed judgement. A judgement that observes nothing plans on the records alone.
 */
export function judge<Observed, Plan extends StatePlan>(deps: PipelineDeps, cluster: ClusterIdentity, origin: Origin, steps: Steps<Observed, Plan>): Promise<Judged<Observed, Plan>>;
export function judge<Plan extends StatePlan>(deps: PipelineDeps, cluster: ClusterIdentity, origin: Origin, steps: Pick<Steps<undefined, Plan>, "plan">): Promise<Exclude<Judged<undefined, Plan>, { kind: "not-found" }>>;
export async function judge(deps: PipelineDeps, cluster: ClusterIdentity, origin: Origin, steps: Pick<Steps<unknown>, "plan"> & Partial<Steps<unknown>>): Promise<Judged<unknown>> {
  const outbox = pendingOutbox(deps, cluster, origin);
  const judged = await commit(deps, cluster, outbox, { observe: steps.observe ?? nothingToObserve, plan: steps.plan });
  if (judged.kind === "planned") {
    await judgeAgainLater(deps, cluster, judged.judgement);
    await deliver(deps, cluster, judged.judgement);
  }
  outbox.throwDeferred();
  return judged;
}

/**
 * A judgement that held a flapping rule's alert asks to be judged again when the hold ends, so the summary is told
 * even if nothing else happens to the cluster: a settle check of the same call, delayed until then (an extra queue
 * message only when an alert was held). Failing to queue it fails the input, which is retried.
 */
async function judgeAgainLater(deps: PipelineDeps, cluster: ClusterIdentity, judgement: Judgement): Promise<void> {
  const at = judgement.plan.judgeAgainAt;
  if (at === undefined) return;
  const { cause } = judgement.history;
  if (!cause.eventName) {
    deps.logger.info("alert held: told at the cluster's next judgement", { clusterArn: cluster.arn, judgeAgainAt: at });
    return;
  }
  const now = deps.now();
  // No later than a settle check would be: a check that comes before the hold ends is held again and asks anew.
  const delaySeconds = Math.min(MAX_QUEUE_DELAY_SECONDS, settingsOf(deps).maxSettleDelaySeconds, Math.max(0, Math.ceil((Date.parse(at) - now.getTime()) / 1000)));
  const message: SettleMessage = {
    version: 1,
    cluster,
    eventId: `${(cause.eventId ?? cause.trigger).replace(/(#held)+$/, "")}#held`,
    eventName: cause.eventName,
    attempt: 1,
    queuedAt: now.toISOString(),
    cause: {
      ...(cause.actor ? { actor: cause.actor } : {}),
      ...(cause.sourceIp ? { sourceIp: cause.sourceIp } : {}),
      ...(cause.userAgent ? { userAgent: cause.userAgent } : {}),
      ...(cause.eventTime ? { eventTime: cause.eventTime.toISOString() } : {}),
    },
  };
  await deps.settleQueue.enqueue(message, delaySeconds);
  deps.logger.info("alert held: the cluster is judged again when the hold ends", { clusterArn: cluster.arn, judgeAgainAt: at, delaySeconds });
}

/** SQS's longest delivery delay. */
const MAX_QUEUE_DELAY_SECONDS = 900;

async function nothingToObserve(): Promise<undefined> {
  return undefined;
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
  outbox.throwDeferred();
}

/** The judgement of a draft: its history entry and its rendered alerts, rendered before the write to be stored with it. */
function judgementOf(deps: PipelineDeps, cluster: ClusterIdentity, draft: Draft, previous: readonly StoredRuleState[]): Judgement {
  const { plan, at, cause } = draft;
  const history = historyEntry(cluster, at, draft.kind, cause, { ...(draft.findings ? { findings: draft.findings } : {}), transitions: plan.transitions, notify: plan.notify }, draft.note ? { note: draft.note } : {});
  const staged: Record<string, readonly unknown[]> = {};
  for (const deliverer of stagedDeliverers(deps)) {
    const items = deliverer.stage(cluster, { previous, plan, at });
    if (items.length > 0) staged[deliverer.name] = items;
  }
  return {
    plan,
    history,
    outbox: { id: outboxIdOf(history), alerts: renderTransitions(deps, cluster, plan.notify, cause, at, draft.judged), ...draft.hold, ...(Object.keys(staged).length > 0 ? { staged } : {}) },
  };
}

function stagedDeliverers(deps: PipelineDeps): StagedDeliverer[] {
  return (deps.deliverers ?? []).filter((deliverer): deliverer is StagedDeliverer => deliverer.stage !== undefined);
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
function renderTransitions(deps: PipelineDeps, cluster: ClusterIdentity, transitions: readonly Transition[], cause: AlertCause, at: Date, judged?: JudgedCluster): RenderedAlert[] {
  const rules = rulesOf(deps);
  const autoRemediation = judged ? effectiveRemediation(deps.policy, judged.tags, judged.overrideGrant) : undefined;
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
  return outboxId(history.at, history.cause.eventId ?? history.cause.trigger, history.kind);
}

async function commit<Observed>(deps: PipelineDeps, cluster: ClusterIdentity, outbox: PendingOutbox, steps: Steps<Observed>): Promise<Judged<Observed>> {
  const { maxConflictRetries } = settingsOf(deps);
  for (let round = 0; ; round += 1) {
    const observed = await steps.observe();
    if (observed === NOT_FOUND) {
      await outbox.deleteNow();
      return { kind: "not-found" };
    }
    const records = await outbox.readState();
    const draft = steps.plan(records, observed);
    if (draft.plan.stale) {
      await outbox.deleteNow();
      return { kind: "stale", observed };
    }
    const judgement = judgementOf(deps, cluster, draft, records);
    const published = outbox.published();
    try {
      await deps.store.commit(cluster.arn, draft.plan.writes, judgement.history, judgement.outbox, {
        ...(outbox.origin.claim ? { completeEvent: outbox.origin.claim } : {}),
        ...(published.length > 0 ? { clearOutbox: published } : {}),
      });
      return { kind: "planned", observed, judgement };
    } catch (error) {
      if (!(error instanceof StateConflict) || round >= maxConflictRetries) throw error;
      deps.logger.info("state changed meanwhile: reading again", { clusterArn: cluster.arn, round: round + 1 });
    }
  }
}

/** Every deliverer is tried (the outbox entry's alerts first, then its staged exports, then the direct ones); the first failure is rethrown. */
async function deliver(deps: PipelineDeps, cluster: ClusterIdentity, judgement: Judgement): Promise<void> {
  const sent = await sendEntry(deps, cluster, judgement.outbox, { keep: judgement.outbox.heldFor !== undefined });
  let firstFailure: unknown = sent.alertsFailure ?? sent.exportFailure;
  for (const deliverer of deps.deliverers ?? []) {
    if (deliverer.stage !== undefined) continue;
    try {
      await deliverer.deliver(cluster, judgement);
    } catch (error) {
      firstFailure ??= error;
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
}

/** Publishes every alert of an outbox entry; throws the first failure after trying them all. */
async function publishAlerts(deps: PipelineDeps, cluster: ClusterIdentity, entry: PendingAlerts): Promise<void> {
  let firstFailure: unknown;
  for (const alert of entry.alerts) {
    try {
      await deps.publisher.publish("alerts", alert);
      deps.logger.info("alert published", { clusterArn: cluster.arn, ruleId: alert.attributes.ruleId, transition: alert.attributes.transition, severity: alert.attributes.severity, subject: alert.subject });
    } catch (error) {
      deps.logger.error("alert could not be published: kept in the outbox for the retry", { clusterArn: cluster.arn, ruleId: alert.attributes.ruleId, transition: alert.attributes.transition, error });
      firstFailure ??= error;
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
}

/**
 * Sends what an outbox entry holds (its alerts, then each staged export), then deletes it, or keeps what is left to
 * send: its alerts until all are published (and always when `keep`), each export until it is sent.
 */
async function sendEntry(deps: PipelineDeps, cluster: ClusterIdentity, entry: PendingAlerts, options: { keep: boolean; deferrable?: boolean }): Promise<{ alertsFailure?: unknown; exportFailure?: unknown }> {
  let alertsFailure: unknown;
  try {
    await publishAlerts(deps, cluster, entry);
  } catch (error) {
    alertsFailure = error;
  }
  const staged = entry.staged ?? {};
  const batch = deps.deferStaged;
  const names = Object.keys(staged);
  if (batch && options.deferrable !== false && alertsFailure === undefined && !options.keep && names.length > 0 && names.every((name) => stagedDeliverers(deps).some((candidate) => candidate.name === name))) {
    // Its alerts are out: the entry is stored with its exports alone before the batch may send (and clear) it.
    const { heldFor: _heldFor, heldUntil: _heldUntil, ...unheld } = entry;
    const exportsOnly: PendingAlerts = { ...unheld, alerts: [] };
    if (entry.alerts.length > 0) await deps.store.keepPending(cluster.arn, exportsOnly);
    await batch.defer(cluster, exportsOnly);
    return {};
  }
  const left: Record<string, readonly unknown[]> = {};
  let exportFailure: unknown;
  for (const [name, items] of Object.entries(staged)) {
    const deliverer = stagedDeliverers(deps).find((candidate) => candidate.name === name);
    if (!deliverer) {
      // The export was turned off since the entry was written: what it staged is no longer wanted anywhere.
      deps.logger.warn("outbox entry holds an export this deployment no longer makes: left unsent", { clusterArn: cluster.arn, outboxId: entry.id, export: name, items: items.length });
      continue;
    }
    try {
      await deliverer.send(cluster, items);
    } catch (error) {
      deps.logger.error("export could not be sent: kept in the outbox for the retry", { clusterArn: cluster.arn, outboxId: entry.id, export: name, items: items.length, error });
      left[name] = unsentOf(error, items);
      exportFailure ??= error;
    }
  }
  const stored = entry.alerts.length > 0 || Object.keys(staged).length > 0;
  if (stored) {
    const alertsLeft = alertsFailure !== undefined || options.keep ? entry.alerts : [];
    const exportsLeft = Object.keys(left).length;
    if (alertsLeft.length === 0 && exportsLeft === 0) {
      await deps.store.clearAlerts(cluster.arn, entry.id);
    } else if (alertsLeft.length !== entry.alerts.length || exportsLeft !== Object.keys(staged).length) {
      const { staged: _sent, ...rest } = entry;
      await deps.store.keepPending(cluster.arn, { ...rest, alerts: alertsLeft, ...(exportsLeft > 0 ? { staged: left } : {}) });
    }
  }
  return { ...(alertsFailure !== undefined ? { alertsFailure } : {}), ...(exportFailure !== undefined ? { exportFailure } : {}) };
}

/** Whether an outbox entry is held for another event's settle check (not this origin's to publish yet). */
function heldForAnother(entry: PendingAlerts, origin: Origin, now: Date): boolean {
  if (entry.heldFor === undefined || entry.heldFor === origin.eventId) return false;
  return entry.heldUntil !== undefined && Date.parse(entry.heldUntil) > now.getTime();
}

/**
 * An entry another judgement committed moments ago is being published by it (commit, then publish, then delete):
 * publishing it here as well would send its alerts twice. Left alone for OUTBOX_HANDOFF_SECONDS, then it is taken as
 * left behind (its writer failed) and published by whoever judges the cluster next. An earlier attempt of this very
 * origin (a retry of the same event) is published at once.
 */
function beingPublished(entry: PendingAlerts, origin: Origin, now: Date): boolean {
  const { writtenAt, source } = outboxIdParts(entry.id);
  if (origin.eventId !== undefined && source === origin.eventId) return false;
  return Number.isFinite(writtenAt) && now.getTime() - writtenAt < OUTBOX_HANDOFF_SECONDS * 1000;
}

/** Longer than a judgement takes from its commit to its last publish; shorter than a queue's retry of a failed one. */
const OUTBOX_HANDOFF_SECONDS = 60;

/**
 * The cluster's outbox as one unit of work sees it across its attempts: what earlier invocations left is published
 * as it is read; the entry the origin says was published is only remembered, to be deleted with the write.
 */
interface PendingOutbox {
  readonly origin: Origin;
  readState(): Promise<StoredRuleState[]>;
  published(): string[];
  deleteNow(): Promise<void>;
  /** Throws the first failure of an export left by an earlier attempt, once the judgement is done. */
  throwDeferred(): void;
}

function pendingOutbox(deps: PipelineDeps, cluster: ClusterIdentity, origin: Origin): PendingOutbox {
  // A published entry is deleted at once, so a later attempt's (consistent) read no longer finds it.
  const toDelete = new Set<string>();
  let deferred: unknown;
  return {
    origin,
    async readState() {
      const { records, pending } = await deps.store.readCluster(cluster.arn);
      for (const entry of pending) {
        if (entry.id === origin.publishedOutboxId) {
          // Its alerts are out (the settle message says so); an export it still holds is sent before it goes.
          // Sent now, not deferred: the entry is deleted with this judgement's write once its export is out.
          const exported = entry.staged ? await sendEntry(deps, cluster, { ...entry, alerts: [] }, { keep: false, deferrable: false }) : {};
          if (exported.exportFailure === undefined) toDelete.add(entry.id);
          deferred ??= exported.exportFailure;
          continue;
        }
        if (heldForAnother(entry, origin, deps.now())) continue;
        if (beingPublished(entry, origin, deps.now())) continue;
        deps.logger.warn("publishing alerts left in the outbox by an earlier attempt", { clusterArn: cluster.arn, outboxId: entry.id, alerts: entry.alerts.length });
        const sent = await sendEntry(deps, cluster, entry, { keep: false });
        if (sent.alertsFailure !== undefined) throw sent.alertsFailure;
        deferred ??= sent.exportFailure;
      }
      return records;
    },
    throwDeferred() {
      if (deferred !== undefined) throw deferred;
    },
    published: () => [...toDelete],
    async deleteNow() {
      for (const id of toDelete) await deps.store.clearAlerts(cluster.arn, id);
      toDelete.clear();
    },
  };
}
