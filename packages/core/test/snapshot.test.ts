import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { DescribeAddonCommand, DescribeClusterCommand, DescribeClusterVersionsCommand, EKSClient } from "@aws-sdk/client-eks";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnapshotError } from "../src/errors.ts";
import { parseClusterArn } from "../src/arn.ts";
import { normaliseAddon, normaliseCluster, normaliseNodegroup, normaliseVersionCatalogue } from "../src/snapshot.ts";
import { fixturePath } from "../../../test/fixtures/index.ts";
import { eksFixtureNames, readEksFixture, recordedResponse, toWire } from "./eks-fixtures.ts";

const CLUSTER_FIXTURES = eksFixtureNames().filter((name) => name.startsWith("DescribeCluster."));

function clusterRecord(name: string): Record<string, unknown> {
  return structuredClone(recordedResponse(name).cluster) as Record<string, unknown>;
}

/** Runs `action` and returns the SnapshotError it throws; fails the test if it throws anything else or nothing. */
function snapshotErrorOf(action: () => unknown): SnapshotError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SnapshotError);
    return error as SnapshotError;
  }
  throw new Error("expected a SnapshotError, but nothing was thrown");
}

describe("normaliseCluster on the shared recordings", () => {
  it("parses every DescribeCluster recording into a snapshot whose identity is its ARN", () => {
    expect(CLUSTER_FIXTURES.length).toBeGreaterThanOrEqual(7);
    for (const name of CLUSTER_FIXTURES) {
      const record = clusterRecord(name);
      const snapshot = normaliseCluster(readEksFixture(name));
      expect(snapshot.arn, name).toBe(record.arn);
      expect(parseClusterArn(snapshot.arn)).toMatchObject({ account: snapshot.account, region: snapshot.region, name: snapshot.name });
      expect(snapshot.status, name).toBe(record.status);
      expect(snapshot.version, name).toBe(record.version);
      expect(snapshot.createdAt, name).toBeInstanceOf(Date);
    }
  });

  it.each([
    ["DescribeCluster.2018-no-endpoint-fields.json", { publicAccess: true, privateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] }, { publicAccess: true, privateAccess: true, publicAccessCidrs: true }],
    ["DescribeCluster.2019-no-cidrs.json", { publicAccess: true, privateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] }, { publicAccess: false, privateAccess: false, publicAccessCidrs: true }],
    ["DescribeCluster.public-and-private.active.json", { publicAccess: true, privateAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }, { publicAccess: false, privateAccess: false, publicAccessCidrs: true }],
    ["DescribeCluster.public-only.open-world.json", { publicAccess: true, privateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] }, { publicAccess: false, privateAccess: false, publicAccessCidrs: false }],
    ["DescribeCluster.private-only.json", { publicAccess: false, privateAccess: true, publicAccessCidrs: [] }, { publicAccess: false, privateAccess: false, publicAccessCidrs: false }],
  ])("gives %s AWS's endpoint meaning and records what was defaulted", (name, access, defaulted) => {
    const { endpoint } = normaliseCluster(readEksFixture(name));
    expect(endpoint).toEqual({ ...access, defaulted });
  });

  it("keeps the stale configuration of an UPDATING cluster as DescribeCluster reports it", () => {
    const snapshot = normaliseCluster(readEksFixture("DescribeCluster.public-and-private.updating-stale.json"));
    expect(snapshot.status).toBe("UPDATING");
    expect(snapshot.endpoint.publicAccess).toBe(true);
  });

  it("reads the modern fields: support type, tags, logging, platform version", () => {
    const modern = normaliseCluster(readEksFixture("DescribeCluster.v1-35.modern-fields.json"));
    expect(modern).toMatchObject({ version: "1.35", platformVersion: "eks.8", supportType: "STANDARD", tags: {} });
    expect(modern.logging.enabledTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    expect(modern.logging.disabledTypes).toEqual([]);

    const old = normaliseCluster(readEksFixture("DescribeCluster.2019-no-cidrs.json"));
    expect(old.supportType).toBeUndefined();
    expect(old.tags).toEqual({ Env: "Dev" });
    expect(old.logging).toEqual({ enabledTypes: ["api", "audit"], disabledTypes: ["authenticator", "controllerManager", "scheduler"] });
  });

  it("treats a record without logging as every log type off", () => {
    const snapshot = normaliseCluster(readEksFixture("DescribeCluster.2018-no-endpoint-fields.json"));
    expect(snapshot.logging).toEqual({ enabledTypes: [], disabledTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"] });
  });

  it("reads the recording's zone-less datetimes as UTC", () => {
    const snapshot = normaliseCluster(readEksFixture("DescribeCluster.2018-no-endpoint-fields.json"));
    expect(snapshot.createdAt?.toISOString()).toBe("2018-06-11T07:41:49.025Z");
  });

  it("attaches the add-ons of the cluster they belong to", () => {
    const snapshot = normaliseCluster(readEksFixture("DescribeCluster.v1-35.modern-fields.json"), {
      addons: [readEksFixture("DescribeAddon.1.json"), readEksFixture("DescribeAddon.2.json")],
    });
    expect(snapshot.addons).toEqual([
      { name: "amazon-cloudwatch-observability", version: "v4.10.3-eksbuild.1", status: "ACTIVE", healthIssues: [] },
      { name: "metrics-server", version: "v0.8.1-eksbuild.4", status: "ACTIVE", healthIssues: [] },
    ]);
  });

  it("refuses add-ons of another cluster, naming which one", () => {
    const error = snapshotErrorOf(() =>
      normaliseCluster(readEksFixture("DescribeCluster.private-only.json"), { addons: [readEksFixture("DescribeAddon.1.json")] }),
    );
    expect(error.issues).toEqual([{ path: "addons[0]", message: 'belongs to cluster "serious-bluegrass-ladybug", not to "c7n-test-eks-cluster"' }]);
  });

  it("reports the DescribeNodegroup recording as the failed call it is", () => {
    const error = snapshotErrorOf(() => normaliseNodegroup(readEksFixture("DescribeNodegroup.json")));
    expect(error.issues[0]?.path).toBe("status_code");
    expect(error.message).toContain("HTTP 404 (ResourceNotFoundException: No node group found for name: test.)");

    const inCluster = snapshotErrorOf(() =>
      normaliseCluster(readEksFixture("DescribeCluster.private-only.json"), { nodegroups: [readEksFixture("DescribeNodegroup.json")] }),
    );
    expect(inCluster.issues[0]?.path).toBe("nodegroups[0].status_code");
  });

  it.each(["ListAddons.json", "ListClusters.json", "UpdateClusterConfig.endpoint-access-update.json", "DescribeClusterVersions.json", "DescribeAddon.1.json"])(
    "says %s is not a cluster, listing what it found",
    (name) => {
      const error = snapshotErrorOf(() => normaliseCluster(readEksFixture(name)));
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.path).toBe("data");
      expect(error.issues[0]?.message).toMatch(/^expected a DescribeCluster response \({"cluster": {...}}\) or the cluster object itself .*got an object with keys /);
    },
  );
});

describe("every shared EKS recording", () => {
  const normaliserFor = (name: string) =>
    name.startsWith("DescribeClusterVersions")
      ? normaliseVersionCatalogue
      : name.startsWith("DescribeCluster.")
        ? normaliseCluster
        : name.startsWith("DescribeAddon.")
          ? normaliseAddon
          : name.startsWith("DescribeNodegroup")
            ? normaliseNodegroup
            : undefined;

  it.each(eksFixtureNames())("%s parses with its normaliser, or fails as the failed call or non-Describe response it is", (name) => {
    const fixture = readEksFixture(name);
    const normalise = normaliserFor(name);
    if (normalise !== undefined && fixture.status_code === 200) {
      expect(() => normalise(fixture)).not.toThrow();
    } else if (normalise !== undefined) {
      expect(snapshotErrorOf(() => normalise(fixture)).message).toContain(`failed with HTTP ${String(fixture.status_code)}`);
    } else {
      // ListClusters, ListAddons, UpdateClusterConfig: no snapshot is made from them; a user passing one is told so.
      expect(snapshotErrorOf(() => normaliseCluster(fixture)).issues[0]?.message).toMatch(/^expected a DescribeCluster response/);
    }
  });

  it("reads the cluster in a real CloudTrail CreateCluster response once its anonymised name is set back from the request", () => {
    const record = JSON.parse(readFileSync(fixturePath("cloudtrail/CreateCluster.console.public-open-world.json"), "utf8")) as {
      requestParameters: { name: string };
      responseElements: { cluster: Record<string, unknown> };
    };
    const slipped = snapshotErrorOf(() => normaliseCluster(record.responseElements.cluster));
    expect(slipped.issues).toEqual([{ path: "name", message: '"donggyu-eks" differs from the name in the ARN ("amazon-eks"); expected the two to agree' }]);
    const snapshot = normaliseCluster({ ...record.responseElements.cluster, name: record.requestParameters.name });
    expect(snapshot).toMatchObject({
      arn: "arn:aws:eks:ap-northeast-2:999999999999:cluster/amazon-eks",
      status: "CREATING",
      endpoint: { publicAccess: true, privateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] },
      logging: { enabledTypes: [] },
    });
    expect(snapshot.createdAt?.toISOString()).toBe("2024-03-08T14:09:42.067Z");
  });
});

describe("normaliseCluster validation", () => {
  it("names the field path and the expectation", () => {
    const record = clusterRecord("DescribeCluster.public-only.open-world.json");
    (record.resourcesVpcConfig as Record<string, unknown>).endpointPublicAccess = "yes";
    (record.resourcesVpcConfig as Record<string, unknown>).publicAccessCidrs = ["0.0.0.0/0", "10.0.0.0/33"];
    const error = snapshotErrorOf(() => normaliseCluster({ status_code: 200, data: { cluster: record } }));
    expect(error.issues).toEqual([
      { path: "data.cluster.resourcesVpcConfig.endpointPublicAccess", message: "expected boolean, received string" },
      { path: "data.cluster.resourcesVpcConfig.publicAccessCidrs[1]", message: '"10.0.0.0/33" is not a valid IPv4 or IPv6 CIDR' },
    ]);
    expect(error.message).toMatch(/^invalid DescribeCluster data: data\.cluster\.resourcesVpcConfig\.endpointPublicAccess: /);
  });

  it.each([
    [{ createdAt: "2026-02-30T00:00:00Z" }, "createdAt", /^expected a date/],
    [{ createdAt: { __class__: "datetime", year: 2026, month: 13, day: 1 } }, "createdAt", /^expected a date/],
    [{ version: "1.x" }, "version", /^expected a Kubernetes minor version such as "1\.30", got "1\.x"/],
    [{ name: "bad name" }, "name", /^expected an EKS cluster name/],
    [{ status: "" }, "status", /^expected the cluster status/],
    [{ upgradePolicy: { supportType: "FOREVER" } }, "upgradePolicy.supportType", /STANDARD.*EXTENDED/],
    [{ tags: { team: 7 } }, "tags.team", /^expected string/],
    [{ tags: { "eks-warden:exempt": 7 } }, 'tags["eks-warden:exempt"]', /^expected string/],
    [{ createdAt: [2019, 11, 8] }, "createdAt", /got an array$/],
    [{ createdAt: "x".repeat(200) }, "createdAt", /got "x{76}\.\.\.$/],
    [{ logging: { clusterLogging: [{ types: ["api"] }] } }, "logging.clusterLogging[0].enabled", /^expected boolean/],
    [{ arn: "arn:aws:eks:us-east-1:123:cluster/devx" }, "arn", /^expected an EKS cluster ARN/],
    [{ arn: "arn:aws:eks:us-east-1:644160558196:cluster/dev x" }, "arn", /^expected an EKS cluster ARN/],
    [{ name: "other" }, "name", /differs from the name in the ARN/],
  ])("rejects %j at %s", (change, path, message) => {
    const record = { ...clusterRecord("DescribeCluster.2019-no-cidrs.json"), ...change };
    const error = snapshotErrorOf(() => normaliseCluster(record));
    expect(error.issues[0]?.path).toBe(path);
    expect(error.issues[0]?.message).toMatch(message);
  });

  it("describes values JSON cannot hold, as SDK callers may pass them", () => {
    const record = clusterRecord("DescribeCluster.2019-no-cidrs.json");
    expect(snapshotErrorOf(() => normaliseCluster({ ...record, createdAt: 10n })).issues[0]).toEqual({
      path: "createdAt",
      message: expect.stringMatching(/^expected a date .* got a bigint$/),
    });
  });

  it("rejects what is not an object at all", () => {
    expect(snapshotErrorOf(() => normaliseCluster(null)).issues).toEqual([{ path: "", message: "expected a JSON object, got null" }]);
    expect(snapshotErrorOf(() => normaliseCluster([1])).issues[0]?.message).toBe("expected a JSON object, got an array");
    expect(snapshotErrorOf(() => normaliseCluster({ cluster: "dev" })).issues).toEqual([{ path: "cluster", message: 'expected an object, got "dev"' }]);
    expect(snapshotErrorOf(() => normaliseCluster({ status_code: "200", data: {} })).issues[0]?.path).toBe("status_code");
    expect(snapshotErrorOf(() => normaliseCluster({ status_code: 200, data: [] })).issues[0]?.path).toBe("data");
    expect(snapshotErrorOf(() => normaliseCluster({ status_code: 500, data: null })).message).toContain("failed with HTTP 500; expected a successful response");
    expect(snapshotErrorOf(() => normaliseCluster({})).issues[0]?.message).toContain("got an object with no keys");
  });

  it("accepts epoch seconds (the wire and CloudTrail) and ISO strings with a zone", () => {
    const base = clusterRecord("DescribeCluster.2019-no-cidrs.json");
    expect(normaliseCluster({ ...base, createdAt: 1709906982.067 }).createdAt?.toISOString()).toBe("2024-03-08T14:09:42.067Z");
    expect(normaliseCluster({ ...base, createdAt: "2019-11-08T06:06:34.627-05:00" }).createdAt?.toISOString()).toBe("2019-11-08T11:06:34.627Z");
  });

  it("keeps a public CIDR list given with public access off, and defaults a missing one to none", () => {
    const base = clusterRecord("DescribeCluster.private-only.json");
    const vpc = base.resourcesVpcConfig as Record<string, unknown>;
    const kept = normaliseCluster({ ...base, resourcesVpcConfig: { ...vpc, publicAccessCidrs: ["0.0.0.0/0"] } });
    expect(kept.endpoint.publicAccessCidrs).toEqual(["0.0.0.0/0"]);
    const { publicAccessCidrs: _dropped, ...withoutCidrs } = vpc;
    const none = normaliseCluster({ ...base, resourcesVpcConfig: withoutCidrs });
    expect(none.endpoint).toMatchObject({ publicAccess: false, publicAccessCidrs: [], defaulted: { publicAccessCidrs: true } });
  });

  it("treats a record with no resourcesVpcConfig as public to the world", () => {
    const { resourcesVpcConfig: _dropped, ...record } = clusterRecord("DescribeCluster.private-only.json");
    expect(normaliseCluster(record).endpoint).toEqual({
      publicAccess: true,
      privateAccess: false,
      publicAccessCidrs: ["0.0.0.0/0"],
      defaulted: { publicAccess: true, privateAccess: true, publicAccessCidrs: true },
    });
  });
});

describe("normaliseCluster identity without an ARN", () => {
  const withoutArn = (): Record<string, unknown> => {
    const { arn: _arn, ...record } = clusterRecord("DescribeCluster.2018-no-endpoint-fields.json");
    return record;
  };

  it("derives nothing silently: no ARN and no account is an error", () => {
    const error = snapshotErrorOf(() => normaliseCluster(withoutArn()));
    expect(error.issues).toEqual([
      { path: "arn", message: "missing; expected the cluster ARN, or an account id to build it from (identity hint, CLI --account)" },
    ]);
  });

  it("builds the ARN from the given account and the endpoint URL's region", () => {
    const snapshot = normaliseCluster(withoutArn(), { identity: { account: "644160558196" } });
    expect(snapshot).toMatchObject({ arn: "arn:aws:eks:us-east-1:644160558196:cluster/dev", account: "644160558196", region: "us-east-1", name: "dev" });
  });

  it("uses the given region, and the partition that region belongs to", () => {
    const { endpoint: _endpoint, ...record } = withoutArn();
    expect(normaliseCluster(record, { identity: { account: "111122223333", region: "cn-north-1" } }).arn).toBe("arn:aws-cn:eks:cn-north-1:111122223333:cluster/dev");
    expect(normaliseCluster(record, { identity: { account: "111122223333", region: "us-gov-west-1" } }).arn).toBe(
      "arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/dev",
    );
    expect(snapshotErrorOf(() => normaliseCluster(record, { identity: { account: "111122223333" } })).issues[0]?.message).toMatch(/region cannot be read/);
  });

  it("refuses a hint that contradicts the record", () => {
    expect(snapshotErrorOf(() => normaliseCluster(withoutArn(), { identity: { account: "644160558196", region: "eu-west-1" } })).issues[0]).toEqual({
      path: "endpoint",
      message: "the endpoint is in us-east-1, not in the expected region eu-west-1",
    });
    const withArn = readEksFixture("DescribeCluster.2018-no-endpoint-fields.json");
    expect(snapshotErrorOf(() => normaliseCluster(withArn, { identity: { account: "111122223333" } })).issues[0]?.message).toMatch(/account 644160558196 differs/);
    expect(snapshotErrorOf(() => normaliseCluster(withArn, { identity: { region: "eu-west-1" } })).issues[0]?.message).toMatch(/region us-east-1 differs/);
    expect(snapshotErrorOf(() => normaliseCluster(withArn, { identity: { account: "12" } })).issues[0]?.path).toBe("identity.account");
    expect(snapshotErrorOf(() => normaliseCluster(withArn, { identity: { region: "Mars" } })).issues[0]?.path).toBe("identity.region");
    expect(normaliseCluster(withArn, { identity: { account: "644160558196", region: "us-east-1" } }).arn).toBe("arn:aws:eks:us-east-1:644160558196:cluster/dev");
  });
});

describe("node groups and add-ons", () => {
  it("normalises a DescribeNodegroup output (SDK shape)", () => {
    const output = {
      $metadata: { httpStatusCode: 200 },
      nodegroup: {
        nodegroupName: "general",
        nodegroupArn: "arn:aws:eks:us-east-1:644160558196:nodegroup/dev/general/1a2b",
        clusterName: "dev",
        version: "1.30",
        releaseVersion: "1.30.4-20240917",
        status: "ACTIVE",
        amiType: "AL2023_x86_64_STANDARD",
        launchTemplate: { id: "lt-0abc", name: "general-nodes", version: "3" },
        createdAt: new Date("2024-09-20T10:00:00Z"),
      },
    };
    expect(normaliseNodegroup(output)).toEqual({
      name: "general",
      arn: "arn:aws:eks:us-east-1:644160558196:nodegroup/dev/general/1a2b",
      clusterName: "dev",
      status: "ACTIVE",
      version: "1.30",
      releaseVersion: "1.30.4-20240917",
      amiType: "AL2023_x86_64_STANDARD",
      launchTemplate: { id: "lt-0abc", name: "general-nodes", version: "3" },
    });
    const snapshot = normaliseCluster(readEksFixture("DescribeCluster.2018-no-endpoint-fields.json"), { nodegroups: [output, { nodegroupName: "bare" }] });
    expect(snapshot.nodegroups?.map((nodegroup) => nodegroup.name)).toEqual(["general", "bare"]);
    expect(snapshot.nodegroups?.[0]).not.toHaveProperty("clusterName");
  });

  it("reads add-on health issues and rejects an add-on without a version", () => {
    const addon = (recordedResponse("DescribeAddon.1.json").addon ?? {}) as Record<string, unknown>;
    const unhealthy = { ...addon, status: "DEGRADED", health: { issues: [{ code: "InsufficientNumberOfReplicas", message: "0/2 ready", resourceIds: ["x"] }] } };
    expect(normaliseAddon({ addon: unhealthy }).healthIssues).toEqual([{ code: "InsufficientNumberOfReplicas", message: "0/2 ready" }]);
    const { addonVersion: _version, ...versionless } = addon;
    expect(snapshotErrorOf(() => normaliseAddon(versionless)).issues).toEqual([{ path: "addonVersion", message: "expected string, received undefined" }]);
  });
});

describe("normaliseVersionCatalogue", () => {
  it("parses the shared DescribeClusterVersions recording, support dates included", () => {
    const catalogue = normaliseVersionCatalogue(readEksFixture("DescribeClusterVersions.json"), { retrievedAt: new Date("2026-04-01T00:00:00Z") });
    expect(catalogue.versions.map((entry) => entry.version)).toEqual(["1.34", "1.33", "1.32", "1.31", "1.30", "1.29", "1.28", "1.27", "1.26", "1.25", "1.24", "1.23"]);
    expect(catalogue.versions.filter((entry) => entry.status === "UNSUPPORTED")).toHaveLength(6);
    expect(catalogue.versions[0]).toEqual({
      version: "1.34",
      status: "STANDARD_SUPPORT",
      defaultVersion: true,
      releaseDate: new Date("2025-10-02T00:00:00Z"),
      endOfStandardSupportDate: new Date("2026-12-02T00:00:00Z"),
      endOfExtendedSupportDate: new Date("2027-12-02T00:00:00Z"),
    });
    expect(catalogue.retrievedAt).toEqual(new Date("2026-04-01T00:00:00Z"));
  });

  it("accepts the bare array and the older lower-case status field", () => {
    const catalogue = normaliseVersionCatalogue([{ clusterVersion: "1.30", status: "extended-support" }]);
    expect(catalogue).toEqual({ versions: [{ version: "1.30", status: "EXTENDED_SUPPORT" }] });
  });

  it.each([
    [{ clusterVersions: [{ clusterVersion: "1.30" }] }, "clusterVersions[0].versionStatus", /^missing; expected one of/],
    [{ clusterVersions: [{ clusterVersion: "1.30", versionStatus: "FOREVER" }] }, "clusterVersions[0].versionStatus", /STANDARD_SUPPORT/],
    [{ clusterVersions: [{ clusterVersion: "1.30", versionStatus: "UNSUPPORTED", endOfStandardSupportDate: "soon" }] }, "clusterVersions[0].endOfStandardSupportDate", /^expected a date/],
    [{ clusterVersions: [], nextToken: "abc" }, "nextToken", /one page of the catalogue/],
    [{ versions: [] }, "", /got an object with keys "versions"/],
    [{ status_code: 403, data: { Error: { Code: "AccessDeniedException", Message: "no" } } }, "status_code", /HTTP 403 \(AccessDeniedException: no\)/],
    ["1.30", "", /got "1\.30"/],
  ])("rejects %j at %s", (input, path, message) => {
    const error = snapshotErrorOf(() => normaliseVersionCatalogue(input));
    expect(error.issues[0]?.path).toBe(path);
    expect(error.issues[0]?.message).toMatch(message);
  });
});

describe("the same data through the real SDK v3 client and the real AWS CLI", () => {
  // A local endpoint that answers as EKS does on the wire, from the recordings: both clients parse it themselves.
  const routes = new Map<string, unknown>([
    ["/clusters/devk8s", toWire(recordedResponse("DescribeCluster.public-and-private.active.json"))],
    ["/clusters/dev", toWire(recordedResponse("DescribeCluster.2018-no-endpoint-fields.json"))],
    ["/clusters/serious-bluegrass-ladybug/addons/metrics-server", toWire(recordedResponse("DescribeAddon.2.json"))],
    ["/cluster-versions", toWire(recordedResponse("DescribeClusterVersions.json"))],
  ]);
  let server: Server;
  let endpoint: string;
  let configDirectory: string;

  beforeAll(async () => {
    configDirectory = mkdtempSync(join(tmpdir(), "warden-aws-"));
    server = createServer((request, response) => {
      const body = routes.get(new URL(request.url ?? "/", "http://localhost").pathname);
      response.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json", ...(body === undefined && { "x-amzn-errortype": "ResourceNotFoundException" }) });
      response.end(JSON.stringify(body ?? { message: "not found" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    rmSync(configDirectory, { recursive: true, force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

  it("gives the same snapshot from SDK output (Date objects), with or without the output envelope", async () => {
    const client = new EKSClient({ region: "us-east-2", endpoint, credentials, maxAttempts: 1 });
    const output = await client.send(new DescribeClusterCommand({ name: "devk8s" }));
    expect(output.cluster?.createdAt).toBeInstanceOf(Date);
    const fromRecording = normaliseCluster(readEksFixture("DescribeCluster.public-and-private.active.json"));
    expect(normaliseCluster(output)).toEqual(fromRecording);
    expect(normaliseCluster(output.cluster)).toEqual(fromRecording);

    const addon = await client.send(new DescribeAddonCommand({ clusterName: "serious-bluegrass-ladybug", addonName: "metrics-server" }));
    expect(normaliseAddon(addon)).toEqual(normaliseAddon(readEksFixture("DescribeAddon.2.json")));

    const versions = await client.send(new DescribeClusterVersionsCommand({}));
    expect(normaliseVersionCatalogue(versions)).toEqual(normaliseVersionCatalogue(readEksFixture("DescribeClusterVersions.json")));
    client.destroy();
  });

  const awsCli = promisify(execFile);
  const awsEnv = (timestampFormat: "iso8601" | "none"): NodeJS.ProcessEnv => {
    // CLI v2 prints ISO 8601 by default; v1 (installed here) prints what the wire had unless told otherwise.
    const config = join(configDirectory, `config-${timestampFormat}`);
    writeFileSync(config, `[default]\ncli_timestamp_format = ${timestampFormat}\n`);
    return {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_EC2_METADATA_DISABLED: "true",
    };
  };
  const hasAwsCli = spawnSync("aws", ["--version"], { env: { PATH: process.env.PATH ?? "" } }).status === 0;

  it.skipIf(!hasAwsCli)("gives the same snapshot from `aws eks describe-cluster` JSON, ISO 8601 or epoch timestamps", async () => {
    const expected = normaliseCluster(readEksFixture("DescribeCluster.2018-no-endpoint-fields.json"));
    for (const [format, type] of [["iso8601", "string"], ["none", "number"]] as const) {
      const { stdout } = await awsCli("aws", ["eks", "describe-cluster", "--name", "dev", "--region", "us-east-1", "--endpoint-url", endpoint, "--output", "json"], {
        env: awsEnv(format),
      });
      const cliJson = JSON.parse(stdout) as { cluster: { createdAt: unknown } };
      expect(typeof cliJson.cluster.createdAt).toBe(type);
      expect(normaliseCluster(cliJson)).toEqual(expected);
    }
    const versions = await awsCli("aws", ["eks", "describe-cluster-versions", "--region", "us-east-1", "--endpoint-url", endpoint, "--output", "json"], {
      env: awsEnv("iso8601"),
    });
    expect(normaliseVersionCatalogue(JSON.parse(versions.stdout))).toEqual(normaliseVersionCatalogue(readEksFixture("DescribeClusterVersions.json")));
  }, 90_000);
});

describe("normaliseCluster never throws anything but SnapshotError", () => {
  const onlySnapshotErrors = (run: () => unknown): boolean => {
    try {
      run();
      return true;
    } catch (error) {
      return error instanceof SnapshotError;
    }
  };

  it("on arbitrary values and JSON", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.json().map((text) => JSON.parse(text) as unknown)), (input) =>
        [normaliseCluster, normaliseVersionCatalogue, normaliseAddon, normaliseNodegroup].every((normalise) => onlySnapshotErrors(() => normalise(input))),
      ),
      { numRuns: 400 },
    );
  });

  /** Every path (keys and indices) inside a JSON value. */
  function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    const here = prefix.length ? [prefix] : [];
    if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))];
    if (typeof value === "object" && value !== null) return [...here, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
    return here;
  }

  function mutate(value: unknown, path: readonly (string | number)[], replacement: unknown, remove: boolean): unknown {
    const copy = structuredClone(value) as Record<string | number, unknown>;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (remove && !Array.isArray(parent)) delete parent[last];
    else parent[last] = replacement;
    return copy;
  }

  const fixtures = [...CLUSTER_FIXTURES, "DescribeClusterVersions.json", "DescribeAddon.1.json"].map((name) => readEksFixture(name));
  const mutation = fc
    .constantFrom(...fixtures)
    .chain((fixture) => fc.tuple(fc.constant(fixture), fc.constantFrom(...pathsOf(fixture)), fc.oneof(fc.anything(), fc.constant(undefined)), fc.boolean()));

  it("on real recordings with one field replaced or removed, and keeps AWS's endpoint meaning when it parses", () => {
    fc.assert(
      fc.property(mutation, ([fixture, path, replacement, remove]) => {
        const input = mutate(fixture, path, replacement, remove);
        for (const normalise of [normaliseVersionCatalogue, normaliseAddon, normaliseNodegroup]) {
          if (!onlySnapshotErrors(() => normalise(input))) return false;
        }
        try {
          const { endpoint } = normaliseCluster(input);
          if (endpoint.defaulted.publicAccess && !endpoint.publicAccess) return false;
          if (endpoint.defaulted.privateAccess && endpoint.privateAccess) return false;
          if (endpoint.publicAccess && endpoint.defaulted.publicAccessCidrs) return endpoint.publicAccessCidrs.join() === "0.0.0.0/0";
          return true;
        } catch (error) {
          return error instanceof SnapshotError;
        }
      }),
      { numRuns: 600 },
    );
  });
});
