// Loaded by the EventBridge adapter on the self-audit's first read (why: ./README.md).
export { DescribeRuleCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
