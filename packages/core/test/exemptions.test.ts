import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXEMPTION_TAG, parseExemptionTag, resolveExemption } from "../src/exemptions.ts";
import type { ClusterSnapshot } from "../src/model.ts";
import { parsePolicy } from "../src/policy.ts";
import { normaliseCluster } from "../src/snapshot.ts";
import { rule } from "../src/rules/exemption-tag-valid.ts";
import { readEksFixture } from "./eks-fixtures.ts";

/** The real open-world cluster (pod2-9756, us-east-1), with the given tags added. */
function openCluster(tags: Record<string, string> = {}): ClusterSnapshot {
  const fixture = readEksFixture("DescribeCluster.public-only.open-world.json") as { data: { cluster: Record<string, unknown> } };
  return normaliseCluster({ ...fixture.data.cluster, tags: { ...(fixture.data.cluster.tags as object), ...tags } });
}

describe("parseExemptionTag", () => {
  it("reads rule ids, until and a reason that takes the rest of the value", () => {
    expect(parseExemptionTag("endpoint-public-access until=2026-12-31 reason=vendor VPN cut-over: ticket OPS-1234 until=never")).toEqual({
      ok: true,
      exemption: { rules: ["endpoint-public-access"], until: "2026-12-31", reason: "vendor VPN cut-over: ticket OPS-1234 until=never" },
    });
  });

  it("takes several rule ids, extra spaces, and drops repeats", () => {
    expect(parseExemptionTag("  version-support   version-drift version-support until=2027-01-15   reason=  decommissioned in January ")).toEqual({
      ok: true,
      exemption: { rules: ["version-support", "version-drift"], until: "2027-01-15", reason: "decommissioned in January" },
    });
  });

  it.each([
    ["", /names no rule id/],
    ["until=2026-12-31 reason=x", /names no rule id/],
    ["endpoint-public-access reason=migration", /has no until=YYYY-MM-DD/],
    ["endpoint-public-access until=2026-12-31", /has no reason=<text>/],
    ["endpoint-public-access until=2026-12-31 reason=", /has an empty reason=/],
    ["endpoint-public-access until=2026-12-31 reason=   ", /has an empty reason=/],
    ["endpoint-public-access until=31-12-2026 reason=x", /until=31-12-2026, which is not a calendar day/],
    ["endpoint-public-access until=2026-02-29 reason=x", /not a calendar day/],
    ["endpoint-public-access until=2026-12-31 until=2027-01-01 reason=x", /gives until= more than once/],
    ["endpoint-public-access until=2026-12-31 version-drift reason=x", /names rule "version-drift" after until=/],
    ["EndpointPublicAccess until=2026-12-31 reason=x", /"EndpointPublicAccess", which is not a rule id/],
    ["endpoint-public-access expires=2026-12-31 reason=x", /unknown field "expires=2026-12-31"/],
    ["reason=until=2026-12-31 endpoint-public-access", /names no rule id/],
    ["endpoint-public-access until=2026-12-31 reason=ticket #42, see wiki", /characters AWS does not allow/],
    [`endpoint-public-access until=2026-12-31 reason=${"x".repeat(250)}`, /more than AWS allows \(256\)/],
  ])("finds the problem in %j", (value, problem) => {
    const parsed = parseExemptionTag(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  it("reads back any well-formed tag it is given, and never throws on any string", () => {
    const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    const ruleId = fc.array(word, { minLength: 1, maxLength: 3 }).map((words) => words.join("-"));
    const day = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
    const reason = fc.stringMatching(/^[A-Za-z0-9+\-=._:/@][A-Za-z0-9 +\-=._:/@]{0,80}[A-Za-z0-9+\-=._:/@]$/);
    fc.assert(
      fc.property(fc.uniqueArray(ruleId, { minLength: 1, maxLength: 4 }), day, reason, (rules, until, text) => {
        const parsed = parseExemptionTag(`${rules.join(" ")} until=${until} reason=${text}`);
        expect(parsed).toEqual({ ok: true, exemption: { rules, until, reason: text } });
      }),
      { numRuns: 200 },
    );
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (value) => typeof parseExemptionTag(value).ok === "boolean"), { numRuns: 300 });
  });

  it("allows the letters AWS allows, in any script", () => {
    expect(parseExemptionTag("version-drift until=2026-06-30 reason=Migration geplant für Q2 @team/plattform").ok).toBe(true);
  });
});

describe("resolveExemption", () => {
  const noExemptions = parsePolicy({});
  const tagged = openCluster({ [EXEMPTION_TAG]: "endpoint-public-access until=2026-12-31 reason=vendor VPN cut-over" });

  it("holds through the end of the until day, UTC, and expires at midnight", () => {
    expect(resolveExemption(tagged, noExemptions, "endpoint-public-access", new Date("2026-12-31T23:59:59.999Z"))).toEqual({
      state: "active",
      until: "2026-12-31",
      reason: "vendor VPN cut-over",
      source: "tag",
    });
    expect(resolveExemption(tagged, noExemptions, "endpoint-public-access", new Date("2027-01-01T00:00:00Z"))).toMatchObject({ state: "expired", source: "tag" });
  });

  it("exempts only the rules it names", () => {
    expect(resolveExemption(tagged, noExemptions, "endpoint-private-access", new Date("2026-06-01T00:00:00Z"))).toEqual({ state: "none" });
  });

  it("ignores a malformed tag entirely", () => {
    const malformed = openCluster({ [EXEMPTION_TAG]: "endpoint-public-access reason=no end date" });
    expect(resolveExemption(malformed, noExemptions, "endpoint-public-access", new Date("2026-06-01T00:00:00Z"))).toEqual({ state: "none" });
  });

  it("matches policy exemptions by cluster name everywhere, or by exact ARN", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const exemption = { rules: ["endpoint-public-access"], until: "2026-09-30", reason: "public demo" };
    const byName = parsePolicy({ exemptions: [{ cluster: "pod2-9756", ...exemption }] });
    const byArn = parsePolicy({ exemptions: [{ cluster: "arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756", ...exemption }] });
    const otherAccount = parsePolicy({ exemptions: [{ cluster: "arn:aws:eks:us-east-1:111122223333:cluster/pod2-9756", ...exemption }] });
    const otherName = parsePolicy({ exemptions: [{ cluster: "pod2", ...exemption }] });
    const cluster = openCluster();
    expect(resolveExemption(cluster, byName, "endpoint-public-access", now)).toEqual({ state: "active", until: "2026-09-30", reason: "public demo", source: "policy" });
    expect(resolveExemption(cluster, byArn, "endpoint-public-access", now)).toMatchObject({ state: "active", source: "policy" });
    expect(resolveExemption(cluster, otherAccount, "endpoint-public-access", now)).toEqual({ state: "none" });
    expect(resolveExemption(cluster, otherName, "endpoint-public-access", now)).toEqual({ state: "none" });
  });

  it("ignores a policy exemption whose until is not a day, in a policy built without parsePolicy", () => {
    const handBuilt = { ...noExemptions, exemptions: [{ cluster: "pod2-9756", rules: ["endpoint-public-access"], until: "someday", reason: "later" }] };
    expect(resolveExemption(openCluster(), handBuilt, "endpoint-public-access", new Date("2026-06-01T00:00:00Z"))).toEqual({ state: "none" });
  });

  it("prefers the exemption that lasts longer, so an active one wins over an expired one", () => {
    const policy = parsePolicy({ exemptions: [{ cluster: "pod2-9756", rules: ["endpoint-public-access"], until: "2027-03-31", reason: "extended by CISO" }] });
    const expiredTagActivePolicy = resolveExemption(tagged, policy, "endpoint-public-access", new Date("2027-02-01T00:00:00Z"));
    expect(expiredTagActivePolicy).toEqual({ state: "active", until: "2027-03-31", reason: "extended by CISO", source: "policy" });
    const bothExpired = resolveExemption(tagged, policy, "endpoint-public-access", new Date("2027-05-01T00:00:00Z"));
    expect(bothExpired).toMatchObject({ state: "expired", until: "2027-03-31", source: "policy" });
  });
});

describe("rule exemption-tag-valid", () => {
  const policy = parsePolicy({});
  const context = { now: new Date("2026-06-01T00:00:00Z") };

  it("is NOT_APPLICABLE without the tag", () => {
    const [finding] = rule.evaluate(openCluster(), policy, context);
    expect(finding).toMatchObject({ ruleId: "exemption-tag-valid", status: "NOT_APPLICABLE", message: "EKS cluster pod2-9756 (us-east-1) has no eks-warden:exempt tag." });
  });

  it("PASSes a well-formed tag, with the grant as evidence", () => {
    const value = "endpoint-public-access version-drift until=2026-12-31 reason=vendor VPN cut-over";
    const findings = rule.evaluate(openCluster({ [EXEMPTION_TAG]: value }), policy, context);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      status: "PASS",
      clusterArn: "arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756",
      message: "EKS cluster pod2-9756 (us-east-1) has a well-formed eks-warden:exempt tag exempting endpoint-public-access, version-drift until 2026-12-31.",
      evidence: { value, rules: ["endpoint-public-access", "version-drift"], until: "2026-12-31", reason: "vendor VPN cut-over" },
    });
  });

  it("FAILs (MEDIUM) a tag without until, with the value and the problem as evidence and a runnable fix", () => {
    const value = "endpoint-public-access reason=temporary";
    const [finding] = rule.evaluate(openCluster({ [EXEMPTION_TAG]: value }), policy, context);
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "MEDIUM",
      message: "EKS cluster pod2-9756 (us-east-1) has an eks-warden:exempt tag that exempts nothing, because the tag has no until=YYYY-MM-DD (every exemption must end).",
      evidence: { tag: EXEMPTION_TAG, value, problem: "has no until=YYYY-MM-DD (every exemption must end)" },
    });
    expect(finding?.remediation.command).toBe(
      `aws eks tag-resource --region us-east-1 --resource-arn arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756 --tags '{"eks-warden:exempt":"<rule-id> until=YYYY-MM-DD reason=<why>"}'`,
    );
    expect(finding?.remediation.text).toContain("aws eks untag-resource --resource-arn arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756 --tag-keys eks-warden:exempt");
  });

  it("FAILs a tag naming rules that do not exist, when the known rules are given", () => {
    const known = { ...context, ruleIds: ["endpoint-public-access", "version-drift"] };
    const tagged = openCluster({ [EXEMPTION_TAG]: "endpoint-public-access version-drfit versoin-support until=2026-12-31 reason=typos" });
    const [finding] = rule.evaluate(tagged, policy, known);
    expect(finding).toMatchObject({
      status: "FAIL",
      message:
        'EKS cluster pod2-9756 (us-east-1) has an eks-warden:exempt tag that names "version-drfit", "versoin-support", which are not rules of EKS Warden, so it exempts nothing under those names.',
      evidence: { unknownRules: ["version-drfit", "versoin-support"], knownRules: ["endpoint-public-access", "version-drift"] },
    });
    const correct = openCluster({ [EXEMPTION_TAG]: "endpoint-public-access until=2026-12-31 reason=fine" });
    expect(rule.evaluate(correct, policy, known)[0]?.status).toBe("PASS");
  });

  it("FAILs (LOW) a tag that has expired: it says so and never reads as a valid exemption", () => {
    const value = "endpoint-public-access until=2020-01-01 reason=x";
    const tagged = openCluster({ [EXEMPTION_TAG]: value });
    const [finding] = rule.evaluate(tagged, policy, context);
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "LOW",
      message: "EKS cluster pod2-9756 (us-east-1) has an eks-warden:exempt tag that expired on 2020-01-01, so it exempts nothing and endpoint-public-access is judged again.",
      evidence: { tag: EXEMPTION_TAG, value, problem: "expired on 2020-01-01", rules: ["endpoint-public-access"], until: "2020-01-01", reason: "x" },
    });
    expect(finding?.message).not.toMatch(/well-formed/);
    // It holds through the end of its last day.
    const lastDay = openCluster({ [EXEMPTION_TAG]: "endpoint-public-access until=2026-06-01 reason=x" });
    expect(rule.evaluate(lastDay, policy, context)[0]?.status).toBe("PASS");
  });

  it("FAILs a tag without a reason", () => {
    const [finding] = rule.evaluate(openCluster({ [EXEMPTION_TAG]: "endpoint-public-access until=2026-12-31" }), policy, context);
    expect(finding?.status).toBe("FAIL");
    expect(finding?.evidence.problem).toMatch(/has no reason=/);
    expect(finding?.message).toMatch(/\.$/);
  });
});
