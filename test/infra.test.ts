// The deployed infrastructure, read from the synthesised CloudFormation (offline, no credentials): cdk-nag
// AwsSolutions is clean or suppressed with reasons, and each resource is configured as docs/design.md requires.
// Default configuration (no warden.config.json), stage "test". infra-enforce.test.ts covers a protected stage.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Match, Template } from "aws-cdk-lib/assertions";
import { CLUSTER_EVENT_QUEUE, FUNCTION_ENV, FUNCTION_TIMEOUT_SECONDS, HANDLERS, SETTLE_QUEUE } from "@eks-warden/core/deployment";
import { getStack } from "sst/constructs";
import {
  CreateAddonCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteClusterCommand,
  DescribeClusterCommand,
  EKSClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupVersionCommand, AssociateAccessPolicyCommand, AssociateIdentityProviderConfigCommand, CreateAccessEntryCommand, DeleteAccessEntryCommand, DisassociateAccessPolicyCommand, DisassociateIdentityProviderConfigCommand, UpdateAccessEntryCommand } from "@aws-sdk/client-eks";
import { beforeAll, describe, expect, it } from "vitest";
import { clusterEventPattern, HANDLED_EVENT_NAMES, matchesEventPattern, type EventPattern } from "@eks-warden/core/events";
import { startSimulator, type CloudTrailEvent } from "@eks-warden/simulator/index";
import { defaultPolicy } from "@eks-warden/core";
import { synthesizeApp, type Synthesized } from "../packages/cli/src/commands/synth.ts";
import { Warden } from "../stacks/Warden.ts";
import { CONFIG_PATH_VARIABLE } from "../stacks/config.ts";
import { CREATE_CLUSTER_OPEN_WORLD, eventBridgeEnvelope, readCloudTrailRecord, UPDATE_CLUSTER_CONFIG_PRIVATE } from "./fixtures/index.ts";
import { matchesTamperPattern, tamperRuleIds, tamperRules, type TamperPattern } from "@eks-warden/core/tamper";
import { allPolicyStatements, nagReportRows, resourcesOfType, wardenFunctions } from "./infra-support.ts";

let synthesized: Synthesized;
let template: Template;
let outDir: string;

beforeAll(async () => {
  delete process.env[CONFIG_PATH_VARIABLE];
  outDir = mkdtempSync(join(tmpdir(), "warden-infra-"));
  synthesized = await synthesizeApp({ stage: "test", outDir, nagChecks: true });
  template = Template.fromStack(getStack(Warden));
}, 180_000);

const byPrefix = (type: string, prefix: string) => {
  const found = Object.entries(resourcesOfType(template, type)).filter(([id]) => id.startsWith(prefix));
  expect(found, `${type} ${prefix}`).toHaveLength(1);
  return found[0]!;
};
const keyOf = (prefix: "AlertsKey" | "HealthKey") => byPrefix("AWS::KMS::Key", prefix);
const topicOf = (prefix: "AlertsTopic" | "HealthTopic") => byPrefix("AWS::SNS::Topic", prefix);

/** A CloudFormation value as text, intrinsic functions shown as <Ref X> / <X.Attr>, for matching. */
function flat(value: unknown): string {
  if (typeof value === "string") return value;
  const node = value as Record<string, unknown>;
  if (node?.["Ref"]) return `<Ref ${String(node["Ref"])}>`;
  if (node?.["Fn::GetAtt"]) return `<${(node["Fn::GetAtt"] as string[]).join(".")}>`;
  if (node?.["Fn::Join"]) {
    const [separator, parts] = node["Fn::Join"] as [string, unknown[]];
    return parts.map(flat).join(separator);
  }
  return JSON.stringify(value);
}

describe("cdk-nag AwsSolutions", () => {
  it("reports no unsuppressed error or warning in the stack artifact's messages", () => {
    expect(synthesized.stackNames).toEqual(["test-eks-warden-Warden"]);
    expect(synthesized.nagFindings).toEqual([]);
  });

  it("has no non-compliant row in its report, and every suppression carries a specific reason", () => {
    const rows = nagReportRows(outDir, "test-eks-warden-Warden");
    expect(rows.length).toBeGreaterThan(20); // the checks ran over the whole stack
    expect(rows.filter((row) => row.compliance === "Non-Compliant")).toEqual([]);
    const suppressed = rows.filter((row) => row.compliance === "Suppressed");
    for (const row of suppressed) expect(row.reason.replace(/^\[[^\]]*\]\s*/, "").length, `${row.ruleId} on ${row.resource}`).toBeGreaterThanOrEqual(40);
    // The accepted findings, and nothing else: SST's own handler, the pinned runtime, the EKS read scopes, and the
    // one unscoped read in a policy of its own.
    expect([...new Set(suppressed.map((row) => `${row.ruleId} ${row.resource.replace(/^test-eks-warden-Warden\//, "")}`))].sort()).toEqual([
      "AwsSolutions-IAM4 CustomResourceHandler/ServiceRole/Resource",
      "AwsSolutions-IAM5 ClusterEventRole/DefaultPolicy/Resource",
      "AwsSolutions-IAM5 ClusterEventUnscopedReads/Resource",
      "AwsSolutions-IAM5 DigestRole/DefaultPolicy/Resource",
      "AwsSolutions-IAM5 DigestUnscopedReads/Resource",
      "AwsSolutions-IAM5 SettleRole/DefaultPolicy/Resource",
      "AwsSolutions-IAM5 SettleUnscopedReads/Resource",
      "AwsSolutions-IAM5 SweepRole/DefaultPolicy/Resource",
      "AwsSolutions-IAM5 SweepUnscopedReads/Resource",
      "AwsSolutions-IAM5 TamperRole/DefaultPolicy/Resource",
      "AwsSolutions-IAM5 TamperUnscopedReads/Resource",
      "AwsSolutions-L1 ClusterEvent/Resource",
      "AwsSolutions-L1 CustomResourceHandler/Resource",
      "AwsSolutions-L1 DeadLetter/Resource",
      "AwsSolutions-L1 Digest/Resource",
      "AwsSolutions-L1 Settle/Resource",
      "AwsSolutions-L1 Sweep/Resource",
      "AwsSolutions-L1 Tamper/Resource",
      "AwsSolutions-S1 ReportBucket/Resource",
    ]);
    // Wildcard resources are accepted only for the EKS ARNs and the public AMI release parameters on the roles' default
    // policies, the digest's report prefix on its role's, the trails' status on the tamper role's (the self-audit), and
    // "*" only on the unscoped-reads policies.
    for (const row of suppressed.filter((candidate) => candidate.ruleId === "AwsSolutions-IAM5")) {
      const finding = /^\[([^\]]*)\]/.exec(row.reason)?.[1];
      if (row.resource.endsWith("UnscopedReads/Resource")) expect(finding, row.resource).toBe("Resource::*");
      else {
        expect(finding, row.resource).toMatch(
          /^Resource::(arn:<AWS::Partition>:eks:us-east-1:<AWS::AccountId>:(cluster\/\*|nodegroup\/\*\/\*\/\*|addon\/\*\/\*\/\*|access-entry\/\*\/\*\/\*\/\*\/\*|identityproviderconfig\/\*\/\*\/\*\/\*)|arn:<AWS::Partition>:ssm:us-east-1::parameter\/aws\/service\/(eks\/optimized-ami|bottlerocket)\/\*|<ReportBucket[0-9A-F]+\.Arn>\/digests\/\*|arn:<AWS::Partition>:cloudtrail:\*:\*:trail\/\*)$/,
        );
      }
    }
  });
});

describe("Security Hub export off (the default)", () => {
  it("leaves no Security Hub grant in the template", () => {
    const actions = allPolicyStatements(template).flatMap(({ statement }) => [statement.Action ?? []].flat() as string[]);
    expect(actions.filter((action) => action.startsWith("securityhub:"))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain(":securityhub:");
  });
});

// cfn-lint (Python) is not an npm dependency: the check runs where it is installed (CI images, developer machines).
const cfnLint = spawnSync("cfn-lint", ["--version"], { encoding: "utf8" });
describe("cfn-lint", () => {
  it.skipIf(cfnLint.status !== 0)("finds nothing in the template but CDK's redundant DependsOn of a function on its role (W3005)", () => {
    const file = join(outDir, "test-eks-warden-Warden.template.json");
    const result = spawnSync("cfn-lint", ["--format", "parseable", "--", file], { encoding: "utf8" });
    const findings = result.stdout.trim().split("\n").filter(Boolean);
    // W3005: the Lambda construct adds DependsOn its role although Role already refers to it; harmless, CDK's own.
    expect(findings.filter((line) => !/:W3005:'[A-Za-z]+Role[0-9A-F]{8}' dependency already enforced by a 'GetAtt'/.test(line))).toEqual([]);
    expect(result.stderr).toBe("");
  });
});

describe("state table", () => {
  it("is single-table pk/sk with point-in-time recovery, TTL on expiresAt and server-side encryption", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it("denies item writes to all but the four state-keeping functions' roles and the deployment, and changing the table to all but the deployment", () => {
    const [, table] = Object.entries(resourcesOfType(template, "AWS::DynamoDB::Table"))[0]!;
    const statements = table.Properties.ResourcePolicy.PolicyDocument.Statement as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    const roleOf = (handler: string) => `<${Object.values(resourcesOfType(template, "AWS::Lambda::Function")).find((fn) => fn.Properties.Handler === `packages/functions/src/${handler}.handler`)!.Properties.Role["Fn::GetAtt"][0]}.Arn>`;
    const deployment = [
      '{"Fn::Sub":"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-us-east-1"}',
      "arn:<Ref AWS::Partition>:iam::<Ref AWS::AccountId>:root",
    ];
    const writes = statements.find((statement) => statement.Sid === "OnlyWardenWritesState");
    expect(writes).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" }, Resource: "*" });
    expect([writes!.Action].flat().sort()).toEqual(
      ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PutItem", "dynamodb:UpdateItem"].sort(),
    );
    expect(writes!.Condition.ArnNotEquals["aws:PrincipalArn"].map(flat)).toEqual([roleOf("cluster-event"), roleOf("settle"), roleOf("sweep"), roleOf("digest"), ...deployment]);
    // Neither the tamper nor the dead-letter function keeps state: a foothold in either writes no FAIL record.
    for (const handler of ["tamper", "dead-letter"]) expect(writes!.Condition.ArnNotEquals["aws:PrincipalArn"].map(flat)).not.toContain(roleOf(handler));
    const management = statements.find((statement) => statement.Sid === "OnlyTheDeploymentManagesTheTable");
    expect(management).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" }, Resource: "*" });
    expect([management!.Action].flat()).toEqual(expect.arrayContaining(["dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy", "dynamodb:UpdateTable", "dynamodb:UpdateTimeToLive", "dynamodb:DeleteTable"]));
    expect(management!.Condition.ArnNotEquals["aws:PrincipalArn"].map(flat)).toEqual(deployment);
    // Nothing is allowed by the table's policy: the functions' writes come from their own IAM policies.
    expect(statements.filter((statement) => statement.Effect === "Allow")).toEqual([]);
  });

  it("is retained and deletion-protected by default, on any stage (only ephemeralStages may be destroyed)", () => {
    template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain", Properties: Match.objectLike({ DeletionProtectionEnabled: true }) });
    const keys = Object.values(resourcesOfType(template, "AWS::KMS::Key"));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key.DeletionPolicy).toBe("Retain");
  });
});

describe("alerts topic", () => {
  it("is encrypted with the stack's customer-managed key, which rotates", () => {
    const [keyId, key] = keyOf("AlertsKey");
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(topicOf("AlertsTopic")[1].Properties.KmsMasterKeyId).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
  });

  it("denies publishing without TLS", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Principal: "*", Action: "sns:Publish", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("accepts no service principal on its topic or key: only the functions' roles publish, through IAM", () => {
    const statements = allPolicyStatements(template).filter(({ where }) => /^AlertsKey|^AlertsTopicPolicy/.test(where)).map(({ statement }) => statement);
    expect(statements.length).toBeGreaterThanOrEqual(2);
    for (const statement of statements) expect(JSON.stringify(statement.Principal ?? {}), JSON.stringify(statement)).not.toMatch(/Service/);
    const allows = statements.filter((statement) => statement.Effect === "Allow");
    // The key: the account administers it (delegating to IAM); the topic policy only denies plain HTTP.
    expect(allows.map((statement) => statement.Sid)).toEqual(["AccountAdministersTheKey"]);
  });

  it("has no e-mail subscription when the configuration lists no address", () => {
    template.resourceCountIs("AWS::SNS::Subscription", 0);
  });
});

describe("EventBridge rule", () => {
  const clusterEventRule = () => {
    const rules = Object.values(resourcesOfType(template, "AWS::Events::Rule")).filter((rule) => rule.Properties.Name === "test-eks-warden-Warden-cluster-events");
    expect(rules).toHaveLength(1);
    return rules[0]!;
  };
  const deployedPattern = (): EventPattern => clusterEventRule().Properties.EventPattern as EventPattern;

  it("deploys exactly the design's pattern, on the default bus, under a stack-scoped name", () => {
    expect(deployedPattern()).toEqual(clusterEventPattern);
    expect(clusterEventRule().Properties.EventBusName).toBeUndefined();
  });

  it("matches both real CloudTrail fixtures and not a read call or another source", () => {
    const pattern = deployedPattern();
    expect(matchesEventPattern(pattern, eventBridgeEnvelope(readCloudTrailRecord(CREATE_CLUSTER_OPEN_WORLD)))).toBe(true);
    expect(matchesEventPattern(pattern, eventBridgeEnvelope(readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE)))).toBe(true);
    const update = readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE);
    expect(matchesEventPattern(pattern, eventBridgeEnvelope({ ...update, eventName: "DescribeCluster", readOnly: true }))).toBe(false);
    expect(matchesEventPattern(pattern, eventBridgeEnvelope(update, { source: "aws.ecs" }))).toBe(false);
  });

  it("matches every event the simulator emits for the handled calls, failed ones included, and nothing else", async () => {
    const pattern = deployedPattern();
    const simulator = await startSimulator({ fleet: fileURLToPath(new URL("../packages/simulator/fleets/sample.json", import.meta.url)) });
    const emitted: CloudTrailEvent[] = [];
    simulator.onCloudTrailEvent((event) => {
      emitted.push(event);
    });
    const eks = new EKSClient({
      endpoint: simulator.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIAALICEEXAMPLE0001", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
    const arn = (name: string) => `arn:aws:eks:eu-west-1:111111111111:cluster/${name}`;
    // Whether each call succeeds does not matter here: EKS logs failed calls too, and the rule must route them.
    const calls = [
      new CreateClusterCommand({ name: "pattern-probe", roleArn: "arn:aws:iam::111111111111:role/eks", resourcesVpcConfig: { subnetIds: ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"] } }),
      new UpdateClusterConfigCommand({ name: "web-public", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } }),
      new UpdateClusterVersionCommand({ name: "legacy-batch", version: "1.33" }),
      new TagResourceCommand({ resourceArn: arn("analytics"), tags: { team: "data" } }),
      new UntagResourceCommand({ resourceArn: arn("analytics"), tagKeys: ["team"] }),
      new CreateNodegroupCommand({ clusterName: "ci-runners", nodegroupName: "probe", subnets: ["subnet-0aaa1111bbbb2222c"], nodeRole: "arn:aws:iam::111111111111:role/node" }),
      new UpdateNodegroupVersionCommand({ clusterName: "payments-prod", nodegroupName: "payments-general" }),
      new CreateAddonCommand({ clusterName: "analytics", addonName: "vpc-cni" }),
      new UpdateAddonCommand({ clusterName: "payments-prod", addonName: "vpc-cni", addonVersion: "v1.20.4-eksbuild.1" }),
      new CreateAccessEntryCommand({ clusterName: "payments-prod", principalArn: "arn:aws:iam::111111111111:role/probe" }),
      new UpdateAccessEntryCommand({ clusterName: "payments-prod", principalArn: "arn:aws:iam::111111111111:role/probe", kubernetesGroups: ["viewers"] }),
      new AssociateAccessPolicyCommand({ clusterName: "payments-prod", principalArn: "arn:aws:iam::111111111111:role/probe", policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope: { type: "cluster" } }),
      new DisassociateAccessPolicyCommand({ clusterName: "payments-prod", principalArn: "arn:aws:iam::111111111111:role/probe", policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" }),
      new DeleteAccessEntryCommand({ clusterName: "payments-prod", principalArn: "arn:aws:iam::111111111111:role/probe" }),
      new AssociateIdentityProviderConfigCommand({ clusterName: "analytics", oidc: { identityProviderConfigName: "probe", issuerUrl: "https://idp.example.com", clientId: "k" } }),
      new DisassociateIdentityProviderConfigCommand({ clusterName: "analytics", identityProviderConfig: { type: "oidc", name: "probe" } }),
      new DeleteClusterCommand({ name: "vendor-ingress" }),
      new UpdateClusterConfigCommand({ name: "no-such-cluster", resourcesVpcConfig: { endpointPublicAccess: false } }),
      new DescribeClusterCommand({ name: "payments-prod" }),
    ];
    try {
      for (const call of calls) await eks.send(call as never).catch(() => undefined);
      await simulator.cloudTrail.idle();
    } finally {
      eks.destroy();
      await simulator.stop();
    }
    expect(new Set(emitted.map((event) => event.detail.eventName))).toEqual(new Set(HANDLED_EVENT_NAMES));
    expect(emitted.some((event) => "errorCode" in event.detail)).toBe(true);
    for (const event of emitted) {
      expect(matchesEventPattern(pattern, event), `${event.detail.eventName} ${JSON.stringify(event.detail).slice(0, 200)}`).toBe(true);
    }
  });

  it("targets the event queue (never the function) with a dead-letter queue and a retry policy", () => {
    const rule = clusterEventRule();
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { "Fn::GetAtt": [expect.stringMatching(/^ClusterEventQueue/), "Arn"] },
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [expect.stringMatching(/^ClusterEventDeadLetterQueue/), "Arn"] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      }),
    ]);
  });
});

describe("the event path: only EventBridge feeds cluster-event", () => {
  const queuePolicyOf = (prefix: string) => {
    const [queueId] = byPrefix("AWS::SQS::Queue", prefix);
    const policies = Object.values(resourcesOfType(template, "AWS::SQS::QueuePolicy")).filter((policy) => policy.Properties.Queues.some((queue: unknown) => flat(queue) === `<Ref ${queueId}>`));
    expect(policies, prefix).toHaveLength(1);
    return { queueId, statements: policies[0]!.Properties.PolicyDocument.Statement as Record<string, any>[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const ruleId = () => Object.entries(resourcesOfType(template, "AWS::Events::Rule")).find(([, rule]) => rule.Properties.Name === "test-eks-warden-Warden-cluster-events")![0];

  it("no one may invoke cluster-event but its event source mapping: no Lambda permission, no asynchronous invocation", () => {
    const { clusterEvent } = wardenFunctions(template);
    const permissions = Object.values(resourcesOfType(template, "AWS::Lambda::Permission")).filter((permission) => flat(permission.Properties.FunctionName).includes(clusterEvent.id));
    expect(permissions).toEqual([]);
    expect(clusterEvent.properties.DeadLetterConfig).toBeUndefined();
    expect(Object.values(resourcesOfType(template, "AWS::Lambda::EventInvokeConfig")).filter((config) => flat(config.Properties.FunctionName).includes(clusterEvent.id))).toEqual([]);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: clusterEvent.id },
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ClusterEventQueue"), "Arn"] },
      BatchSize: CLUSTER_EVENT_QUEUE.batchSize,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("the event queue lets only EventBridge send, for exactly the cluster-event rule, and denies SendMessage to every other principal", () => {
    const { queueId, statements } = queuePolicyOf("ClusterEventQueue");
    const allows = statements.filter((statement) => statement.Effect === "Allow");
    expect(allows).toEqual([
      expect.objectContaining({ Principal: { Service: "events.amazonaws.com" }, Action: expect.arrayContaining(["sqs:SendMessage"]), Condition: { ArnEquals: { "aws:SourceArn": { "Fn::GetAtt": [ruleId(), "Arn"] } } } }),
    ]);
    const deny = statements.find((statement) => statement.Sid === "OnlyTheEventRulesSend");
    // aws:SourceArn is set by EventBridge, never by a caller: a principal of this account, whatever its IAM allows, is denied.
    expect(deny).toEqual({
      Sid: "OnlyTheEventRulesSend",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "sqs:SendMessage",
      Resource: { "Fn::GetAtt": [queueId, "Arn"] },
      Condition: { ArnNotEquals: { "aws:SourceArn": [{ "Fn::GetAtt": [ruleId(), "Arn"] }] } },
    });
    // Only SendMessage is denied: the consumer's event source mapping still receives and deletes.
    const denied = statements.filter((statement) => statement.Effect === "Deny").flatMap((statement) => [statement.Action].flat());
    expect(denied).not.toContain("sqs:ReceiveMessage");
    expect(byPrefix("AWS::SQS::Queue", "ClusterEventQueue")[1].Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": [expect.stringMatching(/^ClusterEventDeadLetterQueue/), "Arn"] },
      maxReceiveCount: CLUSTER_EVENT_QUEUE.maxReceiveCount,
    });
  });

  it("each dead-letter queue and archive denies SendMessage to all but its producers and the deployment", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    const roleOf = (handler: string) => Object.values(resourcesOfType(template, "AWS::Lambda::Function")).find((fn) => fn.Properties.Handler === `packages/functions/src/${handler}.handler`)!.Properties.Role["Fn::GetAtt"][0] as string;
    const scheduleRole = (prefix: string) => `<${Object.keys(resourcesOfType(template, "AWS::IAM::Role")).find((id) => id.startsWith(`${prefix}ScheduleRole`))}.Arn>`;
    const deployment = [
      '{"Fn::Sub":"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-us-east-1"}',
      "arn:<Ref AWS::Partition>:iam::<Ref AWS::AccountId>:root",
    ];
    const stackRules = "arn:<Ref AWS::Partition>:events:<Ref AWS::Region>:<Ref AWS::AccountId>:rule/test-eks-warden-Warden-*";
    const expected: Record<string, { roles: string[]; rules?: string }> = {
      ClusterEventDeadLetterQueue: { roles: deployment, rules: stackRules },
      SettleDeadLetterQueue: { roles: deployment },
      ClusterEventDeadLetterArchive: { roles: [`<${roleOf("dead-letter")}.Arn>`, ...deployment] },
      SettleDeadLetterArchive: { roles: [`<${roleOf("dead-letter")}.Arn>`, ...deployment] },
      TamperDeadLetterQueue: { roles: [`<${roleOf("tamper")}.Arn>`, ...deployment], rules: stackRules },
      SweepDeadLetterQueue: { roles: [`<${roleOf("sweep")}.Arn>`, scheduleRole("Sweep"), ...deployment] },
      DigestDeadLetterQueue: { roles: [`<${roleOf("digest")}.Arn>`, scheduleRole("Digest"), ...deployment] },
    };
    for (const [prefix, { roles, rules }] of Object.entries(expected)) {
      const { queueId, statements } = queuePolicyOf(prefix);
      const deny = statements.find((statement) => statement.Sid === "OnlyTheProducersSend");
      expect(deny, prefix).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" }, Action: "sqs:SendMessage", Resource: { "Fn::GetAtt": [queueId, "Arn"] } });
      expect(deny!.Condition.ArnNotEquals["aws:PrincipalArn"].map(flat), prefix).toEqual(roles);
      expect(deny!.Condition.ArnNotLike?.["aws:SourceArn"] && flat(deny!.Condition.ArnNotLike["aws:SourceArn"]), prefix).toEqual(rules);
      // Neither real-time function may write letters: a forged dead letter would be a forged health alert.
      expect(roles, prefix).not.toContain(`<${clusterEvent.roleId}.Arn>`);
      expect(roles, prefix).not.toContain(`<${settle.roleId}.Arn>`);
    }
  });
});

describe("functions", () => {
  it("run nodejs22.x on arm64 from the minified ESM bundles of the two handlers", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    for (const fn of [clusterEvent, settle]) {
      expect(fn.properties.Runtime).toBe("nodejs22.x");
      expect(fn.properties.Architectures).toEqual(["arm64"]);
    }
    expect(clusterEvent.properties.Handler).toBe("packages/functions/src/cluster-event.handler");
    expect(settle.properties.Handler).toBe("packages/functions/src/settle.handler");
    const bundles = readdirSync(outDir).filter((name) => name.startsWith("asset."));
    const clusterEventBundle = bundles.map((name) => join(outDir, name, "packages/functions/src/cluster-event.mjs")).find((path) => {
      try {
        return readFileSync(path).length > 0;
      } catch {
        return false;
      }
    });
    expect(clusterEventBundle).toBeDefined();
    const code = readFileSync(clusterEventBundle!, "utf8");
    expect(code).toMatch(/^import /m); // ESM
    expect(code.split("\n").length).toBeLessThan(200); // minified: a few very long lines, not the sources
  });

  it("deploy every chunk of the split bundles: each import between files names a file of the same asset, and the entries load", () => {
    const entries = readdirSync(outDir)
      .filter((name) => name.startsWith("asset."))
      .map((name) => join(outDir, name, "packages/functions/src"))
      .flatMap((dir) => {
        try {
          return readdirSync(dir).filter((file) => /^(cluster-event|settle)\.mjs$/.test(file)).map((file) => ({ dir, file }));
        } catch {
          return [];
        }
      });
    expect(entries.map((entry) => entry.file).sort()).toEqual(["cluster-event.mjs", "settle.mjs"]);
    for (const { dir, file } of entries) {
      const files = readdirSync(dir).filter((name) => name.endsWith(".mjs"));
      const dynamicImports: string[] = [];
      for (const name of files) {
        const code = readFileSync(join(dir, name), "utf8");
        for (const [, specifier] of code.matchAll(/from\s*"(\.\/[^"]+)"/g)) expect(files, `${name} imports ${specifier}`).toContain(specifier!.slice(2));
        for (const [, specifier] of code.matchAll(/import\(\s*"(\.\/[^"]+)"\s*\)/g)) {
          expect(files, `${name} loads ${specifier} on first use`).toContain(specifier!.slice(2));
          dynamicImports.push(specifier!);
        }
      }
      // The SDK clients some events need (SNS, SQS, SSM, STS) are chunks loaded on first use.
      expect(dynamicImports.length, file).toBeGreaterThanOrEqual(4);
      // The entry first, as Lambda imports it; then every chunk, as the adapters' first calls would.
      const script = [file, ...files.filter((name) => name !== file)].map((name) => `await import(${JSON.stringify(join(dir, name))});`).join("\n");
      const loaded = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, AWS_REGION: "eu-west-1" } });
      expect(loaded.status, loaded.stderr).toBe(0);
    }
  });

  it("get the table, topic, queue, the validated policy and logging settings in their environment", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    for (const fn of [clusterEvent, settle]) {
      const variables = fn.properties.Environment.Variables as Record<string, unknown>;
      expect(variables).toMatchObject({
        TABLE_NAME: { Ref: expect.stringMatching(/^StateTable/) },
        ALERTS_TOPIC_ARN: { Ref: expect.stringMatching(/^AlertsTopic/) },
        SETTLE_QUEUE_URL: { Ref: expect.stringMatching(/^SettleQueue/) },
        // The default historyRetentionDays, for DynamoStateStore's history TTL.
        HISTORY_RETENTION_DAYS: "400",
        LOG_LEVEL: "INFO",
      });
      expect(JSON.parse(variables["POLICY"] as string)).toEqual(JSON.parse(JSON.stringify(defaultPolicy())));
    }
    expect(clusterEvent.properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe("eks-warden-cluster-event");
    expect(settle.properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe("eks-warden-settle");
    // cluster-event alone: the health topic (the monitor's identity used outside remediation) and the deployment's
    // account (events of accounts the policy does not list are dropped).
    expect(clusterEvent.properties.Environment.Variables).toMatchObject({ HEALTH_TOPIC_ARN: { Ref: expect.stringMatching(/^HealthTopic/) }, DEPLOYMENT_ACCOUNT: { Ref: "AWS::AccountId" } });
    expect(settle.properties.Environment.Variables.DEPLOYMENT_ACCOUNT).toBeUndefined();
  });

  it("log to their own groups with a retention period", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    const groups = resourcesOfType(template, "AWS::Logs::LogGroup");
    for (const fn of [clusterEvent, settle]) {
      const groupId = fn.properties.LoggingConfig.LogGroup.Ref as string;
      expect(groups[groupId]?.Properties.RetentionInDays).toBe(90);
    }
  });

  it("settle consumes the settle queue reporting partial batch failures", () => {
    const { settle } = wardenFunctions(template);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: settle.id },
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^SettleQueue"), "Arn"] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("cluster-event consumes the event queue reporting partial batch failures", () => {
    const { clusterEvent } = wardenFunctions(template);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: clusterEvent.id },
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ClusterEventQueue"), "Arn"] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });
});

describe("queues", () => {
  it("settle queue delays delivery, is encrypted, and sends repeated failures to its dead-letter queue", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      DelaySeconds: 30,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^SettleDeadLetterQueue"), "Arn"] }, maxReceiveCount: 5 },
    });
  });

  it("settle queue and handlers are what core/deployment says, the constants the local system is built from", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      DelaySeconds: SETTLE_QUEUE.deliveryDelaySeconds,
      VisibilityTimeout: SETTLE_QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: SETTLE_QUEUE.maxReceiveCount },
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", { BatchSize: SETTLE_QUEUE.batchSize, FunctionResponseTypes: ["ReportBatchItemFailures"] });
    const { clusterEvent, settle } = wardenFunctions(template);
    expect(clusterEvent.properties.Handler).toBe(HANDLERS.clusterEvent.handler);
    expect(settle.properties.Handler).toBe(HANDLERS.settle.handler);
    for (const fn of [clusterEvent, settle]) {
      expect(fn.properties.Timeout).toBe(FUNCTION_TIMEOUT_SECONDS);
      const names = Object.keys(fn.properties.Environment.Variables as Record<string, unknown>);
      for (const name of [FUNCTION_ENV.tableName, FUNCTION_ENV.alertsTopicArn, FUNCTION_ENV.settleQueueUrl, FUNCTION_ENV.policy]) expect(names).toContain(name);
    }
  });

  it("no function's environment carries a local-only setting (the wait scale, the event-ahead bound, path-style buckets)", () => {
    const localOnly: string[] = [FUNCTION_ENV.localWaitScale, FUNCTION_ENV.maxEventAheadSeconds, FUNCTION_ENV.reportBucketPathStyle];
    const functions = Object.values(resourcesOfType(template, "AWS::Lambda::Function"));
    const withEnvironment = functions.filter((fn) => fn.Properties.Environment?.Variables);
    // Every handler of the description has its environment; none of them has one of these.
    expect(withEnvironment.length).toBeGreaterThanOrEqual(Object.keys(HANDLERS).length);
    for (const fn of withEnvironment) {
      const names = Object.keys(fn.Properties.Environment.Variables as Record<string, unknown>);
      expect(names.filter((name) => localOnly.includes(name)), String(fn.Properties.Handler)).toEqual([]);
    }
  });

  it("every queue is encrypted and refuses requests without TLS", () => {
    const queues = resourcesOfType(template, "AWS::SQS::Queue");
    // the event queue, settle, its dead-letter queue, the dead-letter queues of cluster-event, tamper, sweep and
    // digest, and the two archives that keep the dead letters of cluster-event and settle.
    expect(Object.keys(queues)).toHaveLength(9);
    for (const queue of Object.values(queues)) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(resourcesOfType(template, "AWS::SQS::QueuePolicy"));
    expect(policies).toHaveLength(9);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });
});

describe("alarms", () => {
  const alarms = () => Object.values(resourcesOfType(template, "AWS::CloudWatch::Alarm")).map((alarm) => alarm.Properties);
  const named = (suffix: string) => {
    const found = alarms().find((alarm) => alarm.AlarmName === `test-eks-warden-Warden-${suffix}`);
    if (!found) throw new Error(`no alarm ${suffix}; alarms: ${alarms().map((alarm) => alarm.AlarmName).join(", ")}`);
    return found;
  };

  it("have stack-scoped names and notify the health topic, never the alerts topic", () => {
    expect(alarms()).toHaveLength(21);
    for (const alarm of alarms()) {
      expect(alarm.AlarmName).toMatch(/^test-eks-warden-Warden-[A-Za-z]+$/);
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^HealthTopic/) }]);
    }
  });

  it("fire on one bad thing per period: dead letters sent, function errors, rejected events", () => {
    const watched = alarms()
      .filter((alarm) => alarm.MetricName)
      .map((alarm) => `${alarm.Namespace} ${alarm.MetricName} ${alarm.Statistic} ${alarm.Period} ${JSON.stringify(alarm.Dimensions[0].Value)}`)
      .sort();
    expect(watched).toEqual([
      expect.stringMatching(/^AWS\/Lambda Errors Sum 300 .*ClusterEvent/),
      expect.stringMatching(/^AWS\/Lambda Errors Sum 300 .*DeadLetter/),
      expect.stringMatching(/^AWS\/Lambda Errors Sum 300 .*Digest/),
      expect.stringMatching(/^AWS\/Lambda Errors Sum 300 .*Settle/),
      expect.stringMatching(/^AWS\/Lambda Errors Sum 300 .*Sweep/),
      expect.stringMatching(/^AWS\/Lambda Errors Sum 300 .*Tamper/),
      expect.stringMatching(/^AWS\/SQS ApproximateAgeOfOldestMessage Maximum 300 .*ClusterEventQueue/),
      expect.stringMatching(/^AWS\/SQS ApproximateAgeOfOldestMessage Maximum 300 .*SettleQueue/),
      expect.stringMatching(/^AWS\/SQS NumberOfMessagesSent Sum 300 .*DigestDeadLetterQueue/),
      expect.stringMatching(/^AWS\/SQS NumberOfMessagesSent Sum 300 .*SweepDeadLetterQueue/),
      expect.stringMatching(/^AWS\/SQS NumberOfMessagesSent Sum 300 .*TamperDeadLetterQueue/),
      'EksWarden DigestSucceeded Sum 86400 "digest"',
      'EksWarden Event_future Sum 300 "cluster-event"',
      'EksWarden Event_rejected Sum 300 "cluster-event"',
      // Events of accounts the policy does not list: dropped and counted, one health line a day at most (issue 22, item 10).
      'EksWarden Event_unlisted-account Sum 86400 "cluster-event"',
      'EksWarden HeartbeatPublished Sum 21600 "tamper"',
      // A scheduled event that is not the heartbeat rule: refused, sends nothing, counted; someone is probing.
      'EksWarden HeartbeatRejected Sum 300 "tamper"',
      'EksWarden SweepSucceeded Sum 21600 "sweep"',
    ]);
    expect(named("RejectedEvents").Dimensions).toEqual([{ Name: "service", Value: "cluster-event" }]);
    expect(named("FutureEvents").Dimensions).toEqual([{ Name: "service", Value: "cluster-event" }]);
    expect(named("UnlistedAccountEvents").Dimensions).toEqual([{ Name: "service", Value: "cluster-event" }]);
    // Every alarm but the ones on time (below) fires on the first bad thing of a period.
    for (const alarm of alarms().filter((candidate) => !/(HeartbeatMissing|Missed|QueueStalled|DeadLettersUnreported)$/.test(candidate.AlarmName))) {
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching" });
    }
  });

  it("watch the settle dead-letter queue's growth or its consumer's receives, since SQS does not count redriven messages as sent", () => {
    const settle = named("SettleDeadLetters");
    expect(settle.MetricName).toBeUndefined();
    const [expression, ...inputs] = settle.Metrics;
    expect(expression).toMatchObject({ Expression: "MAX([DIFF(FILL(visible, 0)), FILL(received, 0)])", ReturnData: true });
    const settleDeadLetters = [{ Value: { "Fn::GetAtt": [expect.stringMatching(/^SettleDeadLetterQueue/), "QueueName"] } }];
    expect(inputs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: "visible", ReturnData: false, MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ Namespace: "AWS/SQS", MetricName: "ApproximateNumberOfMessagesVisible", Dimensions: [expect.objectContaining(settleDeadLetters[0])] }), Period: 300, Stat: "Maximum" }) }),
        // The dead-letter function drains the queue within seconds: a letter may never be seen waiting, but is received.
        expect.objectContaining({ Id: "received", ReturnData: false, MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ Namespace: "AWS/SQS", MetricName: "NumberOfMessagesReceived", Dimensions: [expect.objectContaining(settleDeadLetters[0])] }), Period: 300, Stat: "Sum" }) }),
      ]),
    );
    expect(inputs).toHaveLength(2);
    expect(settle).toMatchObject({ EvaluationPeriods: 6, DatapointsToAlarm: 1, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
    // No alarm on a dead-letter queue's depth: it stays in ALARM after the first message and hides the next.
    for (const alarm of alarms()) expect(alarm.MetricName).not.toBe("ApproximateNumberOfMessagesVisible");
  });

  it("notice a settle queue nobody consumes: its oldest message over an hour old for 15 minutes", () => {
    expect(named("SettleQueueStalled")).toMatchObject({ Threshold: 3600, ComparisonOperator: "GreaterThanOrEqualToThreshold", EvaluationPeriods: 3, TreatMissingData: "notBreaching" });
  });

  it("notice an event queue nobody consumes, and watch its dead letters' growth, receives and sends (redrive is not counted as sent)", () => {
    expect(named("ClusterEventQueueStalled")).toMatchObject({ Threshold: 3600, ComparisonOperator: "GreaterThanOrEqualToThreshold", EvaluationPeriods: 3, TreatMissingData: "notBreaching" });
    const deadLetters = named("ClusterEventDeadLetters");
    const [expression, ...inputs] = deadLetters.Metrics;
    expect(expression).toMatchObject({ Expression: "MAX([DIFF(FILL(visible, 0)), FILL(received, 0), FILL(sent, 0)])", ReturnData: true });
    expect(inputs.map((input: { Id: string; MetricStat: { Metric: { MetricName: string } } }) => `${input.Id} ${input.MetricStat.Metric.MetricName}`).sort()).toEqual([
      "received NumberOfMessagesReceived",
      "sent NumberOfMessagesSent",
      "visible ApproximateNumberOfMessagesVisible",
    ]);
    expect(deadLetters).toMatchObject({ EvaluationPeriods: 6, DatapointsToAlarm: 1, Threshold: 1 });
  });

  it("notice dead letters nobody announces: the oldest in either dead-letter queue over an hour old for 15 minutes", () => {
    const unreported = named("DeadLettersUnreported");
    expect(unreported).toMatchObject({ Threshold: 3600, ComparisonOperator: "GreaterThanOrEqualToThreshold", EvaluationPeriods: 3, TreatMissingData: "notBreaching" });
    const [expression, ...ages] = unreported.Metrics;
    expect(expression).toMatchObject({ Expression: "MAX([clusterEvent, settle])", ReturnData: true });
    expect(ages.map((age: { MetricStat: { Metric: { MetricName: string; Dimensions: { Value: { "Fn::GetAtt": string[] } }[] } } }) => `${age.MetricStat.Metric.MetricName} ${age.MetricStat.Metric.Dimensions[0]!.Value["Fn::GetAtt"][0]!.replace(/[0-9A-F]{8}$/, "")}`).sort()).toEqual([
      "ApproximateAgeOfOldestMessage ClusterEventDeadLetterQueue",
      "ApproximateAgeOfOldestMessage SettleDeadLetterQueue",
    ]);
  });

  it("treat a sweep with no successful run for 30 hours, and a digest with none in the 7 days before a midnight, as a breach", () => {
    expect(named("SweepMissed")).toMatchObject({ Namespace: "EksWarden", MetricName: "SweepSucceeded", Dimensions: [{ Name: "service", Value: "sweep" }], ComparisonOperator: "LessThanThreshold", Threshold: 1, TreatMissingData: "breaching", Period: 21600, EvaluationPeriods: 5, DatapointsToAlarm: 5 });
    expect(named("DigestMissed")).toMatchObject({ Namespace: "EksWarden", MetricName: "DigestSucceeded", Dimensions: [{ Name: "service", Value: "digest" }], ComparisonOperator: "LessThanThreshold", Threshold: 1, TreatMissingData: "breaching", Period: 86400, EvaluationPeriods: 7, DatapointsToAlarm: 7 });
  });

  it("treat a missing heartbeat for 30 hours as a breach", () => {
    expect(named("HeartbeatMissing")).toMatchObject({
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Period: 21600,
    });
  });
});

describe("IAM", () => {
  it("allows no wildcard action in any policy (IAM, key, topic, queue); a wildcard only denies requests without TLS", () => {
    const statements = allPolicyStatements(template);
    expect(statements.length).toBeGreaterThan(15);
    const wildcard = /^\*$|^[a-z0-9-]+:\*$/;
    for (const { where, statement } of statements) {
      const actions = [statement.Action ?? [], statement.NotAction ?? []].flat() as string[];
      expect(statement.NotAction, where).toBeUndefined();
      if (statement.Effect === "Allow") {
        for (const action of actions) expect(action, where).not.toMatch(wildcard);
      } else if (actions.some((action) => wildcard.test(action))) {
        // cdk-nag SQS4 wants the whole service denied over plain HTTP; that Deny takes rights away, it grants none.
        expect(statement, where).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
      }
    }
  });

  it("grants remediation (eks:UpdateClusterConfig) to nobody while remediation is off", () => {
    const actions = allPolicyStatements(template).flatMap(({ statement }) => [statement.Action ?? []].flat() as string[]);
    expect(actions).not.toContain("eks:UpdateClusterConfig");
  });

  it("gives each function only its table, topic, key and queue, and EKS reads scoped to the account's clusters", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    for (const fn of [clusterEvent, settle]) {
      const statements = allPolicyStatements(template).filter(({ where }) => where.startsWith(`${fn.roleId}:`)).map(({ statement }) => statement);
      const byAction = new Map(statements.flatMap((statement) => ([statement.Action].flat() as string[]).map((action) => [action, statement.Resource] as const)));
      expect(byAction.get("dynamodb:PutItem")).toEqual({ "Fn::GetAtt": [expect.stringMatching(/^StateTable/), "Arn"] });
      // Every statement's resources for an action (cluster-event publishes to the health topic too, in a statement of its own).
      const allOf = (action: string) => statements.filter((statement) => ([statement.Action].flat() as string[]).includes(action)).flatMap((statement) => [statement.Resource].flat().map(flat)).sort();
      const alsoHealth = fn === clusterEvent;
      expect(allOf("sns:Publish")).toEqual([expect.stringMatching(/^<Ref AlertsTopic/), ...(alsoHealth ? [expect.stringMatching(/^<Ref HealthTopic/)] : [])]);
      expect(allOf("kms:GenerateDataKey")).toEqual([expect.stringMatching(/^<AlertsKey[0-9A-F]+\.Arn>$/), ...(alsoHealth ? [expect.stringMatching(/^<HealthKey[0-9A-F]+\.Arn>$/)] : [])]);
      expect(byAction.get("eks:DescribeCluster")).toEqual({
        "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":eks:us-east-1:", { Ref: "AWS::AccountId" }, ":cluster/*"]],
      });
      // The actions without resource-level permissions, and nothing else, have Resource "*".
      const unscoped = statements.filter((statement) => statement.Resource === "*").flatMap((statement) => [statement.Action].flat());
      expect(unscoped).toEqual(["eks:DescribeAddonVersions", "eks:DescribeClusterVersions"]);
      expect(byAction.get("eks:ListInsights")).toEqual(byAction.get("eks:DescribeCluster"));
      expect(byAction.get("eks:DescribeInsight")).toEqual(byAction.get("eks:DescribeCluster"));
    }
  });
});

describe("health topic", () => {
  it("is encrypted with a key of its own, which rotates, and refuses publishing without TLS", () => {
    const [healthKeyId, healthKey] = keyOf("HealthKey");
    expect(healthKey.Properties.EnableKeyRotation).toBe(true);
    expect(topicOf("HealthTopic")[1].Properties.KmsMasterKeyId).toEqual({ "Fn::GetAtt": [healthKeyId, "Arn"] });
    const [topicId] = topicOf("HealthTopic");
    const policy = Object.values(resourcesOfType(template, "AWS::SNS::TopicPolicy")).find((candidate) => candidate.Properties.Topics.some((topic: unknown) => flat(topic) === `<Ref ${topicId}>`));
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Principal: "*", Action: "sns:Publish", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });

  it("lets CloudWatch publish and use its key only for this stack's alarms, named exactly", () => {
    const alarmNames = Object.values(resourcesOfType(template, "AWS::CloudWatch::Alarm")).map((alarm) => alarm.Properties.AlarmName as string).sort();
    expect(alarmNames).toHaveLength(21);
    const fromCloudWatch = allPolicyStatements(template).filter(({ statement }) => JSON.stringify(statement.Principal ?? {}).includes("cloudwatch.amazonaws.com"));
    expect(fromCloudWatch.map(({ where }) => where.replace(/[0-9A-F]{8}$/, "")).sort()).toEqual(["HealthKey", "HealthTopicPolicy"]);
    for (const { where, statement } of fromCloudWatch) {
      expect(statement.Effect, where).toBe("Allow");
      expect(statement.Condition.StringEquals, where).toEqual({ "aws:SourceAccount": { Ref: "AWS::AccountId" } });
      const arns = (statement.Condition.ArnEquals["aws:SourceArn"] as unknown[]).map(flat).sort();
      expect(arns, where).toEqual(alarmNames.map((name) => `arn:<Ref AWS::Partition>:cloudwatch:<Ref AWS::Region>:<Ref AWS::AccountId>:alarm:${name}`));
    }
  });

  it("every service principal anywhere carries aws:SourceAccount and aws:SourceArn, or is EventBridge's dead-letter delivery", () => {
    let checked = 0;
    for (const { where, statement } of allPolicyStatements(template)) {
      const services = [statement.Principal?.Service ?? []].flat() as string[];
      if (services.length === 0 || where.endsWith(":trust")) continue;
      if (services.includes("events.amazonaws.com")) {
        // EventBridge sends to the event queue, and undeliverable events to a dead-letter queue: CDK conditions it on the rule's ARN.
        expect(where, JSON.stringify(statement)).toMatch(/(DeadLetterQueue|ClusterEventQueue)Policy/);
        expect(Object.keys(statement.Condition.ArnEquals), where).toEqual(["aws:SourceArn"]);
        continue;
      }
      expect(statement.Condition?.StringEquals?.["aws:SourceAccount"], where).toBeDefined();
      expect(statement.Condition?.ArnEquals?.["aws:SourceArn"], where).toBeDefined();
      checked += 1;
    }
    expect(checked).toBe(2); // CloudWatch on the health topic and on its key
  });

  it("lets only CloudWatch, the tamper, dead-letter and cluster-event functions use its key; the account administers it without using it", () => {
    const { tamper } = tamperFunction();
    const deadLetter = deadLetterFunction();
    const { clusterEvent } = wardenFunctions(template);
    const statements = keyOf("HealthKey")[1].Properties.KeyPolicy.Statement as { Sid: string; Principal: Record<string, unknown>; Action: string[] }[];
    const users = statements.filter((statement) => [statement.Action].flat().some((action) => ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"].includes(action)));
    // cluster-event tells the health topic when the monitor's remediation identity is used outside remediation.
    expect(users.map((statement) => statement.Sid).sort()).toEqual(["ClusterEventFunctionPublishes", "DeadLetterFunctionPublishes", "TamperFunctionPublishes", "ThisStacksAlarmsPublishToTheEncryptedTopic"]);
    expect(flat(users.find((statement) => statement.Sid === "ClusterEventFunctionPublishes")!.Principal["AWS"])).toBe(`<${clusterEvent.roleId}.Arn>`);
    expect(flat(users.find((statement) => statement.Sid === "TamperFunctionPublishes")!.Principal["AWS"])).toBe(`<${tamper.roleId}.Arn>`);
    expect(flat(users.find((statement) => statement.Sid === "DeadLetterFunctionPublishes")!.Principal["AWS"])).toBe(`<${deadLetter.roleId}.Arn>`);
    const admin = statements.find((statement) => statement.Sid === "AccountAdministersTheKey")!;
    expect(admin.Action).toEqual(expect.arrayContaining(["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]));
    // No grant on the health key: nothing of the stack needs one, and a grant would hand its use outside the policy.
    expect(statements.filter((statement) => [statement.Action].flat().includes("kms:CreateGrant")).map((statement) => statement.Sid)).toEqual([]);
  });

  it("has no e-mail subscription when the configuration lists none (healthEmails defaults to alertEmails)", () => {
    template.resourceCountIs("AWS::SNS::Subscription", 0);
  });
});

function deadLetterFunction() {
  const functions = Object.entries(resourcesOfType(template, "AWS::Lambda::Function")).filter(([, fn]) => fn.Properties.Handler === HANDLERS.deadLetter.handler);
  expect(functions).toHaveLength(1);
  const [id, fn] = functions[0]!;
  return { id, roleId: fn.Properties.Role["Fn::GetAtt"][0] as string, properties: fn.Properties };
}

function tamperFunction() {
  const functions = Object.entries(resourcesOfType(template, "AWS::Lambda::Function")).filter(([, fn]) => fn.Properties.Handler === "packages/functions/src/tamper.handler");
  expect(functions).toHaveLength(1);
  const [id, fn] = functions[0]!;
  return { tamper: { id, roleId: fn.Properties.Role["Fn::GetAtt"][0] as string, properties: fn.Properties } };
}

describe("tamper rules and heartbeat", () => {
  const STACK = "test-eks-warden-Warden";
  const rulesByName = () => new Map(Object.values(resourcesOfType(template, "AWS::Events::Rule")).map((rule) => [rule.Properties.Name as string, rule.Properties]));

  /** The deployed pattern with the template's references replaced by concrete identifiers, as AWS resolves them. */
  function resolved(pattern: unknown, values: Record<string, string>): unknown {
    if (Array.isArray(pattern)) return pattern.map((item) => resolved(item, values));
    if (pattern && typeof pattern === "object") {
      const node = pattern as Record<string, unknown>;
      if ("Ref" in node || "Fn::GetAtt" in node || "Fn::Join" in node) {
        const text = flat(node);
        return text.replace(/<[^>]+>/g, (token) => {
          if (!(token in values)) throw new Error(`no value for ${token}`);
          return values[token]!;
        });
      }
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolved(value, values)]));
    }
    return pattern;
  }

  it("names every rule under the stack, one per tamper pattern, plus cluster-events and the heartbeat", () => {
    expect([...rulesByName().keys()].sort()).toEqual(
      [`${STACK}-cluster-events`, `${STACK}-heartbeat`, ...tamperRuleIds({ centralEventBus: false }).map((id) => `${STACK}-tamper-${id}`)].sort(),
    );
  });

  it("send every tamper event and the daily heartbeat to the tamper function, with retries and a dead-letter queue", () => {
    const { tamper } = tamperFunction();
    for (const [name, rule] of rulesByName()) {
      if (name.endsWith("-cluster-events")) continue;
      expect(rule.Targets, name).toEqual([
        expect.objectContaining({
          Arn: { "Fn::GetAtt": [tamper.id, "Arn"] },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": [expect.stringMatching(/^TamperDeadLetterQueue/), "Arn"] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        }),
      ]);
    }
    expect(rulesByName().get(`${STACK}-heartbeat`)?.ScheduleExpression).toBe("rate(1 day)");
    expect(tamper.properties.DeadLetterConfig).toEqual({ TargetArn: { "Fn::GetAtt": [expect.stringMatching(/^TamperDeadLetterQueue/), "Arn"] } });
  });

  it("deploy core's patterns, and catch tampering with this stack's own rules, keys, topics, alarms and any trail", () => {
    const [alertsKeyId] = keyOf("AlertsKey");
    const [healthKeyId] = keyOf("HealthKey");
    const [alertsTopicId] = topicOf("AlertsTopic");
    const [healthTopicId] = topicOf("HealthTopic");
    const ids = { alerts: "1234abcd-12ab-34cd-56ef-1234567890ab", health: "9876fedc-98fe-76dc-54ba-0987654321fe" };
    const arn = {
      alertsKey: `arn:aws:kms:us-east-1:111122223333:key/${ids.alerts}`,
      healthKey: `arn:aws:kms:us-east-1:111122223333:key/${ids.health}`,
      alertsTopic: `arn:aws:sns:us-east-1:111122223333:${STACK}-AlertsTopic-Ab1Cd2Ef3Gh4`,
      healthTopic: `arn:aws:sns:us-east-1:111122223333:${STACK}-HealthTopic-Xy9Z8w7V6u5T`,
    };
    const scheduled = [HANDLERS.sweep.handler, HANDLERS.digest.handler].map((handler) => Object.entries(resourcesOfType(template, "AWS::Lambda::Function")).find(([, fn]) => fn.Properties.Handler === handler)![0]);
    const fns = [...Object.values(wardenFunctions(template)).concat(tamperFunction().tamper, deadLetterFunction()).map((fn) => fn.id), ...scheduled];
    const queueIds = Object.keys(resourcesOfType(template, "AWS::SQS::Queue"));
    const queueName = (id: string) => `${STACK}-${id}-Qu123456`;
    const [tableId] = byPrefix("AWS::DynamoDB::Table", "");
    const table = { name: `${STACK}-StateTable-Tb123456`, arn: `arn:aws:dynamodb:us-east-1:111122223333:table/${STACK}-StateTable-Tb123456` };
    const scheduleIds = Object.keys(resourcesOfType(template, "AWS::Scheduler::Schedule"));
    const scheduleName = (id: string) => `${id}-Sc123456`;
    const mappingIds = Object.keys(resourcesOfType(template, "AWS::Lambda::EventSourceMapping"));
    const mappingUuid = (id: string) => `00000000-0000-4000-8000-${String(mappingIds.indexOf(id)).padStart(12, "0")}`;
    const functionName = (id: string) => `${STACK}-${id}-Fn123456`;
    const functionArn = (id: string) => `arn:aws:lambda:us-east-1:111122223333:function:${functionName(id)}`;
    const values = {
      ...Object.fromEntries(fns.flatMap((id) => [[`<Ref ${id}>`, functionName(id)], [`<${id}.Arn>`, functionArn(id)]])),
      [`<Ref ${alertsKeyId}>`]: ids.alerts,
      [`<Ref ${healthKeyId}>`]: ids.health,
      [`<${alertsKeyId}.Arn>`]: arn.alertsKey,
      [`<${healthKeyId}.Arn>`]: arn.healthKey,
      [`<Ref ${alertsTopicId}>`]: arn.alertsTopic,
      [`<Ref ${healthTopicId}>`]: arn.healthTopic,
      ...Object.fromEntries(queueIds.map((id) => [`<${id}.QueueName>`, queueName(id)])),
      [`<Ref ${tableId}>`]: table.name,
      [`<${tableId}.Arn>`]: table.arn,
      ...Object.fromEntries(scheduleIds.map((id) => [`<Ref ${id}>`, scheduleName(id)])),
      ...Object.fromEntries(mappingIds.map((id) => [`<Ref ${id}>`, mappingUuid(id)])),
      "<Ref AWS::AccountId>": "111122223333",
    };
    const patterns = new Map([...rulesByName()].filter(([name]) => name.includes("-tamper-")).map(([name, rule]) => [name.replace(`${STACK}-tamper-`, ""), resolved(rule.EventPattern, values) as TamperPattern]));
    // What core builds for these very resources is what is deployed.
    const alarmNames = Object.values(resourcesOfType(template, "AWS::CloudWatch::Alarm")).map((alarm) => alarm.Properties.AlarmName as string);
    const expected = tamperRules({
      ruleNames: [`${STACK}-cluster-events`, `${STACK}-heartbeat`, ...tamperRuleIds({ centralEventBus: false }).map((id) => `${STACK}-tamper-${id}`)],
      keyArns: [arn.alertsKey, arn.healthKey],
      keyIds: [ids.alerts, ids.health],
      topicArns: [arn.alertsTopic, arn.healthTopic],
      alarmNames,
      functionNames: fns.map(functionName),
      functionArns: fns.map(functionArn),
      queues: queueIds.map((id) => ({ account: "111122223333", name: queueName(id) })),
      table,
      scheduleNames: scheduleIds.map(scheduleName),
      eventSourceMappingIds: mappingIds.map(mappingUuid),
    });
    // The same values in each list; their order is the stack's and means nothing to EventBridge.
    const unordered = (pattern: unknown): unknown =>
      Array.isArray(pattern)
        ? pattern.map(unordered).sort((left, right) => JSON.stringify(left).localeCompare(JSON.stringify(right)))
        : pattern && typeof pattern === "object"
          ? Object.fromEntries(Object.entries(pattern).map(([key, value]) => [key, unordered(value)]))
          : pattern;
    expect(unordered(Object.fromEntries(patterns))).toEqual(unordered(Object.fromEntries(expected.map((rule) => [rule.id, rule.pattern]))));

    const caught = (source: string, eventSource: string, eventName: string, requestParameters: Record<string, unknown>, more: Record<string, unknown> = {}) => {
      const event = { source, "detail-type": "AWS API Call via CloudTrail", detail: { eventSource, eventName, requestParameters, ...more } };
      return [...patterns].filter(([, pattern]) => matchesTamperPattern(pattern, event)).map(([id]) => id);
    };
    expect(caught("aws.cloudtrail", "cloudtrail.amazonaws.com", "StopLogging", { name: "any-trail" })).toEqual(["trail"]);
    expect(caught("aws.events", "events.amazonaws.com", "DisableRule", { name: `${STACK}-cluster-events` })).toEqual(["rule"]);
    expect(caught("aws.events", "events.amazonaws.com", "DeleteRule", { name: `${STACK}-tamper-rule` })).toEqual(["rule"]);
    expect(caught("aws.events", "events.amazonaws.com", "RemoveTargets", { rule: `${STACK}-heartbeat`, ids: ["Target0"] })).toEqual(["targets"]);
    expect(caught("aws.events", "events.amazonaws.com", "DisableRule", { name: "someone-elses-rule" })).toEqual([]);
    expect(caught("aws.kms", "kms.amazonaws.com", "ScheduleKeyDeletion", { keyId: arn.healthKey, pendingWindowInDays: 7 })).toEqual(["key"]);
    expect(caught("aws.kms", "kms.amazonaws.com", "DisableKey", { keyId: ids.alerts })).toEqual(["key"]);
    expect(caught("aws.kms", "kms.amazonaws.com", "PutKeyPolicy", { keyId: ids.health, policyName: "default" })).toEqual(["key"]);
    expect(caught("aws.sns", "sns.amazonaws.com", "DeleteTopic", { topicArn: arn.healthTopic })).toEqual(["topic"]);
    expect(caught("aws.sns", "sns.amazonaws.com", "SetTopicAttributes", { topicArn: arn.alertsTopic, attributeName: "Policy" })).toEqual(["topic"]);
    expect(caught("aws.sns", "sns.amazonaws.com", "Unsubscribe", { subscriptionArn: `${arn.alertsTopic}:0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e` })).toEqual(["unsubscribe"]);
    expect(caught("aws.cloudwatch", "monitoring.amazonaws.com", "DisableAlarmActions", { alarmNames: [`${STACK}-HeartbeatMissing`] })).toEqual(["alarms"]);
    for (const id of fns) {
      expect(caught("aws.lambda", "lambda.amazonaws.com", "PutFunctionConcurrency20171031", { functionName: functionName(id), reservedConcurrentExecutions: 0 }), id).toEqual(["function"]);
      expect(caught("aws.lambda", "lambda.amazonaws.com", "RemovePermission20150331v2", { functionName: functionArn(id), statementId: "x" }), id).toEqual(["function"]);
    }
    // Every queue of the stack: purging, deleting or re-configuring one is CRITICAL; another account's is not ours.
    expect(queueIds).toHaveLength(9);
    for (const id of queueIds) {
      for (const eventName of ["PurgeQueue", "DeleteQueue", "SetQueueAttributes"]) {
        expect(caught("aws.sqs", "sqs.amazonaws.com", eventName, { queueUrl: `https://sqs.us-east-1.amazonaws.com/111122223333/${queueName(id)}` }), `${eventName} ${id}`).toEqual(["queue"]);
      }
      expect(caught("aws.sqs", "sqs.amazonaws.com", "PurgeQueue", { queueUrl: `https://sqs.us-east-1.amazonaws.com/444455556666/${queueName(id)}` }), id).toEqual([]);
    }
    expect(caught("aws.eks", "eks.amazonaws.com", "UpdateClusterConfig", { name: `${STACK}-cluster-events` })).toEqual([]);

    // The state table: re-configured, its TTL moved, deleted, re-policied or restored (issue 22, item 2).
    for (const eventName of ["UpdateTable", "UpdateTimeToLive", "DeleteTable"]) expect(caught("aws.dynamodb", "dynamodb.amazonaws.com", eventName, { tableName: table.name }), eventName).toEqual(["table"]);
    for (const eventName of ["PutResourcePolicy", "DeleteResourcePolicy"]) expect(caught("aws.dynamodb", "dynamodb.amazonaws.com", eventName, { resourceArn: table.arn }), eventName).toEqual(["table"]);
    expect(caught("aws.dynamodb", "dynamodb.amazonaws.com", "RestoreTableToPointInTime", { sourceTableName: table.name, targetTableName: "copy" })).toEqual(["table"]);
    expect(caught("aws.dynamodb", "dynamodb.amazonaws.com", "DeleteTable", { tableName: "someone-elses-table" })).toEqual([]);
    // The channels (item 4): subscriptions, topic permissions and data protection, schedules, grants, queue mappings.
    for (const eventName of ["Subscribe", "AddPermission", "RemovePermission"]) expect(caught("aws.sns", "sns.amazonaws.com", eventName, { topicArn: arn.healthTopic }), eventName).toEqual(["topic"]);
    expect(caught("aws.sns", "sns.amazonaws.com", "PutDataProtectionPolicy", { resourceArn: arn.alertsTopic })).toEqual(["topic"]);
    expect(caught("aws.sns", "sns.amazonaws.com", "SetSubscriptionAttributes", { subscriptionArn: `${arn.healthTopic}:0b1c2d3e`, attributeName: "FilterPolicy", attributeValue: '{"kind":["heartbeat"]}' })).toEqual(["unsubscribe"]);
    expect(scheduleIds).toHaveLength(2);
    for (const id of scheduleIds) {
      for (const eventName of ["UpdateSchedule", "DeleteSchedule"]) expect(caught("aws.scheduler", "scheduler.amazonaws.com", eventName, { name: scheduleName(id) }), `${eventName} ${id}`).toEqual(["schedule"]);
    }
    for (const eventName of ["CreateGrant", "RevokeGrant"]) expect(caught("aws.kms", "kms.amazonaws.com", eventName, { keyId: arn.healthKey }), eventName).toEqual(["grant"]);
    expect(caught("aws.kms", "kms.amazonaws.com", "RetireGrant", { grantToken: "x" }, { resources: [{ ARN: arn.alertsKey }] })).toEqual(["grant"]);
    // The event queue cluster-event reads, settle's queue and the two dead-letter queues dead-letter reads.
    expect(mappingIds).toHaveLength(4);
    for (const id of mappingIds) {
      for (const eventName of ["UpdateEventSourceMapping20150331", "DeleteEventSourceMapping20150331"]) expect(caught("aws.lambda", "lambda.amazonaws.com", eventName, { uUID: mappingUuid(id) }), `${eventName} ${id}`).toEqual(["mapping"]);
    }
    for (const id of fns) expect(caught("aws.lambda", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", { functionName: functionName(id) }), id).toEqual(["function"]);
  });
});

describe("settle queue", () => {
  it("refuses SendMessage from any principal but the two real-time functions' roles, and plain HTTP", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    const [queueId] = byPrefix("AWS::SQS::Queue", "SettleQueue");
    const policies = Object.values(resourcesOfType(template, "AWS::SQS::QueuePolicy")).filter((policy) => policy.Properties.Queues.some((queue: unknown) => flat(queue) === `<Ref ${queueId}>`));
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(statements).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    const senders = statements.find((statement) => statement.Sid === "OnlyWardenFunctionsQueueSettleChecks");
    expect(senders).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" }, Action: "sqs:SendMessage", Resource: { "Fn::GetAtt": [queueId, "Arn"] } });
    expect(senders!.Condition.ArnNotEquals["aws:PrincipalArn"].map(flat).sort()).toEqual([`<${clusterEvent.roleId}.Arn>`, `<${settle.roleId}.Arn>`].sort());
  });
});

describe("dead letters: one health alert each, then kept for redrive", () => {
  const queueId = (prefix: string) => byPrefix("AWS::SQS::Queue", prefix)[0];

  it("each dead-letter queue of the alert path redrives into an archive that keeps letters 14 days", () => {
    // SQS keeps a redriven message's receive count: the settle checks arrive received 6 times, and their consumer
    // still gets 5 tries before the archive takes them unannounced.
    for (const [deadLetters, archive, tries] of [
      ["ClusterEventDeadLetterQueue", "ClusterEventDeadLetterArchive", CLUSTER_EVENT_QUEUE.maxReceiveCount + 1 + 5],
      ["SettleDeadLetterQueue", "SettleDeadLetterArchive", SETTLE_QUEUE.maxReceiveCount + 1 + 5],
    ] as const) {
      const [, queue] = byPrefix("AWS::SQS::Queue", deadLetters);
      expect(queue.Properties.RedrivePolicy, deadLetters).toEqual({ deadLetterTargetArn: { "Fn::GetAtt": [queueId(archive), "Arn"] }, maxReceiveCount: tries });
      // Lambda refuses an SQS event source whose visibility timeout is shorter than the function's timeout.
      expect(queue.Properties.VisibilityTimeout, deadLetters).toBeGreaterThanOrEqual(FUNCTION_TIMEOUT_SECONDS);
      expect(byPrefix("AWS::SQS::Queue", archive)[1].Properties.MessageRetentionPeriod, archive).toBe(14 * 86_400);
    }
  });

  it("the dead-letter function consumes both dead-letter queues one letter at a time, reporting failures one by one", () => {
    const deadLetter = deadLetterFunction();
    const mappings = Object.values(resourcesOfType(template, "AWS::Lambda::EventSourceMapping"))
      .map((mapping) => mapping.Properties)
      .filter((mapping) => flat(mapping.FunctionName) === `<Ref ${deadLetter.id}>`);
    expect(mappings.map((mapping) => flat(mapping.EventSourceArn).replace(/[0-9A-F]{8}\.Arn>$/, ">")).sort()).toEqual(["<ClusterEventDeadLetterQueue>", "<SettleDeadLetterQueue>"]);
    for (const mapping of mappings) expect(mapping).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ["ReportBatchItemFailures"] });
    expect(deadLetter.properties.Environment.Variables).toMatchObject({
      [FUNCTION_ENV.healthTopicArn]: { Ref: expect.stringMatching(/^HealthTopic/) },
      [FUNCTION_ENV.clusterEventDeadLetterQueueArn]: { "Fn::GetAtt": [queueId("ClusterEventDeadLetterQueue"), "Arn"] },
      [FUNCTION_ENV.clusterEventDeadLetterArchiveUrl]: { Ref: queueId("ClusterEventDeadLetterArchive") },
      [FUNCTION_ENV.settleDeadLetterQueueArn]: { "Fn::GetAtt": [queueId("SettleDeadLetterQueue"), "Arn"] },
      [FUNCTION_ENV.settleDeadLetterArchiveUrl]: { Ref: queueId("SettleDeadLetterArchive") },
      POWERTOOLS_SERVICE_NAME: "eks-warden-dead-letter",
    });
    // The health topic only: no alerts topic, no table, no policy.
    for (const name of [FUNCTION_ENV.alertsTopicArn, FUNCTION_ENV.tableName, FUNCTION_ENV.policy]) expect(deadLetter.properties.Environment.Variables[name]).toBeUndefined();
  });

  it("grants the dead-letter function its two queues, sending to the two archives, and publishing to the health topic, nothing else", () => {
    const deadLetter = deadLetterFunction();
    const statements = allPolicyStatements(template).filter(({ where }) => where.startsWith(`${deadLetter.roleId}:`) && !where.endsWith(":trust")).map(({ statement }) => statement);
    const grants = statements.map((statement) => `${[statement.Action].flat().join(",")} -> ${[statement.Resource].flat().map(flat).map((text) => text.replace(/[0-9A-F]{8}(\.Arn)?>/g, ">")).join(",")}`).sort();
    const consume = "sqs:ReceiveMessage,sqs:ChangeMessageVisibility,sqs:GetQueueUrl,sqs:DeleteMessage,sqs:GetQueueAttributes";
    expect(grants).toEqual([
      "kms:GenerateDataKey,kms:Decrypt -> <HealthKey>",
      "logs:CreateLogStream,logs:PutLogEvents -> <DeadLetterLogs>",
      "sns:Publish -> <Ref HealthTopic>",
      `${consume} -> <ClusterEventDeadLetterQueue>`,
      `${consume} -> <SettleDeadLetterQueue>`,
      "sqs:SendMessage -> <ClusterEventDeadLetterArchive>,<SettleDeadLetterArchive>",
    ]);
  });

  it("every queue denies purge, delete and re-configuration to all but the deployment's execution role and the root user", () => {
    const queueIds = Object.keys(resourcesOfType(template, "AWS::SQS::Queue"));
    const policies = Object.values(resourcesOfType(template, "AWS::SQS::QueuePolicy"));
    for (const id of queueIds) {
      const policy = policies.find((candidate) => candidate.Properties.Queues.some((queue: unknown) => flat(queue) === `<Ref ${id}>`));
      const statement = (policy?.Properties.PolicyDocument.Statement as Record<string, any>[] | undefined)?.find((candidate) => candidate.Sid === "OnlyTheDeploymentManagesTheQueue"); // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(statement, id).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" }, Action: ["sqs:PurgeQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes"], Resource: { "Fn::GetAtt": [id, "Arn"] } });
      expect(statement!.Condition.ArnNotEquals["aws:PrincipalArn"], id).toEqual([
        // The CDK bootstrap's default execution role in the stage's region (SST's default synthesizer).
        { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-us-east-1" },
        { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::", { Ref: "AWS::AccountId" }, ":root"]] },
      ]);
    }
  });

  it("only each queue's consumer deletes its messages: settle from the settle queue, dead-letter from the dead-letter queues", () => {
    const { settle } = wardenFunctions(template);
    const deadLetter = deadLetterFunction();
    const consumers = new Map<string, string | undefined>();
    for (const [id, policy] of Object.entries(resourcesOfType(template, "AWS::SQS::QueuePolicy"))) {
      const statement = (policy.Properties.PolicyDocument.Statement as Record<string, any>[]).find((candidate) => candidate.Sid === "OnlyTheConsumerDeletesMessages"); // eslint-disable-line @typescript-eslint/no-explicit-any
      const queue = flat(policy.Properties.Queues[0]).replace(/^<Ref |[0-9A-F]{8}>$/g, "");
      consumers.set(queue, statement && flat(statement.Condition.ArnNotEquals["aws:PrincipalArn"][0]));
      if (statement) expect(statement, id).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" }, Action: "sqs:DeleteMessage" });
    }
    const { clusterEvent } = wardenFunctions(template);
    expect(Object.fromEntries(consumers)).toEqual({
      ClusterEventQueue: `<${clusterEvent.roleId}.Arn>`,
      SettleQueue: `<${settle.roleId}.Arn>`,
      SettleDeadLetterQueue: `<${deadLetter.roleId}.Arn>`,
      ClusterEventDeadLetterQueue: `<${deadLetter.roleId}.Arn>`,
      // The archives are redriven from by the operator; the other dead-letter queues have no consumer.
      SettleDeadLetterArchive: undefined,
      ClusterEventDeadLetterArchive: undefined,
      TamperDeadLetterQueue: undefined,
      SweepDeadLetterQueue: undefined,
      DigestDeadLetterQueue: undefined,
    });
  });
});

describe("tamper function", () => {
  it("publishes to the health and alerts topics with their keys, and gives the tamper function the self-audit's reads on the stack's own resources, and nothing else", () => {
    const { tamper } = tamperFunction();
    expect(tamper.properties.Environment.Variables).toMatchObject({
      HEALTH_TOPIC_ARN: { Ref: expect.stringMatching(/^HealthTopic/) },
      ALERTS_TOPIC_ARN: { Ref: expect.stringMatching(/^AlertsTopic/) },
      POWERTOOLS_SERVICE_NAME: "eks-warden-tamper",
    });
    expect(tamper.properties.Environment.Variables.POLICY).toBeUndefined();
    const statements = allPolicyStatements(template).filter(({ where }) => where.startsWith(`${tamper.roleId}:`) && !where.endsWith(":trust")).map(({ statement }) => statement);
    const grants = statements.map((statement) => `${[statement.Action].flat().join(",")} -> ${[statement.Resource].flat().map(flat).join(",")}`).sort();
    const rule = (name: string) => `arn:<Ref AWS::Partition>:events:<Ref AWS::Region>:<Ref AWS::AccountId>:rule/test-eks-warden-Warden-${name}`;
    const ruleNames = ["cluster-events", "heartbeat", ...tamperRuleIds({ centralEventBus: false }).map((id) => `tamper-${id}`)];
    const mapping = "arn:<Ref AWS::Partition>:lambda:us-east-1:<Ref AWS::AccountId>:event-source-mapping:<Ref ";
    expect(grants).toEqual([
      "cloudtrail:GetTrailStatus,cloudtrail:GetEventSelectors -> arn:<Ref AWS::Partition>:cloudtrail:*:*:trail/*",
      `events:DescribeRule -> ${ruleNames.map(rule).join(",")}`,
      expect.stringMatching(/^kms:DescribeKey -> <AlertsKey[0-9A-F]+\.Arn>,<HealthKey[0-9A-F]+\.Arn>$/),
      expect.stringMatching(/^kms:GenerateDataKey,kms:Decrypt -> <HealthKey[0-9A-F]+\.Arn>,<AlertsKey[0-9A-F]+\.Arn>$/),
      // The four queue mappings: the event queue's, the settle queue's, both dead-letter queues'.
      expect.stringMatching(new RegExp(`^lambda:GetEventSourceMapping -> (${mapping.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\w+>,?){4}$`)),
      expect.stringMatching(/^logs:CreateLogStream,logs:PutLogEvents -> <TamperLogs[0-9A-F]+\.Arn>$/),
      "scheduler:GetSchedule -> arn:<Ref AWS::Partition>:scheduler:<Ref AWS::Region>:<Ref AWS::AccountId>:schedule/default/<Ref SweepSchedule>,arn:<Ref AWS::Partition>:scheduler:<Ref AWS::Region>:<Ref AWS::AccountId>:schedule/default/<Ref DigestSchedule>",
      // No resource type exists for these two reads: "*", in the policy of its own whose suppression says so.
      "sns:GetSubscriptionAttributes,cloudtrail:DescribeTrails -> *",
      expect.stringMatching(/^sns:GetTopicAttributes,sns:ListSubscriptionsByTopic -> <Ref AlertsTopic[0-9A-F]+>,<Ref HealthTopic[0-9A-F]+>$/),
      expect.stringMatching(/^sns:Publish -> <Ref HealthTopic[0-9A-F]+>,<Ref AlertsTopic[0-9A-F]+>$/),
      expect.stringMatching(/^sqs:SendMessage -> <TamperDeadLetterQueue[0-9A-F]+\.Arn>$/),
    ]);
  });

  it("is told what the stack deployed: every rule, the four queue mappings, both schedules, both keys, each topic's key, policy statements and subscriptions, the trail; and the heartbeat rule by its ARN", () => {
    const { tamper } = tamperFunction();
    const intent = JSON.stringify(tamper.properties.Environment.Variables.SELF_AUDIT);
    // CloudFormation joins the JSON with the resources' references: the parts a deployed function reads.
    for (const part of [
      '\\"heartbeatArn\\":\\"arn:',
      ":rule/test-eks-warden-Warden-heartbeat",
      '{\\"name\\":\\"test-eks-warden-Warden-tamper-mapping\\"}',
      '\\"sid\\":\\"ThisStacksAlarmsPublish\\",\\"effect\\":\\"Allow\\",\\"principals\\":[\\"Service:cloudwatch.amazonaws.com\\"],\\"actions\\":[\\"sns:Publish\\"]',
      '\\"sid\\":\\"AllowPublishThroughSSLOnly\\",\\"effect\\":\\"Deny\\"',
      '\\"trail\\":{\\"expect\\":{\\"region\\":\\"',
    ]) {
      expect(intent, part).toContain(part);
    }
    for (const reference of ["SweepSchedule", "DigestSchedule", "SettleSqsEventSource", "ClusterEventSqsEventSource", "HealthKey", "AlertsKey", "HealthTopic", "AlertsTopic"]) expect(intent, reference).toContain(reference);
  });
});

describe("the scheduled path: sweep, digest, their schedules and the report bucket", () => {
  const scheduledFunctions = () => {
    const functions = Object.entries(resourcesOfType(template, "AWS::Lambda::Function"));
    const byHandler = (handler: string) => {
      const [id, resource] = functions.find(([, fn]) => fn.Properties.Handler === handler)!;
      return { id, roleId: resource.Properties.Role["Fn::GetAtt"][0] as string, properties: resource.Properties };
    };
    return { sweep: byHandler(HANDLERS.sweep.handler), digest: byHandler(HANDLERS.digest.handler) };
  };

  it("runs sweep daily and digest weekly from the policy's schedules (UTC), with retries and a dead-letter queue", () => {
    const { sweep, digest } = scheduledFunctions();
    const schedules = Object.values(resourcesOfType(template, "AWS::Scheduler::Schedule")).map((resource) => resource.Properties);
    expect(schedules.map((schedule) => [schedule.ScheduleExpression, schedule.ScheduleExpressionTimezone, schedule.Target.Arn["Fn::GetAtt"][0]]).sort()).toEqual(
      [
        [defaultPolicy().schedules.digest, "UTC", digest.id],
        [defaultPolicy().schedules.sweep, "UTC", sweep.id],
      ].sort(),
    );
    for (const schedule of schedules) {
      expect(schedule.FlexibleTimeWindow).toEqual({ Mode: "OFF" });
      expect(schedule.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 });
      expect(schedule.Target.DeadLetterConfig.Arn["Fn::GetAtt"][0]).toMatch(/^(Sweep|Digest)DeadLetterQueue/);
    }
    // Each schedule's role invokes exactly its function (no version wildcard) and sends only to its dead-letter queue.
    const roles = Object.keys(resourcesOfType(template, "AWS::IAM::Role")).filter((id) => /^(Sweep|Digest)ScheduleRole/.test(id));
    expect(roles).toHaveLength(2);
    for (const role of roles) {
      const statements = allPolicyStatements(template).filter(({ where }) => where.startsWith(`${role}:`) && !where.endsWith(":trust")).map(({ statement }) => statement);
      expect(statements.map((statement) => [statement.Action, statement.Resource["Fn::GetAtt"][0].replace(/[0-9A-F]{8}$/, "")])).toEqual([
        ["lambda:InvokeFunction", role.startsWith("Sweep") ? "Sweep" : "Digest"],
        ["sqs:SendMessage", role.startsWith("Sweep") ? "SweepDeadLetterQueue" : "DigestDeadLetterQueue"],
      ]);
    }
  });

  it("gives the scheduled functions Lambda's maximum timeout, the table and topic, no settle queue, and the digest the bucket", () => {
    const { sweep, digest } = scheduledFunctions();
    for (const fn of [sweep, digest]) {
      expect(fn.properties.Timeout).toBe(900);
      expect(fn.properties.Runtime).toBe("nodejs22.x");
      const variables = fn.properties.Environment.Variables as Record<string, unknown>;
      expect(variables).toMatchObject({ TABLE_NAME: { Ref: expect.stringMatching(/^StateTable/) }, ALERTS_TOPIC_ARN: { Ref: expect.stringMatching(/^AlertsTopic/) } });
      expect(variables[FUNCTION_ENV.settleQueueUrl]).toBeUndefined();
      expect(variables[FUNCTION_ENV.reportBucketPathStyle]).toBeUndefined();
      expect(fn.properties.DeadLetterConfig.TargetArn["Fn::GetAtt"][0]).toMatch(/^(Sweep|Digest)DeadLetterQueue/);
    }
    expect(sweep.properties.Environment.Variables[FUNCTION_ENV.reportBucket]).toBeUndefined();
    expect(digest.properties.Environment.Variables[FUNCTION_ENV.reportBucket]).toEqual({ Ref: expect.stringMatching(/^ReportBucket/) });
  });

  it("grants least privilege: ListClusters and the collector's reads, the table with its Scan, publish, and PutObject under digests/ only for the digest", () => {
    const { sweep, digest } = scheduledFunctions();
    for (const fn of [sweep, digest]) {
      const statements = allPolicyStatements(template).filter(({ where }) => where.startsWith(`${fn.roleId}:`)).map(({ statement }) => statement);
      const actions = statements.flatMap((statement) => [statement.Action].flat() as string[]);
      expect(actions).toEqual(expect.arrayContaining(["eks:ListClusters", "eks:DescribeCluster", "eks:DescribeNodegroup", "eks:DescribeAddon", "dynamodb:Scan", "dynamodb:Query", "sns:Publish", "kms:GenerateDataKey"]));
      expect(actions.filter((action) => action === "eks:UpdateClusterConfig" || action === "eks:DescribeUpdate")).toEqual([]);
      // SQS: only Lambda's own parking of a failed invocation in the function's dead-letter queue (no settle queue).
      const sqsStatements = statements.filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith("sqs:")));
      expect(sqsStatements.map((statement) => [statement.Action, statement.Resource["Fn::GetAtt"][0].replace(/[0-9A-F]{8}$/, "")])).toEqual([["sqs:SendMessage", fn === sweep ? "SweepDeadLetterQueue" : "DigestDeadLetterQueue"]]);
      const unscoped = statements.filter((statement) => statement.Resource === "*").flatMap((statement) => [statement.Action].flat()).sort();
      expect(unscoped).toEqual(["eks:DescribeAddonVersions", "eks:DescribeClusterVersions", "eks:ListClusters"]);
      const s3Actions = statements.filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith("s3:")));
      if (fn === sweep) expect(s3Actions).toEqual([]);
      else expect(s3Actions).toEqual([expect.objectContaining({ Action: "s3:PutObject", Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [expect.stringMatching(/^ReportBucket/), "Arn"] }, "/digests/*"]] } })]);
    }
  });

  it("lets only the digest's role and the deployment write or delete reports", () => {
    const [, policy] = Object.entries(resourcesOfType(template, "AWS::S3::BucketPolicy"))[0]!;
    const statement = (policy.Properties.PolicyDocument.Statement as Record<string, any>[]).find((candidate) => candidate.Sid === "OnlyTheDigestWritesReports"); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(statement).toMatchObject({ Effect: "Deny", Principal: { AWS: "*" }, Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"] });
    expect(flat(statement!.Resource)).toMatch(/^<ReportBucket[0-9A-F]{8}\.Arn>\/digests\/\*$/);
    const digestRole = Object.values(resourcesOfType(template, "AWS::Lambda::Function")).find((fn) => fn.Properties.Handler === "packages/functions/src/digest.handler")!.Properties.Role["Fn::GetAtt"][0];
    expect(statement!.Condition.ArnNotEquals["aws:PrincipalArn"].map(flat)).toEqual([
      `<${digestRole}.Arn>`,
      '{"Fn::Sub":"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-us-east-1"}',
      "arn:<Ref AWS::Partition>:iam::<Ref AWS::AccountId>:root",
    ]);
  });

  it("keeps reports in an encrypted, versioned, private, TLS-only bucket that expires them", () => {
    const buckets = Object.values(resourcesOfType(template, "AWS::S3::Bucket"));
    expect(buckets).toHaveLength(1);
    const bucket = buckets[0]!.Properties;
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }]);
    expect(bucket.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ Status: "Enabled", ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    ]);
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } })]) },
    });
  });
});
