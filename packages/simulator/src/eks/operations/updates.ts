// Asynchronous updates: started InProgress, finished by the virtual clock, one cluster update at a time, replayed
// for a retried clientRequestToken; and DescribeUpdate / ListUpdates.

import { randomUUID } from "node:crypto";
import type { DurationKey } from "../../fleet.ts";
import { resourceInUse, resourceNotFound } from "../errors.ts";
import type { AddonRecord, ClusterRecord, NodegroupRecord, UpdateRecord } from "../store.ts";
import { clone, paginate, requireCluster, seconds, withToken, type Input, type OperationContext, type OperationHandler, type UpdateFailurePlan } from "./context.ts";

export function takeFailure(context: OperationContext, type: string, clusterName: string): UpdateFailurePlan | undefined {
  const index = context.updateFailures.findIndex((plan) => {
    const typeMatches = plan.type === undefined || plan.type === "*" || plan.type === type;
    const clusterMatches = plan.cluster === undefined || plan.cluster === clusterName;
    return typeMatches && clusterMatches;
  });
  if (index < 0) return undefined;
  return context.updateFailures.splice(index, 1)[0];
}

/**
 * Starts an asynchronous update: recorded InProgress now, finished by the virtual clock after `durationMs`,
 * when `apply` makes the change visible (unless a failure was planned, which leaves everything as it was).
 */
function startUpdate(
  context: OperationContext,
  cluster: ClusterRecord,
  options: { type: string; params: { type: string; value: string }[]; durationMs: number; nodegroup?: NodegroupRecord; addon?: AddonRecord; apply: () => void; onEnd: () => void },
): UpdateRecord {
  const update: UpdateRecord = {
    data: { id: randomUUID(), status: "InProgress", type: options.type, params: options.params, createdAt: seconds(context.clock.now()), errors: [] },
    ...(options.nodegroup ? { nodegroupName: String(options.nodegroup.data["nodegroupName"]) } : {}),
    ...(options.addon ? { addonName: String(options.addon.data["addonName"]) } : {}),
  };
  cluster.updates.push(update);
  const failure = takeFailure(context, options.type, cluster.name);
  context.clock.schedule(options.durationMs, () => {
    if (failure) {
      update.data.status = "Failed";
      update.data["errors"] = [{ errorCode: failure.errorCode ?? "Unknown", errorMessage: failure.errorMessage ?? "The update failed.", resourceIds: [cluster.name] }];
    } else {
      options.apply();
      update.data.status = "Successful";
    }
    options.onEnd();
  });
  return update;
}

export function blockingUpdateError(kind: string, cluster: ClusterRecord): Error | undefined {
  if (cluster.activeUpdate) {
    return resourceInUse(`Cannot ${kind} because cluster ${cluster.name} currently has update ${cluster.activeUpdate.data.id} in progress`, { clusterName: cluster.name });
  }
  const status = String(cluster.data["status"]);
  if (status !== "ACTIVE") return resourceInUse(`Cannot ${kind} because cluster ${cluster.name} is in ${status} state`, { clusterName: cluster.name });
  return undefined;
}

export function startClusterUpdate(context: OperationContext, cluster: ClusterRecord, type: string, params: { type: string; value: string }[], durationKey: DurationKey, apply: () => void): UpdateRecord {
  cluster.data["status"] = "UPDATING";
  const update = startUpdate(context, cluster, {
    type,
    params,
    durationMs: context.durations[durationKey],
    apply,
    onEnd: () => {
      cluster.activeUpdate = undefined;
      if (cluster.data["status"] === "UPDATING") cluster.data["status"] = "ACTIVE";
    },
  });
  cluster.activeUpdate = update;
  return update;
}

/** Starts an update of a node group or an add-on: the resource is UPDATING until the update ends, then ACTIVE. */
export function startChildUpdate(
  context: OperationContext,
  cluster: ClusterRecord,
  child: { readonly nodegroup: NodegroupRecord } | { readonly addon: AddonRecord },
  options: { type: string; params: { type: string; value: string }[]; durationKey: DurationKey; apply: () => void },
): UpdateRecord {
  const record = "nodegroup" in child ? child.nodegroup : child.addon;
  record.data["status"] = "UPDATING";
  const update = startUpdate(context, cluster, {
    ...child,
    type: options.type,
    params: options.params,
    durationMs: context.durations[options.durationKey],
    apply: options.apply,
    onEnd: () => {
      record.activeUpdate = undefined;
      record.data["status"] = "ACTIVE";
      record.data["modifiedAt"] = seconds(context.clock.now());
    },
  });
  record.activeUpdate = update;
  return update;
}

/** Same clientRequestToken on the same cluster: EKS returns the update it already started (SDK retries reuse the token). */
export function replayedUpdate(cluster: ClusterRecord, input: Input): UpdateRecord | undefined {
  const token = input["clientRequestToken"];
  if (typeof token !== "string") return undefined;
  const id = cluster.requestTokens.get(token);
  return id ? cluster.updates.find((update) => update.data.id === id) : undefined;
}

export function rememberToken(cluster: ClusterRecord, input: Input, update: UpdateRecord): void {
  if (typeof input["clientRequestToken"] === "string") cluster.requestTokens.set(input["clientRequestToken"], update.data.id);
}
function updateScopeFilter(input: Input): (update: UpdateRecord) => boolean {
  const nodegroupName = input["nodegroupName"];
  const addonName = input["addonName"];
  return (update) => {
    if (typeof nodegroupName === "string") return update.nodegroupName === nodegroupName;
    if (typeof addonName === "string") return update.addonName === addonName;
    return update.nodegroupName === undefined && update.addonName === undefined;
  };
}

export const describeUpdate: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  const update = cluster.updates.find((candidate) => candidate.data.id === input["updateId"] && updateScopeFilter(input)(candidate));
  if (!update) throw resourceNotFound(`No update found for ID: ${String(input["updateId"])}`, { clusterName: cluster.name });
  return { update: clone(update.data) };
};

export const listUpdates: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  if (typeof input["nodegroupName"] === "string" && !cluster.nodegroups.has(input["nodegroupName"])) {
    throw resourceNotFound(`No node group found for name: ${input["nodegroupName"]}.`, { clusterName: cluster.name, nodegroupName: input["nodegroupName"] });
  }
  const ids = cluster.updates.filter(updateScopeFilter(input)).map((update) => update.data.id);
  const { page, nextToken } = paginate(ids, input, "ListUpdates");
  return withToken({ updateIds: page }, nextToken);
};
