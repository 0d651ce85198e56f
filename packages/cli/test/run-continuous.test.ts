// `eks-warden run scenarios/continuous.json --format jsonl`: a call whose CloudTrail event is lost ("deliver": false)
// is caught by the next `evaluate` step (the deployed sweep handler) with exactly one alert, and the `digest` step
// (the deployed digest handler) shows as a notification with attributes.kind "digest" and its text.
import { beforeAll, describe, expect, it } from "vitest";
import { REPO, runJsonl, type CliRun, type RunLine } from "./scenario-helpers.ts";

describe("eks-warden run scenarios/continuous.json --format jsonl", () => {
  let run: CliRun;
  let lines: RunLine[];
  beforeAll(async () => {
    ({ run, lines } = await runJsonl(`${REPO}/scenarios/continuous.json`));
  }, 180_000);

  it("holds every expectation", () => {
    expect(run.stderr).not.toMatch(/EXPECTATION|line \d+: expected|dead-letter/);
    expect(run.code).toBe(0);
  });

  it("serves the lost call (a call line) but alerts on it only once, from the sweep", () => {
    expect(lines.filter((line) => line.type === "call").map((line) => [line.eventName, line.cluster])).toEqual([["UpdateClusterConfig", "payments-prod"]]);
    const payments = lines.filter((line) => line.type === "notification" && line.attributes?.["cluster"] === "payments-prod");
    expect(payments.map((line) => [line.attributes!["ruleId"], line.attributes!["transition"]])).toEqual([["endpoint-public-access", "OPENED"]]);
    expect(payments[0]!.text).toContain("Who:          no CloudTrail event: found by the scheduled sweep");
  });

  it("shows the digest as a notification with kind=digest and its text, last", () => {
    const notifications = lines.filter((line) => line.type === "notification");
    const digest = notifications.at(-1)!;
    expect(digest.attributes).toEqual({ kind: "digest", week: expect.stringMatching(/^\d{4}-W\d{2}$/) });
    expect(digest.subject).toMatch(/^\[DIGEST\] EKS Warden \d{4}-W\d{2}: 6 clusters, /);
    expect(digest.text).toMatch(/^EKS Warden weekly digest \d{4}-W\d{2} \(first digest: the baseline for next week\)\n/);
    expect(digest.text).toContain("Endpoint: CRITICAL endpoint-public-access: EKS cluster payments-prod (eu-west-1) has its API endpoint open to the whole internet");
    expect(digest.text).toMatch(/Full report: s3:\/\/eks-warden-reports-[a-z0-9-]+\/digests\/\d{4}-W\d{2}\.html/);
    expect((digest["payload"] as { kind: string }).kind).toBe("digest");
  });
});
