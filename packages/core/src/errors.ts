// Typed errors, in the manner of Powertools: each carries what went wrong, where, and what was expected,
// and wraps its cause with { cause } so no detail is lost on the way up.

export class WardenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that does not have the shape we need: names the path of the field and what was expected. */
export class ValidationError extends WardenError {
  /** What was invalid, without its issues: a caller listing the issues one a line heads them with it. */
  readonly what: string;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  constructor(what: string, issues: readonly { path: string; message: string }[], options?: { cause?: unknown }) {
    super(`${what}: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ")}`, options);
    this.what = what;
    this.issues = issues;
  }
}

export class SnapshotError extends ValidationError {}
export class PolicyError extends ValidationError {}

/** Text that is not an IPv4 or IPv6 CIDR block; `text` is the offending input, the issue path names where it was. */
export class CidrError extends ValidationError {
  readonly text: string;
  constructor(text: string, path: string, problem: string, options?: { cause?: unknown }) {
    super("Invalid CIDR block", [{ path, message: `${JSON.stringify(text)} ${problem}` }], options);
    this.text = text;
  }
}

// Failures of the services, as the AWS adapters (./aws/) report them: the pipeline recognises these without
// loading an SDK. Each wraps the SDK error it translates as { cause } (see aws/sdk-errors.ts).

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

/** An insight id EKS does not know for the cluster (insights are refreshed, and can go between ListInsights and DescribeInsight). */
export class InsightNotFound extends WardenError {
  constructor(readonly clusterArn: string, readonly insightId: string, options?: { cause?: unknown }) {
    super(`EKS insight ${insightId} of ${clusterArn} was not found`, options);
  }
}

/**
 * An access entry or identity provider EKS no longer knows for the cluster (removed between the listing and the
 * describe): the item is kept as unreadable, so the access rules ERROR rather than pass on half a picture.
 */
export class AccessItemNotFound extends WardenError {
  constructor(readonly clusterArn: string, readonly item: string, options?: { cause?: unknown }) {
    super(`${item} of ${clusterArn} was not found (removed while it was being read)`, options);
  }
}

/** EKS refused an update because another update of the cluster is in progress (ResourceInUseException): try later. */
export class UpdateInProgress extends WardenError {
  constructor(readonly clusterArn: string, options?: { cause?: unknown }) {
    super(`EKS cluster ${clusterArn} has another update in progress`, options);
  }
}

/** EKS refused an update because the cluster is already configured as asked (InvalidParameterException): success. */
export class AlreadyAtDesiredConfiguration extends WardenError {
  constructor(readonly clusterArn: string, options?: { cause?: unknown }) {
    super(`EKS cluster ${clusterArn} is already at the desired configuration`, options);
  }
}

/** EKS refused the request as invalid (InvalidParameterException, InvalidRequestException), with EKS's message. */
export class EksRequestRejected extends WardenError {
  constructor(readonly clusterArn: string, readonly errorCode: string, message: string, options?: { cause?: unknown }) {
    super(`EKS refused the request for ${clusterArn}: ${errorCode}: ${message}`, options);
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

/** AWS refused the call for lack of permission (or the credentials were not accepted), named with the action. */
export class AccessDenied extends WardenError {
  constructor(readonly action: string, options?: { cause?: unknown }) {
    super(`access denied to ${action}: the function's role needs this action`, options);
  }
}

/** A message for a topic the publisher was not given (its ARN is not configured): a setup problem, never dropped. */
export class TopicNotConfigured extends WardenError {
  constructor(readonly topic: string) {
    super(`no ${topic} topic is configured for this publisher: the message for the ${topic} topic was not sent`);
  }
}

/** Another evaluation of the same cluster wrote first: re-read and recompute. */
export class StateConflict extends WardenError {
  constructor(readonly clusterArn: string, options?: { cause?: unknown }) {
    super(`state of ${clusterArn} changed since it was read (conditional write lost)`, options);
  }
}

/** No credentials were found (no profile, environment or instance role): a setup problem, not an AWS failure. */
export class CredentialsMissing extends WardenError {
  constructor(options?: { cause?: unknown }) {
    super(
      `no AWS credentials found (${options?.cause instanceof Error ? options.cause.message : "the SDK's provider chain came back empty"}); ` +
        "set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      options,
    );
  }
}

/**
 * A member account's role could not be assumed (AccessDenied on sts:AssumeRole: the role is missing, its trust
 * policy does not name the caller's role (a function's, or the user's for `eks-warden scan`), the external id differs;
 * or no role is configured for what was asked).
 * Nothing of the account could be read: it is reported, never taken for "no clusters".
 */
export class AccountUnreachable extends WardenError {
  constructor(readonly account: string, readonly roleArn: string | undefined, readonly reason: string, options?: { cause?: unknown }) {
    super(`account ${account} could not be read: ${roleArn ? `role ${roleArn} could not be assumed` : "no role is configured"} (${reason})`, options);
  }
}

/** An SSM parameter the deployment names (policy.accounts[].externalIdParameter) does not exist in the region. */
export class ParameterMissing extends WardenError {
  constructor(readonly parameterName: string, readonly region: string, options?: { cause?: unknown }) {
    super(`SSM parameter ${parameterName} does not exist in ${region}`, options);
  }
}

/**
 * Security Hub refused some findings of a BatchImportFindings (its FailedFindings), after the transient ones were
 * retried: each by its Id, with Security Hub's error code and message. `unsent` holds the findings themselves, so
 * the caller keeps exactly those to send again.
 */
export class FindingsNotImported extends WardenError {
  constructor(
    readonly region: string,
    readonly failures: readonly { readonly id: string; readonly code: string; readonly message: string }[],
    readonly unsent: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    const listed = failures.slice(0, 5).map((failure) => `${failure.id} (${failure.code}: ${failure.message})`).join("; ");
    super(`Security Hub in ${region} did not import ${failures.length} finding(s): ${listed}${failures.length > 5 ? `; and ${failures.length - 5} more` : ""}`, options);
  }
}
