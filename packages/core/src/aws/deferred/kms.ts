// Loaded by the KMS adapter on the self-audit's first read (why: ./README.md).
export { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
