// EKS's asynchronous behaviour as the monitor meets it: the stale configuration while an update runs,
// ResourceInUseException during an update, refusals, failed updates, and pagination over a large fleet.

import {
  CreateClusterCommand,
  DescribeClusterCommand,
  DescribeUpdateCommand,
  InvalidParameterException,
  paginateListClusters,
  ResourceInUseException,
  UpdateClusterConfigCommand,
  UpdateClusterVersionCommand,
} from "@aws-sdk/client-eks";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Fleet, type Simulator } from "../src/index.ts";
import { createClusterInput, eksClient, rejection } from "./helpers.ts";
import { readFixture } from "../../../test/fixtures/index.ts";

interface Recorded {
  data: { cluster: Record<string, unknown> };
}

const MINUTE = 60_000;
const active = readFixture<Recorded>("eks/DescribeCluster.public-and-private.active.json").data.cluster;
const stale = readFixture<Recorded>("eks/DescribeCluster.public-and-private.updating-stale.json").data.cluster;
const recordedUpdate = readFixture<{ data: { update: Record<string, unknown> } }>("eks/UpdateClusterConfig.endpoint-access-update.json").data.update;

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function simulatorWith(fleet: Fleet) {
  sim = await startSimulator({ fleet });
  return sim;
}

function comparable(cluster: Record<string, unknown>) {
  const { status, resourcesVpcConfig, version, platformVersion, endpoint, arn } = cluster;
  return { status, resourcesVpcConfig, version, platformVersion, endpoint, arn };
}

describe("an endpoint update, as recorded from real EKS", () => {
  it("shows UPDATING with the OLD configuration until the update ends, then the new one", async () => {
    // The recorded cluster (us-east-2, account 644160558196) seeded as it was recorded, placebo dates included.
    const sim = await simulatorWith({ clusters: [{ cluster: active }], startTime: "2019-03-22T11:15:49Z" });
    const eks = eksClient(sim, { region: "us-east-2", accessKeyId: "AKIARECORDED", maxAttempts: 1 });
    sim.identities.register("AKIARECORDED", { arn: "arn:aws:iam::644160558196:user/recorder" });

    const before = await eks.send(new DescribeClusterCommand({ name: "devk8s" }));
    expect(comparable(before.cluster as Record<string, unknown>)).toEqual(comparable(active));

    const { update } = await eks.send(new UpdateClusterConfigCommand({ name: "devk8s", resourcesVpcConfig: { endpointPublicAccess: false } }));
    // The real response lists the public and private flags; the simulator adds PublicAccessCidrs as CloudTrail shows it.
    expect(update?.params?.slice(0, 2)).toEqual(recordedUpdate["params"]);
    expect({ status: update?.status, type: update?.type, errors: update?.errors }).toEqual({ status: recordedUpdate["status"], type: recordedUpdate["type"], errors: recordedUpdate["errors"] });

    sim.clock.advance(11_000); // the recorded stale read came 11 s after the update call
    const during = await eks.send(new DescribeClusterCommand({ name: "devk8s" }));
    expect(comparable(during.cluster as Record<string, unknown>)).toEqual(comparable(stale));

    sim.clock.advance(10 * MINUTE);
    const after = await eks.send(new DescribeClusterCommand({ name: "devk8s" }));
    expect(after.cluster?.status).toBe("ACTIVE");
    expect(after.cluster?.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: false, endpointPrivateAccess: true, publicAccessCidrs: [] });
    expect((await eks.send(new DescribeUpdateCommand({ name: "devk8s", updateId: update!.id! }))).update?.status).toBe("Successful");
  });

  it("refuses a second update with ResourceInUseException (409) while one runs, even of another type", async () => {
    const sim = await simulatorWith({ clusters: [{ cluster: active }] });
    sim.identities.register("AKIARECORDED", { arn: "arn:aws:iam::644160558196:user/recorder" });
    const eks = eksClient(sim, { region: "us-east-2", accessKeyId: "AKIARECORDED", maxAttempts: 1 });
    const first = await eks.send(new UpdateClusterConfigCommand({ name: "devk8s", resourcesVpcConfig: { endpointPublicAccess: false } }));
    const second = await rejection(eks.send(new UpdateClusterConfigCommand({ name: "devk8s", resourcesVpcConfig: { endpointPublicAccess: false } })));
    expect(second).toBeInstanceOf(ResourceInUseException);
    expect(second.$metadata?.httpStatusCode).toBe(409);
    expect(second.message).toBe(`Cannot EndpointAccessUpdate because cluster devk8s currently has update ${first.update?.id} in progress`);
    expect(second["clusterName"]).toBe("devk8s");
    const version = await rejection(eks.send(new UpdateClusterVersionCommand({ name: "devk8s", version: "1.12" })));
    expect(version).toBeInstanceOf(ResourceInUseException);
    sim.clock.advance(10 * MINUTE);
    await expect(eks.send(new UpdateClusterConfigCommand({ name: "devk8s", resourcesVpcConfig: { endpointPublicAccess: true } }))).resolves.toBeDefined();
  });

  it("refuses an update asking for the current configuration with ResourceInUseException (409) while one runs", async () => {
    const sim = await simulatorWith({ clusters: [{ cluster: active }] });
    sim.identities.register("AKIARECORDED", { arn: "arn:aws:iam::644160558196:user/recorder" });
    const eks = eksClient(sim, { region: "us-east-2", accessKeyId: "AKIARECORDED", maxAttempts: 1 });
    const first = await eks.send(new UpdateClusterConfigCommand({ name: "devk8s", resourcesVpcConfig: { endpointPublicAccess: false } }));
    const inProgress = `because cluster devk8s currently has update ${first.update?.id} in progress`;
    // While the update runs, DescribeCluster still shows public and private access on: ask for exactly that.
    const current = await rejection(eks.send(new UpdateClusterConfigCommand({ name: "devk8s", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true } })));
    expect(current).toBeInstanceOf(ResourceInUseException);
    expect(current.$metadata?.httpStatusCode).toBe(409);
    expect(current.message).toBe(`Cannot EndpointAccessUpdate ${inProgress}`);
    const logging = await rejection(eks.send(new UpdateClusterConfigCommand({ name: "devk8s", logging: { clusterLogging: [{ types: ["api"], enabled: false }] } })));
    expect(logging).toBeInstanceOf(ResourceInUseException);
    expect(logging.message).toBe(`Cannot LoggingUpdate ${inProgress}`);
    const sameVersion = await rejection(eks.send(new UpdateClusterVersionCommand({ name: "devk8s", version: String(active["version"]) })));
    expect(sameVersion).toBeInstanceOf(ResourceInUseException);
    expect(sameVersion.message).toBe(`Cannot VersionUpdate ${inProgress}`);
  });

  it("returns the same update for a retried call with the same clientRequestToken", async () => {
    const sim = await simulatorWith({ clusters: [{ cluster: active }] });
    sim.identities.register("AKIARECORDED", { arn: "arn:aws:iam::644160558196:user/recorder" });
    const eks = eksClient(sim, { region: "us-east-2", accessKeyId: "AKIARECORDED", maxAttempts: 1 });
    const input = { name: "devk8s", resourcesVpcConfig: { endpointPublicAccess: false }, clientRequestToken: "retry-token-1" };
    const first = await eks.send(new UpdateClusterConfigCommand(input));
    const again = await eks.send(new UpdateClusterConfigCommand(input));
    expect(again.update?.id).toBe(first.update?.id);
  });

  it("returns the same cluster for a retried CreateCluster with the same clientRequestToken", async () => {
    const sim = await simulatorWith({});
    const eks = eksClient(sim, { region: "us-east-1", maxAttempts: 1 });
    const input = { ...createClusterInput("retried"), clientRequestToken: "create-token-1" };
    const first = await eks.send(new CreateClusterCommand(input));
    const again = await eks.send(new CreateClusterCommand(input));
    expect(again.cluster?.arn).toBe(first.cluster?.arn);
    const other = await rejection(eks.send(new CreateClusterCommand({ ...input, clientRequestToken: "create-token-2" })));
    expect(other).toBeInstanceOf(ResourceInUseException);
    expect(other.message).toBe("Cluster already exists with name: retried");
  });
});

describe("refusals", () => {
  it("rejects turning both endpoints off, leaving the cluster untouched", async () => {
    const sim = await simulatorWith({ clusters: [{ cluster: { ...active, arn: undefined }, account: "123456789012", region: "eu-west-1" }] });
    const eks = eksClient(sim, { maxAttempts: 1 });
    const error = await rejection(eks.send(new UpdateClusterConfigCommand({ name: "devk8s", resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: false } })));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe("Both private and public endpoint access cannot be false");
    expect((await eks.send(new DescribeClusterCommand({ name: "devk8s" }))).cluster?.status).toBe("ACTIVE");
  });

  it("takes a record with no endpoint fields as public only, open to the world", async () => {
    const legacy = readFixture<Recorded>("eks/DescribeCluster.2018-no-endpoint-fields.json").data.cluster;
    const sim = await simulatorWith({ clusters: [{ cluster: legacy }] });
    sim.identities.register("AKIARECORDED", { arn: "arn:aws:iam::644160558196:user/recorder" });
    const eks = eksClient(sim, { region: "us-east-1", accessKeyId: "AKIARECORDED", maxAttempts: 1 });
    const noop = await rejection(eks.send(new UpdateClusterConfigCommand({ name: "dev", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false } })));
    expect(noop.message).toBe("Cluster is already at the desired configuration with endpointPrivateAccess: false , endpointPublicAccess: true, and Public Endpoint Restrictions: [0.0.0.0/0]");
  });
});

describe("a failed update", () => {
  it("ends Failed with an error detail and leaves the configuration as it was", async () => {
    const sim = await simulatorWith({ clusters: [{ cluster: { name: "flaky", version: "1.33", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false } } }] });
    const eks = eksClient(sim, { region: "us-east-1", maxAttempts: 1 });
    sim.failNextUpdate({ type: "EndpointAccessUpdate", errorCode: "AccessDenied", errorMessage: "Service-linked role cannot be assumed." });
    const { update } = await eks.send(new UpdateClusterConfigCommand({ name: "flaky", resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }));
    sim.clock.advance(10 * MINUTE);
    const ended = await eks.send(new DescribeUpdateCommand({ name: "flaky", updateId: update!.id! }));
    expect(ended.update?.status).toBe("Failed");
    expect(ended.update?.errors).toEqual([{ errorCode: "AccessDenied", errorMessage: "Service-linked role cannot be assumed.", resourceIds: ["flaky"] }]);
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: "flaky" }));
    expect(cluster).toMatchObject({ status: "ACTIVE", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false } });
  });

  it("durations are configurable per kind of work", async () => {
    const sim = await simulatorWith({ durations: { CreateCluster: 1000 } });
    const eks = eksClient(sim, { region: "us-east-1", maxAttempts: 1 });
    await eks.send(new CreateClusterCommand(createClusterInput("quick")));
    sim.clock.advance(1000);
    expect((await eks.send(new DescribeClusterCommand({ name: "quick" }))).cluster?.status).toBe("ACTIVE");
  });
});

describe("pagination", () => {
  it("ListClusters pages through 1,000 clusters at most 100 at a time, and the SDK paginator collects them all", async () => {
    const names = Array.from({ length: 1000 }, (_, index) => `c-${String(index).padStart(4, "0")}`);
    const sim = await simulatorWith({ defaultRegion: "eu-west-1", clusters: names.map((name) => ({ cluster: { name, version: "1.34" } })) });
    const eks = eksClient(sim, { maxAttempts: 1 });
    const collected: string[] = [];
    let pages = 0;
    for await (const page of paginateListClusters({ client: eks }, {})) {
      pages += 1;
      expect(page.clusters!.length).toBeLessThanOrEqual(100);
      collected.push(...page.clusters!);
    }
    expect(collected).toEqual(names);
    expect(pages).toBe(10);
    expect(sim.calls.get("ListClusters")).toBe(10);
    const small: string[] = [];
    for await (const page of paginateListClusters({ client: eks, pageSize: 7 }, {})) small.push(...page.clusters!);
    expect(small).toHaveLength(1000);
  });
});
