// Loaded by the SNS topic reader on the self-audit's first read: apart from the publisher's module, so the functions
// that only publish do not carry these commands (why: ./README.md).
export { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";
