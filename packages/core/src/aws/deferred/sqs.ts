// Loaded by the SQS adapter on its first send (why: ./README.md).
export { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
