// What the builders of stacks/warden/ hand each other: the stack, its configuration, and the resources built from the
// description (@eks-warden/core/deployment) so far, by the description's own keys.
import type { RemovalPolicy } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type { Function as SstFunction, Stack } from "sst/constructs";
import type { FunctionKey, QueueKey, TopicKey } from "@eks-warden/core/deployment";
import type { DeploymentConfig } from "../config.ts";

export interface StackSettings {
  readonly stack: Stack;
  readonly config: DeploymentConfig;
  /** Whether the stage keeps its state (table, keys, logs, reports) when the stack is removed. */
  readonly keep: boolean;
  readonly removalPolicy: RemovalPolicy;
}

export interface StateParts extends StackSettings {
  readonly table: dynamodb.Table;
  readonly topics: Readonly<Record<TopicKey, sns.Topic>>;
  readonly keys: Readonly<Record<TopicKey, kms.Key>>;
  readonly queues: Readonly<Record<QueueKey, sqs.Queue>>;
  readonly reportBucket: s3.Bucket;
}

export interface WardenFunction {
  readonly fn: SstFunction;
  readonly role: iam.Role;
}

export type WardenFunctions = Readonly<Record<FunctionKey, WardenFunction>>;

/** The names of the stack's rules and alarms, scoped by the stack name, so the tamper rules can watch them. */
export interface StackNames {
  rule(suffix: string): string;
  alarm(suffix: string): string;
}

/** EventBridge's limit on a rule name. */
const RULE_NAME_MAX = 64;

export function namesOf(stack: Stack): StackNames {
  const rule = (suffix: string): string => {
    const name = `${stack.stackName}-${suffix}`;
    if (name.length > RULE_NAME_MAX) throw new Error(`EventBridge rule name "${name}" is longer than ${RULE_NAME_MAX} characters; use a shorter stage name`);
    return name;
  };
  const alarm = (suffix: string): string => `${stack.stackName}-${suffix}`;
  return { rule, alarm };
}
