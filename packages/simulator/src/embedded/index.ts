// The embedded AWS endpoints of the local stack: DynamoDB Local (Java), the SNS/SQS emulator (fauxqs) and, when
// asked, the S3 emulator (s3rver) for the digest's report bucket, started
// side by side on free ports. Every AWS SDK v3 client honours AWS_ENDPOINT_URL_<SERVICE>, so `env` is all that
// code under test needs to talk to them.
import { startDynamoDbLocal, type DynamoDbLocal } from "./dynamodb-local.ts";
import { startSnsSqs, type SnsSqs } from "./sns-sqs.ts";
import { startS3, type S3Emulator } from "./s3.ts";
import { FAKE_CREDENTIALS } from "./credentials.ts";

export { DynamoDbLocalExitedError, EmbeddedStartError, JavaNotFoundError } from "./errors.ts";
export { FAKE_CREDENTIALS } from "./credentials.ts";

export interface EmbeddedOptions {
  /** Start DynamoDB Local (default true). */
  readonly dynamodb?: boolean;
  /** Start the SNS/SQS emulator (default true). */
  readonly sns?: boolean;
  /** Start the S3 emulator (default false): buckets by path, so clients need forcePathStyle. */
  readonly s3?: boolean;
  /** Region the clients sign for and the emulator puts in ARNs (default us-east-1). */
  readonly region?: string;
  /** java executable for DynamoDB Local (default JAVA_HOME/bin/java, else `java` on PATH). */
  readonly java?: string;
  readonly readyTimeoutMs?: number;
  /** The folder the parts' temporary folders are made in (default: os.tmpdir()). */
  readonly tempRoot?: string;
  /** Stops the start: whatever started is stopped and the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface EmbeddedEndpoints {
  readonly dynamodb?: string;
  readonly sns?: string;
  readonly sqs?: string;
  readonly s3?: string;
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

  const [dynamo, snsSqs, s3] = await Promise.allSettled([
    wantDynamoDb
      ? startDynamoDbLocal({ region, ...(options.java !== undefined && { java: options.java }),
          ...(options.readyTimeoutMs !== undefined && { readyTimeoutMs: options.readyTimeoutMs }),
          ...(options.tempRoot !== undefined && { tempRoot: options.tempRoot }),
          ...(options.signal !== undefined && { signal: options.signal }) })
      : Promise.resolve(undefined),
    wantSnsSqs ? startSnsSqs({ region }) : Promise.resolve(undefined),
    options.s3 ? startS3(options.tempRoot !== undefined ? { tempRoot: options.tempRoot } : {}) : Promise.resolve(undefined),
  ]);
  const running: (DynamoDbLocal | SnsSqs | S3Emulator)[] = [];
  if (dynamo.status === "fulfilled" && dynamo.value) running.push(dynamo.value);
  if (snsSqs.status === "fulfilled" && snsSqs.value) running.push(snsSqs.value);
  if (s3.status === "fulfilled" && s3.value) running.push(s3.value);
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.map((part) => part.stop()));
  };
  // One part failing, or a stop asked for meanwhile, must not leave the others running.
  if (options.signal?.aborted) {
    await stopAll();
    options.signal.throwIfAborted();
  }
  if (dynamo.status === "rejected" || snsSqs.status === "rejected" || s3.status === "rejected") {
    await stopAll();
    throw [dynamo, snsSqs, s3].map((result) => (result.status === "rejected" ? result.reason : undefined)).find((reason) => reason !== undefined);
  }

  const dynamodbEndpoint = dynamo.value?.endpoint;
  const snsSqsEndpoint = snsSqs.value?.endpoint;
  const s3Endpoint = s3.value?.endpoint;
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
  if (s3Endpoint) env["AWS_ENDPOINT_URL_S3"] = s3Endpoint;
  return {
    endpoints: {
      ...(dynamodbEndpoint && { dynamodb: dynamodbEndpoint }),
      ...(snsSqsEndpoint && { sns: snsSqsEndpoint, sqs: snsSqsEndpoint }),
      ...(s3Endpoint && { s3: s3Endpoint }),
    },
    env,
    region,
    ...(snsSqs.value && { inspectQueue: snsSqs.value.inspectQueue }),
    startMs: performance.now() - started,
    stop: stopAll,
  };
}
