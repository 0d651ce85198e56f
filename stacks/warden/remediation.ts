// The one EKS write: eks:UpdateClusterConfig for the function that remediates (settle), only under `enforce`
// (docs/design.md, Data flow 7).
import * as iam from "aws-cdk-lib/aws-iam";
import { NagSuppressions } from "cdk-nag";
import type { Function as SstFunction } from "sst/constructs";
import { REMEDIATION_OPT_OUT, REMEDIATION_TAG } from "@eks-warden/core/remediation";
import type { DeploymentConfig } from "../config.ts";
import { REMEDIATION_ACTIONS, scopeActions } from "../permissions.ts";

/** The tag value and key the remediation Deny statement matches (core/src/remediation/plan.ts). */
const REMEDIATION_TAG_CONDITION_KEY = `aws:ResourceTag/${REMEDIATION_TAG}`;

/**
 * In a policy of its own: allowed on the cluster ARNs of the configured accounts and regions, and denied (a second
 * line of defence behind the code's own checks) on any cluster tagged eks-warden:remediation=opt-out. No Deny on the
 * exemption tag: anyone with eks:TagResource can set it and IAM cannot know who did, so it is the code's check, which
 * honours only an exemption set by a principal of policy.exemptions.tags (docs/threat-model.md, path 40).
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
      new iam.PolicyStatement({
        sid: "NeverRemediateOptedOutClusters",
        effect: iam.Effect.DENY,
        actions: [...REMEDIATION_ACTIONS],
        resources: clusters,
        conditions: { StringEquals: { [REMEDIATION_TAG_CONDITION_KEY]: REMEDIATION_OPT_OUT } },
      }),
    ],
  });
  NagSuppressions.addResourceSuppressions(policy, [
    {
      id: "AwsSolutions-IAM5",
      reason:
        "eks:UpdateClusterConfig alone (auto-remediation under enforce): it must reach any cluster of the configured accounts and regions, including clusters created after deployment; the ARNs pin partition, account, region and resource type, and a Deny statement excludes clusters tagged opt-out",
      appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:(<AWS::AccountId>|[0-9]{12}):cluster\\/\\*$/g" }],
    },
  ]);
  return policy;
}
