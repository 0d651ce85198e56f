// `eks-warden run` end to end: the real CLI plays a scenario on DynamoDB Local, the SNS/SQS emulator, the simulator
// and the real handlers; JSONL gives one line per notification, per mutating call served, and per stored record.
// (That the email text printed for an alert is exactly what the renderer gives an email subscriber is checked where
// the subscriber's message is read: packages/local/test/notifications.test.ts.)
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { fixture, runJsonl, wardenInBackground, type CliRun, type RunLine } from "./scenario-helpers.ts";

describe("eks-warden run --format jsonl", () => {
  let run: CliRun;
  let lines: RunLine[];
  beforeAll(async () => {
    ({ run, lines } = await runJsonl(fixture("small.json")));
  }, 120_000);

  it("prints only JSON lines of the three kinds, and exits 1 because an expectation did not hold", () => {
    expect(new Set(lines.map((line) => line.type))).toEqual(new Set(["notification", "call", "state"]));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("small.json: line 13: expected ci-runners endpoint-public-access to be PASS, found FAIL (CRITICAL)");
  });

  it("gives one line per mutating call the simulator served, failed calls included", () => {
    const calls = lines.filter((line) => line.type === "call");
    expect(calls.map((call) => [call.eventName, call.cluster, call.errorCode])).toEqual([
      ["UpdateClusterConfig", "ci-runners", undefined],
      ["DeleteCluster", "no-such-cluster", "ResourceNotFoundException"],
      ["DeleteCluster", "legacy-batch", undefined],
    ]);
    expect(calls[0]).toMatchObject({ region: "us-east-1", account: "111111111111", actor: "arn:aws:sts::111111111111:assumed-role/platform-admin/bob", sourceIp: "192.0.2.44" });
  });

  it("gives one line per notification: the sweep at start, then the early alert after the call, none repeated on settle", () => {
    const index = (predicate: (line: RunLine) => boolean) => lines.findIndex(predicate);
    const notifications = lines.filter((line) => line.type === "notification") as (RunLine & { subject: string; attributes: Record<string, string>; text: string })[];
    expect(notifications.map((line) => line.subject)).toContain("[CRITICAL] web-public (eu-west-1): EKS API endpoint open to 0.0.0.0/0");
    const early = "[CRITICAL] [CHANGE IN PROGRESS] ci-runners (us-east-1): EKS API endpoint opening to 0.0.0.0/0";
    expect(notifications.filter((line) => line.subject.includes("ci-runners")).map((line) => line.subject)).toEqual([early]);
    expect(index((line) => line.subject === early)).toBeGreaterThan(index((line) => line.eventName === "UpdateClusterConfig"));
    expect(index((line) => line.subject === "[CRITICAL] web-public (eu-west-1): EKS API endpoint open to 0.0.0.0/0")).toBeLessThan(index((line) => line.type === "call"));
    const alert = notifications.find((line) => line.subject === early)!;
    expect(alert.attributes).toMatchObject({ severity: "CRITICAL", transition: "OPENED", ruleId: "endpoint-public-access", cluster: "ci-runners", region: "us-east-1", kind: "alert" });
    expect(alert.text).toContain("Who:          arn:aws:sts::111111111111:assumed-role/platform-admin/bob");
    expect(alert.text).toContain("Source IP:    192.0.2.44");
  });

  it("ends with the stored state of every cluster and rule, deleted clusters' records closed", () => {
    const states = lines.filter((line) => line.type === "state");
    const clusters = new Set(states.map((line) => String(line.clusterArn).split("/")[1]));
    expect(clusters).toEqual(new Set(["payments-prod", "web-public", "vendor-ingress", "legacy-batch", "analytics", "ci-runners"]));
    expect(states.length).toBe(6 * 15);
    expect(states.find((line) => String(line.clusterArn).endsWith("/ci-runners") && line.ruleId === "endpoint-public-access")).toMatchObject({ status: "FAIL", severity: "CRITICAL" });
    expect(states.find((line) => String(line.clusterArn).endsWith("/vendor-ingress") && line.ruleId === "endpoint-public-access")).toMatchObject({ status: "EXEMPT" });
    expect(lines.slice(-states.length).every((line) => line.type === "state")).toBe(true);
    const deleted = states.filter((line) => String(line.clusterArn).endsWith("/legacy-batch"));
    expect(deleted).toHaveLength(15);
    expect(deleted.every((line) => typeof (line.closed as { at?: unknown } | undefined)?.at === "string")).toBe(true);
  });
});

describe("eks-warden run, interrupted", () => {
  it("stops everything it started on Ctrl-C and exits 130", async () => {
    const run = wardenInBackground(["run", "scenarios/demo.json"]);
    try {
      const [, port] = await run.waitFor(/DynamoDB Local http:\/\/127\.0\.0\.1:(\d+)/, 90_000);
      run.child.kill("SIGINT");
      expect(await run.exited).toBe(130);
      expect(run.output()).toContain("SIGINT: stopping the local system");
      const left = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).split("\n").filter((line) => line.includes("DynamoDBLocal") && line.includes(`-port ${port}`));
      expect(left).toEqual([]);
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  }, 120_000);
});
