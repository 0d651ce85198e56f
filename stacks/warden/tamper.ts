// Tamper rules: every call that would blind the monitor, on this stack's own resources (core/src/tamper/pattern.ts),
// each feeding `tamper` (docs/design.md, Data flow 9).
import { Aws } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import { tamperRuleIds, tamperRules } from "@eks-warden/core/tamper";
import type { StackNames, StateParts, WardenFunctions } from "./parts.ts";
import { QUEUES, type QueueKey } from "@eks-warden/core/deployment";
import { ruleTarget, type Ingestion } from "./ingestion.ts";
import { eventSourceMappingsOf } from "./self-audit.ts";

export function buildTamperRules(parts: StateParts, functions: WardenFunctions, names: StackNames, ingestion: Ingestion, alarmNames: readonly string[]): events.Rule[] {
  const { stack, topics, keys, queues, table } = parts;
  const { centralEventBusName } = ingestion;
  const ruleNames = [...ingestion.ruleNames, ...tamperRuleIds({ centralEventBus: centralEventBusName !== undefined }).map((id) => names.rule(`tamper-${id}`))];
  const everyFunction = Object.values(functions).map((built) => built.fn);
  const watched = tamperRules({
    ruleNames,
    keyArns: [keys.alerts.keyArn, keys.health.keyArn],
    keyIds: [keys.alerts.keyId, keys.health.keyId],
    topicArns: [topics.alerts.topicArn, topics.health.topicArn],
    alarmNames: [...alarmNames],
    functionNames: everyFunction.map((fn) => fn.functionName),
    functionArns: everyFunction.map((fn) => fn.functionArn),
    queues: (Object.keys(QUEUES) as QueueKey[]).map((key) => ({ account: Aws.ACCOUNT_ID, name: queues[key].queueName })),
    table: { name: table.tableName, arn: table.tableArn },
    scheduleNames: ingestion.scheduleNames,
    // The SQS event source mappings are children of the functions they feed.
    eventSourceMappingIds: eventSourceMappingsOf(functions).map((mapping) => mapping.eventSourceMappingId),
    ...(centralEventBusName && { centralEventBusName }),
  });
  return watched.map((tamperRule) => {
    const id = tamperRule.id.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());
    const created = new events.Rule(stack, `Tamper${id}Rule`, {
      ruleName: names.rule(`tamper-${tamperRule.id}`),
      description: `Tamper: ${tamperRule.description}`.slice(0, 512),
      // The pattern is core's, verbatim (prefix filters included); CloudFormation resolves the ARNs in it.
      eventPattern: tamperRule.pattern as unknown as events.EventPattern,
    });
    created.addTarget(ruleTarget("tamper", parts, functions));
    return created;
  });
}
