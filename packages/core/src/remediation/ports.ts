// The ports remediation runs over, beside the pipeline's: the one EKS write, the cluster's remediation record, and
// who the monitor is (its role, so that its own CloudTrail events are recognised). The AWS adapters implement them
// (EksCollector.updateClusterConfig, DynamoStateStore.readRemediation/writeRemediation).

import type { Actor } from "../model.ts";
import type { ClusterIdentity } from "../model.ts";
import type { RemediationRecord, UpdateClusterConfigInput } from "./plan.ts";

export interface StartedUpdate {
  readonly updateId: string;
  readonly status: string;
  readonly createdAt?: Date;
}

export interface EksWriter {
  /** Throws UpdateInProgress, AlreadyAtDesiredConfiguration, EksRequestRejected, ClusterNotFound, AccessDenied, Throttled, EksUnavailable. */
  updateClusterConfig(cluster: ClusterIdentity, input: UpdateClusterConfigInput): Promise<StartedUpdate>;
}

export interface RemediationStore {
  /** The cluster's remediation record (sk REMEDIATION), or undefined. */
  readRemediation(clusterArn: string): Promise<RemediationRecord | undefined>;
  /** Writes the record if the stored one still has `expectedVersion` (0: none); else throws StateConflict. */
  writeRemediation(record: RemediationRecord, expectedVersion: number): Promise<void>;
}

export interface RemediationDeps {
  readonly store: RemediationStore;
  readonly eks: EksWriter;
  /** The IAM role the remediating function runs as (REMEDIATION_ROLE_ARN): its CloudTrail events are the monitor's. */
  readonly roleArn?: string;
}

/** Whether a CloudTrail identity is the monitor's remediation role (the role itself, or a session of it). */
export function isMonitorActor(actor: Actor | undefined, roleArn: string | undefined): boolean {
  if (!actor || !roleArn) return false;
  if (actor.arn === roleArn || actor.sessionIssuer?.arn === roleArn) return true;
  // arn:aws:iam::<account>:role/<path/>name  <->  arn:aws:sts::<account>:assumed-role/name/<session>
  const role = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  const session = actor.arn ? /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(actor.arn) : null;
  return Boolean(role && session && role[1] === session[1] && role[2] === session[2] && role[3] === session[3]);
}

/**
 * Whether a CloudTrail identity is the monitor's: its own remediating role, or in a member account the remediation
 * role it assumes there (policy.accounts[].remediationRoleArn), whose sessions are what CloudTrail records.
 */
export function isMonitorActorOf(actor: Actor | undefined, roleArn: string | undefined, accounts: readonly { readonly remediationRoleArn?: string | undefined }[]): boolean {
  return isMonitorActor(actor, roleArn) || accounts.some((account) => account.remediationRoleArn !== undefined && isMonitorActor(actor, account.remediationRoleArn));
}
