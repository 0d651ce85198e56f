// The AWS CLI (v1, on botocore: an independent client) drives the simulator through --endpoint-url.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../src/index.ts";
import { SAMPLE_FLEET } from "./helpers.ts";

const run = promisify(execFile);
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ fleet: SAMPLE_FLEET });
});
afterAll(() => sim.stop());

interface CliResult {
  readonly code: number;
  readonly json: Record<string, unknown>;
  readonly stderr: string;
}

async function aws(region: string, ...args: string[]): Promise<CliResult> {
  const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", AWS_ACCESS_KEY_ID: "AKIAALICEEXAMPLE0001", AWS_SECRET_ACCESS_KEY: "secret", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
  try {
    const { stdout, stderr } = await run("aws", ["eks", ...args, "--endpoint-url", sim.url, "--region", region, "--output", "json"], { env, timeout: 30_000 });
    return { code: 0, json: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {}, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, json: {}, stderr: failed.stderr ?? String(error) };
  }
}

describe("the AWS CLI against the simulator", () => {
  it("create-cluster, describe-cluster, update-cluster-config, describe-update", async () => {
    const created = await aws("eu-west-1", "create-cluster", "--name", "cli-made", "--role-arn", "arn:aws:iam::111111111111:role/eks", "--resources-vpc-config", "subnetIds=subnet-aaa,subnet-bbb,endpointPublicAccess=true,endpointPrivateAccess=false", "--kubernetes-version", "1.34");
    expect(created.code).toBe(0);
    expect(created.json["cluster"]).toMatchObject({ name: "cli-made", status: "CREATING", version: "1.34" });
    sim.clock.advance(12 * 60_000);
    const described = await aws("eu-west-1", "describe-cluster", "--name", "cli-made");
    expect(described.json["cluster"]).toMatchObject({ status: "ACTIVE", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } });

    const updated = await aws("eu-west-1", "update-cluster-config", "--name", "cli-made", "--resources-vpc-config", "endpointPublicAccess=false,endpointPrivateAccess=true");
    const update = updated.json["update"] as { id: string; status: string; type: string };
    expect(update).toMatchObject({ status: "InProgress", type: "EndpointAccessUpdate" });
    sim.clock.advance(10 * 60_000);
    const followed = await aws("eu-west-1", "describe-update", "--name", "cli-made", "--update-id", update.id);
    expect(followed.json["update"]).toMatchObject({ id: update.id, status: "Successful" });
    expect(sim.cloudTrail.events.map((event) => event.detail.eventName)).toEqual(expect.arrayContaining(["CreateCluster", "UpdateClusterConfig"]));
    expect(sim.cloudTrail.events.at(-1)?.detail.userAgent).toMatch(/^aws-cli\//);
  });

  it("list-clusters with --page-size and --max-items pages through the fleet", async () => {
    const [firstPage, all] = await Promise.all([aws("us-east-1", "list-clusters", "--max-items", "1", "--page-size", "1"), aws("us-east-1", "list-clusters", "--page-size", "1")]);
    expect(firstPage.json["clusters"]).toEqual(["analytics"]);
    expect(typeof firstPage.json["NextToken"]).toBe("string");
    const rest = await aws("us-east-1", "list-clusters", "--max-items", "1", "--page-size", "1", "--starting-token", String(firstPage.json["NextToken"]));
    expect(rest.json["clusters"]).toEqual(["ci-runners"]);
    expect(all.json["clusters"]).toEqual(["analytics", "ci-runners"]);
  });

  it("update-cluster-config asking for the current configuration during an update: ResourceInUseException", async () => {
    const started = await aws("eu-west-1", "update-cluster-config", "--name", "web-public", "--resources-vpc-config", "endpointPublicAccess=true,endpointPrivateAccess=true");
    const update = started.json["update"] as { id: string };
    expect(started.code).toBe(0);
    const current = await aws("eu-west-1", "update-cluster-config", "--name", "web-public", "--resources-vpc-config", "endpointPublicAccess=true,endpointPrivateAccess=false");
    expect([254, 255]).toContain(current.code);
    expect(current.stderr).toContain(
      `An error occurred (ResourceInUseException) when calling the UpdateClusterConfig operation: Cannot EndpointAccessUpdate because cluster web-public currently has update ${update.id} in progress`,
    );
    sim.clock.advance(10 * 60_000);
  });

  it("tag-resource and list-tags-for-resource; an error exits non-zero with EKS's message", async () => {
    const arn = "arn:aws:eks:eu-west-1:111111111111:cluster/payments-prod";
    const tagged = await aws("eu-west-1", "tag-resource", "--resource-arn", arn, "--tags", "cost-centre=cc-42");
    expect(tagged.code).toBe(0);
    const [tags, missing] = await Promise.all([aws("eu-west-1", "list-tags-for-resource", "--resource-arn", arn), aws("eu-west-1", "describe-cluster", "--name", "nope")]);
    expect(tags.json["tags"]).toEqual({ team: "payments", env: "prod", "cost-centre": "cc-42" });
    // A service error exits 255 in CLI v1 and 254 in v2.
    expect([254, 255]).toContain(missing.code);
    expect(missing.stderr).toContain("An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: nope.");
  });
});
