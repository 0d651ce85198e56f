// Loaded by the STS adapter when a member account's role or the caller's identity is first asked for (why: ./README.md).
export { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
