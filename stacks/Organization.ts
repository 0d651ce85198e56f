// One deployment for an AWS Organization (docs/design.md, "Organization"): what the central stack adds (the central
// event bus, open to the organisation's accounts only, and the rule that reads it), and the three templates the
// member accounts receive: the forwarder (one EventBridge rule per account and region sending the EKS events to the
// central bus), the read-only role and the remediation role, both trusting only the central functions' roles with an
// external id. AWS resources and their wiring only; the pattern and the permissions come from core.
import { App, CfnParameter, DefaultStackSynthesizer, Stack, type StackProps } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import { clusterEventPattern } from "@eks-warden/core/deployment";
import { permissionsFor, SCHEDULED_FUNCTION_ACTIONS, REALTIME_FUNCTION_ACTIONS } from "@eks-warden/core";
import { REMEDIATION_ACTIONS, scopeActions } from "./permissions.ts";

/** The central functions whose roles assume the member roles: readers, and the one that remediates. */
export const CENTRAL_READERS = ["ClusterEvent", "Settle", "Sweep", "Digest"] as const;
export const CENTRAL_REMEDIATOR = "Settle";

/** IAM's limit on a role name. */
const ROLE_NAME_MAX = 64;

/** The central functions' role names, fixed so the member roles' trust policies can name them before they exist. */
export function centralRoleName(stackName: string, functionId: string): string {
  const name = `${stackName}-${functionId}`;
  if (name.length > ROLE_NAME_MAX) throw new Error(`IAM role name "${name}" is longer than ${ROLE_NAME_MAX} characters; use a shorter stage name`);
  return name;
}

/** The member roles' names: the same in every account, so policy.accounts[] can name them. */
export const MEMBER_READ_ROLE = "eks-warden-member-read";
export const MEMBER_REMEDIATION_ROLE = "eks-warden-member-remediate";

/** The EKS events EventBridge pattern, as CDK writes it: the one pattern of core/src/events/pattern.ts. */
export function clusterEventRulePattern(): events.EventPattern {
  return {
    source: [...clusterEventPattern.source],
    detailType: [...clusterEventPattern["detail-type"]],
    detail: {
      eventSource: [...clusterEventPattern.detail.eventSource],
      eventName: [...clusterEventPattern.detail.eventName],
    },
  };
}

/**
 * The central event bus: PutEvents only by principals of the organisation's accounts (aws:PrincipalOrgID; the
 * forwarders' roles), so no one outside it can inject EKS events. The rule that reads it is the caller's.
 */
export function centralEventBus(scope: Construct, busName: string, organizationId: string): events.EventBus {
  const bus = new events.EventBus(scope, "CentralEventBus", { eventBusName: busName, description: "EKS Warden: EKS events forwarded from every member account and region" });
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OrganizationAccountsForwardEksEvents",
      principals: [new iam.AnyPrincipal()],
      actions: ["events:PutEvents"],
      resources: [bus.eventBusArn],
      conditions: { StringEquals: { "aws:PrincipalOrgID": organizationId } },
    }),
  );
  return bus;
}

/** The template synthesiser of the member templates: no bootstrap stack, no assets, so a StackSet can deploy them anywhere. */
const memberSynthesizer = () => new DefaultStackSynthesizer({ generateBootstrapVersionRule: false });

/**
 * The forwarder, deployed by a service-managed StackSet to every member account and forwarder region: one rule on the
 * default bus (the shared pattern) whose target is the central bus, with a role allowed events:PutEvents on that bus
 * only.
 */
export class ForwarderStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly ruleName: string }) {
    super(scope, id, { ...props, synthesizer: memberSynthesizer(), description: "EKS Warden forwarder: EKS CloudTrail events of this account and region -> the central event bus" });
    const busArn = new CfnParameter(this, "CentralEventBusArn", {
      type: "String",
      allowedPattern: "^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[\\w.-]+$",
      description: "The central stack's output CentralEventBusArn",
    });
    const role = new iam.Role(this, "ForwarderRole", { assumedBy: new iam.ServicePrincipal("events.amazonaws.com"), description: "EventBridge puts the EKS events on the central bus, and nowhere else" });
    const bus = events.EventBus.fromEventBusArn(this, "CentralBus", busArn.valueAsString);
    const rule = new events.Rule(this, "ForwardEksEvents", {
      ruleName: props.ruleName,
      description: "CloudTrail-recorded EKS changes -> the EKS Warden central event bus (pattern: @eks-warden/core/events)",
      eventPattern: clusterEventRulePattern(),
    });
    rule.addTarget(new targets.EventBus(bus, { role }));
  }
}

/** The trust policy of a member role: the central account, and in it only the named function roles, with the external id. */
function centralTrust(scope: Stack, functionIds: readonly string[], centralStackName: string, externalId: CfnParameter, centralAccount: CfnParameter): iam.PrincipalBase {
  const roleArns = functionIds.map((id) => `arn:${scope.partition}:iam::${centralAccount.valueAsString}:role/${centralRoleName(centralStackName, id)}`);
  // The account principal with aws:PrincipalArn, not the role ARNs as principals: IAM resolves role principals to ids
  // when the policy is saved, so a central role recreated later would silently lose its access (and the member
  // template could not be deployed before the central stack).
  return new iam.AccountPrincipal(centralAccount.valueAsString).withConditions({
    ArnEquals: { "aws:PrincipalArn": roleArns },
    StringEquals: { "sts:ExternalId": externalId.valueAsString },
  });
}

function memberParameters(scope: Stack): { centralAccount: CfnParameter; externalId: CfnParameter } {
  return {
    centralAccount: new CfnParameter(scope, "CentralAccountId", { type: "String", allowedPattern: "^\\d{12}$", description: "The account of the EKS Warden central stack" }),
    externalId: new CfnParameter(scope, "ExternalId", {
      type: "String",
      noEcho: true,
      minLength: 2,
      maxLength: 1224,
      allowedPattern: "^[\\w+=,.@:/-]+$",
      description: "The external id the central functions give (policy.accounts[].externalId)",
    }),
  };
}

/** The member's read-only role: exactly the EKS reads the rules declare (and the adapters' listing and DescribeUpdate). */
export class MemberReadRoleStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly centralStackName: string; readonly regions: readonly string[] }) {
    super(scope, id, { ...props, synthesizer: memberSynthesizer(), description: "EKS Warden member read-only role: the EKS reads the rules declare, for the central functions only" });
    const { centralAccount, externalId } = memberParameters(this);
    const role = new iam.Role(this, "ReadRole", {
      roleName: MEMBER_READ_ROLE,
      assumedBy: centralTrust(this, CENTRAL_READERS, props.centralStackName, externalId, centralAccount),
      description: "EKS Warden reads this account's clusters (read-only)",
    });
    const unscoped: iam.PolicyStatement[] = [];
    for (const [index, grant] of scopeActions(memberReadActions(), { partition: this.partition, account: this.account, regions: props.regions }).entries()) {
      const statement = new iam.PolicyStatement({ sid: `Eks${index}`, actions: [...grant.actions], resources: [...grant.resources] });
      if (grant.resources.includes("*")) unscoped.push(statement);
      else role.addToPolicy(statement);
    }
    if (unscoped.length > 0) {
      const policy = new iam.Policy(this, "ReadRoleUnscopedReads", { statements: unscoped, roles: [role] });
      NagSuppressions.addResourceSuppressions(policy, [
        { id: "AwsSolutions-IAM5", reason: "eks:ListClusters, eks:DescribeClusterVersions and eks:DescribeAddonVersions support no resource-level permissions (Service Authorization Reference): Resource \"*\" is the only valid value; read-only" },
      ]);
    }
    NagSuppressions.addResourceSuppressions(role, [
      { id: "AwsSolutions-IAM5", reason: "Reads every EKS cluster (node group, add-on) of this account in the configured regions, including clusters created after deployment; the ARNs pin partition, account, region and resource type", appliesTo: [{ regex: "/^Resource::arn:.*:eks:.*$/g" }] },
    ], true);
  }
}

/** The EKS reads a member role needs: what the rules declare and what the real-time and scheduled adapters add. SSM's public AMI parameters are read centrally. */
export function memberReadActions(): string[] {
  const declared = [...permissionsFor(), ...REALTIME_FUNCTION_ACTIONS.clusterEvent.eks, ...REALTIME_FUNCTION_ACTIONS.settle.eks, ...SCHEDULED_FUNCTION_ACTIONS.sweep.eks];
  return [...new Set(declared.filter((action) => action.startsWith("eks:")))].sort();
}

/** The member's remediation role: eks:UpdateClusterConfig alone, on the account's clusters in the configured regions. */
export class MemberRemediationRoleStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly centralStackName: string; readonly regions: readonly string[] }) {
    super(scope, id, { ...props, synthesizer: memberSynthesizer(), description: "EKS Warden member remediation role: eks:UpdateClusterConfig only, for the central settle function only" });
    const { centralAccount, externalId } = memberParameters(this);
    const role = new iam.Role(this, "RemediationRole", {
      roleName: MEMBER_REMEDIATION_ROLE,
      assumedBy: centralTrust(this, [CENTRAL_REMEDIATOR], props.centralStackName, externalId, centralAccount),
      description: "EKS Warden closes public endpoints of this account's clusters (policy.remediation enforce)",
    });
    const clusters = scopeActions(REMEDIATION_ACTIONS, { partition: this.partition, account: this.account, regions: props.regions }).flatMap((grant) => grant.resources);
    role.addToPolicy(new iam.PolicyStatement({ sid: "CloseEndpoints", actions: [...REMEDIATION_ACTIONS], resources: clusters }));
    // No Deny keyed on a tag (eks-warden:exempt, eks-warden:remediation=opt-out), as for the central SettleRemediationPolicy:
    // anyone who may tag a cluster can set one and IAM cannot tell who did; only an honoured exemption or override
    // (its setter listed by the policy) stops remediation, in code.
    NagSuppressions.addResourceSuppressions(role, [
      { id: "AwsSolutions-IAM5", reason: "eks:UpdateClusterConfig alone, on any cluster of this account in the configured regions (clusters created after deployment included); which clusters it leaves alone (an honoured exemption or override) is the central code's decision, as only it knows who set a tag", appliesTo: [{ regex: "/^Resource::arn:.*:eks:.*$/g" }] },
    ], true);
  }
}

export interface MemberTemplates {
  readonly forwarder: string;
  readonly readRole: string;
  readonly remediationRole: string;
}

/** The stack (template) names of the member templates, for a central stack. */
export function memberStackNames(centralStackName: string): MemberTemplates {
  return { forwarder: `${centralStackName}-forwarder`, readRole: `${centralStackName}-member-read-role`, remediationRole: `${centralStackName}-member-remediation-role` };
}

/** The member templates in an app of their own (no SST, no assets): one stack each. */
export function memberApp(outdir: string, centralStackName: string, regions: readonly string[]): App {
  const app = new App({ outdir });
  const stackNames = memberStackNames(centralStackName);
  new ForwarderStack(app, "Forwarder", { stackName: stackNames.forwarder, ruleName: `${centralStackName}-forward`.slice(0, 64) });
  new MemberReadRoleStack(app, "MemberReadRole", { stackName: stackNames.readRole, centralStackName, regions });
  new MemberRemediationRoleStack(app, "MemberRemediationRole", { stackName: stackNames.remediationRole, centralStackName, regions });
  return app;
}
