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
//
// Waits, locally: the local system replays faults in simulated time (a week in minutes), where the backoff's real
// seconds mean nothing, so its fleet's `faults.waitScale` (docs/faults.md) reaches the handlers as LOCAL_WAIT_SCALE
// and shortens each backoff by that factor (scaled-retry.ts, loaded only then). The decisions stay the SDK's own (which errors, how many attempts, the
// retry quota), only the length of the wait shrinks. The stack never sets it (test/infra.test.ts): in Lambda the
// clients are configured exactly as above.

import type { fromEnv } from "@aws-sdk/credential-provider-env";
import { FUNCTION_ENV } from "../deployment/constants.ts";
import type { ScaledRetryStrategy } from "./scaled-retry.ts";

type RetryToken = Awaited<ReturnType<ScaledRetryStrategy["acquireInitialRetryToken"]>>;
type RetryErrorInfo = Parameters<ScaledRetryStrategy["refreshRetryTokenForRetry"]>[1];

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

/**
 * ScaledRetryStrategy (scaled-retry.ts), loaded on the first request of the client: each method waits for it, so the
 * client meets the SDK's own strategy, one per client (each keeps its own retry quota, as the SDK's default does).
 */
export class LocalWaitRetryStrategy {
  readonly mode = "standard";
  #strategy: Promise<ScaledRetryStrategy> | undefined;
  #loaded: ScaledRetryStrategy | undefined;

  constructor(
    readonly maxAttempts: number,
    readonly scale: number,
  ) {}

  /** The SDK strategy behind it (loaded on first use). */
  strategy(): Promise<ScaledRetryStrategy> {
    this.#strategy ??= import("./scaled-retry.ts").then(({ ScaledRetryStrategy }) => (this.#loaded = new ScaledRetryStrategy(this.maxAttempts, this.scale)));
    return this.#strategy;
  }

  async acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    return (await this.strategy()).acquireInitialRetryToken(retryTokenScope);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    return (await this.strategy()).refreshRetryTokenForRetry(token, errorInfo);
  }

  /** Only after a request, so after acquireInitialRetryToken loaded the strategy. */
  recordSuccess(token: RetryToken): void {
    this.#loaded?.recordSuccess(token);
  }
}

/**
 * LOCAL_WAIT_SCALE: a share of real time from 0 (exclusive) to 1; absent means 1 (the SDK's own waits). Anything else
 * is a wiring mistake of the local system, named rather than ignored.
 */
export function localWaitScale(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[FUNCTION_ENV.localWaitScale];
  if (value === undefined || value === "") return 1;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) {
    throw new Error(`${FUNCTION_ENV.localWaitScale}: expected a share of real time above 0 and at most 1 (0.01 waits 1%), got ${JSON.stringify(value)}`);
  }
  return scale;
}

type ClientConfig = typeof CLIENT_CONFIG & { credentials?: AwsCredentialIdentityProvider; retryStrategy?: LocalWaitRetryStrategy };

/**
 * CLIENT_CONFIG, plus the environment credential provider when running in Lambda (else the SDK's default chain), plus
 * a scaled retry strategy when LOCAL_WAIT_SCALE says so (a new one per client: each keeps its own retry quota, as the
 * SDK's default does).
 */
export function clientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const scale = localWaitScale(env);
  const base: ClientConfig = lambdaEnvironmentCredentials(env) ? { ...CLIENT_CONFIG, credentials: environmentCredentials } : CLIENT_CONFIG;
  return scale < 1 ? { ...base, retryStrategy: new LocalWaitRetryStrategy(MAX_ATTEMPTS, scale) } : base;
}
