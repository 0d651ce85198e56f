// Loaded by the SSM adapter on its first read of AMI releases (why: ./README.md).
export { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
