// The one retry policy of every AWS client EKS Warden creates (EKS, STS, DynamoDB, SNS, SQS).
//
// The SDK retries throttling, 5xx and network errors itself: MAX_ATTEMPTS attempts in "standard" mode (exponential
// backoff with jitter, 0.5 s base for throttling: about 15 s before giving up). Not "adaptive": its client-side rate
// limiter keeps slowing every later call of a warm function after one burst of throttles (measured on EKS: 3x slower
// under 30% throttling). What still fails is translated into a typed error (sdk-errors.ts) and thrown, so the
// Lambda's own retry and the dead-letter queue take over.

export const MAX_ATTEMPTS = 6;

/** Spread first into every client's configuration; the caller's own settings (endpoint, credentials) follow. */
export const CLIENT_CONFIG = { maxAttempts: MAX_ATTEMPTS, retryMode: "standard" } as const;
