// Loaded by the CloudTrail adapter on the self-audit's first read (why: ./README.md).
export { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
