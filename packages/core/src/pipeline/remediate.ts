// The remediation use-case (docs/design.md, data flow 7), run by the settle worker: after a settled FAIL of
// endpoint-public-access it asks remediation/plan.ts what to do; to act it first reserves an attempt in the cluster's
// remediation record (conditional write: two workers never both call), then calls UpdateClusterConfig through the
// EKS adapter, and follows the update it started with DescribeUpdate (remediation messages on the settle queue)
// to its end: SUCCEEDED (then the live evaluation that sends RESOLVED, saying the monitor closed it) or FAILED.
// An update already in progress is retried later through the queue with backoff; "already at the desired
// configuration" is success. Every step goes to the cluster's history.

import { evaluate } from "../engine.ts";
import { AccessDenied, AccountUnreachable, AlreadyAtDesiredConfiguration, ClusterNotFound, EksRequestRejected, StateConflict, UpdateInProgress, UpdateNotFound } from "../errors.ts";
import type { AlertCause, CallRecord, ClusterIdentity, ClusterSnapshot, Finding } from "../model.ts";
import { evaluateLive, overrideGrantFor, tagGrantFor } from "./evaluate-live.ts";
import { historyEntry, recordHistory } from "./judgement.ts";
import { readsFor } from "../rules/index.ts";
import { rulesOf, settingsOf, type HistoryEntry, type PipelineDeps } from "./ports.ts";
import type { RemediationMessage } from "../remediation/messages.ts";
import {
  actorName,
  effectiveRemediation,
  emptyRecord,
  planRemediation,
  REMEDIATION_OPT_OUT,
  REMEDIATION_RULE_ID,
  REMEDIATION_TAG,
  DEFAULT_ATTEMPTS_PER_WINDOW,
  type RemediationAttempt,
  type RemediationDecision,
  type RemediationRecord,
} from "../remediation/plan.ts";
import { isMonitorActorOf, type RemediationDeps } from "../remediation/ports.ts";
import { renderRemediationAlert, type RemediationAlertInput } from "../voice/remediation.ts";

const TERMINAL_UPDATE_STATUSES = new Set(["Successful", "Failed", "Cancelled"]);
/** Attempts older than this are dropped from the record when it is written (the budget looks back 24 h). */
const KEEP_ATTEMPTS_MS = 7 * 86_400_000;

export interface RemediationResult {
  readonly step: "plan" | "call" | "follow";
  readonly result: string;
}

/** The deps of a function that may remediate (the settle worker): the pipeline's, with the remediation ports. */
type RemediatingDeps = PipelineDeps & { readonly remediation: RemediationDeps };

function canRemediate(deps: PipelineDeps): deps is RemediatingDeps {
  return deps.remediation !== undefined;
}

function openedCause(opened: CallRecord): AlertCause {
  return {
    trigger: "settle",
    ...(opened.eventId ? { eventId: opened.eventId } : {}),
    ...(opened.eventName ? { eventName: opened.eventName } : {}),
    ...(opened.actor ? { actor: opened.actor } : {}),
    ...(opened.sourceIp ? { sourceIp: opened.sourceIp } : {}),
    ...(opened.userAgent ? { userAgent: opened.userAgent } : {}),
    ...(opened.eventTime ? { eventTime: new Date(opened.eventTime) } : {}),
  };
}

type StepDetails = Omit<NonNullable<HistoryEntry["remediation"]>, "step">;

async function record(deps: PipelineDeps, cluster: ClusterIdentity, step: string, opened: CallRecord, details: StepDetails, note: string): Promise<void> {
  deps.logger.info(`remediation: ${note}`, { clusterArn: cluster.arn, step, updateId: details.updateId, attemptId: details.attemptId });
  await recordHistory(deps, {}, historyEntry(cluster, deps.now(), "remediation", openedCause(opened), undefined, { note, remediation: { ...details, step } }));
}

/**
 * The role that calls UpdateClusterConfig on the cluster, as CloudTrail names it: in a member account the remediation
 * role the monitor assumes there (policy.accounts[].remediationRoleArn), else the monitor's own.
 */
export function actingRoleArn(deps: Pick<PipelineDeps, "policy" | "remediation">, cluster: ClusterIdentity): string | undefined {
  return deps.policy.accounts.find((account) => account.id === cluster.account && account.roleArn !== undefined)?.remediationRoleArn ?? deps.remediation?.roleArn;
}

async function publish(deps: RemediatingDeps, input: Omit<RemediationAlertInput, "at" | "roleArn">): Promise<void> {
  const roleArn = actingRoleArn(deps, input.cluster);
  const alert = renderRemediationAlert({ ...input, ...(roleArn ? { roleArn } : {}), at: deps.now() });
  await deps.publisher.publish("alerts", alert);
  deps.logger.info("remediation alert published", { clusterArn: input.cluster.arn, outcome: input.outcome, subject: alert.subject });
}

/** Read, change, write back conditioned on the version read; a lost race re-reads. `change` may decline (undefined). */
async function mutate(deps: RemediatingDeps, clusterArn: string, change: (current: RemediationRecord) => RemediationRecord | undefined): Promise<RemediationRecord | undefined> {
  const { store } = deps.remediation;
  for (let round = 0; ; round += 1) {
    const current = (await store.readRemediation(clusterArn)) ?? emptyRecord(clusterArn);
    const next = change(current);
    if (!next) return undefined;
    const now = deps.now();
    const written: RemediationRecord = {
      ...next,
      attempts: next.attempts.filter((attempt) => now.getTime() - Date.parse(attempt.at) < KEEP_ATTEMPTS_MS),
      version: current.version + 1,
      updatedAt: now.toISOString(),
    };
    try {
      await store.writeRemediation(written, current.version);
      return written;
    } catch (error) {
      if (!(error instanceof StateConflict) || round >= settingsOf(deps).maxConflictRetries) throw error;
    }
  }
}

async function patchAttempt(deps: RemediatingDeps, clusterArn: string, attemptId: string, patch: Partial<RemediationAttempt>): Promise<RemediationAttempt | undefined> {
  const written = await mutate(deps, clusterArn, (current) =>
    current.attempts.some((attempt) => attempt.id === attemptId) ? { ...current, attempts: current.attempts.map((attempt) => (attempt.id === attemptId ? { ...attempt, ...patch } : attempt)) } : undefined,
  );
  return written?.attempts.find((attempt) => attempt.id === attemptId);
}

function sameOverride(left: RemediationRecord["override"], right: RemediationRecord["override"]): boolean {
  return left?.value === right?.value;
}

function withOverride(current: RemediationRecord, decision: RemediationDecision): RemediationRecord {
  const { override: _old, ...rest } = current;
  return decision.override ? { ...rest, override: decision.override } : rest;
}

/**
 * After a settled evaluation: remediates the endpoint when the plan says so. `opened` is the change that settled
 * (who made it and when). Does nothing (no read, no write) unless remediation is on and the endpoint rule FAILs.
 * `forgery` says, before anything is planned, why the settle message is not one the monitor queued (undefined: it
 * is): then nothing is called, and a REFUSED alert says so.
 */
export async function remediateSettled(
  deps: PipelineDeps,
  cluster: ClusterIdentity,
  live: { findings: readonly Finding[]; snapshot: ClusterSnapshot },
  opened: CallRecord & { readonly eventId: string },
  forgery: () => Promise<string | undefined> = async () => undefined,
): Promise<RemediationResult | undefined> {
  if (deps.policy.remediation.mode === "off" || !canRemediate(deps)) return undefined;
  const finding = live.findings.find((candidate) => candidate.ruleId === REMEDIATION_RULE_ID);
  if (finding?.status !== "FAIL") return undefined;
  const refusedBecause = await forgery();
  if (refusedBecause !== undefined) {
    deps.logger.error("forged settle message refused: no remediation", { clusterArn: cluster.arn, eventId: opened.eventId, reason: refusedBecause });
    await publish(deps, { outcome: "REFUSED", cluster, severity: "CRITICAL", opened, refusedBecause });
    await record(deps, cluster, "refused", opened, { reason: refusedBecause }, `forged settle message refused: ${refusedBecause}`);
    return { step: "plan", result: "refused" };
  }
  const { roleArn } = deps.remediation;
  const now = deps.now();
  const byMonitor = isMonitorActorOf(opened.actor, roleArn, deps.policy.accounts);
  const overrideGrant = await overrideGrantFor(deps, live.snapshot);
  let decision: RemediationDecision | undefined;
  let attempt: RemediationAttempt | undefined;
  // Plan on the stored record and, to act, reserve the attempt in the same conditional write.
  await mutate(deps, cluster.arn, (current) => {
    decision = planRemediation({ finding, snapshot: live.snapshot, policy: deps.policy, record: current.version === 0 ? undefined : current, now, ...(opened.actor ? { opener: opened.actor } : {}), byMonitor, ...(overrideGrant ? { overrideGrant } : {}) });
    if (decision.kind === "act") {
      attempt = {
        // Unique in the record: a retried settle check at the same instant gets a new attempt.
        id: `${now.toISOString()}#${opened.eventId}#${current.attempts.length + 1}`,
        at: now.toISOString(),
        action: decision.action,
        status: "calling",
        input: decision.input,
        openedBy: actorName(opened.actor),
        openedEventId: opened.eventId,
        ...(opened.eventTime ? { openedAt: opened.eventTime } : {}),
        severity: finding.severity,
        ...(decision.override ? { override: decision.override } : {}),
      };
      return { ...withOverride(current, decision), attempts: [...current.attempts, attempt] };
    }
    return sameOverride(current.override, decision.override) ? undefined : withOverride(current, decision);
  });
  const planned = decision as RemediationDecision;
  const override = planned.override ? { override: planned.override } : {};
  switch (planned.kind) {
    case "skip":
      await record(deps, cluster, "skip", opened, { reason: planned.reason, ...override }, `not remediated: ${planned.reason}`);
      return { step: "plan", result: "skipped" };
    case "dry-run":
      await publish(deps, { outcome: "DRY_RUN", cluster, severity: finding.severity, action: planned.action, input: planned.input, command: planned.command, opened, ...override });
      await record(deps, cluster, "dry-run", opened, { action: planned.action, input: planned.input, ...override }, `dry-run: would call ${planned.command}`);
      return { step: "plan", result: "dry-run" };
    case "conflict": {
      // Alert first, then remember it was sent: a failure in between repeats the alert rather than losing it.
      await publish(deps, {
        outcome: "CONFLICT",
        cluster,
        severity: finding.severity,
        opened,
        openers: planned.openers,
        attempts: planned.attempts.length,
        budget: deps.policy.remediation.attemptsPerDay ?? DEFAULT_ATTEMPTS_PER_WINDOW,
        ...override,
      });
      await mutate(deps, cluster.arn, (current) => (current.conflict && current.conflict.at > new Date(now.getTime() - 86_400_000).toISOString() ? undefined : { ...current, conflict: { at: now.toISOString(), openers: planned.openers } }));
      await record(deps, cluster, "conflict", opened, { reason: `budget spent; reopened by ${planned.openers.join(", ")}`, ...override }, `conflict: stopped after ${planned.attempts.length} calls in 24 h`);
      return { step: "plan", result: "conflict" };
    }
    case "act":
      return callStep(deps, cluster, (attempt as RemediationAttempt).id, opened, 1, true);
  }
}

/** Whether a retried call is still wanted: the endpoint still fails and no tag forbids it now. */
async function stillWanted(deps: PipelineDeps, cluster: ClusterIdentity): Promise<{ wanted: true } | { wanted: false; reason: string; closed?: boolean }> {
  const rule = rulesOf(deps).filter((candidate) => candidate.id === REMEDIATION_RULE_ID);
  let snapshot: ClusterSnapshot;
  try {
    // Only what the endpoint rule reads (DescribeCluster), not node groups, add-ons and the rest.
    ({ snapshot } = await deps.eks.collect(cluster, readsFor(rule)));
  } catch (error) {
    if (error instanceof ClusterNotFound) return { wanted: false, reason: "the cluster no longer exists" };
    throw error;
  }
  // What the cluster says before what the rule says: the rule is NOT_APPLICABLE on a DELETING or FAILED cluster,
  // which is no closed endpoint.
  if (snapshot.status !== "ACTIVE" && snapshot.status !== "UPDATING") return { wanted: false, reason: `the cluster is ${snapshot.status} now` };
  // The override counts only as the plan counts it: set by a principal of policy.remediation.overrideTags.
  const effective = effectiveRemediation(deps.policy, snapshot.tags, await overrideGrantFor(deps, snapshot));
  if (effective.optedOut) return { wanted: false, reason: `the cluster is now opted out (${REMEDIATION_TAG}=${REMEDIATION_OPT_OUT}, set by ${effective.override.setBy ?? "an unknown principal"})` };
  // A tag naming no action means "do nothing" (fail safe), as it does for the plan.
  if (effective.action === undefined) return { wanted: false, reason: `the cluster's tag ${REMEDIATION_TAG} now names no action: nothing done` };
  // An exemption tag counts only as the evaluation honours it (set by a principal the policy lists): then EXEMPT.
  const tagGrant = await tagGrantFor(deps, snapshot);
  const [finding] = evaluate(snapshot, deps.policy, { now: deps.now(), ...(tagGrant ? { tagGrant } : {}) }, rule);
  // Only a PASS says the endpoint was closed; EXEMPT or ERROR is never taken for one.
  if (finding?.status === "PASS") return { wanted: false, closed: true, reason: `${REMEDIATION_RULE_ID} is PASS now: closed meanwhile` };
  if (finding?.status !== "FAIL") return { wanted: false, reason: `${REMEDIATION_RULE_ID} is ${finding?.status ?? "not evaluated"} now, not FAIL` };
  return { wanted: true };
}

/** Makes the reserved attempt's call (first time inline from the settle check, later from a "call" message). */
async function callStep(deps: RemediatingDeps, cluster: ClusterIdentity, attemptId: string, opened: CallRecord, delivery: number, inline: boolean): Promise<RemediationResult> {
  const rem = deps.remediation;
  const attempt = (await rem.store.readRemediation(cluster.arn))?.attempts.find((candidate) => candidate.id === attemptId);
  if (!attempt || (attempt.status !== "calling" && attempt.status !== "retrying")) return { step: "call", result: "nothing to call" };
  const severity = attempt.severity ?? "CRITICAL";
  const override = attempt.override ? { override: attempt.override } : {};
  const base = { attemptId, action: attempt.action, input: attempt.input, ...override };
  if (!inline) {
    const check = await stillWanted(deps, cluster);
    if (!check.wanted) {
      await patchAttempt(deps, cluster.arn, attemptId, { status: check.closed ? "already-closed" : "abandoned" });
      await record(deps, cluster, "abandoned", opened, { ...base, reason: check.reason }, `retry not needed: ${check.reason}`);
      return { step: "call", result: "abandoned" };
    }
  }
  let started;
  try {
    started = await rem.eks.updateClusterConfig(cluster, attempt.input);
  } catch (error) {
    if (error instanceof UpdateInProgress) {
      const next = delivery + 1;
      if (next > settingsOf(deps).maxSettleAttempts) {
        const errors = ["another update kept the cluster busy: EKS refused every retry with ResourceInUseException"];
        await patchAttempt(deps, cluster.arn, attemptId, { status: "failed", errors, endedAt: deps.now().toISOString(), reported: true });
        await publish(deps, { outcome: "FAILED", cluster, severity, action: attempt.action, opened, errors, ...override });
        await record(deps, cluster, "failed", opened, { ...base, errors }, "gave up: another update kept running");
        return { step: "call", result: "failed" };
      }
      await patchAttempt(deps, cluster.arn, attemptId, { status: "retrying" });
      const delaySeconds = Math.min(settingsOf(deps).maxSettleDelaySeconds, settingsOf(deps).settleDelaySeconds * 2 ** (next - 1));
      const message: RemediationMessage = { version: 1, kind: "remediation", step: "call", cluster, attemptId, attempt: next, queuedAt: deps.now().toISOString(), opened };
      await deps.settleQueue.enqueue(message, delaySeconds);
      await record(deps, cluster, "retry", opened, { ...base, reason: "ResourceInUseException: another update is in progress" }, `another update is in progress: calling again in ${delaySeconds} s (try ${next})`);
      return { step: "call", result: "retrying" };
    }
    if (error instanceof AlreadyAtDesiredConfiguration) {
      await patchAttempt(deps, cluster.arn, attemptId, { status: "already-closed", endedAt: deps.now().toISOString() });
      await record(deps, cluster, "already-closed", opened, base, "EKS says the cluster is already at the desired configuration: nothing to do");
      return { step: "call", result: "already-closed" };
    }
    // AccountUnreachable: the member account's remediation role is not configured or cannot be assumed; a retry would
    // not change that before the change is stale, so it is reported as a failure naming the role (not as an EKS
    // error: EKS was never called).
    if (error instanceof EksRequestRejected || error instanceof AccessDenied || error instanceof ClusterNotFound || error instanceof AccountUnreachable) {
      const errors = [error.message];
      await patchAttempt(deps, cluster.arn, attemptId, { status: "failed", errors, endedAt: deps.now().toISOString(), reported: true });
      const why =
        error instanceof AccountUnreachable
          ? { roleNotAssumed: { account: error.account, ...(error.roleArn ? { roleArn: error.roleArn } : {}), reason: error.reason } }
          : { errors };
      await publish(deps, { outcome: "FAILED", cluster, severity, action: attempt.action, input: attempt.input, opened, ...why, ...override });
      await record(deps, cluster, "failed", opened, { ...base, errors }, `the call failed: ${error.message}`);
      return { step: "call", result: "failed" };
    }
    // Throttled, EKS unavailable: the queue retries. Inline (the settle check's own retry plans again), so the
    // reservation is given back first.
    if (inline) await patchAttempt(deps, cluster.arn, attemptId, { status: "abandoned", errors: [(error as Error).message] });
    throw error;
  }
  await patchAttempt(deps, cluster.arn, attemptId, { status: "in-progress", updateId: started.updateId });
  const follow: RemediationMessage = { version: 1, kind: "remediation", step: "follow", cluster, attemptId, updateId: started.updateId, attempt: 1, queuedAt: deps.now().toISOString(), opened };
  await deps.settleQueue.enqueue(follow, settingsOf(deps).settleDelaySeconds);
  await record(deps, cluster, "called", opened, { ...base, updateId: started.updateId }, `UpdateClusterConfig called (update ${started.updateId}, ${started.status})`);
  return { step: "call", result: "called" };
}

/** Follows the remediation's update to its end and reports it. */
async function followStep(deps: RemediatingDeps, message: RemediationMessage): Promise<RemediationResult> {
  const { cluster, attemptId, opened } = message;
  const rem = deps.remediation;
  const updateId = message.updateId as string;
  const attempt = (await rem.store.readRemediation(cluster.arn))?.attempts.find((candidate) => candidate.id === attemptId);
  if (!attempt) return { step: "follow", result: "unknown attempt" };
  const severity = attempt.severity ?? "CRITICAL";
  const override = attempt.override ? { override: attempt.override } : {};
  const base = { attemptId, action: attempt.action, updateId, ...override };
  let status = attempt.status === "succeeded" ? "Successful" : attempt.status === "failed" ? "Failed" : undefined;
  let errors: string[] = [...(attempt.errors ?? [])];
  let createdAt: Date | undefined;
  if (!status) {
    try {
      const update = await deps.eks.describeUpdate(cluster, updateId);
      status = update.status;
      createdAt = update.createdAt;
      errors = update.errors.map((error) => [error.errorCode, error.errorMessage].filter(Boolean).join(": ") || "EKS gave no details of this error");
    } catch (error) {
      if (error instanceof ClusterNotFound) {
        await patchAttempt(deps, cluster.arn, attemptId, { status: "abandoned" });
        await record(deps, cluster, "abandoned", opened, base, "the cluster was deleted while its update ran");
        return { step: "follow", result: "abandoned" };
      }
      if (!(error instanceof UpdateNotFound)) throw error;
      // EKS no longer knows the update: the live cluster says how it ended, when it can (a PASS: closed; still
      // failing and wanted: not closed). Otherwise (gone, DELETING, opted out or exempt now, ERROR) nobody can tell:
      // the attempt ends without an outcome alert, as for a deleted cluster.
      const check = await stillWanted(deps, cluster);
      if (!check.wanted && !check.closed) {
        await patchAttempt(deps, cluster.arn, attemptId, { status: "abandoned" });
        await record(deps, cluster, "abandoned", opened, { ...base, reason: check.reason }, `update ${updateId} not found, and ${check.reason}`);
        return { step: "follow", result: "abandoned" };
      }
      status = check.wanted ? "Failed" : "Successful";
      errors = check.wanted ? ["update not found and the endpoint is still public"] : [];
    }
    if (!TERMINAL_UPDATE_STATUSES.has(status)) {
      const next = message.attempt + 1;
      if (next > settingsOf(deps).maxSettleAttempts) {
        status = "Failed";
        errors = [`update ${updateId} did not end after ${message.attempt} checks`];
      } else {
        const delaySeconds = Math.min(settingsOf(deps).maxSettleDelaySeconds, settingsOf(deps).settleDelaySeconds * 2 ** (next - 1));
        await deps.settleQueue.enqueue({ ...message, attempt: next, queuedAt: deps.now().toISOString() }, delaySeconds);
        return { step: "follow", result: "in-progress" };
      }
    }
    const now = deps.now();
    // The end of the update: when it was seen ended, never before EKS started it (EKS's clock is CloudTrail's).
    const endedAt = new Date(Math.max(now.getTime(), createdAt?.getTime() ?? 0)).toISOString();
    await patchAttempt(deps, cluster.arn, attemptId, { status: status === "Successful" ? "succeeded" : "failed", endedAt, ...(errors.length > 0 ? { errors } : {}), reported: false });
  }
  const current = (await rem.store.readRemediation(cluster.arn))?.attempts.find((candidate) => candidate.id === attemptId) ?? attempt;
  const succeeded = status === "Successful";
  if (!current.reported) {
    await publish(deps, {
      outcome: succeeded ? "SUCCEEDED" : "FAILED",
      cluster,
      severity,
      action: current.action,
      input: current.input,
      updateId,
      opened,
      ...override,
      ...(current.endedAt ? { endedAt: current.endedAt } : {}),
      ...(succeeded ? {} : { errors }),
    });
    await patchAttempt(deps, cluster.arn, attemptId, { reported: true });
    await record(deps, cluster, succeeded ? "succeeded" : "failed", opened, { ...base, ...(succeeded ? {} : { errors }) }, `update ${updateId} ended ${status}`);
  }
  if (succeeded) {
    // The live state now: the RESOLVED alert says the monitor closed it and who had opened it.
    const roleArn = actingRoleArn(deps, cluster);
    await evaluateLive(deps, cluster, {
      trigger: "settle",
      eventName: "UpdateClusterConfig",
      ...(createdAt ? { eventTime: createdAt } : {}),
      actor: { type: "AssumedRole", ...(roleArn ? { arn: roleArn } : {}), userName: "EKS Warden auto-remediation" },
      remediation: { updateId, ...(roleArn ? { roleArn } : {}), ...(opened.actor ? { openedBy: opened.actor } : {}), ...(opened.eventTime ? { openedAt: opened.eventTime } : {}) },
    });
  }
  return { step: "follow", result: succeeded ? "succeeded" : "failed" };
}

/** A remediation message from the settle queue. */
export async function processRemediationMessage(deps: PipelineDeps, message: RemediationMessage): Promise<RemediationResult> {
  if (!canRemediate(deps)) {
    deps.logger.warn("remediation message dropped: this function has no remediation ports", { clusterArn: message.cluster.arn, step: message.step });
    return { step: message.step, result: "dropped" };
  }
  if (message.step === "call") return callStep(deps, message.cluster, message.attemptId, message.opened, message.attempt, false);
  return followStep(deps, message);
}
