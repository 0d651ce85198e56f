// Least privilege that the synthesised stack alone cannot prove: the cdk-nag suppression of Resource "*" is scoped
// to the one unscoped read, so a wildcard-resource statement added anywhere else on a function's role is reported;
// and the state table grants only what the DynamoDB adapter calls.
import { readFileSync } from "node:fs";
import { App, Aspects, Aws, Stack } from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { STATE_TABLE_ACTIONS } from "@eks-warden/core";
import { grantUnscopedReads, suppressScopedEksReads } from "../stacks/Warden.ts";

/** A role wired the way the stack wires a function's role, plus whatever `extra` adds, checked by cdk-nag. */
function nagErrors(extra: (stack: Stack, role: iam.Role) => void) {
  const app = new App();
  const stack = new Stack(app, "Probe");
  const role = new iam.Role(stack, "ProbeRole", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
  role.addToPolicy(new iam.PolicyStatement({ actions: ["eks:DescribeCluster"], resources: [`arn:${Aws.PARTITION}:eks:eu-west-1:${Aws.ACCOUNT_ID}:cluster/*`] }));
  grantUnscopedReads(stack, "ProbeUnscopedReads", role, [new iam.PolicyStatement({ actions: ["eks:DescribeClusterVersions"], resources: ["*"] })]);
  suppressScopedEksReads([role]);
  extra(stack, role);
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  return Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-IAM5"));
}

describe("Resource * on a function's role", () => {
  it("is accepted for eks:DescribeClusterVersions in its own policy, and the scoped EKS ARNs", () => {
    expect(nagErrors(() => undefined)).toEqual([]);
  });

  it("is reported when a new statement on the role's default policy uses it", () => {
    const errors = nagErrors((_stack, role) => role.addToPolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: ["*"] })));
    expect(errors.map((error) => error.id)).toEqual(["/Probe/ProbeRole/DefaultPolicy/Resource"]);
    expect(JSON.stringify(errors[0]!.entry.data)).toContain("Resource::*");
  });

  it("is reported in a new policy of the role too, and grantUnscopedReads refuses other actions", () => {
    const errors = nagErrors((stack, role) => new iam.Policy(stack, "Later", { roles: [role], statements: [new iam.PolicyStatement({ actions: ["sns:Publish"], resources: ["*"] })] }));
    expect(errors.map((error) => error.id)).toEqual(["/Probe/Later/Resource"]);
    expect(() =>
      nagErrors((stack, role) => grantUnscopedReads(stack, "Sneaky", role, [new iam.PolicyStatement({ actions: ["eks:DescribeClusterVersions", "eks:UpdateClusterConfig"], resources: ["*"] })])),
    ).toThrow(/only eks:DescribeClusterVersions, eks:DescribeAddonVersions, eks:ListClusters may be granted on Resource "\*", not eks:DescribeClusterVersions, eks:UpdateClusterConfig/);
  });
});

describe("state table grants", () => {
  it("are the calls the DynamoDB adapter makes; no ConditionCheckItem, which it never writes", () => {
    expect([...STATE_TABLE_ACTIONS].sort()).toEqual(["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]);
    const adapter = readFileSync(new URL("../packages/core/src/aws/dynamodb.ts", import.meta.url), "utf8");
    expect(adapter).not.toMatch(/ConditionCheck/);
  });
});
