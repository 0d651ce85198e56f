// A fleet that declares its IAM roles (`roles`): AssumeRole succeeds only into those, with the external id each one's
// trust policy requires, as IAM decides; the session then acts in the role's account. Through the real SDK client and
// the AWS CLI (botocore, an independent client).

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ListClustersCommand } from "@aws-sdk/client-eks";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, validateFleet, FleetError, type Simulator } from "../src/index.ts";
import { eksClient, rejection, stsClient } from "./helpers.ts";

const run = promisify(execFile);
const READ_ROLE = "arn:aws:iam::222222222222:role/eks-warden-member-read";
const EXTERNAL_ID = "eks-warden-7f3a9c";
let sim: Simulator;

const cluster = (account: string, region: string, name: string) => ({
  region,
  cluster: { name, arn: `arn:aws:eks:${region}:${account}:cluster/${name}`, version: "1.35", status: "ACTIVE", resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } },
});

beforeAll(async () => {
  sim = await startSimulator({
    fleet: {
      defaultAccount: "111111111111",
      roles: [{ arn: READ_ROLE, externalId: EXTERNAL_ID }, { arn: "arn:aws:iam::333333333333:role/open" }],
      clusters: [cluster("111111111111", "eu-west-1", "central"), cluster("222222222222", "ap-southeast-2", "member-ap")],
    },
  });
});
afterAll(() => sim.stop());

describe("AssumeRole into the fleet's roles", () => {
  it("issues a session in the role's account when the external id matches; its EKS calls see that account's clusters", async () => {
    const { Credentials, AssumedRoleUser } = await stsClient(sim, { maxAttempts: 1 }).send(new AssumeRoleCommand({ RoleArn: READ_ROLE, RoleSessionName: "sweep", ExternalId: EXTERNAL_ID }));
    expect(AssumedRoleUser?.Arn).toBe("arn:aws:sts::222222222222:assumed-role/eks-warden-member-read/sweep");
    const asRole = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken!, maxAttempts: 1 };
    expect((await stsClient(sim, asRole).send(new GetCallerIdentityCommand({}))).Account).toBe("222222222222");
    expect((await eksClient(sim, { ...asRole, region: "ap-southeast-2" }).send(new ListClustersCommand({}))).clusters).toEqual(["member-ap"]);
    expect((await eksClient(sim, { ...asRole, region: "eu-west-1" }).send(new ListClustersCommand({}))).clusters).toEqual([]);
  });

  it("refuses with AccessDenied (403) a role the fleet does not have, a wrong or missing external id; a role without one needs none", async () => {
    const sts = stsClient(sim, { maxAttempts: 1 });
    for (const input of [
      { RoleArn: "arn:aws:iam::444444444444:role/eks-warden-member-read", RoleSessionName: "sweep", ExternalId: EXTERNAL_ID },
      { RoleArn: READ_ROLE, RoleSessionName: "sweep", ExternalId: "guessed" },
      { RoleArn: READ_ROLE, RoleSessionName: "sweep" },
    ]) {
      const error = await rejection(sts.send(new AssumeRoleCommand(input)));
      expect(error.name).toBe("AccessDenied");
      expect(error.message).toBe(`User: arn:aws:iam::111111111111:user/simulator-user is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
      expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
    }
    const open = await sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::333333333333:role/open", RoleSessionName: "s" }));
    expect(open.AssumedRoleUser?.Arn).toBe("arn:aws:sts::333333333333:assumed-role/open/s");
  });

  it("answers the AWS CLI the same way", async () => {
    const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", AWS_ACCESS_KEY_ID: "AKIACENTRALEXAMPLE01", AWS_SECRET_ACCESS_KEY: "secret", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
    const cli = (...args: string[]) => run("aws", ["sts", "assume-role", ...args, "--endpoint-url", sim.url, "--region", "eu-west-1", "--output", "json"], { env, timeout: 30_000 });
    const { stdout } = await cli("--role-arn", READ_ROLE, "--role-session-name", "cli", "--external-id", EXTERNAL_ID);
    expect((JSON.parse(stdout) as { AssumedRoleUser: { Arn: string } }).AssumedRoleUser.Arn).toBe("arn:aws:sts::222222222222:assumed-role/eks-warden-member-read/cli");
    const refused = await cli("--role-arn", READ_ROLE, "--role-session-name", "cli", "--external-id", "guessed").then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(refused?.code).not.toBe(0);
    expect(refused?.stderr).toMatch(/AccessDenied.*not authorized to perform: sts:AssumeRole/);
  });
});

describe("the fleet's roles", () => {
  it("are validated: an ARN that is not a role, an external id that is not a string of 2 or more", () => {
    let error: unknown;
    try {
      validateFleet({ roles: [{ arn: "arn:aws:iam::222222222222:user/bob" }, { arn: READ_ROLE, externalId: 7 }, "nope"] }, "test fleet");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).issues.map((issue) => issue.path)).toEqual(["roles[0].arn", "roles[1].externalId", "roles[2]"]);
  });
});
