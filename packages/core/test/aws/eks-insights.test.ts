// Upgrade insights through the EKS collector against the simulator (real SDK client over HTTP): ListInsights, then
// DescribeInsight of the failing insights only, and what the upgrade-insights rule makes of them.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { MAX_ATTEMPTS } from "../../src/aws/client-config.ts";
import { EksCollector } from "../../src/aws/eks.ts";
import { Throttled } from "../../src/errors.ts";
import type { ClusterSnapshot, Finding } from "../../src/model.ts";
import { readsFor, ruleById } from "../../src/rules/index.ts";
import { context, policy } from "../rules/helpers.ts";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const NAME = "payments-prod";
const ref = { arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${NAME}`, account: ACCOUNT, region: REGION, name: NAME };
const credentials = { accessKeyId: "AKIAWARDENTEST000001", secretAccessKey: "secret" };
const upgradeInsights = ruleById("upgrade-insights")!;

const DEPRECATED = "a1b2c3d4-0000-4000-8000-00000000000e";
const SKEW = "a1b2c3d4-0000-4000-8000-00000000000w";
const PASSING = "a1b2c3d4-0000-4000-8000-00000000000p";
const UNDETERMINED = "a1b2c3d4-0000-4000-8000-00000000000u";

const summary = (id: string, name: string, status: string, reason: string) => ({
  id,
  name,
  category: "UPGRADE_READINESS",
  kubernetesVersion: "1.35",
  lastRefreshTime: "2026-11-28T06:00:00Z",
  lastTransitionTime: "2026-11-20T06:00:00Z",
  description: `Checks ${name.toLowerCase()} before the upgrade to 1.35.`,
  insightStatus: { status, reason },
});

const INSIGHTS = [
  {
    ...summary(DEPRECATED, "Deprecated APIs removed in Kubernetes v1.35", "ERROR", "Deprecated API usage detected within last 30 days."),
    recommendation: "Update manifests and API clients to use newer Kubernetes APIs if applicable before upgrading to Kubernetes v1.35.",
    additionalInfo: { "Kubernetes deprecation guide": "https://kubernetes.io/docs/reference/using-api/deprecation-guide/" },
    resources: [{ insightStatus: { status: "ERROR", reason: "Deprecated API in use." }, kubernetesResourceUri: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas" }],
    categorySpecificSummary: {
      deprecationDetails: [
        {
          usage: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas",
          replacedWith: "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas",
          stopServingVersion: "1.35",
          startServingReplacementVersion: "1.29",
          clientStats: [{ userAgent: "kube-controller-manager/v1.34.1", numberOfRequestsLast30Days: 1240, lastRequestTime: "2026-11-27T22:10:00Z" }],
        },
      ],
      addonCompatibilityDetails: [],
    },
  },
  {
    ...summary(SKEW, "Kubelet version skew", "WARNING", "Node group batch runs kubelet 1.33."),
    recommendation: "Upgrade your worker nodes to match the Kubernetes version of your control plane.",
    resources: [{ insightStatus: { status: "WARNING" }, arn: `arn:aws:eks:${REGION}:${ACCOUNT}:nodegroup/${NAME}/batch/0a1b` }],
  },
  { ...summary(PASSING, "Amazon EKS add-on version compatibility", "PASSING", "All add-ons are compatible."), recommendation: "None needed." },
  { ...summary(UNDETERMINED, "Cluster health issues", "UNKNOWN", "Not yet evaluated."), recommendation: "Wait for the next refresh." },
];

let sim: Simulator;
let collector: EksCollector;

function judge(snapshot: ClusterSnapshot): Finding {
  const [finding] = upgradeInsights.evaluate(snapshot, policy(), context());
  return finding!;
}

beforeAll(async () => {
  sim = await startSimulator({
    fleet: {
      defaultAccount: ACCOUNT,
      clusters: [
        {
          region: REGION,
          cluster: {
            name: NAME,
            arn: ref.arn,
            version: "1.34",
            status: "ACTIVE",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
            resourcesVpcConfig: { subnetIds: ["subnet-0a"], securityGroupIds: [], vpcId: "vpc-0a", endpointPublicAccess: false, endpointPrivateAccess: true },
            tags: {},
          },
          insights: INSIGHTS,
        },
      ],
    },
  });
  collector = new EksCollector({ clientConfig: { endpoint: sim.url, credentials } });
});
afterAll(async () => {
  collector?.destroy();
  await sim?.stop();
});
beforeEach(() => {
  sim.faults.clear();
  sim.calls.reset();
});

describe("EksCollector: upgrade insights on the simulator", () => {
  it("describes only the insights in ERROR or WARNING, and the rule tells their recommendations", async () => {
    const { snapshot } = await collector.collect(ref, readsFor([upgradeInsights]));
    expect(sim.calls.all()).toEqual({ DescribeCluster: 1, ListInsights: 1, DescribeInsight: 2 });
    const byId = new Map(snapshot.insights?.map((insight) => [insight.id, insight]));
    expect(byId.get(DEPRECATED)?.details).toEqual({
      recommendation: INSIGHTS[0]!.recommendation,
      additionalInfo: { "Kubernetes deprecation guide": "https://kubernetes.io/docs/reference/using-api/deprecation-guide/" },
      resources: [{ status: "ERROR", reason: "Deprecated API in use.", kubernetesResourceUri: "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas" }],
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
    });
    expect(byId.get(SKEW)?.details).toMatchObject({ recommendation: INSIGHTS[1]!.recommendation, resources: [{ status: "WARNING" }], deprecations: [], addonCompatibility: [] });
    // Passing and undetermined insights carry no recommendation to act on: not described.
    expect(byId.get(PASSING)?.details).toBeUndefined();
    expect(byId.get(UNDETERMINED)?.details).toBeUndefined();

    const finding = judge(snapshot);
    expect(finding).toMatchObject({ status: "FAIL", severity: "HIGH" });
    expect(finding.message).toContain("recommendation: Update manifests and API clients to use newer Kubernetes APIs");
    expect(finding.message).toContain("deprecated APIs still called: /apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas (replaced by /apis/flowcontrol.apiserver.k8s.io/v1/flowschemas, gone in 1.35)");
    expect(finding.message).toContain("Kubelet version skew for 1.35 (WARNING: Node group batch runs kubelet 1.33; recommendation: Upgrade your worker nodes");
    expect(finding.remediation).toEqual({
      text: expect.stringMatching(/^Update manifests and API clients to use newer Kubernetes APIs if applicable before upgrading to Kubernetes v1\.35 \(EKS's recommendation/),
      command: `aws eks describe-insight --region ${REGION} --cluster-name ${NAME} --id ${DEPRECATED}`,
    });
    expect(finding.evidence["items"]).toContainEqual(expect.objectContaining({ id: DEPRECATED, deprecationDetails: [expect.objectContaining({ clientStats: [expect.objectContaining({ lastRequestTime: "2026-11-27T22:10:00.000Z" })] })] }));
  });

  it("reads no insight at all for rules that do not judge them", async () => {
    await collector.collect(ref, readsFor([ruleById("endpoint-public-access")!]));
    expect(sim.calls.all()).toEqual({ DescribeCluster: 1 });
  });

  it("an insight that cannot be described (no permission, gone since the listing) is ERROR for that insight, never PASS", async () => {
    sim.faults.failNext("DescribeInsight", 2, { errorType: "AccessDeniedException", status: 403, message: "not authorized to perform: eks:DescribeInsight" });
    const denied = await collector.collect(ref, ["insights"]);
    expect(denied.snapshot.insights?.filter((insight) => insight.detailsUnreadable !== undefined).map((insight) => insight.id).sort()).toEqual([DEPRECATED, SKEW]);
    expect(denied.snapshot.insights?.find((insight) => insight.id === DEPRECATED)?.detailsUnreadable).toMatch(/eks:DescribeInsight/);
    const error = judge(denied.snapshot);
    expect(error).toMatchObject({ status: "ERROR", severity: "HIGH" });
    expect(error.message).toContain("its recommendation could not be read (eks:DescribeInsight)");

    // EKS refreshes insights: one listed may be gone when it is described. The other still fails, with its recommendation.
    sim.faults.failNext("DescribeInsight", 1, { errorType: "ResourceNotFoundException", status: 404, message: `No insight found for id: ${DEPRECATED}.` });
    const gone = await collector.collect(ref, ["insights"]);
    const unreadable = gone.snapshot.insights?.filter((insight) => insight.detailsUnreadable !== undefined) ?? [];
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]!.detailsUnreadable).toMatch(/^EKS insight .* was not found$/);
    const finding = judge(gone.snapshot);
    expect(finding.status).toBe("FAIL");
    expect((finding.evidence["items"] as { state: string }[]).map((item) => item.state).sort()).toEqual(["behind", "current", "unknown", "unknown"]);
  });

  it("throws Throttled when DescribeInsight stays throttled after the SDK's retries, so the caller's retry takes over", async () => {
    sim.faults.set("DescribeInsight", { throttleRate: 1 });
    await expect(collector.collect(ref, ["insights"])).rejects.toBeInstanceOf(Throttled);
    // The two failing insights are described at once and the collection fails with the first to give up; the other
    // goes on with its own retries (jittered, so it may be some tries behind). Each is tried exactly MAX_ATTEMPTS
    // times: the SDK's retries and nothing more.
    await vi.waitFor(() => expect(sim.calls.get("DescribeInsight")).toBe(2 * MAX_ATTEMPTS), { timeout: 30_000, interval: 100 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sim.calls.get("DescribeInsight")).toBe(2 * MAX_ATTEMPTS);
  }, 60_000);
});
