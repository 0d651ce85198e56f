// The embedded endpoints as the code under test meets them: real SDK v3 clients built with NO endpoint option,
// so they reach DynamoDB Local and the SNS/SQS emulator only through the AWS_ENDPOINT_URL_* variables that the
// vitest global setup (test/setup/global-setup.ts) exported before this worker was forked.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  CreateTopicCommand,
  InvalidParameterException,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

describe("global setup", () => {
  it("exports the emulator endpoints into the forked worker's environment", () => {
    const provided = inject("embedded");
    expect(process.env["AWS_ENDPOINT_URL_DYNAMODB"]).toBe(provided.endpoints.dynamodb);
    expect(process.env["AWS_ENDPOINT_URL_SNS"]).toBe(provided.endpoints.sns);
    expect(process.env["AWS_ENDPOINT_URL_SQS"]).toBe(provided.endpoints.sqs);
    expect(process.env["AWS_ENDPOINT_URL_DYNAMODB"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env["AWS_REGION"]).toBe(provided.env["AWS_REGION"]);
  });
});

describe("DynamoDB Local through the real DynamoDB client", () => {
  const client = new DynamoDBClient({});
  const tableName = unique("warden-test");

  beforeAll(async () => {
    // The shape of the Warden table: single-table pk/sk.
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  it("turns on TTL on expiresAt (UpdateTimeToLive) and reports it enabled", async () => {
    const update = await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true } }),
    );
    expect(update.TimeToLiveSpecification).toEqual({ AttributeName: "expiresAt", Enabled: true });
    const described = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(described.TimeToLiveDescription).toMatchObject({ AttributeName: "expiresAt", TimeToLiveStatus: "ENABLED" });
  });

  it("rejects a conditional write whose version does not match with ConditionalCheckFailedException", async () => {
    const key = { pk: { S: "CLUSTER#arn:aws:eks:eu-west-1:111122223333:cluster/a" }, sk: { S: "STATE#endpoint" } };
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...key, version: { N: "1" }, status: { S: "PASS" } }, ConditionExpression: "attribute_not_exists(pk)" }),
    );
    const stale = client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: "SET #status = :status, version = :next",
        ConditionExpression: "version = :expected",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":status": { S: "FAIL" }, ":next": { N: "3" }, ":expected": { N: "2" } },
      }),
    );
    await expect(stale).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: "SET #status = :status, version = :next",
        ConditionExpression: "version = :expected",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":status": { S: "FAIL" }, ":next": { N: "2" }, ":expected": { N: "1" } },
      }),
    );
    const stored = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    expect(stored.Item).toMatchObject({ version: { N: "2" }, status: { S: "FAIL" } });
  });

  it("applies a TransactWriteItems all together, and none of it when one condition fails", async () => {
    const state = { pk: { S: "CLUSTER#tx" }, sk: { S: "STATE#endpoint" } };
    const history = { pk: { S: "CLUSTER#tx" }, sk: { S: "HISTORY#2026-01-01T00:00:00Z" } };
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { ...state, version: { N: "1" } }, ConditionExpression: "attribute_not_exists(pk)" } },
          // TTL is on (test above): an expiry in the past would let DynamoDB Local's sweeper delete the item mid-test.
          { Put: { TableName: tableName, Item: { ...history, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 90 * 86_400) } } } },
        ],
      }),
    );
    expect((await client.send(new GetItemCommand({ TableName: tableName, Key: history }))).Item).toBeDefined();

    const secondHistory = { pk: { S: "CLUSTER#tx" }, sk: { S: "HISTORY#2026-01-02T00:00:00Z" } };
    const conflicting = client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { ...state, version: { N: "2" } }, ConditionExpression: "attribute_not_exists(pk)" } },
          { Put: { TableName: tableName, Item: secondHistory } },
        ],
      }),
    );
    const error = await conflicting.then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(["ConditionalCheckFailed", "None"]);
    expect((await client.send(new GetItemCommand({ TableName: tableName, Key: secondHistory }))).Item).toBeUndefined();
    expect((await client.send(new GetItemCommand({ TableName: tableName, Key: state }))).Item?.["version"]).toEqual({ N: "1" });
  });
});

describe("SNS/SQS emulator through the real SNS and SQS clients", () => {
  const sns = new SNSClient({});
  const sqs = new SQSClient({});

  afterAll(() => {
    sns.destroy();
    sqs.destroy();
  });

  it("delivers a JSON-structured publish with message attributes to a subscribed queue", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique("alerts") }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("subscriber") }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: Attributes?.["QueueArn"] }));

    const full = { ruleId: "endpoint-public-access", transition: "OPENED", severity: "CRITICAL" };
    const published = await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: "[CRITICAL] payments-prod (eu-west-1): EKS API endpoint open to 0.0.0.0/0",
        MessageStructure: "json",
        Message: JSON.stringify({ default: "payments-prod is open to the internet.", sqs: JSON.stringify(full) }),
        MessageAttributes: {
          severity: { DataType: "String", StringValue: "CRITICAL" },
          kind: { DataType: "String", StringValue: "alert" },
        },
      }),
    );
    expect(published.MessageId).toBeTruthy();

    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }));
    expect(received.Messages).toHaveLength(1);
    const envelope = JSON.parse(received.Messages![0]!.Body!) as {
      Type: string;
      TopicArn: string;
      Subject: string;
      Message: string;
      MessageAttributes: Record<string, { Type: string; Value: string }>;
    };
    // Without raw delivery, SQS gets the SNS envelope whose Message is the protocol-specific ("sqs") text.
    expect(envelope).toMatchObject({ Type: "Notification", TopicArn, Subject: expect.stringContaining("[CRITICAL]") });
    expect(JSON.parse(envelope.Message)).toEqual(full);
    expect(envelope.MessageAttributes["severity"]).toEqual({ Type: "String", Value: "CRITICAL" });
    expect(envelope.MessageAttributes["kind"]).toEqual({ Type: "String", Value: "alert" });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: received.Messages![0]!.ReceiptHandle }));
  });

  it("gives a raw-delivery subscriber the sqs entry of each JSON-structured message in a PublishBatch", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique("digest") }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("raw-subscriber") }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
    await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: Attributes?.["QueueArn"], Attributes: { RawMessageDelivery: "true" } }),
    );
    const batch = await sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: "one", MessageStructure: "json", Message: JSON.stringify({ default: "text one", sqs: '{"n":1}' }) },
          { Id: "two", MessageStructure: "json", Message: JSON.stringify({ default: "text two" }) },
        ],
      }),
    );
    expect(batch.Successful?.map((entry) => entry.Id).sort()).toEqual(["one", "two"]);
    const bodies: string[] = [];
    for (let poll = 0; poll < 5 && bodies.length < 2; poll += 1) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }));
      bodies.push(...(received.Messages ?? []).map((message) => message.Body!));
    }
    // No "sqs" entry: AWS falls back to "default".
    expect(bodies.sort()).toEqual(["text two", '{"n":1}'].sort());
  });

  it("rejects a JSON-structured publish without a default entry with InvalidParameterException, as AWS does", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique("strict") }));
    const publish = sns.send(new PublishCommand({ TopicArn, MessageStructure: "json", Message: JSON.stringify({ sqs: "only sqs" }) }));
    await expect(publish).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(publish).rejects.toThrow(/No default entry in JSON message body/);
    const unparsable = sns.send(new PublishCommand({ TopicArn, MessageStructure: "json", Message: "not json" }));
    await expect(unparsable).rejects.toThrow(/JSON message body failed to parse/);
  });

  it("answers a publish to an unknown topic with NotFoundException, as AWS does", async () => {
    const missingTopic = `arn:aws:sns:${process.env["AWS_REGION"]}:000000000000:${unique("does-not-exist")}`;
    await expect(sns.send(new PublishCommand({ TopicArn: missingTopic, Message: "hello" }))).rejects.toBeInstanceOf(NotFoundException);
  });
});
