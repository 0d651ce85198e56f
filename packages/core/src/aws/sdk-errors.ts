// The one translation of AWS SDK errors into typed errors (../errors.ts), for every adapter: one list of throttling
// error names, one of access-denied names, missing credentials; what is left is the service failing. A service's
// own cases (EKS ResourceNotFound, a DynamoDB failed condition) are a small hook of its adapter, asked first.
// The SDK error is kept as { cause }.

import { AccessDenied, CredentialsMissing, EksUnavailable, ServiceUnavailable, Throttled, WardenError } from "../errors.ts";

export type AwsService = "EKS" | "STS" | "SSM" | "DynamoDB" | "SNS" | "SQS" | "S3" | "SecurityHub" | "EventBridge" | "Lambda" | "Scheduler" | "KMS" | "CloudTrail";

/** Throttling, whatever the service calls it: the names the SDK itself retries as throttling, less quota errors. */
export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  "ThrottlingException", // EKS, DynamoDB, SNS (JSON)
  "Throttling", // STS, SNS (query)
  "ThrottledException", // SNS
  "TooManyRequestsException", // EKS
  "ProvisionedThroughputExceededException", // DynamoDB
  "RequestLimitExceeded", // DynamoDB (account request rate)
  "RequestThrottled",
  "RequestThrottledException", // SQS
  "SlowDown",
  "BandwidthLimitExceeded",
  "PriorRequestNotComplete",
]);

/** The call was refused: no permission, or credentials AWS does not accept (unknown, expired). */
export const ACCESS_DENIED_ERRORS: ReadonlySet<string> = new Set([
  "AccessDeniedException", // EKS, DynamoDB, SQS (JSON)
  "InvalidAccessException", // Security Hub not enabled in the account
  "AccessDenied", // STS, SQS (query)
  "AuthorizationErrorException", // SNS
  "AuthorizationError",
  "UnauthorizedException", // EKS
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredToken",
  "ExpiredTokenException",
]);

/** No credentials could be found at all (the SDK's provider chain came back empty). */
export const CREDENTIALS_MISSING_ERRORS: ReadonlySet<string> = new Set(["CredentialsProviderError"]);

/** A service's own translation, asked first: a typed error, or undefined for the common cases. */
export type ServiceErrorHook = (name: string, error: Error) => Error | undefined;

export function sdkErrorName(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

/** SDK error -> typed error with the SDK error as cause. A typed error (already translated) is returned as it is. */
export function translateSdkError(service: AwsService, operation: string, error: unknown, hook?: ServiceErrorHook): Error {
  if (error instanceof WardenError) return error;
  const name = sdkErrorName(error);
  const own = hook && error instanceof Error ? hook(name, error) : undefined;
  if (own) return own;
  const options = { cause: error };
  if (THROTTLING_ERRORS.has(name)) return new Throttled(service, operation, options);
  if (ACCESS_DENIED_ERRORS.has(name)) return new AccessDenied(`${service.toLowerCase()}:${operation}`, options);
  if (CREDENTIALS_MISSING_ERRORS.has(name)) return new CredentialsMissing(options);
  return service === "EKS" ? new EksUnavailable(operation, options) : new ServiceUnavailable(service, operation, options);
}
