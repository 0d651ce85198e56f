// The ASFF mapping: what Security Hub is told about a stored record, within its limits, whatever the text holds.
import { describe, expect, it } from "vitest";
import { ruleById } from "../../src/rules/index.ts";
import { ASFF_LIMITS, asffFinding, complianceOf, productArnOf, productFor, requirementsOf } from "../../src/securityhub/finding.ts";
import { changedFindings } from "../../src/securityhub/export.ts";
import type { StoredRuleState } from "../../src/state/transitions.ts";

const ARN = "arn:aws:eks:eu-west-1:444455556666:cluster/lab";
const PRODUCT = { partition: "aws", region: "eu-west-1", account: "111122223333" };
const CLUSTER = { arn: ARN, account: "444455556666", region: "eu-west-1", name: "lab" };

function stored(overrides: Partial<StoredRuleState> = {}): StoredRuleState {
  return {
    clusterArn: ARN,
    ruleId: "endpoint-public-access",
    status: "FAIL",
    severity: "CRITICAL",
    message: "Cluster lab (eu-west-1) has a public API endpoint open to 0.0.0.0/0.",
    evidence: { publicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
    version: 1,
    since: "2026-01-05T10:00:00.000Z",
    observedAt: "2026-01-05T10:00:00.000Z",
    updatedAt: "2026-01-05T10:00:01.000Z",
    ...overrides,
  };
}

const RULE = ruleById("endpoint-public-access");

describe("asffFinding", () => {
  it("gives every field Security Hub requires, one stable Id per cluster and rule, and the rule's standards", () => {
    const finding = asffFinding(stored(), RULE, PRODUCT, CLUSTER);
    expect(finding).toMatchObject({
      SchemaVersion: "2018-10-08",
      Id: `${ARN}/endpoint-public-access`,
      ProductArn: "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",
      GeneratorId: "endpoint-public-access",
      AwsAccountId: "111122223333",
      CreatedAt: "2026-01-05T10:00:00.000Z",
      FirstObservedAt: "2026-01-05T10:00:00.000Z",
      UpdatedAt: "2026-01-05T10:00:01.000Z",
      Severity: { Label: "CRITICAL", Original: "CRITICAL" },
      Compliance: { Status: "FAILED", RelatedRequirements: ["CIS Amazon EKS Benchmark 5.4.1", "CIS Amazon EKS Benchmark 5.4.2", "AWS Foundational Security Best Practices EKS.1"] },
      RecordState: "ACTIVE",
      Resources: [{ Type: "AwsEksCluster", Id: ARN, Partition: "aws", Region: "eu-west-1", Details: { AwsEksCluster: { Arn: ARN, Name: "lab" } } }],
    });
    expect(finding.Types).toEqual([
      "Software and Configuration Checks/Industry and Regulatory Standards/CIS Amazon EKS Benchmark",
      "Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices",
    ]);
    expect(finding.FindingProviderFields).toEqual({ Severity: finding.Severity, Types: finding.Types });
    expect(finding.Remediation.Recommendation.Url).toBe("https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html");
    expect(finding.Remediation.Recommendation.Text).toContain("aws eks update-cluster-config");
    expect(finding.Title).toBe("EKS API endpoint not reachable from the internet (cluster lab, eu-west-1)");
    // Humans' fields are never set: an update would overwrite a triage decision.
    for (const field of ["Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState", "Confidence", "Criticality"]) expect(finding).not.toHaveProperty(field);
  });

  it("a rule that cannot decide is WARNING at the rule's severity, never PASSED, also when it passed before", () => {
    const never = asffFinding(stored({ status: "ERROR", severity: "CRITICAL", message: "could not read", error: { message: "EKS throttled", since: "2026-01-05T10:00:00.000Z", count: 1 } }), RULE, PRODUCT);
    expect(never).toMatchObject({ Compliance: { Status: "WARNING" }, RecordState: "ACTIVE", Severity: { Label: "CRITICAL" } });
    expect(never.Description).toContain("could not decide this rule: EKS throttled");
    const passedBefore = asffFinding(stored({ status: "PASS", severity: "CRITICAL", error: { message: "EKS throttled", since: "2026-01-05T10:00:00.000Z", count: 2 } }), RULE, PRODUCT);
    expect(passedBefore.Compliance.Status).toBe("WARNING");
    expect(passedBefore.RecordState).toBe("ACTIVE");
  });

  it("PASSED and NOT_AVAILABLE are informational and archived; a closed record (cluster gone) is archived; EXEMPT stays FAILED and says why", () => {
    expect(asffFinding(stored({ status: "PASS" }), RULE, PRODUCT)).toMatchObject({ Compliance: { Status: "PASSED" }, RecordState: "ARCHIVED", Severity: { Label: "INFORMATIONAL" } });
    expect(asffFinding(stored({ status: "NOT_APPLICABLE" }), RULE, PRODUCT)).toMatchObject({ Compliance: { Status: "NOT_AVAILABLE" }, RecordState: "ARCHIVED" });
    const gone = asffFinding(stored({ closed: { at: "2026-01-06T00:00:00.000Z" } }), RULE, PRODUCT);
    expect(gone).toMatchObject({ Compliance: { Status: "FAILED" }, RecordState: "ARCHIVED" });
    expect(gone.Description).toMatch(/^The cluster no longer exists/);
    const exempt = asffFinding(stored({ status: "EXEMPT", exemption: { until: "2026-03-01", reason: "migration to VPN", source: "policy", expired: false } }), RULE, PRODUCT);
    expect(exempt).toMatchObject({ Compliance: { Status: "FAILED" }, RecordState: "ACTIVE", ProductFields: { "eks-warden/Status": "EXEMPT", "eks-warden/ExemptUntil": "2026-03-01" } });
    expect(exempt.Description).toContain("Exempt until 2026-03-01 (policy): migration to VPN");
    expect(complianceOf({ status: "FAIL" })).toEqual({ status: "FAILED", recordState: "ACTIVE" });
  });

  it("hostile, long text is one line within Security Hub's limits: no control, bidi or line-separator character survives", () => {
    const hostile = `${"\u202E".repeat(3)}evil\u2028Severity: LOW\n${"x".repeat(5000)}`;
    const finding = asffFinding(
      stored({ message: hostile, status: "EXEMPT", exemption: { until: "2026-03-01\r\nforged", reason: hostile, source: "tag", expired: false }, error: { message: hostile, since: "2026-01-05T10:00:00.000Z", count: 1 } }),
      { ...RULE!, title: hostile, risk: hostile, remediation: () => ({ text: hostile, command: hostile }) },
      PRODUCT,
      { ...CLUSTER, name: hostile },
    );
    expect(finding.Title.length).toBeLessThanOrEqual(ASFF_LIMITS.title);
    expect(finding.Description.length).toBeLessThanOrEqual(ASFF_LIMITS.description);
    expect(finding.Remediation.Recommendation.Text.length).toBeLessThanOrEqual(ASFF_LIMITS.recommendationText);
    const texts = [finding.Title, finding.Description, finding.Remediation.Recommendation.Text, ...Object.values(finding.ProductFields)];
    for (const text of texts) {
      expect(text).not.toMatch(/[\u202A-\u202E\u2028\u2029\r\n\u0000-\u001F]/u);
      expect(text.length).toBeGreaterThan(0);
    }
  });

  it("a rule whose remediation throws, or a rule since removed, still gives a valid finding", () => {
    const throwing = asffFinding(stored(), { ...RULE!, remediation: () => { throw new Error("boom"); } }, PRODUCT);
    expect(throwing.Remediation.Recommendation.Text).toBe("See the EKS Warden rule endpoint-public-access.");
    const removed = asffFinding(stored({ ruleId: "retired-rule", severity: "HIGH" }), undefined, PRODUCT);
    expect(removed).toMatchObject({ GeneratorId: "retired-rule", Severity: { Label: "HIGH" }, Types: ["Software and Configuration Checks/AWS Security Best Practices"] });
  });

  it("maps the framework ids in rule metadata; an unknown one is left out", () => {
    expect(requirementsOf(["FSBP EKS.8", "CIS-EKS 2.1.1", "SOC2 CC6"])).toEqual({
      requirements: ["AWS Foundational Security Best Practices EKS.8", "CIS Amazon EKS Benchmark 2.1.1"],
      types: ["Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices", "Software and Configuration Checks/Industry and Regulatory Standards/CIS Amazon EKS Benchmark"],
    });
  });
});

describe("the product a finding goes to", () => {
  const settings = { account: "111122223333", home: "eu-west-1", regions: [] as string[] };
  it("is always the caller's default product: the member account's cluster is a resource of the central account's finding", () => {
    expect(productFor(CLUSTER, settings)).toEqual({ partition: "aws", region: "eu-west-1", account: "111122223333" });
    expect(productArnOf(productFor({ ...CLUSTER, region: "us-east-1" }, settings))).toBe("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default");
  });
  it("is in the cluster's region when policy.securityHub.regions lists it, else the first listed", () => {
    const listed = { ...settings, regions: ["us-east-1", "eu-west-1"] };
    expect(productFor(CLUSTER, listed).region).toBe("eu-west-1");
    expect(productFor({ ...CLUSTER, region: "ap-south-1" }, listed).region).toBe("us-east-1");
    expect(productFor({ ...CLUSTER, region: "cn-north-1" }, { ...settings, home: "cn-north-1" }).partition).toBe("aws-cn");
  });
});

describe("changedFindings", () => {
  const write = (record: StoredRuleState) => ({ record, expectedVersion: record.version - 1 });
  it("imports what changed, not a finding whose content is the same at a later time", () => {
    const before = stored();
    const same = stored({ version: 2, observedAt: "2026-01-05T11:00:00.000Z", updatedAt: "2026-01-05T11:00:01.000Z" });
    expect(changedFindings(CLUSTER, [before], [write(same)], PRODUCT)).toEqual([]);
    const narrowed = stored({ version: 2, message: "Cluster lab (eu-west-1) has a public API endpoint open to 10.0.0.0/8.", updatedAt: "2026-01-05T11:00:01.000Z" });
    expect(changedFindings(CLUSTER, [before], [write(narrowed)], PRODUCT).map((finding) => finding.UpdatedAt)).toEqual(["2026-01-05T11:00:01.000Z"]);
  });
  it("archives a finding that passes; never imports one that has passed since it was first seen", () => {
    const passing = stored({ status: "PASS", version: 2, since: "2026-01-05T11:00:00.000Z" });
    expect(changedFindings(CLUSTER, [stored()], [write(passing)], PRODUCT)).toMatchObject([{ Compliance: { Status: "PASSED" }, RecordState: "ARCHIVED" }]);
    expect(changedFindings(CLUSTER, [], [write(stored({ status: "PASS" }))], PRODUCT)).toEqual([]);
    expect(changedFindings(CLUSTER, [], [write(stored({ status: "ERROR", error: { message: "no", since: "2026-01-05T10:00:00.000Z", count: 1 } }))], PRODUCT)).toMatchObject([{ Compliance: { Status: "WARNING" } }]);
  });
});
