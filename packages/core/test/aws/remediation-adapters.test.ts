// The remediation side of the adapters: UpdateClusterConfig on the simulator (EKS's errors as typed errors) and the
// cluster's REMEDIATION record on DynamoDB Local (conditional writes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { DynamoStateStore } from "../../src/aws/dynamodb.ts";
import { STATE_TABLE_KEY_SCHEMA } from "../../src/deployment/constants.ts";
import { EksCollector } from "../../src/aws/eks.ts";
import { AlreadyAtDesiredConfiguration, ClusterNotFound, EksRequestRejected, StateConflict, UpdateInProgress } from "../../src/errors.ts";
import type { RemediationRecord } from "../../src/remediation/plan.ts";
import { ensureLocalAws, stopLocalAws } from "./local-aws.ts";

const ACCOUNT = "111122223333";
const ref = (name: string) => ({ arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${name}`, account: ACCOUNT, region: "eu-west-1", name });
const PRIVATE = { name: "payments-prod", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } };
const table = `remediation-${process.pid}-${Date.now()}`;

let sim: Simulator;
let eks: EksCollector;
let client: DynamoDBClient;
let store: DynamoStateStore;

beforeAll(async () => {
  await ensureLocalAws();
  sim = await startSimulator({
    fleet: {
      defaultAccount: ACCOUNT,
      defaultRegion: "eu-west-1",
      clusters: [
        {
          cluster: {
            name: "payments-prod",
            version: "1.34",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
            resourcesVpcConfig: { subnetIds: ["subnet-0a"], endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] },
          },
        },
      ],
    },
  });
  eks = new EksCollector({ clientConfig: { endpoint: sim.url, credentials: { accessKeyId: "AKIAWARDENTEST000002", secretAccessKey: "secret" } } });
  client = new DynamoDBClient({});
  await client.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [...STATE_TABLE_KEY_SCHEMA.AttributeDefinitions], KeySchema: [...STATE_TABLE_KEY_SCHEMA.KeySchema] }));
  store = new DynamoStateStore({ tableName: table, client });
}, 60_000);

afterAll(async () => {
  eks?.destroy();
  client?.destroy();
  await sim?.stop();
  await stopLocalAws();
});

describe("EksCollector.updateClusterConfig on the simulator", () => {
  it("starts the update, then translates EKS's refusals into typed errors", async () => {
    const started = await eks.updateClusterConfig(ref("payments-prod"), PRIVATE);
    expect(started).toMatchObject({ updateId: expect.any(String), status: "InProgress", createdAt: expect.any(Date) });
    await expect(eks.updateClusterConfig(ref("payments-prod"), PRIVATE)).rejects.toBeInstanceOf(UpdateInProgress);
    sim.clock.advance(60 * 60_000);
    expect(await eks.describeUpdate(ref("payments-prod"), started.updateId)).toMatchObject({ status: "Successful", createdAt: expect.any(Date) });
    await expect(eks.updateClusterConfig(ref("payments-prod"), PRIVATE)).rejects.toBeInstanceOf(AlreadyAtDesiredConfiguration);
    await expect(eks.updateClusterConfig(ref("payments-prod"), { name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["10.0.0.0/33"] } })).rejects.toBeInstanceOf(EksRequestRejected);
    await expect(eks.updateClusterConfig(ref("gone"), { ...PRIVATE, name: "gone" })).rejects.toBeInstanceOf(ClusterNotFound);
    const restricted = await eks.updateClusterConfig(ref("payments-prod"), { name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } });
    expect(restricted.updateId).toEqual(expect.any(String));
  });
});

describe("DynamoStateStore REMEDIATION record", () => {
  it("writes by condition on its version and reads it back", async () => {
    const arn = ref("payments-prod").arn;
    expect(await store.readRemediation(arn)).toBeUndefined();
    const first: RemediationRecord = { clusterArn: arn, version: 1, attempts: [], override: { tag: "eks-warden:remediation", value: "opt-out" } };
    await store.writeRemediation(first, 0);
    await expect(store.writeRemediation(first, 0)).rejects.toBeInstanceOf(StateConflict);
    await store.writeRemediation({ ...first, version: 2, conflict: { at: "2026-03-01T12:00:00.000Z", openers: ["alice"] } }, 1);
    await expect(store.writeRemediation({ ...first, version: 3 }, 1)).rejects.toBeInstanceOf(StateConflict);
    expect(await store.readRemediation(arn)).toEqual({ ...first, version: 2, conflict: { at: "2026-03-01T12:00:00.000Z", openers: ["alice"] } });
    // Not a rule record: the state of the cluster does not see it.
    expect(await store.readState(arn)).toEqual([]);
  });
});
