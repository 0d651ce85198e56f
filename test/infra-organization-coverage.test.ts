// An organisation deployment must cover every region it reads in real time: `npm run synth` refuses, naming the
// region, a policy.regions entry that neither the central stack's region nor a forwarder region covers. And the
// `organization` setting is validated with errors that name the field.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ValidationError } from "@eks-warden/core";
import { CONFIG_PATH_VARIABLE, parseDeploymentConfig, uncoveredRegions } from "../stacks/config.ts";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const organization = { id: "o-a1b2c3d4e5", forwarderRegions: ["us-east-1"] };

/** `npm run synth` as a user runs it (no AWS credentials), with the configuration file given. */
async function synth(configFile: string, outDir: string, home: string): Promise<{ code: number | null; output: string }> {
  const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, AWS_EC2_METADATA_DISABLED: "true", [CONFIG_PATH_VARIABLE]: configFile };
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/synth.ts", "--out", outDir], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 220_000);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output };
}

describe("real-time coverage of an organisation's regions", () => {
  it("is the central stack's region and the forwarder regions; a single-account deployment is not held to it", () => {
    const config = parseDeploymentConfig({ organization, policy: { regions: ["eu-west-1", "us-east-1", "ap-southeast-2", "sa-east-1"] } }, "test");
    expect(uncoveredRegions(config, "eu-west-1")).toEqual(["ap-southeast-2", "sa-east-1"]);
    expect(uncoveredRegions(parseDeploymentConfig({ policy: { regions: ["eu-west-1", "sa-east-1"] } }, "test"), "eu-west-1")).toEqual([]);
  });

  it("stops `npm run synth` with a message naming the uncovered region and what to do", async () => {
    const folder = mkdtempSync(join(tmpdir(), "warden-uncovered-"));
    const configFile = join(folder, "warden.config.json");
    writeFileSync(configFile, JSON.stringify({ region: "eu-west-1", organization, policy: { regions: ["eu-west-1", "us-east-1", "ap-southeast-2"] } }));
    const { code, output } = await synth(configFile, join(folder, "cdk.out"), folder);
    expect(code, output).not.toBe(0);
    expect(output).toContain(
      `${configFile}: policy.regions lists ap-southeast-2, which neither the central stack (eu-west-1) nor a forwarder covers: add it to organization.forwarderRegions (and deploy the forwarder StackSet there), or remove it from policy.regions`,
    );
  }, 180_000);
});

describe("`npm run synth` of an organisation deployment", () => {
  it("writes the member templates beside the central one, named after their stacks", async () => {
    const folder = mkdtempSync(join(tmpdir(), "warden-org-synth-"));
    const configFile = join(folder, "warden.config.json");
    writeFileSync(configFile, JSON.stringify({ region: "eu-west-1", organization, policy: { regions: ["eu-west-1", "us-east-1"] } }));
    const outDir = join(folder, "cdk.out");
    const { code, output } = await synth(configFile, outDir, folder);
    expect(code, output).toBe(0);
    expect(output).toMatch(/cdk-nag AwsSolutions: 0 unsuppressed finding\(s\)/);
    expect(readdirSync(outDir).filter((name) => name.endsWith(".template.json")).sort()).toEqual([
      "synth-eks-warden-Warden-forwarder.template.json",
      "synth-eks-warden-Warden-member-read-role.template.json",
      "synth-eks-warden-Warden-member-remediation-role.template.json",
      "synth-eks-warden-Warden.template.json",
    ]);
    // cfn-lint (Python) is not an npm dependency: checked where it is installed, as test/infra.test.ts does.
    if (spawnSync("cfn-lint", ["--version"], { encoding: "utf8" }).status === 0) {
      for (const name of ["forwarder", "member-read-role", "member-remediation-role"]) {
        const lint = spawnSync("cfn-lint", ["--format", "parseable", "--", join(outDir, `synth-eks-warden-Warden-${name}.template.json`)], { encoding: "utf8" });
        expect(lint.stdout.trim(), name).toBe("");
      }
    }
  }, 240_000);
});

describe("the organization setting", () => {
  it("names the field of every mistake", () => {
    let error: unknown;
    try {
      parseDeploymentConfig({ organization: { id: "org-1", forwarderRegions: ["mars-1"], ou: "x" } }, "test.json");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(["organization.ou", "organization.id", "organization.forwarderRegions"]);
    expect(() => parseDeploymentConfig({ organization: "o-a1b2c3d4e5" }, "test.json")).toThrow(/organization: expected \{ id, forwarderRegions \}/);
    expect(parseDeploymentConfig({ organization: { id: "o-a1b2c3d4e5" } }, "test.json").organization).toEqual({ id: "o-a1b2c3d4e5", forwarderRegions: [] });
  });
});
