import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXEMPTION_TAG, parseExemptionTag, principalMatches, resolveExemption } from "../src/exemptions.ts";
import { evaluate } from "../src/engine.ts";
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
  // Tags from anyone, for up to ten years: these tests are about the terms of a tag, not who may set it.
  const noExemptions = parsePolicy({ exemptions: { tags: ["*"], maxDays: 3650 } });
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

  it("matches policy exemptions by exact ARN only: the same name in another account or region is another cluster", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const exemption = { rules: ["endpoint-public-access"], until: "2026-09-30", reason: "public demo" };
    const byArn = parsePolicy({ exemptions: { entries: [{ cluster: "arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756", ...exemption }] } });
    const otherAccount = parsePolicy({ exemptions: { entries: [{ cluster: "arn:aws:eks:us-east-1:111122223333:cluster/pod2-9756", ...exemption }] } });
    const otherRegion = parsePolicy({ exemptions: { entries: [{ cluster: "arn:aws:eks:eu-west-1:644160558196:cluster/pod2-9756", ...exemption }] } });
    // A bare name is refused by parsePolicy; one built by hand matches nothing.
    const byName = { ...noExemptions, exemptions: { ...noExemptions.exemptions, entries: [{ cluster: "pod2-9756", ...exemption }] } };
    const cluster = openCluster();
    expect(resolveExemption(cluster, byArn, "endpoint-public-access", now)).toEqual({ state: "active", until: "2026-09-30", reason: "public demo", source: "policy" });
    expect(resolveExemption(cluster, otherAccount, "endpoint-public-access", now)).toEqual({ state: "none" });
    expect(resolveExemption(cluster, otherRegion, "endpoint-public-access", now)).toEqual({ state: "none" });
    expect(resolveExemption(cluster, byName, "endpoint-public-access", now)).toEqual({ state: "none" });
  });

  it("ignores a policy exemption whose until is not a day, in a policy built without parsePolicy", () => {
    const handBuilt = { ...noExemptions, exemptions: { ...noExemptions.exemptions, entries: [{ cluster: "arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756", rules: ["endpoint-public-access"], until: "someday", reason: "later" }] } };
    expect(resolveExemption(openCluster(), handBuilt, "endpoint-public-access", new Date("2026-06-01T00:00:00Z"))).toEqual({ state: "none" });
  });

  it("prefers the exemption that lasts longer, so an active one wins over an expired one", () => {
    const policy = parsePolicy({ exemptions: { ...noExemptions.exemptions, entries: [{ cluster: "arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756", rules: ["endpoint-public-access"], until: "2027-03-31", reason: "extended by CISO" }] } });
    const expiredTagActivePolicy = resolveExemption(tagged, policy, "endpoint-public-access", new Date("2027-02-01T00:00:00Z"));
    expect(expiredTagActivePolicy).toEqual({ state: "active", until: "2027-03-31", reason: "extended by CISO", source: "policy" });
    const bothExpired = resolveExemption(tagged, policy, "endpoint-public-access", new Date("2027-05-01T00:00:00Z"));
    expect(bothExpired).toMatchObject({ state: "expired", until: "2027-03-31", source: "policy" });
  });
});

describe("rule exemption-tag-valid", () => {
  const policy = parsePolicy({ exemptions: { tags: ["*"], maxDays: 365 } });
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
      message: "EKS cluster pod2-9756 (us-east-1) has a well-formed eks-warden:exempt tag exempting endpoint-public-access, version-drift until 2026-12-31, set by an unknown principal.",
      evidence: { value, rules: ["endpoint-public-access", "version-drift"], until: "2026-12-31", reason: "vendor VPN cut-over", setBy: "an unknown principal" },
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

describe("who may exempt by tag, and for how long (policy.exemptions)", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const ADMIN_ROLE = "arn:aws:iam::111122223333:role/SecurityAdmin";
  const ADMIN_SESSION = "arn:aws:sts::111122223333:assumed-role/SecurityAdmin/carol";
  const MALLORY = "arn:aws:iam::111122223333:user/mallory";
  const value = "endpoint-public-access until=2026-07-31 reason=temporary";
  const tagged = openCluster({ [EXEMPTION_TAG]: value });
  const granted = (principals: string[], grantValue = value) => ({ tagGrant: { value: grantValue, principals, at: "2026-05-31T10:00:00.000Z", eventId: "tag-1" } });
  const judge = (policyInput: object, context: object = {}, snapshot = tagged) => {
    const findings = evaluate(snapshot, parsePolicy(policyInput), { now, ...context });
    return { endpoint: findings.find((f) => f.ruleId === "endpoint-public-access")!, tag: findings.find((f) => f.ruleId === "exemption-tag-valid")! };
  };

  it("by default no one may: the tag exempts nothing, and the finding (HIGH: a known principal tried to exempt) says how to allow it", () => {
    const { endpoint, tag } = judge({}, granted([ADMIN_ROLE]));
    expect(endpoint).toMatchObject({ status: "FAIL", severity: "CRITICAL" });
    expect(tag).toMatchObject({ status: "FAIL", severity: "HIGH" });
    expect(tag.message).toContain(`was set by ${ADMIN_ROLE}, but no principal may grant exemptions by tag (list the IAM principals that may in policy.exemptions.tags)`);
  });

  it("false turns tag exemptions off, even for anyone's tag", () => {
    const { endpoint, tag } = judge({ exemptions: { tags: false } }, granted([ADMIN_ROLE]));
    expect(endpoint.status).toBe("FAIL");
    expect(tag.evidence.problem).toBe("is not honoured: exemptions by tag are turned off (policy.exemptions.tags is false)");
  });

  it("a listed principal (the role of an assumed-role session, or a pattern) exempts, and the exemption names it", () => {
    for (const tags of [[ADMIN_ROLE], ["arn:aws:sts::111122223333:assumed-role/SecurityAdmin/*"], ["arn:aws:iam::111122223333:role/Security?dmin"]]) {
      const { endpoint, tag } = judge({ exemptions: { tags } }, granted([ADMIN_SESSION, ADMIN_ROLE]));
      expect(endpoint).toMatchObject({ status: "EXEMPT", severity: "CRITICAL", exemption: { source: "tag", grantedBy: ADMIN_SESSION } });
      expect(tag).toMatchObject({ status: "PASS", evidence: { setBy: ADMIN_SESSION, setAt: "2026-05-31T10:00:00.000Z" } });
    }
  });

  it("mallory's tag exempts nothing and is a HIGH FAIL naming her", () => {
    const { endpoint, tag } = judge({ exemptions: { tags: [ADMIN_ROLE] } }, granted([MALLORY]));
    expect(endpoint.status).toBe("FAIL");
    expect(tag).toMatchObject({ status: "FAIL", severity: "HIGH", evidence: { setBy: MALLORY } });
    expect(tag.message).toContain(`was set by ${MALLORY}, who is not allowed to grant exemptions (policy.exemptions.tags)`);
  });

  it("a tag whose setting was not recorded (set before deployment, a lost event, or another value) exempts nothing", () => {
    for (const context of [{}, granted([ADMIN_ROLE], "endpoint-public-access until=2026-06-30 reason=older value")]) {
      const { endpoint, tag } = judge({ exemptions: { tags: [ADMIN_ROLE] } }, context);
      expect(endpoint.status).toBe("FAIL");
      expect(tag.evidence.problem).toMatch(/^was set by an unknown principal \(no TagResource event was recorded for this value\)/);
    }
    // Open to anyone ("*"): the setter does not matter.
    expect(judge({ exemptions: { tags: ["*"] } }).endpoint.status).toBe("EXEMPT");
  });

  it("an until further than maxDays away exempts nothing (mallory's until=2099-12-31), whoever set it", () => {
    const far = openCluster({ [EXEMPTION_TAG]: "endpoint-public-access until=2099-12-31 reason=temporary" });
    const { endpoint, tag } = judge({ exemptions: { tags: ["*"] } }, {}, far);
    expect(endpoint.status).toBe("FAIL");
    expect(tag.evidence.problem).toBe("has until=2099-12-31, more than 90 days away (policy.exemptions.maxDays)");
    // 90 days is the default; the last day within it still exempts.
    const edge = openCluster({ [EXEMPTION_TAG]: "endpoint-public-access until=2026-08-29 reason=temporary" });
    expect(judge({ exemptions: { tags: ["*"] } }, {}, edge).endpoint.status).toBe("EXEMPT");
    const beyond = openCluster({ [EXEMPTION_TAG]: "endpoint-public-access until=2026-08-30 reason=temporary" });
    expect(judge({ exemptions: { tags: ["*"] } }, {}, beyond).endpoint.status).toBe("FAIL");
    expect(judge({ exemptions: { tags: ["*"], maxDays: 3650 } }, {}, far).endpoint.status).toBe("FAIL");
    expect(judge({ exemptions: { tags: ["*"], maxDays: 61 } }).endpoint.status).toBe("EXEMPT");
    expect(judge({ exemptions: { tags: ["*"], maxDays: 60 } }).endpoint.status).toBe("FAIL");
  });

  it("principal patterns: * any run, ? one character, the whole ARN, nothing else special", () => {
    expect(principalMatches("arn:aws:iam::111122223333:role/*", ADMIN_ROLE)).toBe(true);
    expect(principalMatches("arn:aws:iam::111122223333:role/Security", ADMIN_ROLE)).toBe(false);
    expect(principalMatches("arn:aws:iam::111122223333:role/Security.dmin", ADMIN_ROLE)).toBe(false);
    expect(principalMatches("arn:aws:iam::*:role/SecurityAdmin", ADMIN_ROLE)).toBe(true);
    expect(principalMatches("*", MALLORY)).toBe(true);
  });
});
