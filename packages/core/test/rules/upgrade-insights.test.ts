import { describe, expect, it } from "vitest";
import { FAILING_INSIGHT_STATUSES, type InsightDetails, type InsightSnapshot } from "../../src/model.ts";
import { rule } from "../../src/rules/upgrade-insights.ts";
import { cluster, context, expectExemptionsApply, notApplicableWhileDeleting, only, policy } from "./helpers.ts";

const NO_DETAILS: InsightDetails = { additionalInfo: {}, resources: [], deprecations: [], addonCompatibility: [] };

/** An insight as the collector gives it: a failing one (ERROR, WARNING) with DescribeInsight's details. */
const insight = (id: string, status: string, extra: Partial<InsightSnapshot> = {}): InsightSnapshot => ({
  id,
  name: `Insight ${id}`,
  status,
  kubernetesVersion: "1.35",
  ...(FAILING_INSIGHT_STATUSES.has(status) && { details: { ...NO_DETAILS, recommendation: `Fix ${id}.` } }),
  ...extra,
});

const DEPRECATED_APIS: InsightDetails = {
  recommendation: "Update manifests and API clients to use newer Kubernetes APIs if applicable before upgrading to Kubernetes v1.35.",
  additionalInfo: { "EKS update cluster documentation": "https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html" },
  resources: [{ kubernetesResourceUri: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas", status: "ERROR", reason: "Deprecated API in use." }],
  deprecations: [
    {
      usage: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas",
      replacedWith: "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas",
      stopServingVersion: "1.35",
      startServingReplacementVersion: "1.29",
      clientStats: [{ userAgent: "kube-controller-manager/v1.34.1", numberOfRequestsLast30Days: 1240, lastRequestTime: new Date("2026-11-27T22:10:00Z") }],
    },
  ],
  addonCompatibility: [],
};

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

  it("is HIGH for an insight in ERROR and MEDIUM for one in WARNING, each with its reason and EKS's recommendation", () => {
    const high = run(cluster({ insights: [insight("w", "WARNING"), insight("e", "ERROR", { name: "Deprecated APIs removed in Kubernetes v1.35", reason: "Deprecated API usage detected. Fix it.", lastRefreshTime: new Date("2026-11-28T06:00:00Z") })] }));
    expect(high).toMatchObject({
      status: "FAIL",
      severity: "HIGH",
      message:
        "EKS cluster payments-prod (eu-west-1) has upgrade insights that are not passing: Insight w for 1.35 (WARNING; recommendation: Fix w), " +
        "Deprecated APIs removed in Kubernetes v1.35 for 1.35 (ERROR: Deprecated API usage detected; Fix it; recommendation: Fix e).",
      evidence: {
        items: [
          { id: "w", state: "behind", severity: "MEDIUM", recommendation: "Fix w." },
          { id: "e", state: "behind", severity: "HIGH", lastRefreshTime: "2026-11-28T06:00:00.000Z", recommendation: "Fix e." },
        ],
      },
    });
    expect(high.remediation).toEqual({
      text: `Fix w (EKS's recommendation for the insight "Insight w"). Fix the resources it lists, and check the other insights the same way (aws eks list-insights) before upgrading.`,
      command: "aws eks describe-insight --region eu-west-1 --cluster-name payments-prod --id w",
    });
    expect(run(cluster({ insights: [insight("w", "WARNING", { kubernetesVersion: undefined }), insight("p", "PASSING")] }))).toMatchObject({
      status: "FAIL",
      severity: "MEDIUM",
      message: "EKS cluster payments-prod (eu-west-1) has upgrade insights that are not passing: Insight w (WARNING; recommendation: Fix w).",
    });
  });

  it("tells the deprecated APIs still called and the resources found, and keeps every detail in the evidence", () => {
    const finding = run(cluster({ insights: [insight("d", "ERROR", { name: "Deprecated APIs removed in Kubernetes v1.35", reason: "Deprecated API usage detected within last 30 days.", details: DEPRECATED_APIS })] }));
    expect(finding).toMatchObject({
      status: "FAIL",
      severity: "HIGH",
      message:
        "EKS cluster payments-prod (eu-west-1) has upgrade insights that are not passing: Deprecated APIs removed in Kubernetes v1.35 for 1.35 " +
        "(ERROR: Deprecated API usage detected within last 30 days; recommendation: Update manifests and API clients to use newer Kubernetes APIs if applicable before upgrading to Kubernetes v1.35; " +
        "deprecated APIs still called: /apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas (replaced by /apis/flowcontrol.apiserver.k8s.io/v1/flowschemas, gone in 1.35); 1 resource listed).",
    });
    expect(finding.evidence["items"]).toEqual([
      {
        id: "d",
        name: "Deprecated APIs removed in Kubernetes v1.35",
        status: "ERROR",
        state: "behind",
        severity: "HIGH",
        kubernetesVersion: "1.35",
        reason: "Deprecated API usage detected within last 30 days.",
        description: null,
        lastRefreshTime: null,
        recommendation: DEPRECATED_APIS.recommendation,
        additionalInfo: DEPRECATED_APIS.additionalInfo,
        resources: DEPRECATED_APIS.resources,
        deprecationDetails: [{ ...DEPRECATED_APIS.deprecations[0], clientStats: [{ userAgent: "kube-controller-manager/v1.34.1", numberOfRequestsLast30Days: 1240, lastRequestTime: "2026-11-27T22:10:00.000Z" }] }],
        addonCompatibilityDetails: [],
      },
    ]);
    expect(finding.remediation.text).toMatch(/^Update manifests and API clients to use newer Kubernetes APIs if applicable before upgrading to Kubernetes v1\.35 \(EKS's recommendation/);
    // A deprecated API EKS says nothing more of is named alone.
    const alone = run(cluster({ insights: [insight("d", "ERROR", { details: { ...NO_DETAILS, deprecations: [{ usage: "/apis/x/v1beta1/y", clientStats: [] }] } })] }));
    expect(alone.message).toBe("EKS cluster payments-prod (eu-west-1) has upgrade insights that are not passing: Insight d for 1.35 (ERROR; deprecated APIs still called: /apis/x/v1beta1/y).");
    // A description without a recommendation still fails, pointing at describe-insight for what it lists.
    const bare = run(cluster({ insights: [insight("b", "WARNING", { details: NO_DETAILS })] }));
    expect(bare).toMatchObject({ status: "FAIL", severity: "MEDIUM", message: "EKS cluster payments-prod (eu-west-1) has upgrade insights that are not passing: Insight b for 1.35 (WARNING)." });
    expect(bare.remediation.text).toMatch(/^Read what the insight "Insight b" found \(EKS gives no recommendation for it\)/);
  });

  it("is ERROR, never PASS, for a failing insight whose recommendation could not be read", () => {
    const unreadable = insight("e", "ERROR", { details: undefined, detailsUnreadable: "access denied to eks:DescribeInsight" });
    expect(run(cluster({ insights: [insight("a", "PASSING"), unreadable] }))).toMatchObject({
      status: "ERROR",
      severity: "HIGH",
      message:
        "EKS cluster payments-prod (eu-west-1) could not be checked because these upgrade insights are undetermined by EKS or could not be read: " +
        "Insight e for 1.35 (ERROR; its recommendation could not be read (eks:DescribeInsight): access denied to eks:DescribeInsight).",
      evidence: { items: [{ id: "a", state: "current" }, { id: "e", state: "unknown", detailsUnreadable: "access denied to eks:DescribeInsight" }] },
      remediation: { text: expect.stringContaining("eks:DescribeInsight") },
    });
    // Insights read without their descriptions (another reader, an older snapshot): not judged either.
    expect(run(cluster({ insights: [insight("w", "WARNING", { details: undefined })] }))).toMatchObject({
      status: "ERROR",
      message: expect.stringContaining("Insight w for 1.35 (WARNING; its recommendation could not be read (eks:DescribeInsight): not read)"),
    });
    // Another insight that is failing and described still makes the finding a FAIL, the unreadable one kept in the evidence.
    expect(run(cluster({ insights: [unreadable, insight("w", "WARNING")] }))).toMatchObject({ status: "FAIL", severity: "MEDIUM", evidence: { items: [{ id: "e", state: "unknown" }, { id: "w", state: "behind" }] } });
  });

  it("is ERROR, never PASS, for an insight EKS could not determine, or insights not read", () => {
    expect(run(cluster({ insights: [insight("a", "PASSING"), insight("u", "UNKNOWN")] }))).toMatchObject({
      status: "ERROR",
      message: "EKS cluster payments-prod (eu-west-1) could not be checked because these upgrade insights are undetermined by EKS or could not be read: Insight u for 1.35 (UNKNOWN).",
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
