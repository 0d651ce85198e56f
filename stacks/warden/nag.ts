// cdk-nag AwsSolutions findings accepted on purpose, each with the reason. Every other finding fails
// test/infra.test.ts. The wildcard-resource read is accepted in grantUnscopedReads, on its own policy only; the
// remediation write in grantRemediation.
import type * as iam from "aws-cdk-lib/aws-iam";
import { NagSuppressions } from "cdk-nag";
import type { Stack } from "sst/constructs";
import type { StateParts, WardenFunctions } from "./parts.ts";

const RUNTIME_REASON =
  "nodejs22.x on purpose: the bundles and their dependencies (Powertools 2.35, middy 6) are built and tested for Node 22; move to nodejs24.x together with the toolchain";

function suppressSstHandler(stack: Stack): void {
  NagSuppressions.addResourceSuppressions(
    stack.customResourceHandler,
    [
      { id: "AwsSolutions-IAM4", reason: "SST v2 creates this custom-resource handler in every stack for its own bookkeeping; EKS Warden defines nothing that invokes it, and its role (AWSLambdaBasicExecutionRole) is SST's" },
      { id: "AwsSolutions-L1", reason: "SST v2 pins the runtime of its own custom-resource handler (nodejs22.x); EKS Warden does not control or invoke it" },
    ],
    true,
  );
}

export function suppressFindings(parts: StateParts, functions: WardenFunctions): void {
  suppressSstHandler(parts.stack);
  for (const { fn } of Object.values(functions)) NagSuppressions.addResourceSuppressions(fn, [{ id: "AwsSolutions-L1", reason: RUNTIME_REASON }]);
  NagSuppressions.addResourceSuppressions(parts.reportBucket, [
    {
      id: "AwsSolutions-S1",
      reason:
        "The bucket holds only the weekly digest reports; its one writer is the digest function (s3:PutObject on digests/* alone), whose writes are in its own logs; readers are people with the account's S3 read access, whose reads CloudTrail S3 data events record where the account enables them. A server-access-log bucket would itself need this suppression",
    },
  ]);
  NagSuppressions.addResourceSuppressions(
    functions.digest.role,
    [
      {
        id: "AwsSolutions-IAM5",
        reason: "The digest writes one report per ISO week (digests/<week>.html and .json): the grant is s3:PutObject on the digests/ prefix of the stack's own report bucket, nothing else in it",
        appliesTo: [{ regex: "/^Resource::<ReportBucket[0-9A-F]+\\.Arn>\\/digests\\/\\*$/g" }],
      },
    ],
    true,
  );
  suppressScopedEksReads([functions.clusterEvent.role, functions.settle.role, functions.sweep.role, functions.digest.role]);
}

/** The EKS reads on every cluster (node group, add-on) ARN of the account in the watched regions, and nothing else. */
export function suppressScopedEksReads(roles: readonly iam.IRole[]): void {
  NagSuppressions.addResourceSuppressions(
    [...roles],
    [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "The monitor must read every EKS cluster (and its node groups, add-ons, access entries and identity providers) in the account and configured regions, including clusters created after deployment; the ARNs pin partition, account, region and resource type",
        appliesTo: [
          { regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:<AWS::AccountId>:cluster\\/\\*$/g" },
          { regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:<AWS::AccountId>:nodegroup\\/\\*\\/\\*\\/\\*$/g" },
          { regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:<AWS::AccountId>:addon\\/\\*\\/\\*\\/\\*$/g" },
          // The access rules: every access entry (and its associated policies) and identity provider of those clusters.
          { regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:<AWS::AccountId>:access-entry\\/\\*\\/\\*\\/\\*\\/\\*\\/\\*$/g" },
          { regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:<AWS::AccountId>:identityproviderconfig\\/\\*\\/\\*\\/\\*\\/\\*$/g" },
        ],
      },
      {
        id: "AwsSolutions-IAM5",
        reason:
          "nodegroup-ami-outdated reads the latest AMI release of whichever AMI type and Kubernetes version a node group runs: the public parameters AWS publishes under these two paths, owned by AWS (no account), read-only",
        appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:ssm:[a-z0-9-]+::parameter\\/aws\\/service\\/(eks\\/optimized-ami|bottlerocket)\\/\\*$/g" }],
      },
    ],
    true,
  );
}
