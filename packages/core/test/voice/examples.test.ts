// The alert texts a subscriber reads, produced end to end (parse -> evaluate -> transition -> render) from the two
// shared real CloudTrail records. The files under examples/ are what docs/alerts.md shows; this test keeps them true.
import { describe, expect, it } from "vitest";
import { handleClusterEvent } from "../../src/pipeline/cluster-event.ts";
import { handleSettleCheck } from "../../src/pipeline/settle.ts";
import { CREATE_CLUSTER_OPEN_WORLD, UPDATE_CLUSTER_CONFIG_PRIVATE, eventBridgeEnvelope, readCloudTrailRecord } from "../../../../test/fixtures/index.ts";
import { OPEN, PRIVATE, clusterRecord, world } from "../pipeline/fakes.ts";

const AMAZON_EKS = { arn: "arn:aws:eks:ap-northeast-2:999999999999:cluster/amazon-eks", account: "999999999999", region: "ap-northeast-2", name: "amazon-eks" };

describe("the alert examples docs/alerts.md shows", () => {
  it("are what the fixtures' CreateCluster (open to the world) and UpdateClusterConfig (private only) produce", async () => {
    const w = world(new Date("2024-03-08T14:09:45Z"));
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, { ...OPEN, endpointPrivateAccess: true }));
    await handleClusterEvent(eventBridgeEnvelope(readCloudTrailRecord(CREATE_CLUSTER_OPEN_WORLD)), w);
    await handleSettleCheck(w.settleQueue.messages.shift()!.message, w);
    w.clock.now = new Date("2024-03-08T14:18:34Z");
    await handleClusterEvent(eventBridgeEnvelope(readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE)), w);
    w.clock.now = new Date("2024-03-08T14:29:02Z");
    w.eks.clusters.set(AMAZON_EKS.arn, clusterRecord(AMAZON_EKS, PRIVATE));
    await handleSettleCheck(w.settleQueue.messages.shift()!.message, w);

    const endpoint = w.publisher.alerts.filter((alert) => alert.attributes.ruleId === "endpoint-public-access");
    expect(endpoint.map((alert) => alert.attributes.transition)).toEqual(["OPENED", "RESOLVED"]);
    const asMail = (alert: (typeof endpoint)[number]) => `Subject: ${alert.subject}\n\n${alert.text}`;
    await expect(asMail(endpoint[0]!)).toMatchFileSnapshot("./examples/opened-in-progress.txt");
    await expect(asMail(endpoint[1]!)).toMatchFileSnapshot("./examples/resolved.txt");
  });
});
