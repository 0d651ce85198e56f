// The functions of the description (@eks-warden/core/deployment FUNCTIONS): each with its own role and log group,
// the environment the description says it reads, Lambda's retries and dead-letter queue, and the queues it consumes.
import { Aws, Lazy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as logs from "aws-cdk-lib/aws-logs";
import { Function as SstFunction } from "sst/constructs";
import {
  environmentFor,
  FUNCTION_ENV,
  FUNCTIONS,
  functionOf,
  HANDLER_BUNDLING,
  HANDLERS,
  METRICS_NAMESPACE,
  queueOf,
  queuesConsumedBy,
  type EnvironmentValues,
  type FunctionKey,
} from "@eks-warden/core/deployment";
import { memberAccountsOf } from "@eks-warden/core/aws";
import { CENTRAL_READERS, centralRoleName } from "../Organization.ts";
import type { DeploymentConfig } from "../config.ts";
import type { StateParts, WardenFunction, WardenFunctions } from "./parts.ts";
import { selfAuditValue, type SelfAuditSource } from "./self-audit.ts";

/** Lambda's limit on the total size of a function's environment variables. */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4 * 1024;

/** Whether the deployment reads member accounts (or takes an organisation's events): then its readers' roles are named. */
function organizationWide(config: DeploymentConfig): boolean {
  return config.organization !== undefined || memberAccountsOf(config.policy.accounts).length > 0;
}

function functionRole(parts: StateParts, id: string, logGroup: logs.LogGroup): iam.Role {
  // An own role per function instead of the AWSLambdaBasicExecutionRole managed policy: logs go to this one group.
  // The member roles' trust policies name the central readers' roles before they exist, so those get fixed names.
  const { stack, config } = parts;
  const named = organizationWide(config) && (CENTRAL_READERS as readonly string[]).includes(id);
  const role = new iam.Role(stack, `${id}Role`, { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"), ...(named && { roleName: centralRoleName(stack.stackName, id) }) });
  role.addToPolicy(new iam.PolicyStatement({ sid: "WriteOwnLogs", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [logGroup.logGroupArn] }));
  return role;
}

/** This stack's resources as the description's environment values. */
function stackValues(parts: StateParts, remediationRoleArn: () => string, selfAudit: SelfAuditSource): EnvironmentValues {
  const { table, topics, queues, reportBucket, config } = parts;
  return {
    table: table.tableName,
    topicArn: (topic) => topics[topic].topicArn,
    queueUrl: (queue) => queues[queue].queueUrl,
    queueArn: (queue) => queues[queue].queueArn,
    reportBucket: reportBucket.bucketName,
    policy: JSON.stringify(config.policy),
    historyRetentionDays: String(config.historyRetentionDays),
    // The settle role exists once the functions do: resolved at synth.
    remediationRoleArn: () => Lazy.string({ produce: remediationRoleArn }),
    deploymentAccount: Aws.ACCOUNT_ID,
    selfAudit: () => selfAuditValue(parts, selfAudit),
  };
}

function environmentOf(key: FunctionKey, parts: StateParts, remediationRoleArn: () => string, selfAudit: SelfAuditSource): Record<string, string> {
  const environment = environmentFor(key, stackValues(parts, remediationRoleArn, selfAudit));
  environment[FUNCTION_ENV.serviceName] = `eks-warden-${HANDLERS[key].name}`;
  environment[FUNCTION_ENV.metricsNamespace] = METRICS_NAMESPACE;
  environment[FUNCTION_ENV.logLevel] = "INFO";
  // Tokens stand for ARNs and names of ~100 characters; the policy is the part that can grow.
  const approximateBytes = Object.entries(environment).reduce((sum, [name, value]) => sum + name.length + Math.max(value.length, 120), 0);
  if (approximateBytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new Error(
      `${parts.config.source}: the policy is too large for a Lambda environment (~${approximateBytes} of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes); shorten exemptions or move them to cluster tags`,
    );
  }
  return environment;
}

function wardenFunction(key: FunctionKey, parts: StateParts, remediationRoleArn: () => string, selfAudit: SelfAuditSource): WardenFunction {
  const { stack, config, removalPolicy, queues } = parts;
  const { id, timeoutSeconds, memoryMb, onFailure } = functionOf(key);
  const logGroup = new logs.LogGroup(stack, `${id}Logs`, { retention: config.logRetentionDays as logs.RetentionDays, removalPolicy });
  const role = functionRole(parts, id, logGroup);
  const fn = new SstFunction(stack, id, {
    handler: HANDLERS[key].handler,
    runtime: "nodejs22.x",
    architecture: "arm_64",
    memorySize: `${memoryMb} MB` as `${number} MB`,
    timeout: `${timeoutSeconds} seconds` as `${number} seconds`,
    nodejs: { format: "esm", minify: true, sourcemap: false, splitting: HANDLER_BUNDLING.splitting, esbuild: { alias: { ...HANDLER_BUNDLING.alias }, external: [...HANDLER_BUNDLING.external] } },
    // No X-Ray SDK in the bundles: active tracing would add only a wildcard-resource xray:PutTraceSegments grant.
    tracing: "disabled",
    environment: environmentOf(key, parts, remediationRoleArn, selfAudit),
    role,
    logGroup,
    ...(onFailure && { deadLetterQueue: queues[onFailure.deadLetterQueue], retryAttempts: onFailure.retryAttempts }),
  });
  return { fn, role };
}

/**
 * Every function of the description, in its order; `grant` gives each its permissions as soon as it exists, then it
 * is subscribed to the queues it consumes.
 */
export function buildFunctions(parts: StateParts, grant: (key: FunctionKey, built: WardenFunction) => void, selfAudit: SelfAuditSource = {}): WardenFunctions {
  const built: Partial<Record<FunctionKey, WardenFunction>> = {};
  const remediationRoleArn = (): string => {
    if (!built.settle) throw new Error("the remediating function (settle) was not built");
    return built.settle.role.roleArn;
  };
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    const wardenFn = wardenFunction(key, parts, remediationRoleArn, selfAudit);
    built[key] = wardenFn;
    grant(key, wardenFn);
    for (const queue of queuesConsumedBy(key)) {
      const { batchSize, reportBatchItemFailures } = queueOf(queue).consumer!;
      wardenFn.fn.addEventSource(new SqsEventSource(parts.queues[queue], { batchSize, reportBatchItemFailures }));
    }
  }
  return built as WardenFunctions;
}
