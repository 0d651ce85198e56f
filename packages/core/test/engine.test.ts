import { describe, expect, it } from "vitest";
import { evaluate, failsAtOrAbove, gateFailures, sortWorstFirst, worstFailing } from "../src/engine.ts";
import { EXEMPTION_TAG } from "../src/exemptions.ts";
import type { ClusterSnapshot, EvaluationContext, Finding, FindingStatus, Rule, Severity } from "../src/model.ts";
import { parsePolicy } from "../src/policy.ts";
import { rules as registry } from "../src/rules/index.ts";
import { normaliseCluster, normaliseVersionCatalogue } from "../src/snapshot.ts";
import { planEvaluation } from "../src/state/transitions.ts";
import { readEksFixture } from "./eks-fixtures.ts";

const now = new Date("2026-06-01T12:00:00Z");
const versions = normaliseVersionCatalogue(readEksFixture("DescribeClusterVersions.json"));
const policy = parsePolicy({});
// Tag exemptions open to anyone and up to a year: the tests of the exemption mechanics, not of who may grant.
const tagPolicy = parsePolicy({ exemptions: { tags: ["*"], maxDays: 365 } });

function cluster(fixture: string, tags: Record<string, string> = {}): ClusterSnapshot {
  const snapshot = normaliseCluster(readEksFixture(fixture));
  return { ...snapshot, tags: { ...snapshot.tags, ...tags } };
}

/** A rule defined here, answering with `status` (or doing `behaviour`), to exercise the engine on its own. */
function testRule(id: string, behaviour: Partial<Rule> & { status?: FindingStatus; severity?: Severity } = {}): Rule {
  const self: Rule = {
    id,
    title: `Test rule ${id}`,
    severity: behaviour.severity ?? "HIGH",
    area: "governance",
    frameworks: [],
    reads: ["cluster"],
    permissions: ["eks:DescribeCluster"],
    risk: "test",
    remediation: (target) => ({ text: "fix it", command: `aws eks describe-cluster --name ${target.name}` }),
    evaluate: (snapshot) => [
      {
        ruleId: id,
        clusterArn: snapshot.arn,
        status: behaviour.status ?? "FAIL",
        severity: behaviour.severity ?? "HIGH",
        message: `EKS cluster ${snapshot.name} (${snapshot.region}) is ${behaviour.status ?? "FAIL"}.`,
        evidence: {},
        remediation: self.remediation(snapshot),
      },
    ],
    ...behaviour,
  };
  return self;
}

describe("evaluate with the rule registry on real clusters", () => {
  const context: EvaluationContext = { now, versions };

  it("runs every registered rule and finds the open-world endpoint CRITICAL", () => {
    const findings = evaluate(cluster("DescribeCluster.public-only.open-world.json"), policy, context);
    expect(new Set(findings.map((finding) => finding.ruleId))).toEqual(new Set(registry.map((rule) => rule.id)));
    expect(findings.every((finding) => finding.clusterArn === "arn:aws:eks:us-east-1:644160558196:cluster/pod2-9756")).toBe(true);
    expect(findings.every((finding) => /^.*pod2-9756 \(us-east-1\).*\.$/.test(finding.message))).toBe(true);
    expect(findings.find((finding) => finding.ruleId === "endpoint-public-access")).toMatchObject({ status: "FAIL", severity: "CRITICAL" });
    expect(worstFailing(findings)).toMatchObject({ ruleId: "endpoint-public-access", severity: "CRITICAL" });
  });

  it("does not fail the endpoint rule of a private-only cluster", () => {
    const findings = evaluate(cluster("DescribeCluster.private-only.json"), policy, context);
    expect(findings.find((finding) => finding.ruleId === "endpoint-public-access")?.status).toBe("PASS");
  });

  it("never lets a version rule PASS without the catalogue", () => {
    const findings = evaluate(cluster("DescribeCluster.v1-35.modern-fields.json"), policy, { now });
    const versionSupport = findings.filter((finding) => finding.ruleId === "version-support");
    expect(versionSupport.length).toBeGreaterThan(0);
    expect(versionSupport.every((finding) => finding.status === "ERROR")).toBe(true);
  });

  it("an ERROR finding asks for the data the rule lacks, never for the fix of a failure it could not establish", () => {
    const findings = evaluate(cluster("DescribeCluster.v1-35.modern-fields.json"), policy, { now });
    const errors = findings.filter((finding) => finding.status === "ERROR");
    expect(errors.map((finding) => finding.ruleId)).toEqual(expect.arrayContaining(["version-drift", "version-support"]));
    for (const finding of errors) {
      expect(finding.remediation.command).not.toMatch(/update-cluster-version|--kubernetes-version|update-cluster-config|update-nodegroup-version|update-addon/);
      // The rules that lack the version catalogue say how to give it to them; the others (node groups, add-ons,
      // insights not read) name a read, never a fix.
      if (!registry.find((rule) => rule.id === finding.ruleId)?.reads.includes("versionCatalogue")) {
        expect(finding.remediation.command).toMatch(/^aws eks describe-/);
        continue;
      }
      expect(finding.remediation.command).toMatch(/^aws eks describe-cluster-versions --region /);
      expect(finding.remediation.text).toMatch(/--versions/);
      expect(finding.remediation.text).toMatch(/eks:DescribeClusterVersions/);
    }
  });

  it("turns an exempted FAIL into EXEMPT with the tag's terms, and back into FAIL once it expires", () => {
    const tagged = cluster("DescribeCluster.public-only.open-world.json", { [EXEMPTION_TAG]: "endpoint-public-access until=2026-12-31 reason=public demo for customers" });
    const active = evaluate(tagged, tagPolicy, context).find((finding) => finding.ruleId === "endpoint-public-access");
    expect(active).toMatchObject({
      status: "EXEMPT",
      severity: "CRITICAL",
      exemption: { until: "2026-12-31", reason: "public demo for customers", source: "tag", expired: false },
    });
    const later = evaluate(tagged, tagPolicy, { ...context, now: new Date("2027-01-01T00:00:00Z") }).find((finding) => finding.ruleId === "endpoint-public-access");
    expect(later).toMatchObject({ status: "FAIL", exemption: { until: "2026-12-31", source: "tag", expired: true } });
    expect(evaluate(tagged, tagPolicy, context).find((finding) => finding.ruleId === "exemption-tag-valid")?.status).toBe("PASS");
  });

  it("an expired exemption tag leaves the rule FAIL, says the exemption expired, and is no fix in the stored state", () => {
    const expiredTag = { [EXEMPTION_TAG]: "endpoint-public-access until=2020-01-01 reason=x" };
    const findings = evaluate(cluster("DescribeCluster.public-only.open-world.json", expiredTag), tagPolicy, context);
    const endpoint = findings.find((finding) => finding.ruleId === "endpoint-public-access");
    expect(endpoint).toMatchObject({ status: "FAIL", severity: "CRITICAL", exemption: { until: "2020-01-01", source: "tag", expired: true }, evidence: { expiredExemption: "2020-01-01 (tag): x" } });
    expect(endpoint?.message).toMatch(/; its exemption \(tag\) expired on 2020-01-01\.$/);
    const tagFinding = findings.find((finding) => finding.ruleId === "exemption-tag-valid");
    expect(tagFinding).toMatchObject({ status: "FAIL", severity: "LOW" });
    expect(tagFinding?.message).toMatch(/expired on 2020-01-01/);

    // Stored before: the tag was malformed (FAIL). Rewriting it with a past date is not a fix: nothing RESOLVED.
    const malformed = evaluate(cluster("DescribeCluster.public-only.open-world.json", { [EXEMPTION_TAG]: "endpoint-public-access reason=x" }), tagPolicy, context);
    const stored = planEvaluation([], malformed, { now }).writes.map((write) => write.record);
    const plan = planEvaluation(stored, findings, { now: new Date(now.getTime() + 60_000) });
    expect(plan.transitions.filter((transition) => transition.kind === "RESOLVED")).toEqual([]);
  });

  it("flags a tag naming a misspelt rule, which leaves the real rule failing", () => {
    const typo = cluster("DescribeCluster.public-only.open-world.json", { [EXEMPTION_TAG]: "endpoint-public-acess until=2026-12-31 reason=public demo" });
    const findings = evaluate(typo, policy, context);
    expect(findings.find((finding) => finding.ruleId === "endpoint-public-access")?.status).toBe("FAIL");
    const tagFinding = findings.find((finding) => finding.ruleId === "exemption-tag-valid");
    expect(tagFinding).toMatchObject({ status: "FAIL", severity: "MEDIUM", evidence: { unknownRules: ["endpoint-public-acess"] } });
    expect(tagFinding?.message).toBe(
      'EKS cluster pod2-9756 (us-east-1) has an eks-warden:exempt tag that names "endpoint-public-acess", which is not a rule of EKS Warden, so it exempts nothing under that name.',
    );
  });

  it("tells the rules every known rule id, also when running a subset or rules of its own", () => {
    let seen: readonly string[] | undefined;
    const spy = testRule("spy", {
      evaluate: (snapshot, _policy, ruleContext) => {
        seen = ruleContext.ruleIds;
        return testRule("spy", { status: "PASS" }).evaluate(snapshot, _policy, ruleContext);
      },
    });
    evaluate(cluster("DescribeCluster.private-only.json"), policy, context, [spy]);
    expect(seen).toEqual([...registry.map((rule) => rule.id), "spy"]);
    evaluate(cluster("DescribeCluster.private-only.json"), policy, { ...context, ruleIds: ["only-this"] }, [spy]);
    expect(seen).toEqual(["only-this"]);
    // The known ids are worked out once per list of rules (a scan judges every cluster with one list), and again for
    // a list changed since: a rule added to it is known at the next cluster.
    const running: Rule[] = [spy];
    evaluate(cluster("DescribeCluster.private-only.json"), policy, context, running);
    expect(seen).toEqual([...registry.map((rule) => rule.id), "spy"]);
    running.push(testRule("late", { status: "PASS" }));
    evaluate(cluster("DescribeCluster.private-only.json"), policy, context, running);
    expect(seen).toEqual([...registry.map((rule) => rule.id), "spy", "late"]);
    expect(Object.isFrozen(seen)).toBe(true);
  });
});

describe("evaluate fails closed", () => {
  const snapshot = cluster("DescribeCluster.2019-no-cidrs.json");
  const context: EvaluationContext = { now };

  it("turns a throwing rule into one ERROR finding for that rule only, and keeps running the others", () => {
    const boom = testRule("boom", {
      evaluate: () => {
        throw new TypeError("cannot read properties of undefined (reading 'versions')");
      },
    });
    const findings = evaluate(snapshot, policy, context, [testRule("before", { status: "PASS" }), boom, testRule("after", { status: "FAIL" })]);
    expect(findings.map((finding) => [finding.ruleId, finding.status])).toEqual([
      ["before", "PASS"],
      ["boom", "ERROR"],
      ["after", "FAIL"],
    ]);
    expect(findings[1]).toEqual({
      ruleId: "boom",
      clusterArn: "arn:aws:eks:us-east-1:644160558196:cluster/devx",
      status: "ERROR",
      severity: "HIGH",
      message: "Rule boom could not decide on EKS cluster devx (us-east-1) because it failed while evaluating.",
      evidence: { error: "TypeError: cannot read properties of undefined (reading 'versions')" },
      // Not the rule's fix ("fix it"): the rule never established a failure to fix.
      remediation: expect.objectContaining({ command: "aws eks describe-cluster --region us-east-1 --name devx" }),
    });
    expect(findings[1]?.remediation.text).toMatch(/^Rule boom could not be evaluated/);
  });

  it("gives a generic next step when the rule's remediation throws too, and reports thrown non-errors", () => {
    const broken = testRule("broken", {
      remediation: () => {
        throw new Error("no remediation");
      },
      evaluate: () => {
        throw "just a string";
      },
    });
    const [finding] = evaluate(snapshot, policy, context, [broken]);
    expect(finding?.status).toBe("ERROR");
    expect(finding?.evidence).toEqual({ error: 'thrown value: "just a string"' });
    expect(finding?.remediation.command).toBe("aws eks describe-cluster --region us-east-1 --name devx");
    expect(finding?.remediation.text).toContain("eks:DescribeCluster");
  });

  it("describes thrown values that cannot be written as JSON", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const throwing = (value: unknown) =>
      testRule("odd", {
        evaluate: () => {
          throw value;
        },
      });
    expect(evaluate(snapshot, policy, context, [throwing(circular)])[0]?.evidence).toEqual({ error: "thrown value of type object" });
    expect(evaluate(snapshot, policy, context, [throwing(undefined)])[0]?.evidence).toEqual({ error: "thrown value: undefined" });
  });

  it("replaces a rule remediation that is not text and a command", () => {
    const sloppy = testRule("sloppy", {
      remediation: () => ({ text: 42 }) as unknown as Finding["remediation"],
      evaluate: () => {
        throw new Error("no data");
      },
    });
    expect(evaluate(snapshot, policy, context, [sloppy])[0]?.remediation.command).toBe("aws eks describe-cluster --region us-east-1 --name devx");
  });

  it("keeps an ERROR's severity valid even when the rule declares a bad one", () => {
    const confused = testRule("confused", {
      severity: "SEVERE" as Severity,
      evaluate: () => {
        throw new Error("no data");
      },
    });
    expect(evaluate(snapshot, policy, context, [confused])[0]).toMatchObject({ status: "ERROR", severity: "HIGH" });
  });

  it.each([
    ["an empty list", () => [], "returned no finding", "the rule returned an empty list"],
    ["no list", () => undefined as unknown as Finding[], "returned no finding", "the rule returned undefined"],
    ["null in the list", () => [null as unknown as Finding], "returned a malformed finding", "finding 0: expected a finding object, got null"],
    ["a string in the list", () => ["PASS" as unknown as Finding], "returned a malformed finding", "finding 0: expected a finding object, got string"],
  ])("reports a rule that returns %s as ERROR", (_what, evaluateRule, problem, detail) => {
    const [finding, ...rest] = evaluate(snapshot, policy, context, [testRule("odd", { evaluate: evaluateRule })]);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ ruleId: "odd", status: "ERROR", evidence: { error: detail } });
    expect(finding?.message).toBe(`Rule odd could not decide on EKS cluster devx (us-east-1) because it ${problem}.`);
  });

  it.each<[string, Partial<Finding>, RegExp]>([
    ["another rule's id", { ruleId: "someone-else" }, /ruleId is "someone-else", expected "liar"/],
    ["another cluster", { clusterArn: "arn:aws:eks:us-east-1:644160558196:cluster/other" }, /clusterArn is/],
    ["an unknown status", { status: "MAYBE" as FindingStatus }, /status is "MAYBE"/],
    ["an unknown severity", { severity: "SEVERE" as Severity }, /severity is "SEVERE"/],
    ["no message", { message: "" }, /message is missing/],
    ["no evidence", { evidence: null as unknown as Finding["evidence"] }, /evidence is missing/],
    ["no remediation", { remediation: undefined as unknown as Finding["remediation"] }, /remediation is missing/],
  ])("reports a finding with %s as ERROR, not as what it claims", (_what, override, detail) => {
    const liar = testRule("liar");
    const lying = testRule("liar", { evaluate: (target, ...rest) => liar.evaluate(target, ...rest).map((finding) => ({ ...finding, ...override })) });
    const [finding] = evaluate(snapshot, policy, context, [lying]);
    expect(finding?.status).toBe("ERROR");
    expect(String(finding?.evidence.error)).toMatch(detail);
  });

  it("never exempts an ERROR or touches a PASS, even with an active exemption", () => {
    const exempted = { ...snapshot, tags: { [EXEMPTION_TAG]: "boom fine until=2026-12-31 reason=accepted risk" } };
    const boom = testRule("boom", {
      evaluate: () => {
        throw new Error("no data");
      },
    });
    const findings = evaluate(exempted, policy, context, [boom, testRule("fine", { status: "PASS" })]);
    expect(findings.map((finding) => finding.status)).toEqual(["ERROR", "PASS"]);
    expect(findings.every((finding) => finding.exemption === undefined)).toBe(true);
  });

  it("applies policy exemptions to every FAIL of the rule and leaves other rules failing", () => {
    // Built by hand: parsePolicy accepts only the registry's rule ids.
    const exemptingPolicy = { ...policy, exemptions: { ...policy.exemptions, entries: [{ cluster: snapshot.arn, rules: ["twice"], until: "2026-06-01", reason: "sunset on June 1st" }] } };
    const twice = testRule("twice", { evaluate: (target, ...rest) => [...testRule("twice").evaluate(target, ...rest), ...testRule("twice").evaluate(target, ...rest)] });
    const findings = evaluate(snapshot, exemptingPolicy, context, [twice, testRule("other")]);
    expect(findings.map((finding) => [finding.ruleId, finding.status, finding.exemption?.source])).toEqual([
      ["twice", "EXEMPT", "policy"],
      ["twice", "EXEMPT", "policy"],
      ["other", "FAIL", undefined],
    ]);
  });
});

describe("finding helpers", () => {
  const snapshot = cluster("DescribeCluster.2019-no-cidrs.json");
  const make = (id: string, status: FindingStatus, severity: Severity): Finding => {
    const [finding] = testRule(id, { status, severity }).evaluate(snapshot, policy, { now });
    return finding!;
  };
  const findings = [
    make("low-fail", "FAIL", "LOW"),
    make("critical-exempt", "EXEMPT", "CRITICAL"),
    make("high-error", "ERROR", "HIGH"),
    make("medium-fail", "FAIL", "MEDIUM"),
    make("critical-pass", "PASS", "CRITICAL"),
    make("medium-fail-2", "FAIL", "MEDIUM"),
    make("info-na", "NOT_APPLICABLE", "INFO"),
  ];

  it("worstFailing picks the most severe FAIL (the first of equals), ignoring ERROR and EXEMPT", () => {
    expect(worstFailing(findings)?.ruleId).toBe("medium-fail");
    expect(worstFailing(findings.filter((finding) => finding.status !== "FAIL"))).toBeUndefined();
  });

  it("failsAtOrAbove counts only FAILs at or above the threshold", () => {
    expect(failsAtOrAbove(findings, "MEDIUM").map((finding) => finding.ruleId)).toEqual(["medium-fail", "medium-fail-2"]);
    expect(failsAtOrAbove(findings, "INFO")).toHaveLength(3);
    expect(failsAtOrAbove(findings, "HIGH")).toEqual([]);
  });

  it("gateFailures fails a gate on FAILs and, unless errors are allowed, on ERRORs at or above its severity", () => {
    const ids = (gate: Parameters<typeof gateFailures>[1]) => {
      const { failing, undecided } = gateFailures(findings, gate);
      return { failing: failing.map((finding) => finding.ruleId), undecided: undecided.map((finding) => finding.ruleId) };
    };
    expect(ids({ failOn: "HIGH", allowErrors: false })).toEqual({ failing: [], undecided: ["high-error"] });
    expect(ids({ failOn: "HIGH", allowErrors: true })).toEqual({ failing: [], undecided: [] });
    expect(ids({ failOn: "CRITICAL", allowErrors: false })).toEqual({ failing: [], undecided: [] });
    expect(ids({ failOn: "MEDIUM", allowErrors: false })).toEqual({ failing: ["medium-fail", "medium-fail-2"], undecided: ["high-error"] });
  });

  it("sortWorstFirst orders by status urgency, then severity, then rule id, without mutating its input", () => {
    const before = findings.map((finding) => finding.ruleId);
    expect(sortWorstFirst(findings).map((finding) => finding.ruleId)).toEqual([
      "medium-fail",
      "medium-fail-2",
      "low-fail",
      "high-error",
      "critical-exempt",
      "critical-pass",
      "info-na",
    ]);
    expect(findings.map((finding) => finding.ruleId)).toEqual(before);
  });
});
