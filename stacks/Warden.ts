// EKS Warden's AWS resources and their wiring (docs/design.md, data flow 1-9), built from the deployment's description
// (@eks-warden/core/deployment: functions, topics, queues, rules, schedules, alarms), which the local system
// (packages/local) is built from too. Each concern is a module of stacks/warden/: the state and channels (state.ts),
// queues, functions and their grants, ingestion (rules and schedules), alarms, tamper rules, cdk-nag suppressions.
// Every construct is the stack's own child, so logical ids and cdk-nag paths stay as deployed.
import { CfnOutput, RemovalPolicy } from "aws-cdk-lib";
import type { StackContext } from "sst/constructs";
import { useProject } from "sst/project.js";
import { keepsState, loadDeploymentConfig, uncoveredRegions, type DeploymentConfig } from "./config.ts";
import { refuseInlineExternalIds } from "./external-ids.ts";
import { buildAlarms, letAlarmsPublish } from "./warden/alarms.ts";
import { buildFunctions } from "./warden/functions.ts";
import { grantFunction } from "./warden/grants.ts";
import { buildIngestion } from "./warden/ingestion.ts";
import { suppressFindings } from "./warden/nag.ts";
import { namesOf, type StateParts } from "./warden/parts.ts";
import { buildQueues, guardQueues, onlyProducersSend, onlyWardenQueuesSettleChecks, queueGuardians } from "./warden/queues.ts";
import { onlyTheDigestWritesReports, onlyWardenWritesTheTable, reportBucket, stateTable, topicsAndKeys } from "./warden/state.ts";
import { FUNCTIONS, type FunctionKey } from "@eks-warden/core/deployment";
import { tamperRuleIds } from "@eks-warden/core/tamper";
import { buildTamperRules } from "./warden/tamper.ts";
import { grantSelfAudit, selfAuditIntent, selfAuditTargets, type SelfAuditSource } from "./warden/self-audit.ts";

export { grantUnscopedReads } from "./warden/grants.ts";
export { suppressScopedEksReads } from "./warden/nag.ts";

/** An organisation deployment must cover every region it reads in real time (stacks/config.ts uncoveredRegions). */
function checkCoverage(config: DeploymentConfig, region: string): void {
  const uncovered = uncoveredRegions(config, region);
  if (uncovered.length === 0) return;
  const them = uncovered.length === 1 ? "it" : "them";
  throw new Error(
    `${config.source}: policy.regions lists ${uncovered.join(", ")}, which neither the central stack (${region}) nor a forwarder covers: ` +
      `add ${them} to organization.forwarderRegions (and deploy the forwarder StackSet there), or remove ${them} from policy.regions`,
  );
}

export function Warden({ stack, app }: StackContext) {
  const config = loadDeploymentConfig(useProject().paths.root);
  checkCoverage(config, stack.region);
  refuseInlineExternalIds(config);
  // Every stage keeps its state unless the configuration says it is ephemeral (docs/threat-model.md: data).
  const keep = keepsState(config, app.stage);
  const settings = { stack, config, keep, removalPolicy: keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY };
  const names = namesOf(stack);

  const { topics, keys } = topicsAndKeys(settings);
  const table = stateTable(settings);
  const queues = buildQueues(stack);
  const parts: StateParts = { ...settings, table, topics, keys, queues, reportBucket: reportBucket(settings) };
  const selfAudit: SelfAuditSource = {};
  const functions = buildFunctions(parts, grantFunction(parts), selfAudit);
  onlyWardenQueuesSettleChecks(queues.settle, functions);
  // The functions told the table keep state in it: they alone write items (docs/threat-model.md, path 30).
  const tableWriters = (Object.keys(FUNCTIONS) as FunctionKey[]).filter((key) => "tableName" in FUNCTIONS[key].environment).map((key) => functions[key].role);
  onlyWardenWritesTheTable(table, tableWriters, queueGuardians(stack));
  onlyTheDigestWritesReports(parts.reportBucket, functions.digest.role, queueGuardians(stack));
  guardQueues(stack, queues, functions);

  const ingestion = buildIngestion(parts, functions, names);
  const alarmNames = buildAlarms(parts, functions, names);
  const tamperRules = buildTamperRules(parts, functions, names, ingestion, alarmNames);
  // The daily heartbeat is the self-audit of all of the above: what it expects, and the reads it needs.
  // By name, not the rules' Ref: the tamper rules target the tamper function, whose environment this is.
  const tamperRuleNames = tamperRuleIds({ centralEventBus: ingestion.centralEventBusName !== undefined }).map((id) => names.rule(`tamper-${id}`));
  const auditTargets = selfAuditTargets(names, ingestion, tamperRuleNames);
  selfAudit.intent = () => selfAuditIntent(parts, functions, ingestion, auditTargets);
  grantSelfAudit(parts, functions, ingestion, auditTargets);
  letAlarmsPublish(parts, alarmNames);
  // Last: every rule that parks letters in a queue exists by now.
  onlyProducersSend(stack, queues, functions, ingestion);
  suppressFindings(parts, functions);

  stack.addOutputs({
    TableName: table.tableName,
    AlertsTopicArn: topics.alerts.topicArn,
    HealthTopicArn: topics.health.topicArn,
    SettleQueueUrl: queues.settle.queueUrl,
    ReportBucketName: parts.reportBucket.bucketName,
  });
  new CfnOutput(stack, "ConfigSource", { value: config.source === "defaults" ? "defaults" : "warden.config.json" });
  const fns = Object.fromEntries(Object.entries(functions).map(([key, built]) => [key, built.fn]));
  return { table, topic: topics.alerts, healthTopic: topics.health, settleQueue: queues.settle, ...fns, reportBucket: parts.reportBucket, rules: [...ingestion.rules, ...tamperRules] };
}
