// The daily self-audit (docs/threat-model.md, path 9): what the stack deployed, told to the tamper function as its
// intent (core/src/tamper/self-audit.ts PlumbingIntent), and the reads it needs, each on the stack's own resources.
// The intent names resources built after the functions (rules, schedules, mappings, the topics' final policies), so
// the functions are given it lazily (SelfAuditSource) and it is resolved at synth, when everything exists.
import { Aws, Lazy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import { NagSuppressions } from "cdk-nag";
import { SELF_AUDIT_ACTIONS } from "@eks-warden/core";
import { TOPICS, type TopicKey } from "@eks-warden/core/deployment";
import { principalsOf, type PlumbingIntent, type StatementIntent } from "@eks-warden/core/tamper";
import type { Ingestion } from "./ingestion.ts";
import type { StackNames, StateParts, WardenFunctions } from "./parts.ts";

/** Filled in once every resource the intent names exists (Warden.ts); read when the template is synthesised. */
export interface SelfAuditSource {
  intent?: () => PlumbingIntent;
}

/** The environment value: the intent as JSON, CloudFormation resolving the ARNs and names in it. */
export function selfAuditValue(parts: StateParts, source: SelfAuditSource): string {
  return Lazy.string({
    produce: () => {
      if (!source.intent) throw new Error("self-audit: the intent was never set (Warden.ts sets it once the rules and schedules exist)");
      return parts.stack.toJsonString(source.intent());
    },
  });
}

/** The SQS event source mappings of the functions (children of the functions they feed). */
export function eventSourceMappingsOf(functions: WardenFunctions): lambda.EventSourceMapping[] {
  return Object.values(functions).flatMap(({ fn }) => fn.node.findAll().filter((child): child is lambda.EventSourceMapping => child instanceof lambda.EventSourceMapping));
}

/** The topic's policy statements as the intent compares them: effect, principals and actions, by Sid. */
function topicStatements(topic: sns.Topic): StatementIntent[] {
  const policy = topic.node.tryFindChild("Policy") as sns.TopicPolicy | undefined;
  if (!policy) throw new Error(`self-audit: the ${topic.node.id} has no topic policy (enforceSSL creates one)`);
  const statements = [policy.document.toJSON()?.Statement ?? []].flat() as Record<string, unknown>[];
  return statements.map((statement) => {
    if (typeof statement["Sid"] !== "string") throw new Error(`self-audit: a statement of ${topic.node.id}'s policy has no Sid; the audit finds statements by Sid`);
    return {
      sid: statement["Sid"],
      effect: statement["Effect"] === "Deny" ? "Deny" : "Allow",
      principals: principalsOf(statement["Principal"]),
      actions: [statement["Action"]].flat().map(String).sort(),
    };
  });
}

export interface SelfAuditTargets {
  /** The rules of the stack on the default bus, and the organisation's on the central bus. */
  readonly rules: readonly { readonly name: string; readonly bus?: string }[];
  readonly heartbeatRuleName: string;
}

/** Every rule the stack made: the ingestion's (the organisation's rule on its central bus) and the tamper rules. */
export function selfAuditTargets(names: StackNames, ingestion: Ingestion, tamperRuleNames: readonly string[]): SelfAuditTargets {
  const organizationRule = names.rule("org-cluster-events");
  const rules = [
    ...ingestion.ruleNames.map((name) => (name === organizationRule && ingestion.centralEventBusName ? { name, bus: ingestion.centralEventBusName } : { name })),
    ...tamperRuleNames.map((name) => ({ name })),
  ];
  return { rules, heartbeatRuleName: names.rule("heartbeat") };
}

/** What the stack deployed, as the tamper function's self-audit compares it. */
export function selfAuditIntent(parts: StateParts, functions: WardenFunctions, ingestion: Ingestion, targets: SelfAuditTargets): PlumbingIntent {
  const { topics, keys, config } = parts;
  const emails: Record<TopicKey, readonly string[]> = { alerts: config.policy.alertEmails, health: config.healthEmails };
  return {
    // Built from the rule's name, not its Arn attribute: the rule targets this function, which would make a cycle.
    heartbeatArn: `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${targets.heartbeatRuleName}`,
    rules: { expect: targets.rules },
    eventSourceMappings: { expect: eventSourceMappingsOf(functions).map((mapping) => mapping.eventSourceMappingId) },
    schedules: { expect: ingestion.scheduleNames },
    topics: (Object.keys(TOPICS) as TopicKey[]).map((key) => ({
      name: key,
      arn: topics[key].topicArn,
      key: { expect: keys[key].keyArn },
      policy: { expect: topicStatements(topics[key]) },
      subscriptions: emails[key].map((endpoint) => ({ protocol: "email", endpoint })),
    })),
    keys: { expect: [keys.alerts.keyArn, keys.health.keyArn] },
    trail: { expect: { region: Aws.REGION } },
  };
}

/**
 * The self-audit's reads, to the tamper function alone: each on exactly the stack's resources, but for the two reads
 * that support no resource type (their own policy, with the suppression that says so) and the trails' status (any
 * trail that applies to the region may be the one that logs: another region's multi-region trail, or the
 * organisation's trail, owned by the management account).
 */
export function grantSelfAudit(parts: StateParts, functions: WardenFunctions, ingestion: Ingestion, targets: SelfAuditTargets): void {
  const { stack, topics, keys } = parts;
  const { fn, role } = functions.tamper;
  const arn = (service: string, resource: string) => `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
  const statement = (sid: string, actions: readonly string[], resources: readonly string[]) => fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions: [...actions], resources: [...resources] }));
  statement("AuditRules", SELF_AUDIT_ACTIONS.rules, targets.rules.map((rule) => arn("events", rule.bus ? `rule/${rule.bus}/${rule.name}` : `rule/${rule.name}`)));
  statement("AuditQueueMappings", SELF_AUDIT_ACTIONS.eventSourceMappings, eventSourceMappingsOf(functions).map((mapping) => mapping.eventSourceMappingArn));
  statement("AuditSchedules", SELF_AUDIT_ACTIONS.schedules, ingestion.scheduleNames.map((name) => arn("scheduler", `schedule/default/${name}`)));
  statement("AuditKeys", SELF_AUDIT_ACTIONS.keys, [keys.alerts.keyArn, keys.health.keyArn]);
  statement("AuditTopics", SELF_AUDIT_ACTIONS.topics, [topics.alerts.topicArn, topics.health.topicArn]);
  statement("AuditTrails", SELF_AUDIT_ACTIONS.trails, [`arn:${Aws.PARTITION}:cloudtrail:*:*:trail/*`]);
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "The self-audit checks that some trail still logs this region's management events: a trail that applies here may be another region's multi-region trail or the organisation's trail (owned by the management account), which the template cannot name; GetTrailStatus and GetEventSelectors only read a trail's status and selectors",
        appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:cloudtrail:\\*:\\*:trail\\/\\*$/g" }],
      },
    ],
    true,
  );
  const unscoped = new iam.Policy(stack, "TamperUnscopedReads", {
    roles: [role],
    statements: [new iam.PolicyStatement({ sid: "AuditSubscriptionsAndTrails", actions: [...SELF_AUDIT_ACTIONS.unscoped], resources: ["*"] })],
  });
  NagSuppressions.addResourceSuppressions(unscoped, [
    {
      id: "AwsSolutions-IAM5",
      reason:
        "sns:GetSubscriptionAttributes (a subscription's filter policy) and cloudtrail:DescribeTrails (which trails apply to the region) support no resource-level permissions (Service Authorization Reference), so their only valid resource is *; both only read, and the self-audit reads the subscriptions of the stack's two topics alone",
      appliesTo: ["Resource::*"],
    },
  ]);
}
