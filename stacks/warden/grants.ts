// What each function may do: exactly the actions its adapters and the rules declare (core/src/permissions.ts),
// each on this stack's own resources. No "*" action anywhere; "*" resources only for the reads that support no other.
import * as iam from "aws-cdk-lib/aws-iam";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import type { Function as SstFunction } from "sst/constructs";
import { archiveOf, DEAD_LETTER_ROUTES, REPORT_PREFIX, type FunctionKey } from "@eks-warden/core/deployment";
import { REALTIME_FUNCTION_ACTIONS, SCHEDULED_FUNCTION_ACTIONS, SSM_EXTERNAL_ID_ACTIONS, permissionsFor } from "@eks-warden/core";
import { memberAccountsOf } from "@eks-warden/core/aws";
import { productArnOf } from "@eks-warden/core/securityhub";
import { CENTRAL_REMEDIATOR } from "../Organization.ts";
import type { DeploymentConfig } from "../config.ts";
import { scopeActions } from "../permissions.ts";
import type { StateParts, WardenFunction } from "./parts.ts";
import { grantRemediation } from "./remediation.ts";
import { TOPIC_PUBLISH_KEY_ACTIONS } from "./state.ts";

/** The actions without resource-level permissions that the monitor needs (ACTION_SCOPES "unscoped"). */
const UNSCOPED_ACTIONS = new Set(["eks:DescribeClusterVersions", "eks:DescribeAddonVersions", "eks:ListClusters"]);

/** The wildcard-resource reads in a policy of their own, with the one cdk-nag IAM5 suppression that accepts them. */
export function grantUnscopedReads(scope: Construct, id: string, role: iam.IRole, statements: readonly iam.PolicyStatement[]): iam.Policy {
  for (const statement of statements) {
    const actions = statement.actions;
    if (!actions.every((action) => UNSCOPED_ACTIONS.has(action))) {
      throw new Error(`${id}: only ${[...UNSCOPED_ACTIONS].join(", ")} may be granted on Resource "*", not ${actions.join(", ")}`);
    }
  }
  const policy = new iam.Policy(scope, id, { roles: [role], statements: [...statements] });
  NagSuppressions.addResourceSuppressions(policy, [
    {
      id: "AwsSolutions-IAM5",
      reason:
        "eks:DescribeClusterVersions, eks:DescribeAddonVersions and eks:ListClusters (sweep and digest only) support no resource-level permissions (Service Authorization Reference), so their only valid resource is *; they return the public Kubernetes version and add-on catalogues and the account's cluster names",
      appliesTo: ["Resource::*"],
    },
  ]);
  return policy;
}

/**
 * sts:AssumeRole on the member accounts' read-only roles (policy.accounts[].roleArn), and for the function that
 * remediates, under enforce, on their remediation roles: exactly the ARNs the policy names.
 */
function grantMemberRoles(fn: SstFunction, config: DeploymentConfig): void {
  const members = memberAccountsOf(config.policy.accounts);
  if (members.length === 0) return;
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "AssumeMemberReadRoles", actions: ["sts:AssumeRole"], resources: members.map((member) => member.roleArn) }));
  grantExternalIdParameters(fn, members.flatMap((member) => (member.externalIdParameter ? [member.externalIdParameter] : [])));
  const remediating = fn.node.id === CENTRAL_REMEDIATOR && config.policy.remediation.mode === "enforce";
  const remediationRoles = members.flatMap((member) => (member.remediationRoleArn ? [member.remediationRoleArn] : []));
  if (remediating && remediationRoles.length > 0) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: "AssumeMemberRemediationRoles", actions: ["sts:AssumeRole"], resources: remediationRoles }));
  }
}

/**
 * ssm:GetParameter on exactly the SecureString parameters that hold the member accounts' external ids (the stack's
 * region and account), and kms:Decrypt of their values only through SSM (kms:ViaService) and only for those
 * parameters (the encryption context SSM gives KMS names the parameter).
 */
function grantExternalIdParameters(fn: SstFunction, parameterNames: readonly string[]): void {
  if (parameterNames.length === 0) return;
  const { partition, region, account } = fn.stack;
  const parameterArns = [...new Set(parameterNames)].map((name) => `arn:${partition}:ssm:${region}:${account}:parameter${name}`);
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "ReadExternalIdParameters", actions: [...SSM_EXTERNAL_ID_ACTIONS], resources: parameterArns }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: "DecryptExternalIdParameters",
      actions: ["kms:Decrypt"],
      resources: [`arn:${partition}:kms:${region}:${account}:key/*`],
      conditions: { StringEquals: { "kms:ViaService": `ssm.${region}.amazonaws.com`, "kms:EncryptionContext:PARAMETER_ARN": parameterArns } },
    }),
  );
  NagSuppressions.addResourceSuppressions(
    fn.role!,
    [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "The external id parameters may be encrypted with the account's aws/ssm key or a key the operator chose, which the template cannot name; kms:Decrypt is allowed only through SSM in this region (kms:ViaService) and only for the named parameters (kms:EncryptionContext:PARAMETER_ARN)",
        appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:kms:[a-z0-9-]+:<AWS::AccountId>:key\\/\\*$/g" }],
      },
    ],
    true,
  );
}

/** What a reader of clusters declares (core/src/permissions.ts): real-time ones a settle queue, the digest a bucket. */
interface DeclaredActions {
  readonly eks: readonly string[];
  readonly table: readonly string[];
  readonly topic: readonly string[];
  readonly settleQueue?: readonly string[];
  readonly reportBucket?: readonly string[];
  /** The functions that write state: granted only while policy.securityHub is enabled. */
  readonly securityHub?: readonly string[];
}

/** The default products findings are imported to: one per Security Hub region of the policy (else the stack's). */
export function securityHubProductArns(config: DeploymentConfig, stack: { readonly partition: string; readonly account: string; readonly region: string }): string[] {
  const regions = config.policy.securityHub.regions.length > 0 ? config.policy.securityHub.regions : [stack.region];
  return regions.map((region) => productArnOf({ partition: stack.partition, region, account: stack.account }));
}

/**
 * The cluster readers' grants (cluster-event, settle, sweep, digest): the EKS and SSM reads in the watched regions (the
 * ones that support no resource scoping in `<id>UnscopedReads`, the only place a wildcard-resource finding is
 * accepted), the table, the alerts topic and its key, the settle queue or the report prefix, the member roles.
 * The one EKS write (remediation) is not here: see grantRemediation, the settle function's alone.
 */
function grantReader({ fn, role }: WardenFunction, declared: DeclaredActions, parts: StateParts): void {
  const { table, topics, keys, queues, reportBucket, config } = parts;
  const stack = fn.stack;
  const regions = config.policy.regions.length > 0 ? config.policy.regions : [stack.region];
  const unscoped: iam.PolicyStatement[] = [];
  for (const [index, grant] of scopeActions([...permissionsFor(), ...declared.eks], { partition: stack.partition, account: stack.account, regions }).entries()) {
    const statement = new iam.PolicyStatement({ sid: `Eks${index}`, actions: [...grant.actions], resources: [...grant.resources] });
    if (grant.resources.includes("*")) unscoped.push(statement);
    else fn.addToRolePolicy(statement);
  }
  if (unscoped.length > 0) grantUnscopedReads(stack, `${fn.node.id}UnscopedReads`, role, unscoped);
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "StateTable", actions: [...declared.table], resources: [table.tableArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "PublishAlerts", actions: [...declared.topic], resources: [topics.alerts.topicArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "EncryptAlerts", actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: [keys.alerts.keyArn] }));
  if (declared.settleQueue) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: "QueueSettleChecks", actions: [...declared.settleQueue], resources: [queues.settle.queueArn] }));
  }
  if (declared.reportBucket && declared.reportBucket.length > 0) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: "WriteReports", actions: [...declared.reportBucket], resources: [reportBucket.arnForObjects(`${REPORT_PREFIX}*`)] }));
  }
  if (declared.securityHub && config.policy.securityHub.enabled) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: "ImportSecurityHubFindings", actions: [...declared.securityHub], resources: securityHubProductArns(config, stack) }));
  }
  grantMemberRoles(fn, config);
}

/** A publisher to the health topic (tamper, dead-letter, cluster-event): the topics and keys it names, and its principal on the health key. */
function grantHealthPublisher({ fn, role }: WardenFunction, parts: StateParts, grants: { readonly sids: readonly [string, string, string]; readonly alsoAlerts: boolean }): void {
  const { topics, keys } = parts;
  const [publishSid, encryptSid, keySid] = grants.sids;
  const topicArns = grants.alsoAlerts ? [topics.health.topicArn, topics.alerts.topicArn] : [topics.health.topicArn];
  const keyArns = grants.alsoAlerts ? [keys.health.keyArn, keys.alerts.keyArn] : [keys.health.keyArn];
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: publishSid, actions: ["sns:Publish"], resources: topicArns }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: encryptSid, actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: keyArns }));
  keys.health.addToResourcePolicy(new iam.PolicyStatement({ sid: keySid, principals: [role], actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: ["*"] }));
}

/** One health alert per dead letter, then the letter is copied to its archive (packages/functions/src/dead-letter.ts). */
function grantDeadLetter(built: WardenFunction, parts: StateParts): void {
  const archives = DEAD_LETTER_ROUTES.map((route) => parts.queues[archiveOf(route.queue)].queueArn);
  built.fn.addToRolePolicy(new iam.PolicyStatement({ sid: "ArchiveDeadLetters", actions: ["sqs:SendMessage"], resources: archives }));
  grantHealthPublisher(built, parts, { sids: ["PublishHealth", "EncryptHealth", "DeadLetterFunctionPublishes"], alsoAlerts: false });
}

/** Each function's permissions, given as soon as it is built (buildFunctions). */
export function grantFunction(parts: StateParts): (key: FunctionKey, built: WardenFunction) => void {
  return (key, built) => {
    switch (key) {
      case "clusterEvent":
        grantReader(built, REALTIME_FUNCTION_ACTIONS.clusterEvent, parts);
        // The monitor's remediation identity used outside remediation is told on the health topic as well.
        grantHealthPublisher(built, parts, { sids: ["PublishHealth", "EncryptHealth", "ClusterEventFunctionPublishes"], alsoAlerts: false });
        return;
      case "settle":
        grantReader(built, REALTIME_FUNCTION_ACTIONS.settle, parts);
        grantRemediation(built.fn, parts.config);
        return;
      case "sweep":
      case "digest":
        return grantReader(built, SCHEDULED_FUNCTION_ACTIONS[key], parts);
      case "tamper":
        return grantHealthPublisher(built, parts, { sids: ["PublishHealthAndAlerts", "EncryptHealthAndAlerts", "TamperFunctionPublishes"], alsoAlerts: true });
      case "deadLetter":
        return grantDeadLetter(built, parts);
    }
  };
}
