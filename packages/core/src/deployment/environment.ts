// What each function is told: the description's environment (topology.ts FUNCTIONS) resolved to the resources of
// whichever builder asks, the stack's (stacks/warden/functions.ts) or the local system's (packages/local).
import { FUNCTION_ENV } from "./constants.ts";
import { functionOf, type EnvKey, type EnvValue, type FunctionKey, type QueueKey, type TopicKey } from "./topology.ts";

/** How a builder names its own resources: what each kind of environment value is in the stack, or locally. */
export interface EnvironmentValues {
  readonly table: string;
  topicArn(topic: TopicKey): string;
  queueUrl(queue: QueueKey): string;
  queueArn(queue: QueueKey): string;
  readonly reportBucket: string;
  /** The policy as JSON, as the handlers read it. */
  readonly policy: string;
  readonly historyRetentionDays: string;
  /** Lazily: the remediating function's role may not exist yet when the others are built. */
  remediationRoleArn(): string;
  readonly deploymentAccount: string;
  /** Lazily: the self-audit's intent names resources built after the functions (rules, schedules, mappings). */
  selfAudit(): string;
}

function environmentValue(value: EnvValue, values: EnvironmentValues): string {
  switch (value.kind) {
    case "table":
      return values.table;
    case "topicArn":
      return values.topicArn(value.topic);
    case "queueUrl":
      return values.queueUrl(value.queue);
    case "queueArn":
      return values.queueArn(value.queue);
    case "reportBucket":
      return values.reportBucket;
    case "policy":
      return values.policy;
    case "historyRetentionDays":
      return values.historyRetentionDays;
    case "remediationRoleArn":
      return values.remediationRoleArn();
    case "deploymentAccount":
      return values.deploymentAccount;
    case "selfAudit":
      return values.selfAudit();
  }
}

/** A function's environment from the description: variable name (FUNCTION_ENV) -> the builder's value. */
export function environmentFor(fn: FunctionKey, values: EnvironmentValues): Record<string, string> {
  const described = Object.entries(functionOf(fn).environment) as [EnvKey, EnvValue][];
  return Object.fromEntries(described.map(([key, value]) => [FUNCTION_ENV[key], environmentValue(value, values)]));
}
