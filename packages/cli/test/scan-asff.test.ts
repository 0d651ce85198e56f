// `eks-warden scan --format asff`: the scan's findings as Security Hub takes them, with the Ids the deployed monitor
// gives them, imported as they are by the AWS CLI (batch-import-findings --findings file://) into the simulator.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import type { AsffFinding } from "@eks-warden/core/securityhub";
import { REPO, warden } from "./scenario-helpers.ts";

const ACCOUNT = "111111111111";
const run = promisify(execFile);
let sim: Simulator;
let env: NodeJS.ProcessEnv;
let scratch: string;

beforeAll(async () => {
  sim = await startSimulator({ fleet: join(REPO, "scenarios/fleets/demo.json") });
  env = { AWS_ACCESS_KEY_ID: "AKIASCANTESTUSER0001", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_STS: sim.url, AWS_ENDPOINT_URL_EKS: undefined };
  scratch = mkdtempSync(join(tmpdir(), "warden-asff-"));
});

afterAll(async () => {
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe("eks-warden scan --format asff", () => {
  it("prints a JSON list of findings for the caller's default product that the AWS CLI imports as it is", async () => {
    const scanned = await warden(["scan", "--endpoint-url", sim.url, "--region", "eu-west-1", "--format", "asff"], env);
    expect(scanned.code, scanned.stderr).toBe(1);
    const findings = JSON.parse(scanned.stdout) as AsffFinding[];
    expect(findings.length).toBeGreaterThan(10);
    expect(findings.length).toBeLessThanOrEqual(100);
    expect(new Set(findings.map((finding) => finding.ProductArn))).toEqual(new Set([`arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`]));
    const open = findings.find((finding) => finding.Id === `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/web-public/endpoint-public-access`);
    expect(open).toMatchObject({ Compliance: { Status: "FAILED" }, RecordState: "ACTIVE", Severity: { Label: "CRITICAL" }, AwsAccountId: ACCOUNT });

    const file = join(scratch, "findings.json");
    writeFileSync(file, scanned.stdout);
    const cliEnv = { PATH: process.env["PATH"] ?? "", HOME: scratch, AWS_ACCESS_KEY_ID: "AKIASCANTESTUSER0001", AWS_SECRET_ACCESS_KEY: "secret", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
    const { stdout } = await run("aws", ["securityhub", "batch-import-findings", "--findings", `file://${file}`, "--endpoint-url", sim.url, "--region", "eu-west-1", "--output", "json"], { env: cliEnv, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ FailedCount: 0, SuccessCount: findings.length, FailedFindings: [] });
    expect(sim.securityHub.findings("eu-west-1")).toHaveLength(findings.length);
  }, 120_000);
});
