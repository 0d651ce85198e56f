// `npm run synth` as a user runs it on a machine with no AWS credentials and no network: it must not wait for
// STS, and it writes the CloudFormation template (and the function bundles) to the folder it is given.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));

describe("npm run synth", () => {
  it("writes the stack's CloudFormation template offline, with no credentials, and reports cdk-nag clean", async () => {
    const outDir = join(mkdtempSync(join(tmpdir(), "warden-synth-")), "cdk.out");
    // Only what a shell needs: no AWS_* variables, no profile, no endpoint overrides from the test run.
    const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: mkdtempSync(join(tmpdir(), "warden-home-")), AWS_EC2_METADATA_DISABLED: "true" };
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/synth.ts", "--out", outDir], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    expect(code, output).toBe(0);
    expect(output).toMatch(/cdk-nag AwsSolutions: 0 unsuppressed finding\(s\)/);
    const templates = readdirSync(outDir).filter((name) => name.endsWith(".template.json"));
    expect(templates).toEqual(["synth-eks-warden-Warden.template.json"]);
    const template = JSON.parse(readFileSync(join(outDir, templates[0]!), "utf8")) as { Resources: Record<string, { Type: string }> };
    const types = new Set(Object.values(template.Resources).map((resource) => resource.Type));
    for (const type of ["AWS::DynamoDB::Table", "AWS::SNS::Topic", "AWS::Events::Rule", "AWS::SQS::Queue", "AWS::Lambda::Function", "AWS::CloudWatch::Alarm"]) {
      expect(types).toContain(type);
    }
  }, 180_000);
});
