// Use-case of the `cluster-event` function (docs/design.md data flow 1-2): one EventBridge event in, the cluster's
// state and alerts brought up to date. Pure orchestration over the ports.

import { evaluate } from "../engine.ts";
import { ClusterNotFound, SnapshotError } from "../errors.ts";
import { rulesAffectedBy } from "../events/affected-rules.ts";
import { EventRejected, parseClusterEvent, startsAsynchronousChange, type ClusterEvent, type EndpointConfigIntent } from "../events/cloudtrail.ts";
import type { Actor } from "../events/model.ts";
import type { AlertCause, ClusterIdentity, ClusterSnapshot, Rule, Severity, TagGrant } from "../model.ts";
import { REMEDIATION_TAG } from "../monitor-tags.ts";
import { normaliseCluster } from "../snapshot.ts";
import { planIntent, type Transition } from "../state/transitions.ts";
import { closeCluster, evaluateLive, judgedCluster, tagGrantFor } from "./evaluate-live.ts";
import { historyEntry, judge, recordHistory, type EventClaim, type Origin } from "./judgement.ts";
import { EVENT_CLAIM_LEASE_SECONDS, rulesOf, settingsOf, type PipelineDeps, type ReadInput, type SettleMessage } from "./ports.ts";
import { isMonitorActorOf } from "../remediation/ports.ts";
import { effectiveRemediation, IN_FLIGHT_STATUSES } from "../remediation/plan.ts";
import { renderRemediationAlert } from "../voice/remediation.ts";
import { renderMonitorIdentityMisuse } from "../voice/tamper.ts";

export type ClusterEventOutcome =
  | { readonly status: "rejected"; readonly eventId?: string; readonly reason: EventRejected["reason"] }
  /** An eventTime further ahead than PipelineSettings.maxEventAheadSeconds: no clock is that wrong, so it is forged; never stored. */
  | { readonly status: "future"; readonly eventId: string; readonly eventTime: string }
  | { readonly status: "duplicate"; readonly eventId: string }
  /** An account neither the deployment's nor in policy.accounts: dropped, counted, never retried. */
  | { readonly status: "unlisted-account"; readonly eventId: string; readonly account: string }
  | { readonly status: "failed-call" | "closed" | "auto-remediation"; readonly eventId: string; readonly clusterArn: string }
  | { readonly status: "settling"; readonly eventId: string; readonly clusterArn: string; readonly earlyAlerts: readonly Transition[] }
  | { readonly status: "evaluated" | "stale" | "cluster-not-found"; readonly eventId: string; readonly clusterArn: string; readonly notified: readonly Transition[] };

/** The rules an intent is judged by: those that declare intent judging (a configuration call can break them at once). */
export function intentRules(rules: readonly Rule[]): Rule[] {
  return rules.filter((rule) => rule.intent !== undefined);
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
    ...(event.access && { access: event.access }),
  };
}

export function refOf(event: ClusterEvent): ClusterIdentity {
  return { arn: event.clusterArn, account: event.account, region: event.region, name: event.clusterName };
}

/** An intent to judge: the snapshot, and the rules that can judge it (all intent rules unless the event alone was read). */
interface Intended {
  readonly snapshot: ClusterSnapshot;
  readonly rules?: readonly string[];
  readonly note: string;
}

/**
 * The configuration the call asked for, as a snapshot: CreateCluster's own record, or (UpdateClusterConfig) the
 * live record with the update's endpoint fields laid over it. When the live read fails (throttling, an outage), the
 * event's own fields are judged alone, by the rules whose fields the event carries. Undefined when there is nothing
 * to judge.
 */
async function intendedSnapshot(event: ClusterEvent, deps: PipelineDeps): Promise<Intended | undefined> {
  const intent = event.intent;
  if (!intent) return undefined;
  const identity = { account: event.account, region: event.region };
  const note = "intended configuration, change in progress";
  if (intent.kind === "cluster") return { snapshot: normaliseCluster(intent.cluster, { identity }), note };
  let record: Readonly<Record<string, unknown>>;
  try {
    record = (await deps.eks.collect(refOf(event), ["cluster"])).record;
  } catch (error) {
    if (error instanceof ClusterNotFound) return undefined;
    deps.logger.warn("live cluster unreadable: judging the intent from the event alone", { eventId: event.eventId, clusterArn: event.clusterArn, error });
    return eventOnlyIntent(event, intent.resourcesVpcConfig, rulesOf(deps));
  }
  const vpc = typeof record.resourcesVpcConfig === "object" && record.resourcesVpcConfig !== null ? record.resourcesVpcConfig : {};
  return { snapshot: normaliseCluster({ ...record, resourcesVpcConfig: { ...vpc, ...intent.resourcesVpcConfig } }, { identity }), note };
}

/**
 * The intent judged from the event alone: only by the intent rules that say the fields the event states suffice
 * (IntentJudging.fromEventAlone), with AWS's defaults for the fields it leaves out.
 */
function eventOnlyIntent(event: ClusterEvent, vpc: EndpointConfigIntent, deployed: readonly Rule[]): Intended | undefined {
  const rules = intentRules(deployed)
    .filter((rule) => rule.intent?.fromEventAlone(vpc))
    .map((rule) => rule.id);
  if (rules.length === 0) return undefined;
  const record = {
    name: event.clusterName,
    arn: event.clusterArn,
    status: "UPDATING",
    resourcesVpcConfig: { endpointPublicAccess: vpc.endpointPublicAccess ?? true, endpointPrivateAccess: vpc.endpointPrivateAccess ?? false, ...(vpc.publicAccessCidrs ? { publicAccessCidrs: vpc.publicAccessCidrs } : {}) },
  };
  const snapshot = normaliseCluster(record, { identity: { account: event.account, region: event.region } });
  return { snapshot, rules, note: "intended configuration judged from the CloudTrail event alone (the live cluster could not be read), change in progress" };
}

/** The principals of a CloudTrail identity, most specific first: the identity's ARN, then its session issuer's. */
function principalsOf(actor: Actor): string[] {
  return [actor.arn, actor.sessionIssuer?.arn].filter((arn): arn is string => typeof arn === "string" && arn !== "");
}

/**
 * The early alerts of an intent: written with the state change, then published. Their outbox entry is held for the
 * settle check, which the caller queues next saying it was published (the check's transaction deletes it); if the
 * publish fails, the entry stays for the retry of the event or, failing that, the settle check. Undefined when there
 * is nothing to judge (nothing written).
 */
async function raiseIntent(event: ClusterEvent, deps: PipelineDeps, origin: Origin): Promise<{ notify: readonly Transition[]; publishedOutboxId?: string } | undefined> {
  const cluster = refOf(event);
  const cause = causeOf(event, "intent");
  let intended: Intended | undefined;
  try {
    intended = await intendedSnapshot(event, deps);
  } catch (error) {
    // An intent we cannot read is no reason to lose the event: the settle check judges the live cluster anyway.
    if (!(error instanceof SnapshotError)) throw error;
    deps.logger.warn("intended configuration unreadable: no early alert, the settle check follows", { eventId: event.eventId, clusterArn: cluster.arn, issues: error.issues });
    return undefined;
  }
  if (!intended) return undefined;
  const { snapshot, note } = intended;
  const rules = intentRules(rulesOf(deps)).filter((rule) => intended.rules === undefined || intended.rules.includes(rule.id));
  const tagGrant = await tagGrantFor(deps, snapshot);
  const judged = await judgedCluster(deps, { arn: cluster.arn, tags: snapshot.tags });
  const { judgement } = await judge(deps, cluster, origin, {
    plan(records) {
      const now = deps.now();
      const findings = evaluate(snapshot, deps.policy, { now, ...(tagGrant ? { tagGrant } : {}) }, rules);
      const plan = planIntent(records, findings, { now, eventId: event.eventId, eventTime: event.eventTime, ...actorStamp(event) });
      const heldUntil = new Date(now.getTime() + (settingsOf(deps).settleDelaySeconds + EVENT_CLAIM_LEASE_SECONDS) * 1000).toISOString();
      return { plan, at: now, kind: "intent", cause, findings, note, judged, hold: { heldFor: event.eventId, heldUntil } };
    },
  });
  return { notify: judgement.plan.notify, ...(judgement.outbox.alerts.length > 0 ? { publishedOutboxId: judgement.outbox.id } : {}) };
}

function actorStamp(event: ClusterEvent): { actor?: string } {
  const actor = event.actor.arn ?? event.actor.principalId;
  return actor ? { actor } : {};
}

export function settleMessageOf(event: ClusterEvent, queuedAt: Date, publishedOutboxId?: string): SettleMessage {
  return {
    version: 1,
    cluster: refOf(event),
    eventId: event.eventId,
    eventName: event.eventName,
    ...(event.updateId ? { updateId: event.updateId } : {}),
    ...(event.nodegroupName ? { nodegroupName: event.nodegroupName } : {}),
    ...(event.addonName ? { addonName: event.addonName } : {}),
    ...(event.intent ? { endpointChange: true } : {}),
    attempt: 1,
    queuedAt: queuedAt.toISOString(),
    ...(publishedOutboxId ? { publishedOutboxId } : {}),
    cause: { actor: event.actor, sourceIp: event.sourceIp, userAgent: event.userAgent, eventTime: event.eventTime.toISOString() },
  };
}

/** Every path ends with one write that completes the event's claim. */
async function apply(event: ClusterEvent, deps: PipelineDeps, claim: EventClaim): Promise<ClusterEventOutcome> {
  const cluster = refOf(event);
  const origin: Origin = { eventId: event.eventId, claim };
  const base = { eventId: event.eventId, clusterArn: cluster.arn };
  if (isMonitorActorOf(event.actor, deps.remediation?.roleArn, deps.policy.accounts)) {
    if (!(await isOwnRemediationCall(event, deps))) {
      // The monitor's identity, but no remediation of the monitor made this call: someone holds or passes the role.
      // Told CRITICAL on both topics, then judged like anyone's call (below).
      await reportMonitorIdentityMisuse(event, deps);
      return applyAsAnyone(event, deps, claim);
    }
    // EKS Warden's own remediation call coming back: recorded, never judged as an intent nor remediated again; the
    // remediation that made it follows its update and reports the outcome itself.
    await recordHistory(
      deps,
      origin,
      historyEntry(cluster, deps.now(), "auto-remediation", causeOf(event, "event"), undefined, {
        note: `auto-remediation: EKS Warden's own ${event.eventName}${event.failed ? ` (failed: ${event.failed.errorCode})` : ""}`,
        remediation: { step: "cloudtrail", ...(event.updateId ? { updateId: event.updateId } : {}) },
        ...(event.failed ? { failed: event.failed } : {}),
      }),
    );
    deps.logger.info("EKS Warden's own remediation call: recorded as auto-remediation", { eventId: event.eventId, clusterArn: cluster.arn, updateId: event.updateId });
    return { status: "auto-remediation", ...base };
  }
  return applyAsAnyone(event, deps, claim);
}

/**
 * Whether a call made as the monitor's remediation identity is a remediation of the monitor's: its update is one a
 * remediation attempt of the cluster started (EKS update ids are not guessable), or, for a call EKS refused (no update),
 * an attempt of the cluster is in flight (calling or retrying after ResourceInUse).
 */
async function isOwnRemediationCall(event: ClusterEvent, deps: PipelineDeps): Promise<boolean> {
  const record = await deps.remediation?.store.readRemediation(event.clusterArn);
  if (!record) return false;
  if (event.updateId !== undefined) return record.attempts.some((attempt) => attempt.updateId === event.updateId);
  return event.failed !== undefined && record.attempts.some((attempt) => IN_FLIGHT_STATUSES.has(attempt.status));
}

/** The CRITICAL "monitor identity used outside remediation" on the health and the alerts topics. */
async function reportMonitorIdentityMisuse(event: ClusterEvent, deps: PipelineDeps): Promise<void> {
  const notice = renderMonitorIdentityMisuse({
    call: event.eventName,
    clusterArn: event.clusterArn,
    actor: event.actor.arn ?? event.actor.principalId ?? event.actor.type,
    sourceIp: event.sourceIp,
    userAgent: event.userAgent,
    eventTime: event.eventTime.toISOString(),
    eventId: event.eventId,
    ...(event.updateId ? { updateId: event.updateId } : {}),
    account: event.account,
    region: event.region,
  });
  const results = await Promise.allSettled((["health", "alerts"] as const).map((topic) => deps.publisher.publish(topic, notice)));
  const failures = results.flatMap((result, index) => (result.status === "rejected" ? [{ topic: index === 0 ? "health" : "alerts", error: result.reason as unknown }] : []));
  for (const failure of failures) deps.logger.error("monitor identity used outside remediation: could not publish", { eventId: event.eventId, clusterArn: event.clusterArn, ...failure });
  // Told on at least one topic is enough to go on judging; told on none, the event is retried.
  if (failures.length === results.length) throw failures[0]!.error;
  deps.logger.warn("monitor identity used outside remediation", { eventId: event.eventId, clusterArn: event.clusterArn, eventName: event.eventName, updateId: event.updateId });
}

/** Every call but the monitor's own remediation: recorded, judged as an intent and settled, or judged live. */
async function applyAsAnyone(event: ClusterEvent, deps: PipelineDeps, claim: EventClaim): Promise<ClusterEventOutcome> {
  const cluster = refOf(event);
  const origin: Origin = { eventId: event.eventId, claim };
  const base = { eventId: event.eventId, clusterArn: cluster.arn };
  if (event.failed) {
    // Nothing changed; who tried what is still worth keeping.
    await recordHistory(deps, origin, historyEntry(cluster, deps.now(), "failed-call", causeOf(event, "event"), undefined, { failed: event.failed }));
    return { status: "failed-call", ...base };
  }
  if (event.exemptionTag) {
    // Who set the exemption tag to what: the only trustworthy record of who granted it (the tag itself says nothing).
    await deps.store.recordTagGrant(cluster.arn, tagGrantOf(event, event.exemptionTag));
  }
  if (event.overrideTag) await deps.store.recordTagGrant(cluster.arn, tagGrantOf(event, event.overrideTag), REMEDIATION_TAG);
  const outcome = await judgeCall(event, deps, claim);
  // Told after the judgement: if the publish fails, the event's claim is given back and its retry (which finds nothing
  // new to judge) tells it again.
  if (event.overrideTag) await reportOverrideChange(event, event.overrideTag, deps);
  return outcome;
}

/** Who set a governed tag to which value (no value: removed), from the call that did it. */
function tagGrantOf(event: ClusterEvent, tag: { readonly value?: string }): TagGrant {
  return { ...(tag.value !== undefined ? { value: tag.value } : {}), principals: principalsOf(event.actor), at: event.eventTime.toISOString(), eventId: event.eventId };
}

/**
 * The change of the remediation override tag, an alert of its own on the alerts topic: honoured (its setter is one
 * policy.remediation.overrideTags lists), refused (ignored: remediation still applies), or removed.
 */
async function reportOverrideChange(event: ClusterEvent, tag: { readonly value?: string }, deps: PipelineDeps): Promise<void> {
  const tags: Record<string, string> = tag.value === undefined ? {} : { [REMEDIATION_TAG]: tag.value };
  const effective = effectiveRemediation(deps.policy, tags, tagGrantOf(event, tag));
  const outcome = tag.value === undefined ? "OVERRIDE_REMOVED" : effective.source === "policy" ? "OVERRIDE_REFUSED" : "OVERRIDE_SET";
  const severity: Severity = outcome === "OVERRIDE_REFUSED" ? "HIGH" : outcome === "OVERRIDE_SET" ? "MEDIUM" : "INFO";
  const alert = renderRemediationAlert({
    outcome,
    cluster: refOf(event),
    severity,
    opened: { eventId: event.eventId, eventName: event.eventName, actor: event.actor, sourceIp: event.sourceIp, userAgent: event.userAgent, eventTime: event.eventTime.toISOString() },
    // The override and its setter are told once, in the Remediation line (overrideChange.effective in the JSON).
    overrideChange: { ...(tag.value !== undefined ? { value: tag.value } : {}), effective },
    at: deps.now(),
  });
  await deps.publisher.publish("alerts", alert);
  deps.logger.info("remediation override change told", { eventId: event.eventId, clusterArn: event.clusterArn, outcome });
}

/** The judgement of a call that changed something: a deletion closes, an asynchronous change settles, the rest is judged live. */
async function judgeCall(event: ClusterEvent, deps: PipelineDeps, claim: EventClaim): Promise<ClusterEventOutcome> {
  const cluster = refOf(event);
  const origin: Origin = { eventId: event.eventId, claim };
  const base = { eventId: event.eventId, clusterArn: cluster.arn };
  if (event.eventName === "DeleteCluster") {
    await closeCluster(deps, cluster, causeOf(event, "event"), "closed", origin);
    return { status: "closed", ...base };
  }
  if (startsAsynchronousChange(event)) {
    let intent: Awaited<ReturnType<typeof raiseIntent>>;
    try {
      intent = await raiseIntent(event, deps, origin);
    } catch (error) {
      // Whatever happened to the early alert, the change is still judged once it has settled: the check goes out
      // before the failure is thrown (the event's retry queues a second check, which finds nothing new).
      await deps.settleQueue.enqueue(settleMessageOf(event, deps.now()), settingsOf(deps).settleDelaySeconds);
      throw error;
    }
    await deps.settleQueue.enqueue(settleMessageOf(event, deps.now(), intent?.publishedOutboxId), settingsOf(deps).settleDelaySeconds);
    // Nothing was judged, so nothing written completed the claim.
    if (!intent) await deps.store.completeEvent(claim.eventId, claim.at);
    return { status: "settling", ...base, earlyAlerts: intent?.notify ?? [] };
  }
  const outcome = await evaluateLive(deps, cluster, causeOf(event, "event"), { rules: rulesAffectedBy(event, rulesOf(deps)) }, origin);
  return { status: outcome.status, ...base, notified: outcome.notified };
}

/** The deployment's own account or one of policy.accounts; every account when the deployment's is not known. */
function isWatchedAccount(account: string, deps: PipelineDeps): boolean {
  if (deps.deploymentAccount === undefined) return true;
  return account === deps.deploymentAccount || deps.policy.accounts.some((entry) => entry.id === account);
}

/**
 * Parses one EventBridge event, once (the object, or an SQS body: its JSON text): the event or why it is rejected,
 * with its log keys. Never throws EventRejected.
 */
export function readClusterEvent(input: unknown): ReadInput<ClusterEvent, EventRejected> {
  try {
    const event = parseClusterEvent(typeof input === "string" ? parseEventText(input) : input);
    return { value: event, logKeys: { eventId: event.eventId, clusterArn: event.clusterArn } };
  } catch (error) {
    if (!(error instanceof EventRejected)) throw error;
    return { rejected: error, logKeys: error.eventId ? { eventId: error.eventId } : {} };
  }
}

function parseEventText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new EventRejected("malformed", undefined, [{ path: "(body)", message: `expected an EventBridge event as JSON, got ${text.length} characters that do not parse` }], { cause });
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
  if (!isWatchedAccount(event.account, deps)) {
    // Not ours to judge: reading it would use this account's credentials on another account's cluster name.
    deps.logger.warn("event of an account the policy does not list: dropped without retry", { eventId: event.eventId, account: event.account, clusterArn: event.clusterArn });
    return { status: "unlisted-account", eventId: event.eventId, account: event.account };
  }
  const now = deps.now();
  if (event.eventTime.getTime() > now.getTime() + settingsOf(deps).maxEventAheadSeconds * 1000) {
    // Stored, it would outrank every later real event (a tag grant keeps the latest eventTime): dropped, never retried.
    deps.logger.warn("event from the future rejected: dropped without retry", { eventId: event.eventId, clusterArn: event.clusterArn, eventTime: event.eventTime.toISOString(), now: now.toISOString() });
    return { status: "future", eventId: event.eventId, eventTime: event.eventTime.toISOString() };
  }
  const claim: EventClaim = { eventId: event.eventId, at: now };
  if ((await deps.store.claimEvent(claim.eventId, claim.at, event.clusterArn)) === "duplicate") {
    deps.logger.info("event already processed: skipped", { eventId: event.eventId, clusterArn: event.clusterArn });
    return { status: "duplicate", eventId: event.eventId };
  }
  try {
    return await apply(event, deps, claim);
  } catch (error) {
    // Also a claim this invocation completed itself before failing (a publish, the settle check): its retry must run.
    await deps.store.releaseEvent(claim.eventId, claim.at).catch((releaseError: unknown) => {
      deps.logger.error("could not release the event claim; its retry waits for the lease to run out", { eventId: event.eventId, error: releaseError });
    });
    throw error;
  }
}
