// Loaded by the SNS adapter on its first publish (why: ./README.md).
export { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
