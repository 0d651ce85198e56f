// The one EKS write: eks:UpdateClusterConfig for the function that remediates (settle), only under `enforce`
// (docs/design.md, Data flow 7).
import * as iam from "aws-cdk-lib/aws-iam";
import { NagSuppressions } from "cdk-nag";
import type { Function as SstFunction } from "sst/constructs";
import type { DeploymentConfig } from "../config.ts";
import { REMEDIATION_ACTIONS, scopeActions } from "../permissions.ts";

/**
 * In a policy of its own: allowed on the cluster ARNs of the configured accounts and regions. No Deny keyed on a tag
 * (eks-warden:exempt, eks-warden:remediation=opt-out): anyone with eks:TagResource can set a tag, and IAM's
 * aws:ResourceTag sees only its value, never who set it, so such a Deny would let anyone who may tag a cluster keep
 * remediation away from it. Whether a tag counts is the code's check, which knows the setter (recorded from its
 * TagResource event) and honours only a principal of policy.exemptions.tags or policy.remediation.overrideTags
 * (docs/threat-model.md, path 40).
 */
export function grantRemediation(settle: SstFunction, config: DeploymentConfig): iam.Policy | undefined {
  if (config.policy.remediation.mode !== "enforce") return undefined;
  const stack = settle.stack;
  const regions = config.policy.regions.length > 0 ? config.policy.regions : [stack.region];
  const accounts = [stack.account, ...config.policy.accounts.map((account) => account.id)];
  const clusters = [...new Set(accounts.flatMap((account) => scopeActions(REMEDIATION_ACTIONS, { partition: stack.partition, account, regions }).flatMap((grant) => grant.resources)))];
  const policy = new iam.Policy(stack, "SettleRemediationPolicy", {
    roles: [settle.role!],
    statements: [
      new iam.PolicyStatement({ sid: "RemediatePublicEndpoints", actions: [...REMEDIATION_ACTIONS], resources: clusters }),
    ],
  });
  NagSuppressions.addResourceSuppressions(policy, [
    {
      id: "AwsSolutions-IAM5",
      reason:
        "eks:UpdateClusterConfig alone (auto-remediation under enforce): it must reach any cluster of the configured accounts and regions, including clusters created after deployment; the ARNs pin partition, account, region and resource type; which clusters it leaves alone (an honoured exemption or override) is the code's decision, as only the code knows who set a tag",
      appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:(<AWS::AccountId>|[0-9]{12}):cluster\\/\\*$/g" }],
    },
  ]);
  return policy;
}
