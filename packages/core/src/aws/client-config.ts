// The one retry policy of every AWS client EKS Warden creates (EKS, STS, DynamoDB, SNS, SQS), and where their
// credentials come from.
//
// The SDK retries throttling, 5xx and network errors itself: MAX_ATTEMPTS attempts in "standard" mode (exponential
// backoff with jitter, 0.5 s base for throttling: about 15 s before giving up). Not "adaptive": its client-side rate
// limiter keeps slowing every later call of a warm function after one burst of throttles (measured on EKS: 3x slower
// under 30% throttling). What still fails is translated into a typed error (sdk-errors.ts) and thrown, so the
// Lambda's own retry and the dead-letter queue take over.
//
// Credentials: Lambda hands the function's role credentials in the environment, so there the clients read only the
// environment (fromEnv); the default chain (profiles, SSO, web identity, instance metadata) is for everywhere else:
// the CLI, the local system, tests. The deployed bundles replace that chain by the environment provider at build
// time (HANDLER_BUNDLING in ../deployment/constants.ts), which removes ~130 KB of credential providers from each bundle.

import type { fromEnv } from "@aws-sdk/credential-provider-env";

type AwsCredentialIdentityProvider = ReturnType<typeof fromEnv>;

export const MAX_ATTEMPTS = 6;

/** Spread first into every client's configuration; the caller's own settings (endpoint, credentials) follow. */
export const CLIENT_CONFIG = { maxAttempts: MAX_ATTEMPTS, retryMode: "standard" } as const;

/** Running in Lambda with its credentials in the environment. */
export function lambdaEnvironmentCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME && env.AWS_ACCESS_KEY_ID);
}

/**
 * The environment provider, imported on the first credential read: the package pulls in @aws-sdk/core's client
 * module and with it ~100 KiB of the SDK's endpoint and protocol code, which a function whose only client is loaded
 * on first use (dead-letter, tamper: SNS) would otherwise compile at every cold start (docs/benchmarks.md).
 */
const environmentCredentials: AwsCredentialIdentityProvider = async (properties) => {
  const { fromEnv } = await import("@aws-sdk/credential-provider-env");
  return fromEnv()(properties);
};

/** CLIENT_CONFIG, plus the environment credential provider when running in Lambda (else the SDK's default chain). */
export function clientConfig(env: NodeJS.ProcessEnv = process.env): typeof CLIENT_CONFIG & { credentials?: AwsCredentialIdentityProvider } {
  return lambdaEnvironmentCredentials(env) ? { ...CLIENT_CONFIG, credentials: environmentCredentials } : CLIENT_CONFIG;
}
