import { describe, expect, it } from "vitest";
import type { InsightSnapshot } from "../../src/model.ts";
import { rule } from "../../src/rules/upgrade-insights.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy } from "./helpers.ts";

const insight = (id: string, status: string, extra: Partial<InsightSnapshot> = {}): InsightSnapshot => ({ id, name: `Insight ${id}`, status, kubernetesVersion: "1.35", ...extra });

function run(snapshot: ReturnType<typeof cluster>) {
  return only(rule.evaluate(snapshot, policy(), context()), rule, snapshot);
}

describe("upgrade-insights", () => {
  it("passes when every upgrade insight passes", () => {
    expect(run(cluster({ insights: [insight("a", "PASSING"), insight("b", "PASSING")] }))).toMatchObject({
      status: "PASS",
      severity: "HIGH",
      message: "EKS cluster payments-prod (eu-west-1) has 2 upgrade insights from EKS, all passing.",
    });
  });

  it("is HIGH for an insight in ERROR and MEDIUM for one in WARNING, with the reason and the command that shows the recommendation", () => {
    const high = run(cluster({ insights: [insight("w", "WARNING"), insight("e", "ERROR", { name: "Deprecated APIs removed in Kubernetes v1.35", reason: "Deprecated API usage detected. Fix it.", lastRefreshTime: new Date("2026-11-28T06:00:00Z") })] }));
    expect(high).toMatchObject({
      status: "FAIL",
      severity: "HIGH",
      message:
        "EKS cluster payments-prod (eu-west-1) has upgrade insights that are not passing: Insight w for 1.35 (WARNING), Deprecated APIs removed in Kubernetes v1.35 for 1.35 (ERROR: Deprecated API usage detected; Fix it).",
      evidence: { items: [{ id: "w", state: "behind", severity: "MEDIUM" }, { id: "e", state: "behind", severity: "HIGH", lastRefreshTime: "2026-11-28T06:00:00.000Z" }] },
    });
    expect(high.remediation.command).toBe("aws eks describe-insight --region eu-west-1 --cluster-name payments-prod --id w");
    expect(run(cluster({ insights: [insight("w", "WARNING", { kubernetesVersion: undefined }), insight("p", "PASSING")] }))).toMatchObject({
      status: "FAIL",
      severity: "MEDIUM",
      message: "EKS cluster payments-prod (eu-west-1) has upgrade insights that are not passing: Insight w (WARNING).",
    });
  });

  it("is ERROR, never PASS, for an insight EKS could not determine, or insights not read", () => {
    expect(run(cluster({ insights: [insight("a", "PASSING"), insight("u", "UNKNOWN")] }))).toMatchObject({
      status: "ERROR",
      message: "EKS cluster payments-prod (eu-west-1) could not be checked because EKS could not determine these upgrade insights: Insight u for 1.35 (UNKNOWN).",
    });
    expect(run(cluster())).toMatchObject({ status: "ERROR", evidence: { insights: "unavailable" } });
  });

  it("is NOT_APPLICABLE while EKS lists no insight, and for a cluster being deleted", () => {
    expect(run(cluster({ insights: [] }))).toMatchObject({ status: "NOT_APPLICABLE" });
    notApplicableWhileDeleting(rule, cluster({ insights: [insight("e", "ERROR")] }), policy());
  });

  it("lists the upgrade-readiness insights by default", () => {
    expect(rule.remediation(cluster()).command).toBe("aws eks list-insights --region eu-west-1 --cluster-name payments-prod --filter categories=UPGRADE_READINESS");
  });

  it("is EXEMPT under a valid exemption and FAILs again once it expires", () => {
    expectExemptionsApply(rule, cluster({ insights: [insight("e", "ERROR")] }), policy());
  });
});
