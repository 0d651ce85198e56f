// Test support: the embedded DynamoDB Local, SNS/SQS emulator and S3 emulator. The vitest global setup normally starts them
// and sets AWS_ENDPOINT_URL_*; when a test file runs without it, this starts them for the file.
import { startEmbedded, type Embedded } from "@eks-warden/simulator/embedded/index";

let own: Embedded | undefined;

export async function ensureLocalAws(): Promise<void> {
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB && process.env.AWS_ENDPOINT_URL_SQS && process.env.AWS_ENDPOINT_URL_S3) return;
  own = await startEmbedded({ dynamodb: true, sns: true, s3: true });
  Object.assign(process.env, own.env);
}

export async function stopLocalAws(): Promise<void> {
  await own?.stop();
  own = undefined;
}
