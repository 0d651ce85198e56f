// The events the simulator emits go through the very parser that reads the real CloudTrail fixtures
// (core's parseClusterEvent), and come out with the same shape.

import {
  AssociateAccessPolicyCommand,
  AssociateIdentityProviderConfigCommand,
  CreateAccessEntryCommand,
  CreateAddonCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteAccessEntryCommand,
  DeleteClusterCommand,
  DisassociateAccessPolicyCommand,
  DisassociateIdentityProviderConfigCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAccessEntryCommand,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupVersionCommand,
} from "@aws-sdk/client-eks";
import { parseClusterEvent, HANDLED_CLUSTER_EVENTS } from "@eks-warden/core/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../src/index.ts";
import { createClusterInput, eksClient, rejection, SAMPLE_FLEET } from "./helpers.ts";
import { readFixture } from "../../../test/fixtures/index.ts";

function envelope(detail: Record<string, unknown>) {
  return {
    version: "0",
    id: "fixture-envelope",
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.eks",
    account: detail["recipientAccountId"],
    time: detail["eventTime"],
    region: detail["awsRegion"],
    resources: [],
    detail,
  };
}

const CLUSTER_ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const keys = (value: object | undefined) => Object.keys(value ?? {}).sort();

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ fleet: SAMPLE_FLEET });
});
afterAll(() => sim.stop());

describe("simulated CloudTrail events through core's parser", () => {
  it("UpdateClusterConfig and CreateCluster parse to the same shape as the real fixtures", async () => {
    const realUpdate = parseClusterEvent(envelope(readFixture("cloudtrail/UpdateClusterConfig.console.private-only.json")));
    const realCreate = parseClusterEvent(envelope(readFixture("cloudtrail/CreateCluster.console.public-open-world.json")));
    const eks = eksClient(sim, { maxAttempts: 1 });
    await eks.send(new UpdateClusterConfigCommand({ name: "web-public", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } }));
    // As the console creates it (the fixture): with an accessConfig, which the parser reads as the call's access change.
    await eks.send(
      new CreateClusterCommand({
        ...createClusterInput("parsed-create", { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] }),
        accessConfig: { bootstrapClusterCreatorAdminPermissions: true, authenticationMode: "API_AND_CONFIG_MAP" },
      }),
    );
    const [updateEvent, createEvent] = sim.cloudTrail.events.slice(-2);
    const simulatedUpdate = parseClusterEvent(updateEvent);
    const simulatedCreate = parseClusterEvent(createEvent);

    expect(keys(simulatedUpdate)).toEqual(keys(realUpdate));
    expect(simulatedUpdate.intent).toEqual(realUpdate.intent); // same change asked, same params logged
    expect(simulatedUpdate).toMatchObject({ eventName: "UpdateClusterConfig", clusterName: "web-public", clusterArn: "arn:aws:eks:eu-west-1:111111111111:cluster/web-public", sourceIp: "198.51.100.23" });
    expect(simulatedUpdate.actor).toMatchObject({ type: "IAMUser", arn: "arn:aws:iam::111111111111:user/alice", userName: "alice" });

    expect(keys(simulatedCreate)).toEqual(keys(realCreate));
    expect(simulatedCreate.intent?.kind).toBe("cluster");
    expect(simulatedCreate.createdStatus).toBe(realCreate.createdStatus);
    expect(simulatedCreate.access).toEqual(realCreate.access);
    sim.clock.advance(15 * 60_000);
  });

  it("a failed call parses as failed, with EKS's error", async () => {
    const eks = eksClient(sim, { maxAttempts: 1 });
    await rejection(eks.send(new UpdateClusterConfigCommand({ name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: false } })));
    const parsed = parseClusterEvent(sim.cloudTrail.events.at(-1));
    expect(parsed.failed).toEqual({ errorCode: "InvalidParameterException", errorMessage: "Both private and public endpoint access cannot be false" });
  });

  it("every mutating operation's event is accepted by the parser", async () => {
    const eks = eksClient(sim, { maxAttempts: 1 });
    const bob = eksClient(sim, { region: "us-east-1", accessKeyId: "AKIABOBEXAMPLE000002", maxAttempts: 1 });
    const arn = "arn:aws:eks:eu-west-1:111111111111:cluster/payments-prod";
    const before = sim.cloudTrail.events.length;
    // On access entries (API): CONFIG_MAP, EKS's default, refuses access-entry calls.
    await eks.send(new CreateClusterCommand({ ...createClusterInput("parsed-all"), accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false } }));
    sim.clock.advance(12 * 60_000);
    await eks.send(new TagResourceCommand({ resourceArn: arn, tags: { k: "v" } }));
    await eks.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["k"] }));
    await eks.send(new CreateNodegroupCommand({ clusterName: "parsed-all", nodegroupName: "ng", subnets: ["s"], nodeRole: "arn:aws:iam::111111111111:role/n" }));
    await eks.send(new CreateAddonCommand({ clusterName: "parsed-all", addonName: "kube-proxy", addonVersion: "v1.35.0-eksbuild.2" }));
    sim.clock.advance(5 * 60_000);
    await eks.send(new UpdateAddonCommand({ clusterName: "parsed-all", addonName: "kube-proxy", addonVersion: "v1.35.1-eksbuild.3" }));
    await eks.send(new UpdateNodegroupVersionCommand({ clusterName: "payments-prod", nodegroupName: "payments-general" }));
    await bob.send(new UpdateClusterVersionCommand({ name: "legacy-batch", version: "1.33" }));
    await eks.send(new UpdateClusterConfigCommand({ name: "parsed-all", logging: { clusterLogging: [{ types: ["audit"], enabled: true }] } }));
    const grantee = "arn:aws:iam::999988887777:role/contractor";
    await eks.send(new CreateAccessEntryCommand({ clusterName: "parsed-all", principalArn: grantee }));
    await eks.send(new UpdateAccessEntryCommand({ clusterName: "parsed-all", principalArn: grantee, kubernetesGroups: ["viewers"] }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: "parsed-all", principalArn: grantee, policyArn: CLUSTER_ADMIN, accessScope: { type: "cluster" } }));
    await eks.send(new DisassociateAccessPolicyCommand({ clusterName: "parsed-all", principalArn: grantee, policyArn: CLUSTER_ADMIN }));
    await eks.send(new DeleteAccessEntryCommand({ clusterName: "parsed-all", principalArn: grantee }));
    sim.clock.advance(10 * 60_000); // the logging update above ends first: EKS runs one cluster update at a time
    await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: "parsed-all", oidc: { identityProviderConfigName: "okta", issuerUrl: "https://example.okta.com", clientId: "kube" } }));
    sim.clock.advance(10 * 60_000);
    await eks.send(new DisassociateIdentityProviderConfigCommand({ clusterName: "parsed-all", identityProviderConfig: { type: "oidc", name: "okta" } }));
    await eks.send(new DeleteClusterCommand({ name: "parsed-create" }));
    const emitted = sim.cloudTrail.events.slice(before);
    expect(new Set(emitted.map((event) => event.detail.eventName))).toEqual(new Set(HANDLED_CLUSTER_EVENTS));
    for (const event of emitted) {
      const parsed = parseClusterEvent(event);
      expect(parsed.failed, `${event.detail.eventName} should have succeeded`).toBeUndefined();
      expect(parsed.eventId).toBe(event.detail.eventID);
    }
    const nodegroupUpdate = parseClusterEvent(emitted.find((event) => event.detail.eventName === "UpdateNodegroupVersion"));
    expect(nodegroupUpdate).toMatchObject({ nodegroupName: "payments-general", clusterName: "payments-prod" });
    expect(nodegroupUpdate.updateId).toMatch(/^[0-9a-f-]{36}$/);
    const grant = parseClusterEvent(emitted.find((event) => event.detail.eventName === "AssociateAccessPolicy"));
    expect(grant).toMatchObject({ clusterName: "parsed-all", access: { principalArn: grantee, policyArn: CLUSTER_ADMIN, accessScope: { type: "cluster", namespaces: [] } } });
  });
});
