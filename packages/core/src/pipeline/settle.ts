// Use-case of the `settle` worker (docs/design.md data flow 3): follow an asynchronous change to its end, then judge
// the live cluster. Not finished yet: back on the queue with a growing delay, a bounded number of times; beyond
// that, throw, so the queue's redrive parks the message in the dead-letter queue (never lost, never silent).

import * as z from "zod";
import { ClusterNotFound, UpdateNotFound, WardenError } from "../errors.ts";
import type { AlertCause } from "../model.ts";
import { issuesFromZod } from "../zod-issues.ts";
import type { Transition } from "../state/transitions.ts";
import { rulesAffectedBy } from "../events/affected-rules.ts";
import { closeCluster, evaluateLive, flushPendingAlerts, rulesOf, settingsOf } from "./evaluate-live.ts";
import type { PipelineDeps, ReadInput, SettleMessage } from "./ports.ts";

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
  cluster: z.object({ arn: z.string().min(1), account: z.string().regex(/^\d{12}$/), region: z.string().min(1), name: z.string().min(1) }),
  eventId: z.string().min(1),
  eventName: z.string().min(1),
  updateId: z.string().min(1).optional(),
  nodegroupName: z.string().min(1).optional(),
  addonName: z.string().min(1).optional(),
  attempt: z.number().int().min(1),
  queuedAt: z.string(),
  cause: z.object({
    actor: z.looseObject({ type: z.string() }).optional(),
    sourceIp: z.string().optional(),
    userAgent: z.string().optional(),
    eventTime: z.string().optional(),
  }),
});

export function parseSettleMessage(input: unknown): SettleMessage {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new SettleMessageInvalid("settle message: expected a JSON object, got unparsable text", { cause });
    }
  }
  const result = settleMessageSchema.safeParse(value);
  if (!result.success) {
    const issues = issuesFromZod(result.error);
    throw new SettleMessageInvalid(`settle message: ${issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`).join("; ")}`, { cause: result.error });
  }
  return result.data as SettleMessage;
}

export type SettleOutcome =
  | { readonly status: "rejected" }
  | { readonly status: "requeued"; readonly attempt: number; readonly delaySeconds: number }
  | { readonly status: "settled" | "stale"; readonly updateStatus?: string; readonly notified: readonly Transition[] }
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

/** Whether the change is over; for an update, its final status. */
async function changeState(message: SettleMessage, deps: PipelineDeps): Promise<{ done: boolean; updateStatus?: string; note?: string }> {
  if (message.updateId) {
    try {
      const update = await deps.eks.describeUpdate(message.cluster, message.updateId, {
        ...(message.nodegroupName ? { nodegroupName: message.nodegroupName } : {}),
        ...(message.addonName ? { addonName: message.addonName } : {}),
      });
      const errors = update.errors.map((error) => `${error.errorCode ?? "error"}: ${error.errorMessage ?? ""}`.trim()).join("; ");
      return { done: TERMINAL_UPDATE_STATUSES.has(update.status), updateStatus: update.status, ...(errors ? { note: `update ${update.status}: ${errors}` } : {}) };
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

/** Parses one settle message (an SQS body or its object), once: the message or why it is rejected, with its log keys. */
export function readSettleMessage(input: unknown): ReadInput<SettleMessage, SettleMessageInvalid> {
  try {
    const message = parseSettleMessage(input);
    return { value: message, logKeys: { eventId: message.eventId, clusterArn: message.cluster.arn } };
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
export async function processSettleCheck(read: ReadInput<SettleMessage, SettleMessageInvalid>, deps: PipelineDeps): Promise<SettleOutcome> {
  if (read.rejected) {
    deps.logger.warn("settle message rejected: dropped without retry", { error: read.rejected.message });
    return { status: "rejected" };
  }
  const message = read.value;
  await flushPendingAlerts(deps, message.cluster);
  let state;
  try {
    state = await changeState(message, deps);
  } catch (error) {
    if (!(error instanceof ClusterNotFound)) throw error;
    await closeCluster(deps, message.cluster, causeOf(message), "cluster-not-found");
    return { status: "cluster-not-found" };
  }
  if (!state.done) {
    const attempt = message.attempt + 1;
    if (attempt > settingsOf(deps).maxSettleAttempts) throw new SettleTimeout(message);
    const delaySeconds = settleDelay(attempt, deps);
    await deps.settleQueue.enqueue({ ...message, attempt }, delaySeconds);
    deps.logger.info("change still in progress: checking again later", { clusterArn: message.cluster.arn, eventId: message.eventId, attempt, delaySeconds, updateStatus: state.updateStatus });
    return { status: "requeued", attempt, delaySeconds };
  }
  const outcome = await evaluateLive(deps, message.cluster, causeOf(message), {
    settles: message.eventId,
    rules: rulesAffectedBy(message.eventName, rulesOf(deps)),
    ...(state.note ? { note: state.note } : {}),
  });
  if (outcome.status === "cluster-not-found") return { status: "cluster-not-found" };
  return { status: outcome.status === "stale" ? "stale" : "settled", ...(state.updateStatus ? { updateStatus: state.updateStatus } : {}), notified: outcome.notified };
}
