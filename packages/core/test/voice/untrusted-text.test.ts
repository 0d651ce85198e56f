// Names that reach a message from a queue or a table (not checked against EKS's pattern again) are shown as one line
// each, by the one sanitiser, in the texts that used to print them as they came.
import { describe, expect, it } from "vitest";
import { buildDigest } from "../../src/digest/build.ts";
import { defaultPolicy } from "../../src/policy.ts";
import type { SweptCluster } from "../../src/sweep/sweep.ts";
import { digestText, renderDigest } from "../../src/voice/digest.ts";
import { remediationText } from "../../src/voice/remediation.ts";
import { effectiveRemediation } from "../../src/remediation/plan.ts";

const NOW = new Date("2026-12-07T08:00:00Z");
const FORGED = "\u2028Cluster:      all clear\u202E";
const UNSAFE = /[\u2028\u2029\u202E\r]/u;

describe("untrusted names in the texts", () => {
  it("remediation: the cluster, the update, the opening call and the roles stay on their lines", () => {
    const cluster = { arn: `arn:aws:eks:eu-west-1:111122223333:cluster/x${FORGED}`, account: `111122223333${FORGED}`, region: `eu-west-1${FORGED}`, name: `x${FORGED}` };
    const text = remediationText({
      outcome: "FAILED",
      cluster,
      severity: "CRITICAL",
      updateId: `u-1${FORGED}`,
      opened: { eventTime: `2026-12-07T07:00:00Z${FORGED}`, eventName: "UpdateClusterConfig", eventId: `e-1${FORGED}` },
      roleNotAssumed: { account: `222222222222${FORGED}`, reason: "AccessDenied" },
      roleArn: `arn:aws:iam::111122223333:role/Settle${FORGED}`,
      at: NOW,
    });
    expect(text).not.toMatch(UNSAFE);
    expect(text.split("\n").filter((line) => line.startsWith("Cluster:"))).toHaveLength(1);
  });

  it("remediation override change: the tag value and the setter stay on their lines, bounded", () => {
    const value = `opt-out${FORGED}${"A".repeat(300)}`;
    const actor = { type: "IAMUser", arn: `arn:aws:iam::111122223333:user/mallory${FORGED}` };
    const effective = effectiveRemediation(defaultPolicy(), { "eks-warden:remediation": value }, { value, principals: [actor.arn], at: "2026-12-07T07:00:00Z", eventId: "t" });
    for (const outcome of ["OVERRIDE_REFUSED", "OVERRIDE_REMOVED"] as const) {
      const text = remediationText({
        outcome,
        cluster: { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/x", account: "111122223333", region: "eu-west-1", name: "x" },
        severity: "HIGH",
        opened: { actor, eventName: "TagResource", eventId: "t", eventTime: "2026-12-07T07:00:00Z" },
        overrideChange: outcome === "OVERRIDE_REMOVED" ? { effective: effectiveRemediation(defaultPolicy(), {}) } : { value, effective },
        at: NOW,
      });
      expect(text).not.toMatch(UNSAFE);
      expect(text.split("\n").filter((line) => line.startsWith("Cluster:"))).toHaveLength(1);
      expect(Math.max(...text.split("\n").map((line) => line.length))).toBeLessThan(1200);
    }
  });

  it("digest: regions and accounts stay on their lines", () => {
    const region = `eu-west-1${FORGED}`;
    const swept: SweptCluster = {
      ref: { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/x", account: `111122223333${FORGED}`, region, name: "x" },
      status: "evaluated",
      findings: [],
      snapshot: { status: "ACTIVE", version: "1.34", nodegroups: 0, addons: 0 },
    };
    const sweep = { startedAt: NOW, endedAt: NOW, regions: [{ region, clusters: 1 }, { region, clusters: 0, problem: "AccessDenied" }], clusters: [swept], closed: [], alertsPublished: 0, unreachableAccounts: [] };
    const { report } = buildDigest({ sweep, previous: { week: "2026-W49", generatedAt: "", clusters: {} }, policy: defaultPolicy(), now: NOW });
    const text = digestText(renderDigest(report).payload);
    expect(text).not.toMatch(UNSAFE);
    expect(text.split("\n").filter((line) => line.startsWith("Cluster:"))).toHaveLength(0);
  });
});
