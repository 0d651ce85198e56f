// The SSM adapter: GetParameters in batches of 10, each distinct parameter read once per region and hour, requests
// in flight shared by concurrent callers and dropped when they fail; against the simulator and a mocked client.
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { GET_PARAMETERS_BATCH, SsmParameters } from "../../src/aws/ssm.ts";
import { ServiceUnavailable } from "../../src/errors.ts";

const credentials = { accessKeyId: "AKIAWARDENTEST000001", secretAccessKey: "secret" };
const parameter = (minor: number) => `/aws/service/eks/optimized-ami/1.${minor}/amazon-linux-2023/x86_64/standard/recommended/release_version`;

describe("SsmParameters on the simulator", () => {
  let sim: Simulator;
  beforeAll(async () => {
    const ssmParameters = Object.fromEntries([20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31].map((minor) => [parameter(minor), `1.${minor}.0-20261112`]));
    sim = await startSimulator({ fleet: { defaultAccount: "111122223333", clusters: [], ssmParameters } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("reads 13 distinct names in two GetParameters calls (10 + 3), null for a name SSM does not have, and nothing again within the hour", async () => {
    const ssm = new SsmParameters({ clientConfig: { endpoint: sim.url, credentials } });
    const names = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 99].map(parameter);
    const before = sim.calls.get("GetParameters");
    const values = await ssm.values("eu-west-1", [...names, names[0]!]);
    expect(sim.calls.get("GetParameters") - before).toBe(2);
    expect(values[parameter(31)]).toBe("1.31.0-20261112");
    expect(values[parameter(99)]).toBeNull();
    expect(Object.keys(values)).toHaveLength(13);
    await ssm.values("eu-west-1", names.slice(0, 5));
    expect(sim.calls.get("GetParameters") - before).toBe(2);
    // Another region is another set of parameters.
    await ssm.values("us-east-1", names.slice(0, 1));
    expect(sim.calls.get("GetParameters") - before).toBe(3);
    ssm.destroy();
  });
});

describe("SsmParameters caching", () => {
  it("shares a request in flight among concurrent callers, drops a failed one, and reads again after an hour", async () => {
    expect(GET_PARAMETERS_BATCH).toBe(10);
    const mocked = mockClient(SSMClient);
    mocked
      .on(GetParametersCommand)
      .rejectsOnce(Object.assign(new Error("boom"), { name: "InternalServerError" }))
      .callsFake((input: { Names: string[] }) => ({ Parameters: input.Names.map((Name) => ({ Name, Value: "1.31.0-20261112" })).concat([{ Name: "/not/asked", Value: "x" }, {} as never]) }));
    let now = new Date("2026-11-29T10:00:00Z");
    const ssm = new SsmParameters({ clientFor: () => new SSMClient({ region: "eu-west-1", credentials }), now: () => now });
    await expect(ssm.values("eu-west-1", [parameter(31)])).rejects.toBeInstanceOf(ServiceUnavailable);
    const [first, second] = await Promise.all([ssm.values("eu-west-1", [parameter(31)]), ssm.values("eu-west-1", [parameter(31)])]);
    expect(first).toEqual({ [parameter(31)]: "1.31.0-20261112" });
    expect(second).toEqual(first);
    expect(mocked.commandCalls(GetParametersCommand)).toHaveLength(2);
    now = new Date("2026-11-29T11:00:01Z");
    await ssm.values("eu-west-1", [parameter(31)]);
    expect(mocked.commandCalls(GetParametersCommand)).toHaveLength(3);
    ssm.destroy();
    mocked.restore();
  });
});
