// Loaded by the SSM adapter on its first read of AMI releases or of an external id (why: ./README.md).
export { GetParameterCommand, GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
