// The Security Hub adapter: the real SDK client against the simulator's BatchImportFindings/GetFindings (the wire
// contract, Security Hub's ASFF checks and error codes), the AWS CLI importing what `scan --format asff` prints, and
// a mocked client for the FailedFindings that only a busy Security Hub gives.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BatchImportFindingsCommand, GetFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { SecurityHubImporter } from "../../src/aws/securityhub.ts";
import { FindingsNotImported } from "../../src/errors.ts";
import { ruleById } from "../../src/rules/index.ts";
import { asffFinding, type AsffFinding } from "../../src/securityhub/finding.ts";
import type { StoredRuleState } from "../../src/state/transitions.ts";

const ACCOUNT = "111122223333";
const credentials = { accessKeyId: "AKIAWARDENTEST000001", secretAccessKey: "secret" };
const PRODUCT = { partition: "aws", region: "eu-west-1", account: ACCOUNT };
const run = promisify(execFile);

function finding(index: number, overrides: Partial<StoredRuleState> = {}): AsffFinding {
  const record: StoredRuleState = {
    clusterArn: `arn:aws:eks:eu-west-1:444455556666:cluster/c${index}`,
    ruleId: "endpoint-public-access",
    status: "FAIL",
    severity: "CRITICAL",
    message: `Cluster c${index} (eu-west-1) has a public API endpoint open to 0.0.0.0/0.`,
    evidence: {},
    version: 1,
    since: "2026-01-05T10:00:00.000Z",
    observedAt: "2026-01-05T10:00:00.000Z",
    updatedAt: "2026-01-05T10:00:00.000Z",
    ...overrides,
  };
  return asffFinding(record, ruleById(record.ruleId), PRODUCT);
}

describe("SecurityHubImporter on the simulator", () => {
  let sim: Simulator;
  const client = () => new SecurityHubClient({ endpoint: sim.url, region: "eu-west-1", credentials, maxAttempts: 1 });
  beforeAll(async () => {
    sim = await startSimulator({ fleet: { defaultAccount: ACCOUNT, clusters: [] } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("imports 250 findings in 3 calls of at most 100; GetFindings reads one back by Id as it was sent", async () => {
    const importer = new SecurityHubImporter({ clientConfig: { endpoint: sim.url, credentials } });
    const findings = Array.from({ length: 250 }, (_, index) => finding(index));
    const before = sim.calls.get("BatchImportFindings");
    await importer.importFindings("eu-west-1", findings);
    expect(sim.calls.get("BatchImportFindings") - before).toBe(3);
    expect(sim.securityHub.findings("eu-west-1")).toHaveLength(250);
    const { Findings } = await client().send(new GetFindingsCommand({ Filters: { Id: [{ Value: findings[7]!.Id, Comparison: "EQUALS" }] } }));
    expect(Findings).toHaveLength(1);
    expect(Findings?.[0]).toMatchObject({ Id: findings[7]!.Id, Title: findings[7]!.Title, Compliance: { Status: "FAILED" }, RecordState: "ACTIVE", Workflow: { Status: "NEW" } });
    importer.destroy();
  });

  it("an update replaces the finding by Id and keeps the Workflow a human set", async () => {
    const importer = new SecurityHubImporter({ clientConfig: { endpoint: sim.url, credentials } });
    const first = finding(900);
    await importer.importFindings("eu-west-1", [first]);
    sim.securityHub.put("eu-west-1", { ...sim.securityHub.get("eu-west-1", first.Id)!, Workflow: { Status: "SUPPRESSED" } });
    await importer.importFindings("eu-west-1", [finding(900, { status: "PASS", updatedAt: "2026-01-05T11:00:00.000Z" })]);
    expect(sim.securityHub.get("eu-west-1", first.Id)).toMatchObject({ Compliance: { Status: "PASSED" }, RecordState: "ARCHIVED", Workflow: { Status: "SUPPRESSED" } });
    importer.destroy();
  });

  it("a finding Security Hub refuses comes back by Id and code, with itself to send again; the others are imported", async () => {
    const importer = new SecurityHubImporter({ clientConfig: { endpoint: sim.url, credentials } });
    const good = finding(1000);
    const tooLong = { ...finding(1001), Title: "x".repeat(257) };
    const otherAccount = { ...finding(1002), AwsAccountId: "444455556666" };
    const error = await importer.importFindings("eu-west-1", [good, tooLong, otherAccount]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FindingsNotImported);
    const refused = error as FindingsNotImported;
    expect(refused.failures).toEqual([
      { id: tooLong.Id, code: "InvalidInput", message: "Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters." },
      { id: otherAccount.Id, code: "AccessDeniedException", message: expect.stringContaining("may import findings only for itself") },
    ]);
    expect(refused.unsent).toEqual([tooLong, otherAccount]);
    expect(refused.message).toContain(tooLong.Id);
    expect(sim.securityHub.get("eu-west-1", good.Id)).toBeDefined();
    expect(sim.securityHub.get("eu-west-1", tooLong.Id)).toBeUndefined();
    importer.destroy();
  });

  it("the AWS CLI imports the JSON list `scan --format asff` prints (batch-import-findings --findings file://)", async () => {
    const folder = mkdtempSync(join(tmpdir(), "asff-"));
    const file = join(folder, "findings.json");
    writeFileSync(file, JSON.stringify([finding(2000), finding(2001)]));
    const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: "secret", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
    const { stdout } = await run("aws", ["securityhub", "batch-import-findings", "--findings", `file://${file}`, "--endpoint-url", sim.url, "--region", "eu-west-1", "--output", "json"], { env, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ FailedCount: 0, SuccessCount: 2, FailedFindings: [] });
    expect(sim.securityHub.get("eu-west-1", finding(2001).Id)).toBeDefined();
  }, 90_000);
});

describe("SecurityHubImporter and a busy Security Hub (mocked client)", () => {
  it("sends again only the findings refused with a transient code, then reports what is still refused", async () => {
    // Made here, not when the file is collected: a mock replaces send() of every client, the simulator's tests' too.
    const mock = mockClient(SecurityHubClient);
    onTestFinished(() => mock.restore());
    const [a, b, c] = [finding(1), finding(2), finding(3)];
    mock
      .on(BatchImportFindingsCommand)
      .resolvesOnce({ FailedCount: 2, SuccessCount: 1, FailedFindings: [{ Id: b.Id, ErrorCode: "InternalException", ErrorMessage: "busy" }, { Id: c.Id, ErrorCode: "TooManyRequestsException", ErrorMessage: "slow down" }] })
      .resolvesOnce({ FailedCount: 1, SuccessCount: 1, FailedFindings: [{ Id: c.Id, ErrorCode: "TooManyRequestsException", ErrorMessage: "slow down" }] })
      .resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    const importer = new SecurityHubImporter({ clientFor: () => new SecurityHubClient({ region: "eu-west-1" }), backoffMs: () => 0 });
    await importer.importFindings("eu-west-1", [a, b, c]);
    const sent = mock.commandCalls(BatchImportFindingsCommand).map((call) => call.args[0].input.Findings?.map((sentFinding) => sentFinding.Id));
    expect(sent).toEqual([[a.Id, b.Id, c.Id], [b.Id, c.Id], [c.Id]]);

    mock.reset();
    mock.on(BatchImportFindingsCommand).resolves({ FailedCount: 1, SuccessCount: 0, FailedFindings: [{ Id: a.Id, ErrorCode: "InternalException", ErrorMessage: "busy" }] });
    const error = await importer.importFindings("eu-west-1", [a]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FindingsNotImported);
    expect(mock.commandCalls(BatchImportFindingsCommand)).toHaveLength(3);
    expect((error as FindingsNotImported).unsent).toEqual([a]);
  });
});
