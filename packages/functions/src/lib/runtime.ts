// Cold-start configuration shared by the real-time handlers: the policy and the adapters, built once per
// execution environment from the environment the stack sets. A missing or invalid setting fails the cold start
// with a message naming the variable and what it must hold.

import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoStateStore, EksCollector, ClusterInventory, SecurityHubImporter, SnsPublisher, SqsSettleQueue, StsIdentity, localWaitScale, memberAccountsOf, policyAccountCredentials, type AccountCredentials } from "@eks-warden/core/aws";
import { SecurityHubExport } from "@eks-warden/core/securityhub";
import { FUNCTION_ENV, METRICS_NAMESPACE } from "@eks-warden/core/deployment";
import { WardenError, parsePolicy } from "@eks-warden/core";
import type { DigestDeps } from "@eks-warden/core/digest";
import type { PipelineDeps, PipelineSettings, SettleQueue } from "@eks-warden/core/pipeline";
import type { SweepDeps } from "@eks-warden/core/sweep";

export class ConfigurationError extends WardenError {}

/**
 * The handlers' clock: Lambda's. The local system moves it with the simulator's virtual clock (packages/local), so a
 * scenario's `advance` also ends flapping holds, claims and leases, as the same time passing does in AWS.
 */
export const handlerClock: { now: () => Date } = { now: () => new Date() };

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is missing: expected ${what} (the stack sets it)`);
  return value;
}

function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 900) throw new ConfigurationError(`environment variable ${name}: expected whole seconds 0-900, got ${JSON.stringify(value)}`);
  return parsed;
}

/** Days the state table keeps a cluster's history (the stack sets it from historyRetentionDays); unset: the store's default. */
export function historyRetentionDays(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[FUNCTION_ENV.historyRetentionDays];
  if (value === undefined || value === "") return undefined;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new ConfigurationError(`environment variable ${FUNCTION_ENV.historyRetentionDays}: expected whole days >= 1, got ${JSON.stringify(value)}`);
  return days;
}

export function policyFromEnvironment(env: NodeJS.ProcessEnv = process.env) {
  const text = required(env, FUNCTION_ENV.policy, "the deployment policy as JSON");
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(`environment variable ${FUNCTION_ENV.policy}: expected JSON, got text that does not parse (${(cause as Error).message})`, { cause });
  }
  return parsePolicy(input);
}

/** The scheduled functions queue no settle check: they are given no queue, and this stands in for it. */
const NO_SETTLE_QUEUE: SettleQueue = {
  enqueue() {
    return Promise.reject(new ConfigurationError("this function has no settle queue: only the real-time functions queue settle checks"));
  },
};

/** The ports wired to AWS (or to the endpoints AWS_ENDPOINT_URL_* points at). */
export function depsFromEnvironment(logger: Logger, env: NodeJS.ProcessEnv = process.env, options: { settleQueue?: boolean } = {}): PipelineDeps {
  return wiredToAws(logger, env, options).deps;
}

/** The AWS adapters behind the ports, kept by their own types for the scheduled functions' wider ports. */
interface WiredDeps {
  readonly deps: PipelineDeps;
  readonly store: DynamoStateStore;
  readonly eks: EksCollector;
}

function wiredToAws(logger: Logger, env: NodeJS.ProcessEnv, options: { settleQueue?: boolean }): WiredDeps {
  const settings: Partial<PipelineSettings> = {};
  const first = seconds(env, FUNCTION_ENV.settleDelaySeconds);
  const max = seconds(env, FUNCTION_ENV.settleMaxDelaySeconds);
  if (first !== undefined) Object.assign(settings, { settleDelaySeconds: first });
  if (max !== undefined) Object.assign(settings, { maxSettleDelaySeconds: max });
  const maxAttempts = env[FUNCTION_ENV.settleMaxAttempts];
  if (maxAttempts) {
    const attempts = Number(maxAttempts);
    if (!Number.isInteger(attempts) || attempts < 1) throw new ConfigurationError(`environment variable ${FUNCTION_ENV.settleMaxAttempts}: expected a whole number >= 1, got ${JSON.stringify(maxAttempts)}`);
    Object.assign(settings, { maxSettleAttempts: attempts });
  }
  const ahead = env[FUNCTION_ENV.maxEventAheadSeconds];
  if (ahead) {
    const aheadSeconds = Number(ahead);
    if (!Number.isInteger(aheadSeconds) || aheadSeconds < 0) throw new ConfigurationError(`environment variable ${FUNCTION_ENV.maxEventAheadSeconds}: expected whole seconds >= 0, got ${JSON.stringify(ahead)}`);
    Object.assign(settings, { maxEventAheadSeconds: aheadSeconds });
  }
  const historyTtlDays = historyRetentionDays(env);
  const store = new DynamoStateStore({ tableName: required(env, FUNCTION_ENV.tableName, "the state table's name"), ...(historyTtlDays !== undefined && { historyTtlDays }) });
  const policy = policyFromEnvironment(env);
  const eks = new EksCollector({ accounts: accountCredentials(policy, env) });
  const roleArn = env[FUNCTION_ENV.remediationRoleArn];
  const healthTopicArn = env[FUNCTION_ENV.healthTopicArn];
  // cluster-event is told the health topic too (a call made as the monitor's identity outside remediation).
  const publisher = new SnsPublisher({ topics: { alerts: required(env, FUNCTION_ENV.alertsTopicArn, "the alerts topic's ARN"), ...(healthTopicArn ? { health: healthTopicArn } : {}) } });
  const deps: PipelineDeps = {
    policy,
    store,
    publisher,
    settleQueue: options.settleQueue === false ? NO_SETTLE_QUEUE : new SqsSettleQueue({ queueUrl: required(env, FUNCTION_ENV.settleQueueUrl, "the settle queue's URL") }),
    eks,
    // Only the settle function's role may call UpdateClusterConfig (and only under enforce); the other function
    // uses these ports only to recognise the monitor's own events.
    remediation: { store, eks, ...(roleArn ? { roleArn } : {}) },
    now: () => handlerClock.now(),
    logger: {
      debug: (message, extra) => logger.debug(message, extra ?? {}),
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    },
    settings,
    ...(env[FUNCTION_ENV.deploymentAccount] ? { deploymentAccount: env[FUNCTION_ENV.deploymentAccount] } : {}),
    ...(policy.securityHub.enabled ? { deliverers: [securityHubExport(policy, env)] } : {}),
  };
  return { deps, store, eks };
}

/**
 * The Security Hub export (policy.securityHub): findings for the function's own account (Security Hub takes a default
 * product's findings only from the account they name: STS GetCallerIdentity, once per execution environment).
 */
function securityHubExport(policy: ReturnType<typeof parsePolicy>, env: NodeJS.ProcessEnv): SecurityHubExport {
  const home = env["AWS_REGION"];
  if (!home) throw new ConfigurationError("environment variable AWS_REGION is missing: expected the function's region (Lambda sets it), where Security Hub findings go by default");
  const identity = new StsIdentity();
  return new SecurityHubExport(new SecurityHubImporter(), { account: () => identity.account(home), home, regions: policy.securityHub.regions });
}

/**
 * The member accounts' credentials: AssumeRole into policy.accounts[].roleArn (reads) and .remediationRoleArn (the
 * one write), as a session named after the function, so CloudTrail in the member account says which function it was.
 */
export function accountCredentials(policy: ReturnType<typeof parsePolicy>, env: NodeJS.ProcessEnv = process.env): AccountCredentials {
  return policyAccountCredentials(policy, {
    remediation: true,
    sessionName: env["AWS_LAMBDA_FUNCTION_NAME"] ?? "eks-warden",
    region: env["AWS_REGION"] ?? "us-east-1",
  });
}

/** The member accounts the scheduled functions read besides their own: those policy.accounts gives a role for. */
export function sweepAccounts(deps: PipelineDeps): string[] {
  return memberAccountsOf(deps.policy.accounts).map((account) => account.id);
}

/** The regions the scheduled functions read: the policy's, else the function's own region. */
export function sweepRegions(deps: PipelineDeps, env: NodeJS.ProcessEnv = process.env): string[] {
  if (deps.policy.regions.length > 0) return [...deps.policy.regions];
  const own = env["AWS_REGION"];
  if (!own) throw new ConfigurationError("no region to sweep: the policy lists none and AWS_REGION is not set");
  return [own];
}

/** How the digest writes its report to the bucket (S3ReportStore); the sweep passes none. */
export type ReportStoreOf = (options: { readonly bucket: string; readonly clientConfig: { readonly forcePathStyle: boolean } }) => NonNullable<DigestDeps["reports"]>;

/**
 * The sweep's and the digest's ports: the real-time ones (no settle queue), the inventory sharing the collector's
 * clients, the table's index and snapshots, the report bucket when configured and `reportStore` given. The digest
 * alone passes the S3 adapter, so the S3 client (~200 KiB with its checksums and signer) stays out of the sweep.
 */
export function scheduledDepsFromEnvironment(logger: Logger, env: NodeJS.ProcessEnv = process.env, reportStore?: ReportStoreOf): DigestDeps & SweepDeps {
  const { deps: base, store, eks } = wiredToAws(logger, env, { settleQueue: false });
  const bucket = env[FUNCTION_ENV.reportBucket];
  // Locally only (LOCAL_WAIT_SCALE, never set by the stack): the sweep's throttle backoff waits that share of its time.
  const waitScale = localWaitScale(env);
  return {
    ...base,
    ...(waitScale < 1 && { sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms * waitScale)) }),
    inventory: new ClusterInventory({ eks }),
    stateIndex: store,
    coverage: store,
    snapshots: store,
    ...(bucket && reportStore ? { reports: reportStore({ bucket, clientConfig: { forcePathStyle: env[FUNCTION_ENV.reportBucketPathStyle] === "true" } }) } : {}),
  };
}

/** Built on the first invocation and kept for the life of the execution environment. */
export function lazyDeps(logger: Logger): () => PipelineDeps {
  let deps: PipelineDeps | undefined;
  return () => (deps ??= depsFromEnvironment(logger));
}

export function telemetry(serviceName: string): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName });
  // Metrics' own warnings (an invocation that ends without a metric) go through the structured logger, at its level,
  // not to the console as bare text.
  return { logger, metrics: new Metrics({ namespace: process.env[FUNCTION_ENV.metricsNamespace] ?? METRICS_NAMESPACE, serviceName, logger }) };
}
