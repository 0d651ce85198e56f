// Upgrade insights through the normaliser: ListInsights summaries, with DescribeInsight's details for the failing ones.
import { describe, expect, it } from "vitest";
import { SnapshotError } from "../src/errors.ts";
import { normaliseCluster, normaliseInsight } from "../src/snapshot.ts";

const summary = { id: "i-1", name: "Deprecated APIs removed in Kubernetes v1.35", category: "UPGRADE_READINESS", kubernetesVersion: "1.35", insightStatus: { status: "ERROR", reason: "Deprecated API usage detected." } };
const described = {
  ...summary,
  lastRefreshTime: "2026-11-28T06:00:00Z",
  recommendation: "Update manifests and API clients to use newer Kubernetes APIs.",
  additionalInfo: { "Deprecation guide": "https://kubernetes.io/docs/reference/using-api/deprecation-guide/" },
  resources: [{ insightStatus: { status: "ERROR" }, kubernetesResourceUri: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas" }, { arn: "arn:aws:eks:eu-west-1:111122223333:addon/x/vpc-cni/1" }],
  categorySpecificSummary: {
    deprecationDetails: [{ usage: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas", clientStats: [{ userAgent: "kubectl/v1.34.0", numberOfRequestsLast30Days: 3 }] }, { usage: "/apis/x/v1beta1/y" }],
    addonCompatibilityDetails: [{ name: "vpc-cni", compatibleVersions: ["v1.20.4-eksbuild.1"] }, { name: "coredns" }],
  },
};

describe("normaliseInsight", () => {
  it("takes a summary alone when the insight was not described (passing, unknown, or not asked)", () => {
    expect(normaliseInsight(summary, "insights[0]")).toEqual({ id: "i-1", name: summary.name, category: "UPGRADE_READINESS", kubernetesVersion: "1.35", status: "ERROR", reason: "Deprecated API usage detected." });
  });

  it("adds DescribeInsight's details, the described insight being the newer reading; the CLI's { insight } form too", () => {
    const expected = {
      recommendation: described.recommendation,
      additionalInfo: described.additionalInfo,
      resources: [{ status: "ERROR", kubernetesResourceUri: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas" }, { arn: "arn:aws:eks:eu-west-1:111122223333:addon/x/vpc-cni/1" }],
      deprecations: [{ usage: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas", clientStats: [{ userAgent: "kubectl/v1.34.0", numberOfRequestsLast30Days: 3 }] }, { usage: "/apis/x/v1beta1/y", clientStats: [] }],
      addonCompatibility: [{ name: "vpc-cni", compatibleVersions: ["v1.20.4-eksbuild.1"] }, { name: "coredns", compatibleVersions: [] }],
    };
    const fromSdk = normaliseInsight(summary, "insights[0]", { "i-1": { insight: described } });
    expect(fromSdk).toMatchObject({ id: "i-1", status: "ERROR", lastRefreshTime: new Date("2026-11-28T06:00:00Z"), details: expected });
    expect(fromSdk.detailsUnreadable).toBeUndefined();
    expect(normaliseInsight(summary, "insights[0]", { "i-1": { insight: { insight: { ...described, insightStatus: { status: "PASSING" } } } } })).toMatchObject({ status: "PASSING", details: expected });
    // A description of another insight, or an inherited key, is not this one's.
    expect(normaliseInsight(summary, "insights[0]", { "i-2": { insight: described } }).details).toBeUndefined();
    expect(normaliseInsight({ ...summary, id: "constructor" }, "insights[0]", {}).details).toBeUndefined();
    // Nothing but the mandatory lists: empty lists, no recommendation.
    expect(normaliseInsight(summary, "", { "i-1": { insight: summary } }).details).toEqual({ additionalInfo: {}, resources: [], deprecations: [], addonCompatibility: [] });
  });

  it("records why a failing insight could not be described", () => {
    expect(normaliseInsight(summary, "", { "i-1": { unreadable: "access denied" } })).toMatchObject({ status: "ERROR", detailsUnreadable: "access denied" });
  });

  it("names the field of a malformed description", () => {
    const bad = { ...described, categorySpecificSummary: { deprecationDetails: [{ usage: "" }] } };
    const error = (() => {
      try {
        normaliseCluster({ name: "x", arn: "arn:aws:eks:eu-west-1:111122223333:cluster/x", status: "ACTIVE", resourcesVpcConfig: {} }, { insights: [summary], insightDescriptions: { "i-1": { insight: bad } } });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).message).toContain("invalid DescribeInsight data");
    expect((error as SnapshotError).issues[0]?.path).toBe("insightDescriptions.i-1.categorySpecificSummary.deprecationDetails[0].usage");
  });
});
