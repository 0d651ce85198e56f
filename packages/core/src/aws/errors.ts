// Typed errors the AWS adapters throw, kept free of SDK imports so that pure code (the pipeline) can recognise
// them without loading an SDK. Each wraps the SDK error it translates as { cause }.

import { WardenError } from "../errors.ts";

/** The cluster does not exist (any more): EKS's ResourceNotFoundException on the cluster. */
export class ClusterNotFound extends WardenError {
  constructor(readonly clusterArn: string, options?: { cause?: unknown }) {
    super(`EKS cluster ${clusterArn} was not found (deleted, or in another account or region)`, options);
  }
}

/** An update id EKS does not know for the cluster (it can age out); the caller then reads the cluster itself. */
export class UpdateNotFound extends WardenError {
  constructor(readonly clusterArn: string, readonly updateId: string, options?: { cause?: unknown }) {
    super(`EKS update ${updateId} of ${clusterArn} was not found`, options);
  }
}

/** Still throttled after the SDK's own retries: thrown on so the queue's retry and dead-letter queue take over. */
export class Throttled extends WardenError {
  constructor(readonly service: string, readonly operation: string, options?: { cause?: unknown }) {
    super(`${service} ${operation} was still throttled after retries`, options);
  }
}

/** The service failed (5xx, network) after retries. */
export class ServiceUnavailable extends WardenError {
  constructor(readonly service: string, readonly operation: string, options?: { cause?: unknown }) {
    super(`${service} ${operation} failed after retries: ${options?.cause instanceof Error ? options.cause.message : String(options?.cause)}`, options);
  }
}

/** EKS is unavailable or failed for this cluster after retries. */
export class EksUnavailable extends ServiceUnavailable {
  constructor(operation: string, options?: { cause?: unknown }) {
    super("EKS", operation, options);
  }
}

/** EKS refused the call for lack of permission: a deployment problem, named with the missing action. */
export class AccessDenied extends WardenError {
  constructor(readonly action: string, options?: { cause?: unknown }) {
    super(`access denied to ${action}: the function's role needs this action`, options);
  }
}

/** Another evaluation of the same cluster wrote first: re-read and recompute. */
export class StateConflict extends WardenError {
  constructor(readonly clusterArn: string, options?: { cause?: unknown }) {
    super(`state of ${clusterArn} changed since it was read (conditional write lost)`, options);
  }
}
