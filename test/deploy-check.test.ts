// `npx sst deploy` / `sst remove` check whose credentials they run with before SST does anything (issue 25, item 6):
// no credentials, or another account than warden.config.json's `account`, stop with one line and a non-zero exit.
// Offline: no credentials at all (the SDK's own provider chain, with nothing to find), and the EKS simulator's STS.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StsIdentity } from "@eks-warden/core/aws";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { deployCommandOf, deployTargetOrExit } from "../stacks/deploy-check.ts";

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function recorder() {
  const lines: string[] = [];
  return { lines, reporter: { write: (text: string) => void lines.push(text), exit: (code: number): never => { throw new Exited(code); } } };
}

async function exitCode(run: Promise<unknown>): Promise<number | "went on"> {
  try {
    await run;
    return "went on";
  } catch (error) {
    if (error instanceof Exited) return error.code;
    throw error;
  }
}

describe("deployCommandOf", () => {
  it("is deploy or remove for those sst commands only, never for synth, the tests or other sst commands", () => {
    expect(deployCommandOf(["node", "/repo/node_modules/.bin/sst", "deploy", "--stage", "prod"])).toBe("deploy");
    expect(deployCommandOf(["node", "/repo/node_modules/sst/cli/sst.js", "--stage", "dev", "remove"])).toBe("remove");
    expect(deployCommandOf(["node", "/repo/node_modules/.bin/sst", "diff"])).toBeUndefined();
    expect(deployCommandOf(["node", "/repo/scripts/synth.ts", "--out", "cdk.out"])).toBeUndefined();
    expect(deployCommandOf(["node", "/repo/node_modules/vitest/vitest.mjs", "run", "deploy"])).toBeUndefined();
  });
});

describe("deployTargetOrExit", () => {
  const saved: Record<string, string | undefined> = {};
  let empty: string;
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), "warden-no-aws-"));
    const none = {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_ENDPOINT_URL_STS: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: join(empty, "credentials"),
      AWS_CONFIG_FILE: join(empty, "config"),
      AWS_EC2_METADATA_DISABLED: "true",
    };
    for (const [name, value] of Object.entries(none)) {
      saved[name] = process.env[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(empty, { recursive: true, force: true });
  });

  it("without credentials: one line saying so and what to do, exit 4", async () => {
    const { lines, reporter } = recorder();
    const code = await exitCode(deployTargetOrExit({ source: "warden.config.json" }, { command: "deploy", region: "eu-west-1" }, reporter, new StsIdentity()));
    expect(code).toBe(4);
    expect(lines).toEqual([
      "eks-warden: sst deploy stopped before it started: no AWS credentials found; set AWS_PROFILE (or pass --profile) or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run it again\n",
    ]);
  }, 30_000);

  describe("with credentials (the simulator's STS)", () => {
    let simulator: Simulator;
    let identity: () => StsIdentity;
    beforeAll(async () => {
      simulator = await startSimulator({ fleet: { defaultAccount: "111111111111", clusters: [] } });
      identity = () => new StsIdentity({ clientConfig: { endpoint: simulator.url, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } } });
    });
    afterAll(async () => {
      await simulator?.stop();
    });

    it("another account than warden.config.json's: one line naming both, exit 2", async () => {
      const { lines, reporter } = recorder();
      const code = await exitCode(deployTargetOrExit({ source: "warden.config.json", account: "222222222222" }, { command: "remove", region: "eu-west-1" }, reporter, identity()));
      expect(code).toBe(2);
      expect(lines).toEqual([
        'eks-warden: sst remove stopped before it started: these credentials are account 111111111111, but warden.config.json says "account": "222222222222"; use that account\'s credentials (AWS_PROFILE or --profile) or change "account"\n',
      ]);
    });

    it("the configured account: says which account and region, and goes on", async () => {
      const { lines, reporter } = recorder();
      await expect(deployTargetOrExit({ source: "warden.config.json", account: "111111111111" }, { command: "deploy", region: "eu-west-1" }, reporter, identity())).resolves.toBe("111111111111");
      expect(lines).toEqual(["eks-warden: sst deploy to account 111111111111, region eu-west-1\n"]);
    });
  });
});

describe("warden.config.json's account", () => {
  it("is a 12-digit account id, checked with every other setting", async () => {
    const { parseDeploymentConfig } = await import("../stacks/config.ts");
    expect(parseDeploymentConfig({ account: "123456789012" }, "warden.config.json").account).toBe("123456789012");
    expect(() => parseDeploymentConfig({ account: "12345" }, "warden.config.json")).toThrow(/account: expected a 12-digit AWS account id, got "12345"/);
  });
});
