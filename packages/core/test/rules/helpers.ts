// Shared by the rule tests: the evaluation clock, the real shared fixtures turned into snapshots, hand-built
// snapshots for shapes the fixtures lack, and the checks every finding must pass.
import { expect } from "vitest";
import { evaluate } from "../../src/engine.ts";
import { EXEMPTION_TAG } from "../../src/exemptions.ts";
import type { ClusterSnapshot, EvaluationContext, Finding, Policy, Rule, VersionCatalogue } from "../../src/model.ts";
import { parsePolicy, type PolicyInput } from "../../src/policy.ts";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { normaliseAddonVersions, normaliseCluster, normaliseVersionCatalogue, type AccessEntryReading } from "../../src/snapshot.ts";
import { isRecord } from "../../src/snapshot/forms.ts";
import { readEksFixture } from "../eks-fixtures.ts";

/**
 * The evaluation clock of most tests. Against the shared catalogue (DescribeClusterVersions.json) on this day:
 * 1.34 is in standard support until 2026-12-02 (3 days left), 1.33 and 1.32 are in extended support, and 1.31's
 * extended support ended on 2026-11-26 although the catalogue still says EXTENDED_SUPPORT.
 */
export const NOW = new Date("2026-11-29T12:00:00Z");

export function sharedCluster(name: string): ClusterSnapshot {
  return normaliseCluster(readEksFixture(name));
}

export function sharedCatalogue(): VersionCatalogue {
  return normaliseVersionCatalogue(readEksFixture("DescribeClusterVersions.json"));
}

export function policy(input: PolicyInput = {}): Policy {
  return parsePolicy(input);
}

export function context(overrides: Partial<EvaluationContext> = {}): EvaluationContext {
  return { now: NOW, versions: sharedCatalogue(), ...overrides };
}

/** A hand-built snapshot of an ACTIVE, private-only, audit-logged 1.34 cluster in eu-west-1; override what a test needs. */
export function cluster(overrides: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    arn: "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod",
    account: "111122223333",
    region: "eu-west-1",
    name: "payments-prod",
    status: "ACTIVE",
    version: "1.34",
    endpoint: {
      publicAccess: false,
      privateAccess: true,
      publicAccessCidrs: [],
      defaulted: { publicAccess: false, privateAccess: false, publicAccessCidrs: false },
    },
    logging: { enabledTypes: ["api", "audit"], disabledTypes: ["authenticator", "controllerManager", "scheduler"] },
    supportType: "STANDARD",
    tags: {},
    ...overrides,
  };
}

export function publicEndpoint(publicAccessCidrs: readonly string[], privateAccess = false): ClusterSnapshot["endpoint"] {
  return { publicAccess: true, privateAccess, publicAccessCidrs, defaulted: { publicAccess: false, privateAccess: false, publicAccessCidrs: false } };
}

/** The one finding a rule gives, after checking what every finding must be. */
export function only(findings: readonly Finding[], rule: Rule, snapshot: ClusterSnapshot): Finding {
  expect(findings).toHaveLength(1);
  const finding = findings[0] as Finding;
  expectWellFormed(finding, rule, snapshot);
  return finding;
}

export function expectWellFormed(finding: Finding, rule: Rule, snapshot: ClusterSnapshot): void {
  expect(finding.ruleId).toBe(rule.id);
  expect(finding.clusterArn).toBe(snapshot.arn);
  // One sentence naming the cluster: name and region, a single final period.
  expect(finding.message).toContain(`${snapshot.name} (${snapshot.region})`);
  expect(finding.message).toMatch(/[^.]\.$/);
  expect(finding.message).not.toMatch(/\.\s+[A-Z]/);
  expect(finding.remediation.command).toMatch(/^aws /);
  expect(finding.remediation.command).toContain(`--region ${snapshot.region}`);
  expect(finding.remediation.text.length).toBeGreaterThan(20);
}

/** The rule alone through the engine, so exemptions apply. */
export function throughEngine(rule: Rule, snapshot: ClusterSnapshot, activePolicy: Policy, evaluationContext: EvaluationContext = context()): Finding {
  const findings = evaluate(snapshot, activePolicy, evaluationContext, [rule]);
  return only(findings, rule, snapshot);
}

/** A principal allowed to grant exemptions by tag in the tests that need one. */
export const SECURITY_ADMIN = "arn:aws:iam::111122223333:role/SecurityAdmin";

/** A tag exempting the rule through `until`. */
export function exemptionTag(ruleId: string, until: string, reason = "migration to private endpoint tracked in OPS-142"): Record<string, string> {
  return { [EXEMPTION_TAG]: `${ruleId} until=${until} reason=${reason}` };
}

/**
 * A failing cluster is EXEMPT while a tag exemption holds, and FAILs again (marked expired) once a policy exemption
 * has run out; the severity stays that of the failure.
 */
export function expectExemptionsApply(rule: Rule, failing: ClusterSnapshot, activePolicy: Policy, evaluationContext: EvaluationContext = context()): void {
  const plain = throughEngine(rule, failing, activePolicy, evaluationContext);
  expect(plain.status).toBe("FAIL");
  expect(plain.exemption).toBeUndefined();

  const later = dayOffset(evaluationContext.now, 30);
  const yesterday = dayOffset(evaluationContext.now, -1);
  const tag = exemptionTag(rule.id, later);
  const tagged = { ...failing, tags: { ...failing.tags, ...tag } };
  // A tag exempts only when set by a principal the policy lists (the grant recorded from its TagResource event).
  expect(throughEngine(rule, tagged, activePolicy, evaluationContext).status).toBe("FAIL");
  const granting: Policy = { ...activePolicy, exemptions: { ...activePolicy.exemptions, tags: [SECURITY_ADMIN] } };
  const grant = { value: tag[EXEMPTION_TAG] as string, principals: [SECURITY_ADMIN], at: evaluationContext.now.toISOString(), eventId: "tag-1" };
  const exempt = throughEngine(rule, tagged, granting, { ...evaluationContext, tagGrant: grant });
  expect(exempt).toMatchObject({ status: "EXEMPT", severity: plain.severity, exemption: { until: later, source: "tag", expired: false, grantedBy: SECURITY_ADMIN } });

  const expiredPolicy: Policy = { ...activePolicy, exemptions: { ...activePolicy.exemptions, entries: [{ cluster: failing.arn, rules: [rule.id], until: yesterday, reason: "accepted until the freeze ended" }] } };
  const expired = throughEngine(rule, failing, expiredPolicy, evaluationContext);
  expect(expired).toMatchObject({ status: "FAIL", severity: plain.severity, exemption: { until: yesterday, source: "policy", expired: true } });

  // An exemption for another rule changes nothing.
  const otherRule = { ...failing, tags: exemptionTag("some-other-rule", later) };
  expect(throughEngine(rule, otherRule, activePolicy, evaluationContext).status).toBe("FAIL");
}

/** YYYY-MM-DD, `days` days from `from` (UTC). */
export function dayOffset(from: Date, days: number): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

export function notApplicableWhileDeleting(rule: Rule, base: ClusterSnapshot, activePolicy: Policy, evaluationContext: EvaluationContext = context()): void {
  for (const status of ["DELETING", "FAILED"]) {
    const snapshot = { ...base, status };
    const finding = only(rule.evaluate(snapshot, activePolicy, evaluationContext), rule, snapshot);
    expect(finding).toMatchObject({ status: "NOT_APPLICABLE", severity: rule.severity, evidence: { clusterStatus: status } });
  }
  for (const status of ["CREATING", "UPDATING", "ACTIVE"]) {
    const snapshot = { ...base, status };
    expect(only(rule.evaluate(snapshot, activePolicy, evaluationContext), rule, snapshot).status).not.toBe("NOT_APPLICABLE");
  }
}

const RULE_FIXTURES_DIR = fileURLToPath(new URL("./fixtures/", import.meta.url));

/**
 * A rule fixture (fixtures/README.md): the DescribeCluster response with the node groups, add-ons and insights beside
 * it, as a snapshot; and the catalogues it carries (DescribeAddonVersions `addons`, AMI release parameters) as context.
 */
export function ruleFixture(ruleId: string, kind: "pass" | "fail"): { what: unknown; snapshot: ClusterSnapshot; context: Partial<EvaluationContext> } {
  const input = JSON.parse(readFileSync(`${RULE_FIXTURES_DIR}${ruleId}.${kind}.json`, "utf8")) as Record<string, unknown>;
  const list = (key: string) => (Array.isArray(input[key]) ? (input[key] as unknown[]) : undefined);
  const [nodegroups, addons, insights, addonVersions] = [list("nodegroups"), list("addons"), list("insights"), list("addonVersions")];
  const insightDescriptions = isRecord(input["insightDescriptions"])
    ? Object.fromEntries(Object.entries(input["insightDescriptions"]).map(([id, insight]) => [id, { insight }]))
    : undefined;
  const accessEntries = list("accessEntries") as AccessEntryReading[] | undefined;
  const identityProviders = list("identityProviders")?.map((config) => ({ config }));
  const snapshot = normaliseCluster(input, {
    ...(nodegroups && { nodegroups }),
    ...(addons && { addons }),
    ...(insights && { insights }),
    ...(insightDescriptions && { insightDescriptions }),
    ...(accessEntries && { accessEntries }),
    ...(identityProviders && { identityProviders }),
  });
  const amiReleases = input.amiReleases as Record<string, string | null> | undefined;
  return {
    what: input._what,
    snapshot,
    context: { ...(addonVersions && { addonVersions: normaliseAddonVersions(addonVersions, snapshot.version ?? "") }), ...(amiReleases && { amiReleases }) },
  };
}
