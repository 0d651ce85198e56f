// Loaded by the Lambda adapter on the self-audit's first read (why: ./README.md).
export { GetEventSourceMappingCommand, LambdaClient } from "@aws-sdk/client-lambda";
