// The embedded AWS endpoints of the local stack: DynamoDB Local (Java) and the SNS/SQS emulator (fauxqs), started
// side by side on free ports. Every AWS SDK v3 client honours AWS_ENDPOINT_URL_<SERVICE>, so `env` is all that
// code under test needs to talk to them.
import { startDynamoDbLocal, type DynamoDbLocal } from "./dynamodb-local.ts";
import { startSnsSqs, type SnsSqs } from "./sns-sqs.ts";
import { FAKE_CREDENTIALS } from "./credentials.ts";

export { EmbeddedStartError, JavaNotFoundError } from "./errors.ts";
export { FAKE_CREDENTIALS } from "./credentials.ts";

export interface EmbeddedOptions {
  /** Start DynamoDB Local (default true). */
  readonly dynamodb?: boolean;
  /** Start the SNS/SQS emulator (default true). */
  readonly sns?: boolean;
  /** Region the clients sign for and the emulator puts in ARNs (default us-east-1). */
  readonly region?: string;
  /** java executable for DynamoDB Local (default JAVA_HOME/bin/java, else `java` on PATH). */
  readonly java?: string;
  readonly readyTimeoutMs?: number;
}

export interface EmbeddedEndpoints {
  readonly dynamodb?: string;
  readonly sns?: string;
  readonly sqs?: string;
}

export interface Embedded {
  readonly endpoints: EmbeddedEndpoints;
  /** AWS_ENDPOINT_URL_* of what was started, AWS_REGION and fake credentials: merge into process.env or a child's env. */
  readonly env: Readonly<Record<string, string>>;
  readonly region: string;
  /** Non-destructive view of an emulated queue (when the SNS/SQS emulator runs): for tests that check a queue directly. */
  readonly inspectQueue?: SnsSqs["inspectQueue"];
  /** Milliseconds from the call to every endpoint answering. */
  readonly startMs: number;
  /** Stops everything; safe to call more than once. */
  stop(): Promise<void>;
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<Embedded> {
  const started = performance.now();
  const region = options.region ?? "us-east-1";
  const wantDynamoDb = options.dynamodb ?? true;
  const wantSnsSqs = options.sns ?? true;

  const [dynamo, snsSqs] = await Promise.allSettled([
    wantDynamoDb
      ? startDynamoDbLocal({ region, ...(options.java !== undefined && { java: options.java }),
          ...(options.readyTimeoutMs !== undefined && { readyTimeoutMs: options.readyTimeoutMs }) })
      : Promise.resolve(undefined),
    wantSnsSqs ? startSnsSqs({ region }) : Promise.resolve(undefined),
  ]);
  const running: (DynamoDbLocal | SnsSqs)[] = [];
  if (dynamo.status === "fulfilled" && dynamo.value) running.push(dynamo.value);
  if (snsSqs.status === "fulfilled" && snsSqs.value) running.push(snsSqs.value);
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.map((part) => part.stop()));
  };
  // One part failing must not leave the other running.
  if (dynamo.status === "rejected" || snsSqs.status === "rejected") {
    await stopAll();
    throw dynamo.status === "rejected" ? dynamo.reason : (snsSqs as PromiseRejectedResult).reason;
  }

  const dynamodbEndpoint = dynamo.value?.endpoint;
  const snsSqsEndpoint = snsSqs.value?.endpoint;
  const env: Record<string, string> = {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
  };
  if (dynamodbEndpoint) env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodbEndpoint;
  if (snsSqsEndpoint) {
    env["AWS_ENDPOINT_URL_SNS"] = snsSqsEndpoint;
    env["AWS_ENDPOINT_URL_SQS"] = snsSqsEndpoint;
  }
  return {
    endpoints: {
      ...(dynamodbEndpoint && { dynamodb: dynamodbEndpoint }),
      ...(snsSqsEndpoint && { sns: snsSqsEndpoint, sqs: snsSqsEndpoint }),
    },
    env,
    region,
    ...(snsSqs.value && { inspectQueue: snsSqs.value.inspectQueue }),
    startMs: performance.now() - started,
    stop: stopAll,
  };
}
