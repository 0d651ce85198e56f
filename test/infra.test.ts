// The deployed infrastructure, read from the synthesised CloudFormation (offline, no credentials): cdk-nag
// AwsSolutions is clean or suppressed with reasons, and each resource is configured as docs/design.md requires.
// Default configuration (no warden.config.json), stage "test". infra-enforce.test.ts covers a protected stage.
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Match, Template } from "aws-cdk-lib/assertions";
import { FUNCTION_ENV, FUNCTION_TIMEOUT_SECONDS, HANDLERS, SETTLE_QUEUE } from "@eks-warden/core/deployment";
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
  UpdateNodegroupVersionCommand,
} from "@aws-sdk/client-eks";
import { beforeAll, describe, expect, it } from "vitest";
import { clusterEventPattern, HANDLED_EVENT_NAMES, matchesEventPattern, type EventPattern } from "@eks-warden/core/event-pattern";
import { startSimulator, type CloudTrailEvent } from "@eks-warden/simulator/index";
import { defaultPolicy } from "@eks-warden/core/policy";
import { synthesizeApp, type Synthesized } from "../packages/cli/src/commands/synth.ts";
import { Warden } from "../stacks/Warden.ts";
import { CONFIG_PATH_VARIABLE } from "../stacks/config.ts";
import { CREATE_CLUSTER_OPEN_WORLD, eventBridgeEnvelope, readCloudTrailRecord, UPDATE_CLUSTER_CONFIG_PRIVATE } from "./fixtures/index.ts";
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
    // The accepted findings, and nothing else: SST's own handler, the pinned runtime, and the EKS read scopes.
    expect([...new Set(suppressed.map((row) => `${row.ruleId} ${row.resource.replace(/^test-eks-warden-Warden\//, "")}`))].sort()).toEqual([
      "AwsSolutions-IAM4 CustomResourceHandler/ServiceRole/Resource",
      "AwsSolutions-IAM5 ClusterEventRole/DefaultPolicy/Resource",
      "AwsSolutions-IAM5 DigestRole/DefaultPolicy/Resource",
      "AwsSolutions-IAM5 SettleRole/DefaultPolicy/Resource",
      "AwsSolutions-IAM5 SweepRole/DefaultPolicy/Resource",
      "AwsSolutions-L1 ClusterEvent/Resource",
      "AwsSolutions-L1 CustomResourceHandler/Resource",
      "AwsSolutions-L1 Digest/Resource",
      "AwsSolutions-L1 Settle/Resource",
      "AwsSolutions-L1 Sweep/Resource",
      "AwsSolutions-S1 ReportBucket/Resource",
    ]);
    // Wildcard resources are accepted only for the EKS ARNs, the actions without resource-level permissions, and the
    // digest's report prefix.
    const wildcardFindings = suppressed.filter((row) => row.ruleId === "AwsSolutions-IAM5").map((row) => /^\[([^\]]*)\]/.exec(row.reason)?.[1]);
    for (const finding of wildcardFindings) {
      expect(finding).toMatch(/^Resource::(\*|arn:<AWS::Partition>:eks:us-east-1:<AWS::AccountId>:(cluster\/\*|nodegroup\/\*\/\*\/\*|addon\/\*\/\*\/\*)|<ReportBucket[0-9A-F]+\.Arn>\/digests\/\*)$/);
    }
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

  it("is neither retained nor deletion-protected on an unprotected stage, so test stages clean up", () => {
    template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Delete", Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
  });
});

describe("alerts topic", () => {
  it("is encrypted with the stack's customer-managed key, which rotates", () => {
    const keys = resourcesOfType(template, "AWS::KMS::Key");
    expect(Object.keys(keys)).toHaveLength(1);
    const [keyId, key] = Object.entries(keys)[0]!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: { "Fn::GetAtt": [keyId, "Arn"] } });
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

  it("lets CloudWatch alarms and EventBridge use the key, so their messages reach the encrypted topic", () => {
    const [key] = Object.values(resourcesOfType(template, "AWS::KMS::Key"));
    const services = (key!.Properties.KeyPolicy.Statement as { Principal?: { Service?: string[] }; Action: string[] }[]).find((statement) => statement.Principal?.Service);
    expect(services?.Principal?.Service).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
    expect(services?.Action).toEqual(["kms:GenerateDataKey", "kms:Decrypt"]);
  });

  it("has no e-mail subscription when the configuration lists no address", () => {
    template.resourceCountIs("AWS::SNS::Subscription", 0);
  });
});

describe("EventBridge rule", () => {
  const deployedPattern = (): EventPattern => {
    const rules = Object.values(resourcesOfType(template, "AWS::Events::Rule"));
    expect(rules).toHaveLength(1);
    return rules[0]!.Properties.EventPattern as EventPattern;
  };

  it("deploys exactly the design's pattern, on the default bus", () => {
    expect(deployedPattern()).toEqual(clusterEventPattern);
    const [rule] = Object.values(resourcesOfType(template, "AWS::Events::Rule"));
    expect(rule!.Properties.EventBusName).toBeUndefined();
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

  it("targets cluster-event with a dead-letter queue and a retry policy", () => {
    const { clusterEvent } = wardenFunctions(template);
    const [rule] = Object.values(resourcesOfType(template, "AWS::Events::Rule"));
    expect(rule!.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { "Fn::GetAtt": [clusterEvent.id, "Arn"] },
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [expect.stringMatching(/^ClusterEventDeadLetterQueue/), "Arn"] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      }),
    ]);
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

  it("get the table, topic, queue, the validated policy and logging settings in their environment", () => {
    const { clusterEvent, settle } = wardenFunctions(template);
    for (const fn of [clusterEvent, settle]) {
      const variables = fn.properties.Environment.Variables as Record<string, unknown>;
      expect(variables).toMatchObject({
        TABLE_NAME: { Ref: expect.stringMatching(/^StateTable/) },
        ALERTS_TOPIC_ARN: { Ref: expect.stringMatching(/^AlertsTopic/) },
        SETTLE_QUEUE_URL: { Ref: expect.stringMatching(/^SettleQueue/) },
        LOG_LEVEL: "INFO",
      });
      expect(JSON.parse(variables["POLICY"] as string)).toEqual(JSON.parse(JSON.stringify(defaultPolicy())));
    }
    expect(clusterEvent.properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe("eks-warden-cluster-event");
    expect(settle.properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe("eks-warden-settle");
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

  it("cluster-event parks events it failed on after Lambda's retries in its dead-letter queue", () => {
    const { clusterEvent } = wardenFunctions(template);
    expect(clusterEvent.properties.DeadLetterConfig).toEqual({ TargetArn: { "Fn::GetAtt": [expect.stringMatching(/^ClusterEventDeadLetterQueue/), "Arn"] } });
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

  it("every queue is encrypted and refuses requests without TLS", () => {
    const queues = resourcesOfType(template, "AWS::SQS::Queue");
    // settle, its dead-letter queue, and the dead-letter queues of cluster-event, sweep and digest.
    expect(Object.keys(queues)).toHaveLength(5);
    for (const queue of Object.values(queues)) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(resourcesOfType(template, "AWS::SQS::QueuePolicy"));
    expect(policies).toHaveLength(5);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });
});

describe("alarms", () => {
  it("watch every dead-letter queue and every function's errors, and notify the alerts topic", () => {
    const alarms = Object.values(resourcesOfType(template, "AWS::CloudWatch::Alarm")).map((alarm) => alarm.Properties);
    expect(alarms).toHaveLength(8);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertsTopic/) }]);
    const watched = alarms.map((alarm) => `${alarm.Namespace} ${alarm.MetricName} ${JSON.stringify(alarm.Dimensions[0].Value)}`).sort();
    expect(watched).toEqual([
      expect.stringMatching(/^AWS\/Lambda Errors .*ClusterEvent/),
      expect.stringMatching(/^AWS\/Lambda Errors .*Digest/),
      expect.stringMatching(/^AWS\/Lambda Errors .*Settle/),
      expect.stringMatching(/^AWS\/Lambda Errors .*Sweep/),
      expect.stringMatching(/^AWS\/SQS ApproximateNumberOfMessagesVisible .*ClusterEventDeadLetterQueue/),
      expect.stringMatching(/^AWS\/SQS ApproximateNumberOfMessagesVisible .*DigestDeadLetterQueue/),
      expect.stringMatching(/^AWS\/SQS ApproximateNumberOfMessagesVisible .*SettleDeadLetterQueue/),
      expect.stringMatching(/^AWS\/SQS ApproximateNumberOfMessagesVisible .*SweepDeadLetterQueue/),
    ]);
    for (const alarm of alarms) expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
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
      expect(byAction.get("sns:Publish")).toEqual({ Ref: expect.stringMatching(/^AlertsTopic/) });
      expect(byAction.get("kms:GenerateDataKey")).toEqual({ "Fn::GetAtt": [expect.stringMatching(/^AlertsKey/), "Arn"] });
      expect(byAction.get("eks:DescribeCluster")).toEqual({
        "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":eks:us-east-1:", { Ref: "AWS::AccountId" }, ":cluster/*"]],
      });
      // The one action without resource-level permissions, and nothing else, has Resource "*".
      const unscoped = statements.filter((statement) => statement.Resource === "*").flatMap((statement) => [statement.Action].flat());
      expect(unscoped).toEqual(["eks:DescribeClusterVersions"]);
    }
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
      expect(unscoped).toEqual(["eks:DescribeClusterVersions", "eks:ListClusters"]);
      const s3Actions = statements.filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith("s3:")));
      if (fn === sweep) expect(s3Actions).toEqual([]);
      else expect(s3Actions).toEqual([expect.objectContaining({ Action: "s3:PutObject", Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [expect.stringMatching(/^ReportBucket/), "Arn"] }, "/digests/*"]] } })]);
    }
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
