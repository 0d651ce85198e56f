// scenarios/securityhub.json through the real CLI and the whole local system: the deployed functions import their
// findings into the simulator's Security Hub, and `run --format jsonl` prints each as it was sent.
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { REPO, runJsonl, type CliRun, type RunLine } from "./scenario-helpers.ts";

interface Imported {
  readonly Id: string;
  readonly AwsAccountId: string;
  readonly ProductArn: string;
  readonly Compliance: { readonly Status: string };
  readonly RecordState: string;
  readonly UpdatedAt: string;
  readonly Resources: readonly { readonly Type: string; readonly Id: string }[];
}

describe("eks-warden run scenarios/securityhub.json --format jsonl", () => {
  let run: CliRun;
  let findings: Imported[];
  beforeAll(async () => {
    let lines: RunLine[];
    ({ run, lines } = await runJsonl(join(REPO, "scenarios/securityhub.json")));
    findings = lines.filter((line) => line.type === "securityhub").map((line) => line.finding as Imported);
  }, 180_000);

  it("an opening and its undo are ONE finding: FAILED/ACTIVE, then PASSED/ARCHIVED, under the same Id", () => {
    expect(run.code, run.stderr).toBe(0);
    const id = "arn:aws:eks:eu-west-1:111111111111:cluster/payments-prod/endpoint-public-access";
    const payments = findings.filter((finding) => finding.Id === id);
    expect(payments.map((finding) => [finding.Compliance.Status, finding.RecordState])).toEqual([
      ["FAILED", "ACTIVE"],
      ["PASSED", "ARCHIVED"],
    ]);
    expect(payments[1]!.UpdatedAt > payments[0]!.UpdatedAt).toBe(true);
    expect(payments[0]!.Resources).toEqual([expect.objectContaining({ Type: "AwsEksCluster", Id: "arn:aws:eks:eu-west-1:111111111111:cluster/payments-prod" })]);
  });

  it("the sweep at start imports what fails, once per cluster and rule; nothing that has always passed; every finding for the caller's own account", () => {
    const ids = findings.map((finding) => finding.Id);
    expect(ids).toContain("arn:aws:eks:eu-west-1:111111111111:cluster/web-public/endpoint-public-access");
    expect(ids.filter((id) => !id.includes("/payments-prod/"))).toEqual([...new Set(ids.filter((id) => !id.includes("/payments-prod/")))]);
    expect(findings.filter((finding) => finding.Compliance.Status === "PASSED").map((finding) => finding.Id)).toEqual(["arn:aws:eks:eu-west-1:111111111111:cluster/payments-prod/endpoint-public-access"]);
    expect(new Set(findings.map((finding) => finding.AwsAccountId))).toEqual(new Set(["111111111111"]));
    expect(new Set(findings.map((finding) => finding.ProductArn))).toEqual(new Set(["arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default"]));
  });
});
