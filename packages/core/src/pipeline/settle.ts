// Use-case of the `settle` worker (docs/design.md data flow 3): follow an asynchronous change to its end, then judge
// the live cluster. Not finished yet: back on the queue with a growing delay, a bounded number of times; beyond
// that, throw, so the queue's redrive parks the message in the dead-letter queue (never lost, never silent).

import * as z from "zod/mini";
import { ACCOUNT_ID, CLUSTER_NAME, clusterArnOf, partitionOfRegion, REGION } from "../arn.ts";
import { ClusterNotFound, UpdateNotFound, WardenError } from "../errors.ts";
import type { AlertCause } from "../model.ts";
import { issuesFromZod } from "../zod-issues.ts";
import type { Transition } from "../state/transitions.ts";
import { rulesAffectedBy } from "../events/affected-rules.ts";
import { closeCluster, evaluateLive } from "./evaluate-live.ts";
import { flushOutbox, type Origin } from "./judgement.ts";
import { rulesOf, settingsOf, type PipelineDeps, type ReadInput, type SettleMessage } from "./ports.ts";
import { isRemediationMessage, remediationMessageSchema, type RemediationMessage } from "../remediation/messages.ts";
import { processRemediationMessage, remediateSettled, type RemediationResult } from "./remediate.ts";

export const TERMINAL_UPDATE_STATUSES: ReadonlySet<string> = new Set(["Successful", "Failed", "Cancelled"]);
const CREATING = "CREATING";

export class SettleTimeout extends WardenError {
  constructor(readonly settle: SettleMessage) {
    super(`change ${settle.updateId ?? settle.eventName} (event ${settle.eventId}) on ${settle.cluster.arn} did not finish after ${settle.attempt} checks`);
  }
}

export class SettleMessageInvalid extends WardenError {}

const settleMessageSchema = z.object({
  version: z.literal(1),
  // The ARN is rebuilt from account, region and name (parseSettleMessage), never taken on its own word.
  cluster: z.object({ arn: z.optional(z.string()), account: z.string().check(z.regex(ACCOUNT_ID)), region: z.string().check(z.regex(REGION)), name: z.string().check(z.regex(CLUSTER_NAME)) }),
  eventId: z.string().check(z.minLength(1)),
  eventName: z.string().check(z.minLength(1)),
  updateId: z.optional(z.string().check(z.minLength(1))),
  nodegroupName: z.optional(z.string().check(z.minLength(1))),
  addonName: z.optional(z.string().check(z.minLength(1))),
  endpointChange: z.optional(z.boolean()),
  attempt: z.int().check(z.minimum(1)),
  queuedAt: z.string(),
  publishedOutboxId: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
  cause: z.object({
    actor: z.optional(z.looseObject({ type: z.string() })),
    sourceIp: z.optional(z.string()),
    userAgent: z.optional(z.string()),
    eventTime: z.optional(z.string()),
  }),
});

/** A settle check or a remediation step (kind "remediation"); throws SettleMessageInvalid. */
export function parseQueueMessage(input: unknown): SettleMessage | RemediationMessage {
  const value = typeof input === "string" ? parseJson(input) : input;
  if (!isRemediationMessage(value)) return parseSettleMessage(value);
  const result = remediationMessageSchema.safeParse(value);
  if (!result.success) {
    const issues = issuesFromZod(result.error);
    throw new SettleMessageInvalid(`remediation message: ${issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`).join("; ")}`, { cause: result.error });
  }
  return result.data as RemediationMessage;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new SettleMessageInvalid("settle message: expected a JSON object, got unparsable text", { cause });
  }
}

export function parseSettleMessage(input: unknown): SettleMessage {
  const value = typeof input === "string" ? parseJson(input) : input;
  const result = settleMessageSchema.safeParse(value);
  if (!result.success) {
    const issues = issuesFromZod(result.error);
    throw new SettleMessageInvalid(`settle message: ${issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`).join("; ")}`, { cause: result.error });
  }
  const { account, region, name, arn: given } = result.data.cluster;
  const arn = clusterArnOf(partitionOfRegion(region), region, account, name);
  if (given !== undefined && given !== arn) {
    throw new SettleMessageInvalid(`settle message: cluster.arn ${JSON.stringify(given.slice(0, 200))} is not the ARN of cluster ${name} in ${region}, account ${account} (${arn})`);
  }
  return { ...(result.data as SettleMessage), cluster: { arn, account, region, name } };
}

export type SettleOutcome =
  | { readonly status: "rejected" }
  | { readonly status: "requeued"; readonly attempt: number; readonly delaySeconds: number }
  | { readonly status: "settled" | "stale"; readonly updateStatus?: string; readonly notified: readonly Transition[]; readonly remediation?: RemediationResult }
  | { readonly status: "remediation"; readonly remediation: RemediationResult }
  | { readonly status: "cluster-not-found" };

function causeOf(message: SettleMessage): AlertCause {
  return {
    trigger: "settle",
    eventId: message.eventId,
    eventName: message.eventName,
    ...(message.cause.actor ? { actor: message.cause.actor } : {}),
    ...(message.cause.sourceIp ? { sourceIp: message.cause.sourceIp } : {}),
    ...(message.cause.userAgent ? { userAgent: message.cause.userAgent } : {}),
    ...(message.cause.eventTime ? { eventTime: new Date(message.cause.eventTime) } : {}),
  };
}

/** The delay before check `attempt`: doubling from the first delay, capped. */
export function settleDelay(attempt: number, deps: PipelineDeps): number {
  const { settleDelaySeconds, maxSettleDelaySeconds } = settingsOf(deps);
  return Math.min(maxSettleDelaySeconds, settleDelaySeconds * 2 ** Math.max(0, attempt - 1));
}

/** What EKS reports of the update the message names (DescribeUpdate): an endpoint change is an EndpointAccessUpdate. */
const ENDPOINT_UPDATE_TYPE = "EndpointAccessUpdate";

/** Whether the change is over; for an update, its final status and its type. */
async function changeState(message: SettleMessage, deps: PipelineDeps): Promise<{ done: boolean; updateStatus?: string; updateType?: string; note?: string }> {
  if (message.updateId) {
    try {
      const update = await deps.eks.describeUpdate(message.cluster, message.updateId, {
        ...(message.nodegroupName ? { nodegroupName: message.nodegroupName } : {}),
        ...(message.addonName ? { addonName: message.addonName } : {}),
      });
      const errors = update.errors.map((error) => `${error.errorCode ?? "error"}: ${error.errorMessage ?? ""}`.trim()).join("; ");
      return {
        done: TERMINAL_UPDATE_STATUSES.has(update.status),
        updateStatus: update.status,
        ...(update.type ? { updateType: update.type } : {}),
        ...(errors ? { note: `update ${update.status}: ${errors}` } : {}),
      };
    } catch (error) {
      // An update EKS no longer knows is over for our purpose: the live cluster says how it ended.
      if (error instanceof UpdateNotFound) return { done: true, note: "update not found: judged from the live cluster" };
      throw error;
    }
  }
  // A creation: over when the created thing left CREATING.
  const { snapshot } = await deps.eks.collect(message.cluster, message.nodegroupName ? ["nodegroups"] : message.addonName ? ["addons"] : ["cluster"]);
  if (message.nodegroupName) return { done: snapshot.nodegroups?.find((group) => group.name === message.nodegroupName)?.status !== CREATING };
  if (message.addonName) return { done: snapshot.addons?.find((addon) => addon.name === message.addonName)?.status !== CREATING };
  return { done: snapshot.status !== CREATING };
}

/**
 * Why a settle message that would remediate is not one cluster-event queued, or undefined when it is: its event must
 * be claimed in the state table for this cluster (EVENT#, written by cluster-event), and EKS must report its update id
 * as an EndpointAccessUpdate of the cluster (DescribeUpdate, already read by changeState); a creation has no update, so
 * it must be a CreateCluster. Anyone who can send to the settle queue writes the rest (endpointChange, actor, cause).
 */
async function forgeryOf(message: SettleMessage, updateType: string | undefined, deps: PipelineDeps): Promise<string | undefined> {
  const eventId = JSON.stringify(message.eventId.slice(0, 100));
  if (!message.updateId && message.eventName !== CREATE_CLUSTER) return `it names no update id, and only a ${CREATE_CLUSTER} changes the endpoint without one`;
  if (message.updateId && updateType !== ENDPOINT_UPDATE_TYPE) {
    return `EKS reports no ${ENDPOINT_UPDATE_TYPE} ${JSON.stringify(message.updateId.slice(0, 100))} on the cluster (${updateType ? `its type is ${JSON.stringify(updateType.slice(0, 60))}` : "the update is unknown"})`;
  }
  const claim = await deps.store.readEventClaim(message.eventId);
  if (!claim) return `cluster-event never received an event ${eventId} (no claim of it in the state table)`;
  if (claim.clusterArn !== undefined && claim.clusterArn !== message.cluster.arn) return `event ${eventId} was about another cluster`;
  return undefined;
}

const CREATE_CLUSTER = "CreateCluster";

/** Parses one settle message (an SQS body or its object), once: the message or why it is rejected, with its log keys. */
export function readSettleMessage(input: unknown): ReadInput<SettleMessage | RemediationMessage, SettleMessageInvalid> {
  try {
    const message = parseQueueMessage(input);
    const eventId = "kind" in message ? message.opened.eventId : message.eventId;
    return { value: message, logKeys: { ...(eventId ? { eventId } : {}), clusterArn: message.cluster.arn } };
  } catch (error) {
    if (!(error instanceof SettleMessageInvalid)) throw error;
    return { rejected: error, logKeys: {} };
  }
}

/** Handles one raw settle message: readSettleMessage, then processSettleCheck. */
export async function handleSettleCheck(input: unknown, deps: PipelineDeps): Promise<SettleOutcome> {
  return processSettleCheck(readSettleMessage(input), deps);
}

/**
 * Handles one settle message, read by readSettleMessage. An unreadable message is logged and dropped ("rejected");
 * a change still running is queued again; a change that never finishes throws SettleTimeout (-> dead-letter
 * queue); service failures throw.
 */
export async function processSettleCheck(read: ReadInput<SettleMessage | RemediationMessage, SettleMessageInvalid>, deps: PipelineDeps): Promise<SettleOutcome> {
  if (read.rejected) {
    deps.logger.warn("settle message rejected: dropped without retry", { error: read.rejected.message });
    return { status: "rejected" };
  }
  if ("kind" in read.value) {
    await flushOutbox(deps, read.value.cluster, {});
    return { status: "remediation", remediation: await processRemediationMessage(deps, read.value) };
  }
  const message = read.value;
  // Alerts left pending are published, and the early alerts' entry cleared, with the state read of whichever path follows.
  const origin: Origin = { eventId: message.eventId, ...(message.publishedOutboxId ? { publishedOutboxId: message.publishedOutboxId } : {}) };
  let state;
  try {
    state = await changeState(message, deps);
  } catch (error) {
    if (!(error instanceof ClusterNotFound)) throw error;
    await closeCluster(deps, message.cluster, causeOf(message), "cluster-not-found", origin);
    return { status: "cluster-not-found" };
  }
  if (!state.done) {
    const attempt = message.attempt + 1;
    if (attempt > settingsOf(deps).maxSettleAttempts) throw new SettleTimeout(message);
    const delaySeconds = settleDelay(attempt, deps);
    await flushOutbox(deps, message.cluster, origin);
    const { publishedOutboxId: _cleared, ...next } = message;
    await deps.settleQueue.enqueue({ ...next, attempt }, delaySeconds);
    deps.logger.info("change still in progress: checking again later", { clusterArn: message.cluster.arn, eventId: message.eventId, attempt, delaySeconds, updateStatus: state.updateStatus });
    return { status: "requeued", attempt, delaySeconds };
  }
  const outcome = await evaluateLive(
    deps,
    message.cluster,
    causeOf(message),
    {
      settles: message.eventId,
      rules: rulesAffectedBy(message, rulesOf(deps)),
      ...(state.updateStatus ? { updateStatus: state.updateStatus } : {}),
      ...(state.note ? { note: state.note } : {}),
    },
    origin,
  );
  if (outcome.status === "cluster-not-found") return { status: "cluster-not-found" };
  // A settled FAIL of a change that asked for an endpoint configuration may be remediated (never the intent).
  const remediation =
    outcome.status === "evaluated" && message.endpointChange === true && outcome.snapshot
      ? await remediateSettled(deps, message.cluster, { findings: outcome.findings, snapshot: outcome.snapshot }, { eventId: message.eventId, eventName: message.eventName, ...message.cause }, () =>
          forgeryOf(message, state.updateType, deps),
        )
      : undefined;
  return {
    status: outcome.status === "stale" ? "stale" : "settled",
    ...(state.updateStatus ? { updateStatus: state.updateStatus } : {}),
    notified: outcome.notified,
    ...(remediation ? { remediation } : {}),
  };
}
