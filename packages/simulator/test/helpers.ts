// Shared by the simulator's tests: real SDK clients pointed at a simulator, and the sample fleet.

import type { Agent } from "node:http";
import { fileURLToPath } from "node:url";
import { EKSClient } from "@aws-sdk/client-eks";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import type { Simulator } from "../src/index.ts";

export const SAMPLE_FLEET = fileURLToPath(new URL("../fleets/sample.json", import.meta.url));

export interface ClientOptions {
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  readonly maxAttempts?: number;
  /** The connection pool the client uses (the SDK's own keep-alive agent if absent). */
  readonly httpAgent?: Agent;
}

function config(sim: Simulator, options: ClientOptions) {
  return {
    endpoint: sim.url,
    region: options.region ?? "eu-west-1",
    credentials: {
      accessKeyId: options.accessKeyId ?? "AKIAALICEEXAMPLE0001",
      secretAccessKey: options.secretAccessKey ?? "secret",
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    },
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.httpAgent ? { requestHandler: { httpAgent: options.httpAgent } } : {}),
  };
}

export const eksClient = (sim: Simulator, options: ClientOptions = {}) => new EKSClient(config(sim, options));
export const ssmClient = (sim: Simulator, options: ClientOptions = {}) => new SSMClient(config(sim, options));
export const stsClient = (sim: Simulator, options: ClientOptions = {}) => new STSClient(config(sim, options));

/** Resolves to the error a promise rejects with; fails the test if it resolves. */
export type ServiceError = Error & { $metadata?: { httpStatusCode?: number; attempts?: number }; [key: string]: unknown };

export async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** A minimal, valid CreateCluster input. */
export function createClusterInput(name: string, vpc: Record<string, unknown> = {}) {
  return {
    name,
    roleArn: "arn:aws:iam::111111111111:role/eks-cluster-role",
    resourcesVpcConfig: { subnetIds: ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"], ...vpc },
  };
}
