import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderAlert } from "../../src/voice/alert.ts";
import { SUBJECT_MAX } from "../../src/voice/subject.ts";
import { evaluate } from "../../src/engine.ts";
import { EXEMPTION_TAG, RULE_ID_PATTERN } from "../../src/exemptions.ts";
import { actionsForReads } from "../../src/permissions.ts";
import { DATA_KINDS, RULE_AREAS, SEVERITIES, type EvaluationContext, type Finding, type Policy, type Rule, type Severity } from "../../src/model.ts";
import { permissionsFor, ruleById, rules } from "../../src/rules/index.ts";
import { normaliseCluster } from "../../src/snapshot.ts";
import type { Transition } from "../../src/state/transitions.ts";
import { eksFixtureNames, readEksFixture } from "../eks-fixtures.ts";
import { cluster, context, expectWellFormed, policy, ruleFixture, SECURITY_ADMIN, sharedCatalogue } from "./helpers.ts";

const RULES_DIR = fileURLToPath(new URL("../../src/rules/", import.meta.url));
const FIXTURES_DIR = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** The clock of the rule fixtures (fixtures/README.md). */
const FIXTURE_CONTEXT: EvaluationContext = { now: new Date("2026-06-01T00:00:00Z"), versions: sharedCatalogue() };

/** The fixture's exemption tag, if any, as set by a principal the policy lets grant exemptions. */
function fixtureGrant(snapshot: { readonly tags: Readonly<Record<string, string>> }): { policy: Policy; context: EvaluationContext } {
  const value = snapshot.tags[EXEMPTION_TAG];
  if (value === undefined) return { policy: policy(), context: FIXTURE_CONTEXT };
  return {
    policy: policy({ exemptions: { tags: [SECURITY_ADMIN] } }),
    context: { ...FIXTURE_CONTEXT, tagGrant: { value, principals: [SECURITY_ADMIN], at: "2026-05-31T00:00:00.000Z", eventId: "fixture" } },
  };
}

/** Rules with no framework control, and why. Any other rule must name at least one. */
const NO_FRAMEWORK: Readonly<Record<string, string>> = {
  "version-drift": "no benchmark counts minor versions behind; FSBP EKS.2 (a supported version) is version-support's",
  "extended-support-enrollment": "a cost control: no security framework covers the support type",
  "exemption-tag-valid": "checks EKS Warden's own exemption tag, which no framework knows",
  "upgrade-insights": "reports EKS's own upgrade-readiness checks, which no benchmark names",
  "nodegroup-version-skew": "no CIS EKS or FSBP control covers node group version skew",
  "nodegroup-ami-outdated": "patching worker AMIs is general hygiene; no CIS EKS or FSBP control names it",
  "addon-outdated": "no CIS EKS or FSBP control covers EKS add-on versions",
  "access-authentication-mode": "access entries postdate the CIS EKS benchmark's IAM authenticator items, and no FSBP control covers the authentication mode",
  "access-identity-providers": "no CIS EKS or FSBP control covers OIDC identity providers of a cluster",
};

/** What each rule's FAIL fixture must give. */
const FAIL_SEVERITY: Readonly<Record<string, Severity>> = {
  "endpoint-public-access": "CRITICAL",
  "endpoint-private-access": "HIGH",
  "version-support": "CRITICAL",
  "version-drift": "MEDIUM",
  "extended-support-enrollment": "LOW",
  "control-plane-audit-logging": "MEDIUM",
  "exemption-tag-valid": "MEDIUM",
  "upgrade-insights": "HIGH",
  "nodegroup-version-skew": "MEDIUM",
  "nodegroup-ami-outdated": "MEDIUM",
  "addon-outdated": "HIGH",
  "access-cluster-admin": "HIGH",
  "access-authentication-mode": "MEDIUM",
  "access-identity-providers": "MEDIUM",
  "access-creator-admin": "LOW",
};

function ruleFiles(): string[] {
  return readdirSync(RULES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && entry.name !== "index.ts")
    .map((entry) => entry.name.slice(0, -".ts".length))
    .sort();
}


describe("the rule registry", () => {
  it("lists the rules in a stable order", () => {
    expect(rules.map((rule) => rule.id)).toEqual([
      "endpoint-public-access",
      "endpoint-private-access",
      "version-support",
      "version-drift",
      "extended-support-enrollment",
      "upgrade-insights",
      "nodegroup-version-skew",
      "nodegroup-ami-outdated",
      "addon-outdated",
      "control-plane-audit-logging",
      "access-cluster-admin",
      "access-authentication-mode",
      "access-identity-providers",
      "access-creator-admin",
      "exemption-tag-valid",
    ]);
    expect(Object.isFrozen(rules)).toBe(true);
  });

  it("has exactly one rule per file in src/rules, whose id is the file name", async () => {
    const files = ruleFiles();
    expect(files).toEqual(rules.map((rule) => rule.id).sort());
    for (const file of files) {
      const module = (await import(`${RULES_DIR}${file}.ts`)) as { rule?: Rule };
      expect(module.rule?.id, `${file}.ts exports rule`).toBe(file);
      expect(ruleById(file)).toBe(module.rule);
    }
  });

  it("finds rules by id, and nothing for an unknown id", () => {
    expect(ruleById("endpoint-public-access")?.severity).toBe("CRITICAL");
    expect(ruleById("no-such-rule")).toBeUndefined();
  });

  it("gives the sorted, unique IAM actions the rules need", () => {
    expect(permissionsFor(rules)).toEqual([
      "eks:DescribeAccessEntry",
      "eks:DescribeAddon",
      "eks:DescribeAddonVersions",
      "eks:DescribeCluster",
      "eks:DescribeClusterVersions",
      "eks:DescribeIdentityProviderConfig",
      "eks:DescribeInsight",
      "eks:DescribeNodegroup",
      "eks:ListAccessEntries",
      "eks:ListAddons",
      "eks:ListAssociatedAccessPolicies",
      "eks:ListIdentityProviderConfigs",
      "eks:ListInsights",
      "eks:ListNodegroups",
      "ssm:GetParameters",
    ]);
    expect(permissionsFor()).toEqual(permissionsFor(rules));
    expect(permissionsFor([ruleById("endpoint-public-access") as Rule])).toEqual(["eks:DescribeCluster"]);
    expect(permissionsFor([])).toEqual([]);
  });

  describe.each(rules.map((rule) => [rule.id, rule] as const))("%s", (id, rule) => {
    it("has a unique kebab-case id", () => {
      expect(id).toMatch(RULE_ID_PATTERN);
      expect(rules.filter((other) => other.id === id)).toHaveLength(1);
    });

    it("declares the area it watches; only endpoint rules judge a call's intent", () => {
      expect(RULE_AREAS).toContain(rule.area);
      if (rule.intent !== undefined) expect(rule.area).toBe("endpoint");
    });

    it("states the condition in its title, without 'Ensure' or a final period", () => {
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.title).not.toMatch(/^ensure\b/i);
      expect(rule.title).not.toMatch(/\.$/);
    });

    it("declares the data it reads, and its IAM actions are exactly what reading that data takes", () => {
      expect(rule.reads).toContain("cluster");
      for (const kind of rule.reads) expect(DATA_KINDS).toContain(kind);
      expect(new Set(rule.reads).size).toBe(rule.reads.length);
      expect([...rule.permissions]).toEqual(actionsForReads(rule.reads));
    });

    it("names its IAM actions", () => {
      expect(rule.permissions.length).toBeGreaterThan(0);
      for (const action of rule.permissions) expect(action).toMatch(/^(eks|ssm|sts):[A-Z][A-Za-z]+$/);
      expect(new Set(rule.permissions).size).toBe(rule.permissions.length);
    });

    it("names its framework controls, or says why there are none", () => {
      for (const control of rule.frameworks) expect(control).toMatch(/^(CIS-EKS \d+(\.\d+)+|FSBP EKS\.\d+)$/);
      if (rule.frameworks.length === 0) expect(NO_FRAMEWORK[id], `${id} maps to no framework: justify it in NO_FRAMEWORK`).toBeDefined();
      else expect(NO_FRAMEWORK[id]).toBeUndefined();
    });

    it("has a valid default severity and risk prose", () => {
      expect(SEVERITIES).toContain(rule.severity);
      expect(rule.risk.length).toBeGreaterThan(80);
      expect(rule.risk).toMatch(/\.$/);
    });

    it("gives an AWS CLI remediation for the cluster", () => {
      const remediation = rule.remediation(cluster());
      expect(remediation.command).toMatch(/^aws /);
      expect(remediation.command).toContain("eu-west-1");
      expect(remediation.command).toContain("payments-prod");
      expect(remediation.text.length).toBeGreaterThan(20);
    });

    it("has a PASS and a FAIL fixture that give PASS and FAIL through the normaliser and the engine", () => {
      for (const kind of ["pass", "fail"] as const) {
        const { what, snapshot, context: extra } = ruleFixture(id, kind);
        expect(typeof what === "string" && what.length > 10, `${id}.${kind}.json has a _what`).toBe(true);
        const granted = fixtureGrant(snapshot);
        const findings = evaluate(snapshot, granted.policy, { ...granted.context, ...extra }, [rule]);
        expect(findings).toHaveLength(1);
        const finding = findings[0] as Finding;
        expectWellFormed(finding, rule, snapshot);
        expect(finding.status, `${id}.${kind}.json: ${finding.message}`).toBe(kind === "pass" ? "PASS" : "FAIL");
        if (kind === "fail") expect(finding.severity).toBe(FAIL_SEVERITY[id]);
      }
    });

    it("names what is wrong in the subject of its alerts, not its title, within SNS's 100 characters", () => {
      const { snapshot, context: extra } = ruleFixture(id, "fail");
      const [failing] = evaluate(snapshot, policy(), { ...FIXTURE_CONTEXT, ...extra }, [rule]) as [Finding];
      const after = { status: failing.status, severity: failing.severity, evidence: failing.evidence };
      const subjectOf = (transition: Transition) => renderAlert({ transition, cluster: snapshot, cause: { trigger: "sweep" }, rule, evaluatedAt: FIXTURE_CONTEXT.now }).subject;
      const opened = subjectOf({ kind: "OPENED", clusterArn: snapshot.arn, ruleId: id, after, finding: failing });
      expect(opened).toMatch(new RegExp(`^\\[${failing.severity}\\] ${snapshot.name} \\(${snapshot.region}\\): \\S`));
      expect(opened).not.toContain(rule.title);
      expect(opened.length).toBeLessThanOrEqual(SUBJECT_MAX);
      const passing = { status: "PASS" as const, severity: rule.severity, evidence: {} };
      const resolved = subjectOf({ kind: "RESOLVED", clusterArn: snapshot.arn, ruleId: id, before: after, after: passing, finding: { ...failing, ...passing } });
      expect(resolved).toBe(`[RESOLVED] ${snapshot.name} (${snapshot.region}): resolved: ${opened.slice(opened.indexOf(": ") + 2)}`);
    });

    it("has a headline, which says nothing from evidence it cannot read (e.g. stored by an older version)", () => {
      expect(rule.headline).toBeTypeOf("function");
      expect(rule.headline?.({ evidence: {} })).toBeUndefined();
    });

    it("is pure: the same inputs give the same findings", () => {
      const { snapshot, context: extra } = ruleFixture(id, "fail");
      const fixtureContext = { ...FIXTURE_CONTEXT, ...extra };
      expect(rule.evaluate(snapshot, policy(), fixtureContext)).toEqual(rule.evaluate(snapshot, policy(), fixtureContext));
    });
  });

  it("has no fixture without a rule", () => {
    const expected = rules.flatMap((rule) => [`${rule.id}.fail.json`, `${rule.id}.pass.json`]).sort();
    expect(readdirSync(FIXTURES_DIR).filter((name) => name.endsWith(".json")).sort()).toEqual(expected);
  });

  it("gives every real DescribeCluster recording a well-formed finding from every rule", () => {
    const recordings = eksFixtureNames().filter((name) => name.startsWith("DescribeCluster."));
    expect(recordings.length).toBeGreaterThanOrEqual(7);
    for (const name of recordings) {
      const snapshot = normaliseCluster(readEksFixture(name));
      const findings = evaluate(snapshot, policy(), context());
      expect(findings.map((finding) => finding.ruleId)).toEqual(rules.map((rule) => rule.id));
      for (const finding of findings) expectWellFormed(finding, ruleById(finding.ruleId) as Rule, snapshot);
      // The endpoint rules need nothing but the record: they always decide.
      for (const finding of findings.slice(0, 2)) expect(finding.status, `${name}: ${finding.message}`).toMatch(/^(PASS|FAIL)$/);
    }
  });
});
