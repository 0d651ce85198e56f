// SSM (AMI release parameters) and STS (caller identity, cross-account roles) through the real SDK clients.

import { ListClustersCommand } from "@aws-sdk/client-eks";
import { GetParameterCommand, GetParametersCommand, ParameterNotFound } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amiReleaseParameter, startSimulator, type Simulator } from "../src/index.ts";
import { eksClient, rejection, SAMPLE_FLEET, ssmClient, stsClient } from "./helpers.ts";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ fleet: SAMPLE_FLEET });
});
afterAll(() => sim.stop());

describe("SSM", () => {
  it("GetParameter returns an AMI release parameter; an unknown one raises ParameterNotFound", async () => {
    const ssm = ssmClient(sim, { maxAttempts: 1 });
    const name = amiReleaseParameter("AL2023_x86_64_STANDARD", "1.34")!;
    expect(name).toBe("/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/release_version");
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    expect(Parameter).toMatchObject({ Name: name, Value: "1.34.7-20261112", Type: "String", ARN: `arn:aws:ssm:eu-west-1::parameter${name}` });
    expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    expect(await rejection(ssm.send(new GetParameterCommand({ Name: "/aws/service/eks/optimized-ami/9.99/amazon-linux-2/recommended/release_version" })))).toBeInstanceOf(ParameterNotFound);
  });

  it("GetParameter gives a SecureString's value only WithDecryption; without it, the ciphertext", async () => {
    const secureSim = await startSimulator({ fleet: { defaultAccount: "111111111111", ssmSecureStrings: { "/eks-warden/external-id/222222222222": "eks-warden-7f3a9c" } } });
    try {
      const ssm = ssmClient(secureSim, { maxAttempts: 1 });
      const name = "/eks-warden/external-id/222222222222";
      const { Parameter: decrypted } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      expect(decrypted).toMatchObject({ Name: name, Type: "SecureString", Value: "eks-warden-7f3a9c" });
      const { Parameter: sealed } = await ssm.send(new GetParameterCommand({ Name: name }));
      expect(sealed?.Type).toBe("SecureString");
      expect(sealed?.Value).not.toContain("eks-warden-7f3a9c");
    } finally {
      await secureSim.stop();
    }
  });

  it("GetParameters splits found and invalid names", async () => {
    const ssm = ssmClient(sim, { maxAttempts: 1 });
    const bottlerocket = amiReleaseParameter("BOTTLEROCKET_ARM_64", "1.35")!;
    const al2 = amiReleaseParameter("AL2_x86_64", "1.32")!;
    const out = await ssm.send(new GetParametersCommand({ Names: [bottlerocket, al2, "/missing"] }));
    expect(out.Parameters?.map((p) => [p.Name, p.Value])).toEqual([[bottlerocket, "1.51.0-4f8e2a1c"], [al2, "1.32.9-20261112"]]);
    expect(out.InvalidParameters).toEqual(["/missing"]);
  });
});

describe("STS", () => {
  it("GetCallerIdentity names the identity mapped to the access key, or the default account's user", async () => {
    const alice = await stsClient(sim, { maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    expect(alice).toMatchObject({ Account: "111111111111", Arn: "arn:aws:iam::111111111111:user/alice", UserId: "AKIAALICEEXAMPLE0001" });
    const stranger = await stsClient(sim, { accessKeyId: "AKIAUNKNOWN", maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    expect(stranger.Account).toBe("111111111111");
  });

  it("AssumeRole issues credentials that act in the role's account", async () => {
    const { Credentials, AssumedRoleUser } = await stsClient(sim, { maxAttempts: 1 }).send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::222222222222:role/eks-warden-reader", RoleSessionName: "warden" }));
    expect(AssumedRoleUser?.Arn).toBe("arn:aws:sts::222222222222:assumed-role/eks-warden-reader/warden");
    expect(Credentials?.Expiration!.getTime()).toBeGreaterThan(Date.now());
    const asRole = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken!, maxAttempts: 1 };
    expect((await stsClient(sim, asRole).send(new GetCallerIdentityCommand({}))).Account).toBe("222222222222");
    expect((await eksClient(sim, { ...asRole, region: "eu-west-1" }).send(new ListClustersCommand({}))).clusters).toEqual(["vendor-ingress"]);
  });

  it("AssumeRole rejects a malformed role ARN", async () => {
    const error = await rejection(stsClient(sim, { maxAttempts: 1 }).send(new AssumeRoleCommand({ RoleArn: "nope", RoleSessionName: "s" })));
    expect(error.name).toBe("ValidationError");
  });
});
