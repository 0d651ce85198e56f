// One way to fail: every adapter translates the same SDK error names into the same typed errors (sdk-errors.ts),
// and every client it creates has the same retry policy (client-config.ts).
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeClusterCommand, EKSClient, ListClustersCommand } from "@aws-sdk/client-eks";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { CLIENT_CONFIG, clientConfig, lambdaEnvironmentCredentials, MAX_ATTEMPTS } from "../../src/aws/client-config.ts";
import { defaultProvider } from "../../src/aws/lambda-credentials.ts";
import { DynamoStateStore } from "../../src/aws/dynamodb.ts";
import { EksCollector } from "../../src/aws/eks.ts";
import { ACCESS_DENIED_ERRORS, CREDENTIALS_MISSING_ERRORS, THROTTLING_ERRORS, translateSdkError, type AwsService } from "../../src/aws/sdk-errors.ts";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { SnsPublisher } from "../../src/aws/sns.ts";
import { SqsSettleQueue } from "../../src/aws/sqs.ts";
import { SsmParameters } from "../../src/aws/ssm.ts";
import { S3ReportStore } from "../../src/aws/s3.ts";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { StsIdentity } from "../../src/aws/sts.ts";
import { SecurityHubImporter } from "../../src/aws/securityhub.ts";
import { BatchImportFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { asffFinding } from "../../src/securityhub/finding.ts";
import { DescribeRuleCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { GetEventSourceMappingCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CloudTrailClient, DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { EventBridgeRules } from "../../src/aws/events.ts";
import { LambdaEventSourceMappings } from "../../src/aws/lambda.ts";
import { SchedulerSchedules } from "../../src/aws/scheduler.ts";
import { KmsKeys } from "../../src/aws/kms.ts";
import { CloudTrailTrails } from "../../src/aws/cloudtrail.ts";
import { AccessDenied, CredentialsMissing, EksUnavailable, ServiceUnavailable, Throttled, WardenError } from "../../src/errors.ts";

const named = (name: string, message = `${name} from the service`) => Object.assign(new Error(message), { name });
const ref = { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/p", account: "111122223333", region: "eu-west-1", name: "p" };

/** The error names each service documents for throttling and for refusing the caller. */
const SERVICE_NAMES: Record<AwsService, { throttling: string[]; denied: string[] }> = {
  EKS: { throttling: ["ThrottlingException", "TooManyRequestsException"], denied: ["AccessDeniedException", "UnauthorizedException", "UnrecognizedClientException", "ExpiredTokenException"] },
  STS: { throttling: ["Throttling"], denied: ["AccessDenied", "InvalidClientTokenId", "ExpiredToken"] },
  SSM: { throttling: ["ThrottlingException"], denied: ["AccessDeniedException", "UnrecognizedClientException"] },
  DynamoDB: { throttling: ["ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"], denied: ["AccessDeniedException", "UnrecognizedClientException"] },
  SNS: { throttling: ["ThrottledException", "Throttling"], denied: ["AuthorizationErrorException", "InvalidClientTokenId"] },
  SQS: { throttling: ["RequestThrottled", "ThrottlingException"], denied: ["AccessDenied", "AccessDeniedException"] },
  S3: { throttling: ["SlowDown"], denied: ["AccessDenied", "InvalidClientTokenId", "ExpiredToken"] },
  // InvalidAccessException: Security Hub is not enabled in the account, or the caller may not use it.
  SecurityHub: { throttling: ["TooManyRequestsException", "ThrottlingException"], denied: ["AccessDeniedException", "InvalidAccessException"] },
  // The self-audit's reads (tamper/self-audit-collect.ts).
  EventBridge: { throttling: ["ThrottlingException"], denied: ["AccessDeniedException"] },
  Lambda: { throttling: ["TooManyRequestsException"], denied: ["AccessDeniedException"] },
  Scheduler: { throttling: ["ThrottlingException"], denied: ["AccessDeniedException"] },
  KMS: { throttling: ["ThrottlingException"], denied: ["AccessDeniedException"] },
  CloudTrail: { throttling: ["ThrottlingException"], denied: ["AccessDeniedException"] },
};
const SERVICES = Object.keys(SERVICE_NAMES) as AwsService[];

describe("translateSdkError: one table for every service", () => {
  const throttlingCases = SERVICES.flatMap((service) => SERVICE_NAMES[service].throttling.map((name) => [service, name] as const));
  it.each(throttlingCases)("%s %s -> Throttled", (service, name) => {
    const cause = named(name);
    const error = translateSdkError(service, "Op", cause);
    expect(error).toBeInstanceOf(Throttled);
    expect(error).toMatchObject({ service, operation: "Op", cause });
  });

  const deniedCases = SERVICES.flatMap((service) => SERVICE_NAMES[service].denied.map((name) => [service, name] as const));
  it.each(deniedCases)("%s %s -> AccessDenied naming the IAM action", (service, name) => {
    const cause = named(name);
    const error = translateSdkError(service, "Op", cause);
    expect(error).toBeInstanceOf(AccessDenied);
    expect(error).toMatchObject({ action: `${service.toLowerCase()}:Op`, cause });
  });

  it.each(SERVICES)("%s: no credentials -> CredentialsMissing; anything else -> the service unavailable", (service) => {
    expect(translateSdkError(service, "Op", named("CredentialsProviderError", "Could not load credentials from any providers"))).toBeInstanceOf(CredentialsMissing);
    const cause = named("InternalServerError");
    const error = translateSdkError(service, "Op", cause);
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect(error instanceof EksUnavailable).toBe(service === "EKS");
    expect(error.cause).toBe(cause);
    expect(translateSdkError(service, "Op", "not an Error")).toBeInstanceOf(ServiceUnavailable);
  });

  it("the shared sets hold every name of the table, and do not overlap", () => {
    for (const names of Object.values(SERVICE_NAMES)) {
      for (const name of names.throttling) expect(THROTTLING_ERRORS.has(name)).toBe(true);
      for (const name of names.denied) expect(ACCESS_DENIED_ERRORS.has(name)).toBe(true);
    }
    const all = [...THROTTLING_ERRORS, ...ACCESS_DENIED_ERRORS, ...CREDENTIALS_MISSING_ERRORS];
    expect(new Set(all).size).toBe(all.length);
  });

  it("asks the service's hook first, and returns an error already translated as it is", () => {
    const own = new WardenError("own");
    expect(translateSdkError("DynamoDB", "Op", named("ThrottlingException"), () => own)).toBe(own);
    expect(translateSdkError("DynamoDB", "Op", named("ThrottlingException"), () => undefined)).toBeInstanceOf(Throttled);
    const typed = new Throttled("EKS", "DescribeCluster");
    expect(translateSdkError("SNS", "Publish", typed)).toBe(typed);
  });
});

describe("every adapter translates through the same table", () => {
  const mocks = { eks: mockClient(EKSClient), sts: mockClient(STSClient), ssm: mockClient(SSMClient), dynamo: mockClient(DynamoDBDocumentClient), sns: mockClient(SNSClient), sqs: mockClient(SQSClient), s3: mockClient(S3Client), securityHub: mockClient(SecurityHubClient), events: mockClient(EventBridgeClient), lambda: mockClient(LambdaClient), scheduler: mockClient(SchedulerClient), kms: mockClient(KMSClient), cloudtrail: mockClient(CloudTrailClient) };
  afterEach(() => {
    for (const mock of Object.values(mocks)) mock.reset();
  });
  afterAll(() => {
    for (const mock of Object.values(mocks)) mock.restore();
  });

  const adapters: Record<AwsService, (error: Error) => Promise<unknown>> = {
    EKS: (error) => {
      mocks.eks.on(DescribeClusterCommand).rejects(error);
      return new EksCollector({ clientFor: () => new EKSClient({}) }).collect(ref);
    },
    STS: (error) => {
      mocks.sts.on(GetCallerIdentityCommand).rejects(error);
      return new StsIdentity().account("eu-west-1");
    },
    SSM: (error) => {
      mocks.ssm.on(GetParametersCommand).rejects(error);
      return new SsmParameters({ clientFor: () => new SSMClient({}) }).values("eu-west-1", ["/aws/service/eks/optimized-ami/1.34/amazon-linux-2/recommended/release_version"]);
    },
    DynamoDB: (error) => {
      mocks.dynamo.on(QueryCommand).rejects(error);
      return new DynamoStateStore({ tableName: "t", client: new DynamoDBClient({}) }).readState(ref.arn);
    },
    SNS: (error) => {
      mocks.sns.on(PublishCommand).rejects(error);
      return new SnsPublisher({ topics: { alerts: "t" }, client: new SNSClient({}) }).publish("alerts", { subject: "s", message: "{}", messageStructure: "json", attributes: { severity: "CRITICAL", ruleId: "r", transition: "OPENED", account: ref.account, region: ref.region, cluster: ref.name, kind: "alert" } });
    },
    SQS: (error) => {
      mocks.sqs.on(SendMessageCommand).rejects(error);
      return new SqsSettleQueue({ queueUrl: "q", client: new SQSClient({}) }).enqueue({ version: 1, cluster: ref, eventId: "e", eventName: "UpdateClusterConfig", attempt: 1, queuedAt: "2026-01-05T10:00:00Z", cause: {} }, 0);
    },
    S3: (error) => {
      mocks.s3.on(PutObjectCommand).rejects(error);
      return new S3ReportStore({ bucket: "b", client: new S3Client({}) }).put("digests/2026-W49.html", "<html>", "text/html");
    },
    SecurityHub: (error) => {
      mocks.securityHub.on(BatchImportFindingsCommand).rejects(error);
      const record = { clusterArn: ref.arn, ruleId: "endpoint-public-access", status: "FAIL" as const, severity: "CRITICAL" as const, message: "m", evidence: {}, version: 1, since: "2026-01-05T10:00:00Z", observedAt: "2026-01-05T10:00:00Z", updatedAt: "2026-01-05T10:00:00Z" };
      return new SecurityHubImporter({ clientFor: () => new SecurityHubClient({}) }).importFindings("eu-west-1", [asffFinding(record, undefined, { partition: "aws", region: "eu-west-1", account: ref.account })]);
    },
    EventBridge: (error) => {
      mocks.events.on(DescribeRuleCommand).rejects(error);
      return new EventBridgeRules({ client: new EventBridgeClient({}) }).state("prod-eks-warden-Warden-heartbeat");
    },
    Lambda: (error) => {
      mocks.lambda.on(GetEventSourceMappingCommand).rejects(error);
      return new LambdaEventSourceMappings({ client: new LambdaClient({}) }).state("7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f");
    },
    Scheduler: (error) => {
      mocks.scheduler.on(GetScheduleCommand).rejects(error);
      return new SchedulerSchedules({ client: new SchedulerClient({}) }).state("SweepSchedule-abc");
    },
    KMS: (error) => {
      mocks.kms.on(DescribeKeyCommand).rejects(error);
      return new KmsKeys({ client: new KMSClient({}) }).describe("1234abcd-12ab-34cd-56ef-1234567890ab");
    },
    CloudTrail: (error) => {
      mocks.cloudtrail.on(DescribeTrailsCommand).rejects(error);
      return new CloudTrailTrails({ client: new CloudTrailClient({}) }).trails();
    },
  };
  const cases = SERVICES.flatMap((service) => [
    ...[...THROTTLING_ERRORS].map((name) => [service, name, Throttled] as const),
    ...[...ACCESS_DENIED_ERRORS].map((name) => [service, name, AccessDenied] as const),
    [service, "CredentialsProviderError", CredentialsMissing] as const,
    [service, "InternalFailure", ServiceUnavailable] as const,
  ]);
  it.each(cases)("%s adapter: %s -> %o", async (service, name, type) => {
    const cause = named(name);
    const error = await adapters[service](cause).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(type);
    expect((error as Error).cause).toBe(cause);
  });
});

describe("one retry policy", () => {
  it("standard mode, the same attempts, for every client an adapter creates", async () => {
    expect(CLIENT_CONFIG).toEqual({ maxAttempts: MAX_ATTEMPTS, retryMode: "standard" });
    const eks = new EksCollector();
    const listed = mockClient(EKSClient);
    listed.on(ListClustersCommand).resolves({ clusters: [] });
    await eks.clusterNames("eu-west-1");
    const client = listed.call(0).thisValue as EKSClient;
    expect(await client.config.maxAttempts()).toBe(MAX_ATTEMPTS);
    const retryMode = client.config.retryMode;
    expect(typeof retryMode === "string" ? retryMode : await retryMode()).toBe("standard");
    listed.restore();
    eks.destroy();
  });
});

describe("credentials", () => {
  it("in Lambda (function name and key in the environment) read only the environment; elsewhere the default chain", async () => {
    const lambda = { AWS_LAMBDA_FUNCTION_NAME: "eks-warden-cluster-event", AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" };
    expect(lambdaEnvironmentCredentials(lambda)).toBe(true);
    expect(lambdaEnvironmentCredentials({ AWS_LAMBDA_FUNCTION_NAME: "f" })).toBe(false);
    expect(lambdaEnvironmentCredentials({ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" })).toBe(false);
    expect(clientConfig({})).toEqual(CLIENT_CONFIG);
    const inLambda = clientConfig(lambda);
    expect(inLambda).toMatchObject(CLIENT_CONFIG);
    expect(typeof inLambda.credentials).toBe("function");
  });

  it("the bundles' stand-in for the default chain reads the environment, and says so when it is empty", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, session: process.env.AWS_SESSION_TOKEN };
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "token" });
      expect(await defaultProvider()()).toMatchObject({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" });
      delete process.env.AWS_ACCESS_KEY_ID;
      await expect(defaultProvider()()).rejects.toThrow("Unable to find environment variable credentials");
    } finally {
      for (const [name, value] of [["AWS_ACCESS_KEY_ID", saved.id], ["AWS_SECRET_ACCESS_KEY", saved.secret], ["AWS_SESSION_TOKEN", saved.session]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
