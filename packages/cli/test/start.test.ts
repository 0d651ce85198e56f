// `npm start`, the README's first command: the demo scenario on the whole local system. Checks the story the demo
// tells, in order, from the output a user sees, and that it leaves nothing running.
import { execFile, execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO } from "./scenario-helpers.ts";

interface Started {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function npmStart(): Promise<Started> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile("npm", ["start", "--silent"], { cwd: REPO, env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Index of the first line matching, searching from `from`; -1 when absent. */
function lineIndex(lines: readonly string[], pattern: string | RegExp, from = 0): number {
  for (let index = from; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (typeof pattern === "string" ? line.includes(pattern) : pattern.test(line)) return index;
  }
  return -1;
}

describe("npm start", () => {
  let result: Started;
  let lines: string[];
  beforeAll(async () => {
    result = await npmStart();
    lines = result.stdout.split("\n");
  }, 150_000);

  it("plays the demo and exits 0 in well under a minute", () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.ms).toBeLessThan(60_000);
    expect(result.stdout).toContain("EKS Warden: playing scenarios/demo.json");
  });

  it("tells the demo's story in order", () => {
    const steps: (string | RegExp)[] = [
      // Every cluster evaluated at start: the non-compliant ones alert, the exempt one is EXEMPT, compliant ones stay quiet.
      "== sweep at start: every cluster evaluated",
      "ALERT  [EXEMPT CRITICAL] vendor-ingress (eu-west-1): exempt until 2027-06-30",
      "ALERT  [CRITICAL] web-public (eu-west-1): EKS API endpoint open to 0.0.0.0/0",
      "ALERT  [MEDIUM] analytics (us-east-1): EKS API endpoint open to 203.0.113.0/24",
      // A human opens the endpoint; the early alert says who, from where, with which tool.
      "== alice: UpdateClusterConfig payments-prod (eu-west-1)",
      /alice \(203\.0\.113\.7\) -> UpdateClusterConfig: update \S+ InProgress \(EndpointAccessUpdate\)/,
      "ALERT  [CRITICAL] [CHANGE IN PROGRESS] payments-prod (eu-west-1): EKS API endpoint opening to 0.0.0.0/0",
      "|  CHANGE IN PROGRESS: UpdateClusterConfig asked EKS for a configuration that fails this rule.",
      "|  Who:          arn:aws:iam::111111111111:user/alice (IAMUser alice)",
      "|  Source IP:    203.0.113.7",
      '|  User agent:   "aws-cli/2.27.0',
      // A second change while the first runs is refused by EKS and changes nothing.
      "bob (192.0.2.44) -> UpdateClusterConfig failed: ResourceInUseException",
      // The change settles: the state is confirmed, the exempt cluster stays EXEMPT.
      "== advance the clock by 15m",
      "ok: payments-prod endpoint-public-access is FAIL CRITICAL",
      "ok: vendor-ingress endpoint-public-access is EXEMPT",
      // The human closes it again: RESOLVED.
      "== alice: UpdateClusterConfig payments-prod (eu-west-1)",
      "ALERT  [RESOLVED] payments-prod (eu-west-1): resolved: EKS API endpoint open to 0.0.0.0/0",
      "|  What changed: FAIL (CRITICAL) -> PASS",
      "ok: payments-prod endpoint-public-access is PASS",
      "== end: the stored state of every cluster and rule",
      /vendor-ingress\s+EXEMPT\s+endpoint-public-access \(until 2027-06-30/,
      /alerts, 3 mutating calls; everything stopped/,
    ];
    let at = 0;
    for (const step of steps) {
      const found = lineIndex(lines, step, at);
      expect(found, `expected ${String(step)} after line ${at + 1}:\n${lines.slice(at, at + 5).join("\n")}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });

  it("alerts once for the opening: nothing is repeated when the change settles, and payments-prod is silent at start", () => {
    const payments = lines.filter((line) => line.startsWith("  ALERT") && line.includes("payments-prod"));
    expect(payments.map((line) => line.replace(/^\s*ALERT\s+/, ""))).toEqual([
      "[CRITICAL] [CHANGE IN PROGRESS] payments-prod (eu-west-1): EKS API endpoint opening to 0.0.0.0/0",
      "[RESOLVED] payments-prod (eu-west-1): resolved: EKS API endpoint open to 0.0.0.0/0",
    ]);
    const start = lineIndex(lines, "== sweep at start");
    const firstStep = lineIndex(lines, "== alice");
    expect(lines.slice(start, firstStep).some((line) => line.startsWith("  ALERT") && /payments-prod|ci-runners/.test(line))).toBe(false);
  });

  it("leaves no DynamoDB Local (Java) process behind", () => {
    const port = /DynamoDB Local http:\/\/127\.0\.0\.1:(\d+)/.exec(result.stdout)?.[1];
    expect(port).toBeDefined();
    const processes = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
    expect(processes.split("\n").filter((line) => line.includes("DynamoDBLocal") && line.includes(`-port ${port}`))).toEqual([]);
  });
});
