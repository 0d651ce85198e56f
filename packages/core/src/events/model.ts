// What the CloudTrail parser hands to the rest of the system: one typed ClusterEvent, or EventRejected.

import { ValidationError } from "../errors.ts";
import type { AccessChange, Actor, EndpointConfigIntent } from "../model.ts";
import type { ClusterEventName } from "./names.ts";

export type { AccessChange, Actor, EndpointConfigIntent } from "../model.ts";

/**
 * What the call meant to achieve, read from the event's own response:
 * - "endpoint-update": UpdateClusterConfig's `update.params` (only the fields the update carries);
 * - "cluster": CreateCluster's full cluster record (a DescribeCluster-shaped object, name and ARN fixed).
 */
export type ClusterIntent =
  | { readonly kind: "endpoint-update"; readonly resourcesVpcConfig: EndpointConfigIntent }
  | { readonly kind: "cluster"; readonly cluster: Readonly<Record<string, unknown>> };

export interface ClusterEvent {
  readonly eventId: string;
  readonly eventName: ClusterEventName;
  readonly account: string;
  readonly region: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly actor: Actor;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly eventTime: Date;
  /** Present on failed calls: nothing changed, the attempt is only recorded. */
  readonly failed?: { readonly errorCode: string; readonly errorMessage: string };
  readonly intent?: ClusterIntent;
  /** The EKS update the call started (UpdateClusterConfig, UpdateClusterVersion, UpdateNodegroupVersion, UpdateAddon). */
  readonly updateId?: string;
  readonly nodegroupName?: string;
  readonly addonName?: string;
  /** The call set (`value`) or removed (no value) the exemption tag on the cluster: who did it is recorded. */
  readonly exemptionTag?: { readonly value?: string };
  /** The call set (`value`) or removed (no value) the remediation override tag on the cluster: recorded, and told. */
  readonly overrideTag?: { readonly value?: string };
  /**
   * The tag keys the call set (TagResource) or removed (UntagResource), when the request lists them readably: they
   * decide which rules it can change (events/affected-rules.ts). Absent when the request's list cannot be read.
   */
  readonly tagKeys?: readonly string[];
  /** For an access call (and UpdateClusterConfig or CreateCluster carrying accessConfig): what it changed. */
  readonly access?: AccessChange;
  /** Status of the created resource when the call started an asynchronous creation (CREATING). */
  readonly createdStatus?: string;
}

/** An event that cannot be processed: logged with its id and dropped, never retried. */
export class EventRejected extends ValidationError {
  readonly eventId: string | undefined;
  readonly reason: "malformed" | "unknown-event" | "too-large";
  constructor(
    reason: "malformed" | "unknown-event" | "too-large",
    eventId: string | undefined,
    issues: readonly { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(`EKS CloudTrail event ${eventId ?? "(id unreadable)"} rejected (${reason})`, issues, options);
    this.eventId = eventId;
    this.reason = reason;
  }
}
