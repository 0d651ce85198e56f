// Cold-start configuration shared by the real-time handlers: the policy and the adapters, built once per
// execution environment from the environment the stack sets. A missing or invalid setting fails the cold start
// with a message naming the variable and what it must hold.

import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoStateStore } from "@eks-warden/core/aws/dynamodb";
import { EksCollector } from "@eks-warden/core/aws/eks";
import { SnsNotifier } from "@eks-warden/core/aws/sns";
import { SqsSettleQueue } from "@eks-warden/core/aws/sqs";
import { WardenError } from "@eks-warden/core/errors";
import type { PipelineDeps, PipelineSettings } from "@eks-warden/core/pipeline/ports";
import { parsePolicy } from "@eks-warden/core/policy";

export class ConfigurationError extends WardenError {}

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
  const value = env["HISTORY_RETENTION_DAYS"];
  if (value === undefined || value === "") return undefined;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new ConfigurationError(`environment variable HISTORY_RETENTION_DAYS: expected whole days >= 1, got ${JSON.stringify(value)}`);
  return days;
}

export function policyFromEnvironment(env: NodeJS.ProcessEnv = process.env) {
  const text = required(env, "POLICY", "the deployment policy as JSON");
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(`environment variable POLICY: expected JSON, got text that does not parse (${(cause as Error).message})`, { cause });
  }
  return parsePolicy(input);
}

/** The ports wired to AWS (or to the endpoints AWS_ENDPOINT_URL_* points at). */
export function depsFromEnvironment(logger: Logger, env: NodeJS.ProcessEnv = process.env): PipelineDeps {
  const settings: Partial<PipelineSettings> = {};
  const first = seconds(env, "SETTLE_DELAY_SECONDS");
  const max = seconds(env, "SETTLE_MAX_DELAY_SECONDS");
  if (first !== undefined) Object.assign(settings, { settleDelaySeconds: first });
  if (max !== undefined) Object.assign(settings, { maxSettleDelaySeconds: max });
  if (env.SETTLE_MAX_ATTEMPTS) {
    const attempts = Number(env.SETTLE_MAX_ATTEMPTS);
    if (!Number.isInteger(attempts) || attempts < 1) throw new ConfigurationError(`environment variable SETTLE_MAX_ATTEMPTS: expected a whole number >= 1, got ${JSON.stringify(env.SETTLE_MAX_ATTEMPTS)}`);
    Object.assign(settings, { maxSettleAttempts: attempts });
  }
  const historyTtlDays = historyRetentionDays(env);
  return {
    policy: policyFromEnvironment(env),
    store: new DynamoStateStore({ tableName: required(env, "TABLE_NAME", "the state table's name"), ...(historyTtlDays !== undefined && { historyTtlDays }) }),
    notifier: new SnsNotifier({ topicArn: required(env, "ALERTS_TOPIC_ARN", "the alerts topic's ARN") }),
    settleQueue: new SqsSettleQueue({ queueUrl: required(env, "SETTLE_QUEUE_URL", "the settle queue's URL") }),
    eks: new EksCollector(),
    now: () => new Date(),
    logger: {
      debug: (message, extra) => logger.debug(message, extra ?? {}),
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    },
    settings,
  };
}

/** Built on the first invocation and kept for the life of the execution environment. */
export function lazyDeps(logger: Logger): () => PipelineDeps {
  let deps: PipelineDeps | undefined;
  return () => (deps ??= depsFromEnvironment(logger));
}

export function telemetry(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "EksWarden", serviceName }),
  };
}
