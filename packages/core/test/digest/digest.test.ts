// The weekly digest, pure parts and use-case: drift against last week, urgency order, cost exposure, findings read
// generically by rule id prefix, what could not be read, the SNS size limit, and escaping in the HTML report.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildDigest, byUrgency, isoWeek } from "../../src/digest/build.ts";
import { HISTORY_WEEKS, runDigest, type DigestDeps } from "../../src/digest/digest.ts";
import type { DigestSnapshot } from "../../src/digest/model.ts";
import { DIGEST_MESSAGE_BUDGET_BYTES, digestSubject, digestText, renderDigest } from "../../src/voice/digest.ts";
import { escapeHtml } from "../../src/voice/report-html.ts";
import { digestHtml } from "../../src/voice/report-page.ts";
import type { DigestWeekCounts } from "../../src/voice/digest-report.ts";
import type { Finding, Severity, VersionCatalogue } from "../../src/model.ts";
import { defaultPolicy, parsePolicy } from "../../src/policy.ts";
import type { SweepResult, SweptCluster } from "../../src/sweep/sweep.ts";
import { clusterRecord, MemoryCoverage, OPEN, world } from "../pipeline/fakes.ts";

const NOW = new Date("2026-12-07T08:00:00Z");
const ACCOUNT = "111122223333";
const CATALOGUE: VersionCatalogue = {
  versions: [
    { version: "1.34", status: "STANDARD_SUPPORT", endOfStandardSupportDate: new Date("2027-12-02T00:00:00Z"), endOfExtendedSupportDate: new Date("2028-12-02T00:00:00Z") },
    { version: "1.33", status: "STANDARD_SUPPORT", endOfStandardSupportDate: new Date("2026-12-27T00:00:00Z"), endOfExtendedSupportDate: new Date("2027-12-27T00:00:00Z") },
    { version: "1.31", status: "EXTENDED_SUPPORT", endOfStandardSupportDate: new Date("2025-11-26T00:00:00Z"), endOfExtendedSupportDate: new Date("2027-01-06T00:00:00Z") },
    { version: "1.28", status: "UNSUPPORTED", endOfStandardSupportDate: new Date("2024-11-26T00:00:00Z"), endOfExtendedSupportDate: new Date("2025-11-26T00:00:00Z") },
  ],
};

const arn = (region: string, name: string) => `arn:aws:eks:${region}:${ACCOUNT}:cluster/${name}`;

function finding(name: string, region: string, ruleId: string, status: Finding["status"], severity: Severity = "HIGH", extra: Partial<Finding> = {}): Finding {
  return { ruleId, clusterArn: arn(region, name), status, severity, message: `${ruleId} on ${name}.`, evidence: { detail: ruleId }, remediation: { text: "t", command: "c" }, ...extra };
}

function swept(name: string, region: string, version: string, findings: Finding[], extra: Partial<SweptCluster> = {}): SweptCluster {
  return {
    ref: { arn: arn(region, name), account: ACCOUNT, region, name },
    status: "evaluated",
    findings,
    snapshot: { status: "ACTIVE", version, nodegroups: 2, addons: 4 },
    versions: CATALOGUE,
    ...extra,
  };
}

function sweepOf(clusters: SweptCluster[], regions: SweepResult["regions"] = [{ region: "eu-west-1", clusters: 0 }, { region: "us-east-1", clusters: 0 }]): SweepResult {
  return { startedAt: NOW, endedAt: NOW, regions, clusters, closed: [], alertsPublished: 0, unreachableAccounts: [] };
}

const LAST_WEEK: DigestSnapshot = {
  week: "2026-W49",
  generatedAt: "2026-11-30T08:00:00.000Z",
  clusters: {
    [arn("eu-west-1", "payments")]: { name: "payments", region: "eu-west-1", account: ACCOUNT, version: "1.33", failing: { "endpoint-public-access": "CRITICAL" } },
    [arn("eu-west-1", "legacy")]: { name: "legacy", region: "eu-west-1", account: ACCOUNT, version: "1.28", failing: { "version-support": "CRITICAL" } },
    [arn("eu-west-1", "retired")]: { name: "retired", region: "eu-west-1", account: ACCOUNT, version: "1.34", failing: {} },
    [arn("ap-south-1", "mumbai")]: { name: "mumbai", region: "ap-south-1", account: ACCOUNT, version: "1.34", failing: { "endpoint-public-access": "CRITICAL" } },
    [arn("eu-west-1", "flaky")]: { name: "flaky", region: "eu-west-1", account: ACCOUNT, version: "1.34", failing: {} },
  },
};

function fleet(): SweepResult {
  return sweepOf(
    [
      swept("payments", "eu-west-1", "1.34", [finding("payments", "eu-west-1", "endpoint-public-access", "PASS")]),
      swept("legacy", "eu-west-1", "1.28", [finding("legacy", "eu-west-1", "version-support", "FAIL", "CRITICAL")]),
      swept("batch", "us-east-1", "1.31", [
        finding("batch", "us-east-1", "version-support", "FAIL", "HIGH"),
        finding("batch", "us-east-1", "nodegroup-ami-outdated", "FAIL", "MEDIUM"),
        finding("batch", "us-east-1", "addon-outdated", "FAIL", "LOW"),
        finding("batch", "us-east-1", "control-plane-audit-logging", "ERROR", "MEDIUM"),
      ]),
      swept("web", "us-east-1", "1.33", [
        finding("web", "us-east-1", "endpoint-public-access", "FAIL", "CRITICAL"),
        finding("web", "us-east-1", "endpoint-private-access", "EXEMPT", "MEDIUM", { exemption: { until: "2026-12-10", reason: "vendor <b>", source: "tag", expired: false } }),
      ]),
      swept("quiet", "us-east-1", "1.34", [finding("quiet", "us-east-1", "endpoint-public-access", "EXEMPT", "LOW", { exemption: { until: "2027-06-30", reason: "far", source: "policy", expired: false } })], {
        snapshot: { status: "ACTIVE", version: "1.34", supportType: "STANDARD", nodegroups: 2, addons: 4 },
      }),
      swept("flaky", "eu-west-1", "1.34", [], { status: "unreadable", problem: "Throttled: EKS DescribeCluster" }),
      swept("vanished", "eu-west-1", "1.34", [], { status: "cluster-not-found" }),
      swept("mystery", "us-east-1", "9.99", [], { versions: undefined as never }),
    ],
    [{ region: "eu-west-1", clusters: 4 }, { region: "us-east-1", clusters: 4 }, { region: "ap-south-1", clusters: 0, problem: "AccessDenied: EKS ListClusters" }],
  );
}

describe("isoWeek", () => {
  it.each([
    ["2026-12-07T08:00:00Z", "2026-W50"],
    ["2026-01-01T00:00:00Z", "2026-W01"],
    ["2021-01-03T23:59:59Z", "2020-W53"],
    ["2024-12-30T00:00:00Z", "2025-W01"],
  ])("%s is %s", (date, week) => expect(isoWeek(new Date(date))).toBe(week));
});

describe("buildDigest", () => {
  const { report, snapshot } = buildDigest({ sweep: fleet(), previous: LAST_WEEK, policy: defaultPolicy(), now: NOW });

  it("orders clusters by urgency: unsupported, then the worst severity, then days to the end of support", () => {
    expect(report.clusters.map((cluster) => [cluster.name, cluster.support.state, cluster.support.daysToEnd ?? null])).toEqual([
      ["legacy", "UNSUPPORTED", -377],
      ["web", "STANDARD_SUPPORT", 19],
      ["batch", "EXTENDED_SUPPORT", 29],
      ["payments", "STANDARD_SUPPORT", 359],
      ["quiet", "STANDARD_SUPPORT", 359],
      ["mystery", "UNKNOWN", null],
    ]);
  });

  it("lists exactly the drift since last week, never counting what could not be read as removed", () => {
    expect(report.previousWeek).toBe("2026-W49");
    expect(report.changes).toEqual({
      opened: [
        { clusterArn: arn("us-east-1", "batch"), cluster: "batch", region: "us-east-1", ruleId: "addon-outdated", severity: "LOW" },
        { clusterArn: arn("us-east-1", "batch"), cluster: "batch", region: "us-east-1", ruleId: "nodegroup-ami-outdated", severity: "MEDIUM" },
        { clusterArn: arn("us-east-1", "batch"), cluster: "batch", region: "us-east-1", ruleId: "version-support", severity: "HIGH" },
        { clusterArn: arn("us-east-1", "web"), cluster: "web", region: "us-east-1", ruleId: "endpoint-public-access", severity: "CRITICAL" },
      ],
      closed: [{ clusterArn: arn("eu-west-1", "payments"), cluster: "payments", region: "eu-west-1", ruleId: "endpoint-public-access", severity: "CRITICAL" }],
      added: ["batch", "mystery", "quiet", "web"].map((name) => expect.objectContaining({ name })),
      removed: [{ arn: arn("eu-west-1", "retired"), name: "retired", region: "eu-west-1" }],
      upgraded: [{ arn: arn("eu-west-1", "payments"), name: "payments", region: "eu-west-1", from: "1.33", to: "1.34" }],
    });
    expect(report.couldNotRead).toEqual({
      accounts: [],
      regions: [{ region: "ap-south-1", problem: "AccessDenied: EKS ListClusters" }],
      clusters: [{ arn: arn("eu-west-1", "flaky"), name: "flaky", region: "eu-west-1", problem: "Throttled: EKS DescribeCluster" }],
    });
    // Carried over for next week: the unreadable region's and cluster's picture of last week.
    expect(Object.keys(snapshot.clusters).sort()).toEqual([arn("ap-south-1", "mumbai"), ...["batch", "flaky", "legacy", "mystery", "payments", "quiet", "web"].map((name) => arn(name === "legacy" || name === "payments" || name === "flaky" ? "eu-west-1" : "us-east-1", name))].sort());
    expect(snapshot.clusters[arn("ap-south-1", "mumbai")]).toEqual(LAST_WEEK.clusters[arn("ap-south-1", "mumbai")]);
  });

  it("lists a member account it could not read once, keeps last week's picture of that account only, and counts it as not read", () => {
    const MEMBER = "444444444444";
    const memberArn = `arn:aws:eks:eu-west-1:${MEMBER}:cluster/member-eu`;
    const previous: DigestSnapshot = {
      ...LAST_WEEK,
      clusters: { ...LAST_WEEK.clusters, [memberArn]: { name: "member-eu", region: "eu-west-1", account: MEMBER, version: "1.34", failing: { "endpoint-public-access": "CRITICAL" } } },
    };
    const problem = `AccountUnreachable: account ${MEMBER} could not be read: role arn:aws:iam::${MEMBER}:role/eks-warden-member-read could not be assumed (AccessDenied)`;
    const sweep: SweepResult = {
      ...fleet(),
      regions: [...fleet().regions, { region: "eu-west-1", account: MEMBER, clusters: 0, problem }, { region: "us-east-1", account: MEMBER, clusters: 0, problem }],
      unreachableAccounts: [{ account: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/eks-warden-member-read`, problem }],
    };
    const { report, snapshot } = buildDigest({ sweep, previous, policy: defaultPolicy(), now: NOW });
    expect(report.couldNotRead.accounts).toEqual([{ account: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/eks-warden-member-read`, problem }]);
    // Its regions are the account's problem, not two more lines.
    expect(report.couldNotRead.regions.some((region) => region.account === MEMBER)).toBe(false);
    expect(report.changes.removed.map((ref) => ref.arn)).not.toContain(memberArn);
    expect(report.changes.removed.map((ref) => ref.name)).toContain("retired");
    expect(snapshot.clusters[memberArn]).toEqual(previous.clusters[memberArn]);
    expect(report.headline.couldNotRead).toBe(report.couldNotRead.regions.length + report.couldNotRead.clusters.length + 1);
    const text = digestText(renderDigest(report).payload);
    expect(text).toContain(`  account ${MEMBER} (every region): ${problem}`);
    expect(digestHtml(report)).toContain(`<li>account ${MEMBER} (every region): AccountUnreachable`);
  });

  it("names the account of a member region that could not be listed, and keeps last week's picture of that account and region only", () => {
    const MEMBER = "222222222222";
    const memberArn = `arn:aws:eks:us-east-1:${MEMBER}:cluster/member-us`;
    const otherArn = `arn:aws:eks:eu-west-1:${MEMBER}:cluster/member-eu`;
    const previous: DigestSnapshot = {
      ...LAST_WEEK,
      clusters: {
        ...LAST_WEEK.clusters,
        [memberArn]: { name: "member-us", region: "us-east-1", account: MEMBER, version: "1.34", failing: {} },
        [otherArn]: { name: "member-eu", region: "eu-west-1", account: MEMBER, version: "1.34", failing: {} },
      },
    };
    const sweep: SweepResult = { ...fleet(), regions: [...fleet().regions, { region: "us-east-1", account: MEMBER, clusters: 0, problem: "Throttled: EKS ListClusters" }] };
    const { report, snapshot } = buildDigest({ sweep, previous, policy: defaultPolicy(), now: NOW });
    expect(report.couldNotRead.regions).toContainEqual({ region: "us-east-1", account: MEMBER, problem: "Throttled: EKS ListClusters" });
    expect(snapshot.clusters[memberArn]).toEqual(previous.clusters[memberArn]);
    expect(report.changes.removed.map((ref) => ref.arn)).toContain(otherArn);
    expect(digestText(renderDigest(report).payload)).toContain(`  account ${MEMBER} region us-east-1: Throttled: EKS ListClusters`);
    expect(digestHtml(report)).toContain(`<li>account ${MEMBER} region us-east-1: Throttled: EKS ListClusters</li>`);
  });

  it("reads node group, add-on and endpoint drift generically, and exemptions ending within 14 days", () => {
    const batch = report.clusters.find((cluster) => cluster.name === "batch")!;
    expect(batch.nodegroupsBehind.map((entry) => [entry.ruleId, entry.severity, entry.evidence])).toEqual([["nodegroup-ami-outdated", "MEDIUM", { detail: "nodegroup-ami-outdated" }]]);
    expect(batch.addonsBehind.map((entry) => entry.ruleId)).toEqual(["addon-outdated"]);
    expect(batch.errors.map((entry) => entry.ruleId)).toEqual(["control-plane-audit-logging"]);
    expect(batch.worstSeverity).toBe("HIGH");
    const web = report.clusters.find((cluster) => cluster.name === "web")!;
    expect(web.endpoint.map((entry) => entry.ruleId)).toEqual(["endpoint-public-access"]);
    expect(web.exemptionsExpiring).toEqual([{ ruleId: "endpoint-private-access", until: "2026-12-10", reason: "vendor <b>", source: "tag", daysLeft: 3 }]);
    expect(report.clusters.find((cluster) => cluster.name === "quiet")!.exemptionsExpiring).toEqual([]);
  });

  it("prices the control plane: extended now, exposure from the end of standard support unless the policy is STANDARD", () => {
    const cost = (name: string) => report.clusters.find((cluster) => cluster.name === name)!.cost;
    expect(cost("batch")).toEqual({ perClusterHourUsd: 0.6, extendedExtraMonthlyUsd: 365 });
    expect(cost("legacy")).toEqual({ perClusterHourUsd: 0.6, extendedExtraMonthlyUsd: 365 });
    expect(cost("web")).toEqual({ perClusterHourUsd: 0.1, extendedExtraMonthlyUsd: 365, from: "2026-12-27" });
    expect(cost("quiet")).toEqual({ perClusterHourUsd: 0.1, extendedExtraMonthlyUsd: 0 });
    expect(cost("mystery")).toEqual({ perClusterHourUsd: 0.1, extendedExtraMonthlyUsd: 0 });
    expect(report.headline).toMatchObject({ clusters: 6, regions: 3, unsupported: 1, extendedSupport: 1, extendedSupportMonthlyUsd: 730, couldNotRead: 2, exemptionsExpiring: 1, findingsOpened: 4, findingsClosed: 1 });
    const custom = buildDigest({ sweep: fleet(), policy: parsePolicy({ pricing: { standardPerClusterHourUsd: 0.1, extendedPerClusterHourUsd: 0.5 } }), now: NOW }).report;
    expect(custom.clusters.find((cluster) => cluster.name === "batch")!.cost.extendedExtraMonthlyUsd).toBe(292);
  });

  it("is a baseline the first week: no changes", () => {
    const first = buildDigest({ sweep: fleet(), policy: defaultPolicy(), now: NOW }).report;
    expect(first.previousWeek).toBeUndefined();
    expect(first.changes).toEqual({ opened: [], closed: [], added: [], removed: [], upgraded: [] });
    expect(digestText(renderDigest(first).payload)).toContain("first digest: the baseline");
  });

  it("breaks ties by severity, then name", () => {
    const at = (name: string, worst?: Severity) => ({ ...report.clusters[0]!, name, support: { state: "STANDARD_SUPPORT" as const, daysToEnd: 10 }, ...(worst ? { worstSeverity: worst } : { worstSeverity: undefined }) });
    expect([at("b"), at("a", "LOW"), at("c", "CRITICAL")].sort(byUrgency).map((cluster) => cluster.name)).toEqual(["c", "a", "b"]);
  });

  it("never ranks a cluster with nothing failing above one with a HIGH finding, however soon its support ends", () => {
    const base = report.clusters[0]!;
    const quiet = { ...base, name: "quiet", support: { state: "STANDARD_SUPPORT" as const, daysToEnd: 5 }, worstSeverity: undefined };
    const legacyBatch = { ...base, name: "legacy-batch", support: { state: "EXTENDED_SUPPORT" as const, daysToEnd: 200 }, worstSeverity: "HIGH" as const };
    const unsupported = { ...base, name: "ancient", support: { state: "UNSUPPORTED" as const, daysToEnd: -30 }, worstSeverity: "LOW" as const };
    expect([quiet, legacyBatch, unsupported].sort(byUrgency).map((cluster) => cluster.name)).toEqual(["ancient", "legacy-batch", "quiet"]);
  });
});

describe("exempt clusters", () => {
  it("shows every exemption in force with its severity, until and reason, not a blank row", () => {
    const exemption = { until: "2027-06-30", reason: "vendor-managed ingress, reviewed", source: "policy" as const, expired: false };
    const ingress = swept("vendor-ingress", "eu-west-1", "1.34", [
      finding("vendor-ingress", "eu-west-1", "endpoint-public-access", "EXEMPT", "CRITICAL", { exemption }),
      finding("vendor-ingress", "eu-west-1", "endpoint-private-access", "PASS"),
    ]);
    const { report } = buildDigest({ sweep: sweepOf([ingress]), policy: defaultPolicy(), now: NOW });
    const cluster = report.clusters[0]!;
    expect(cluster.exempt).toEqual([{ ruleId: "endpoint-public-access", severity: "CRITICAL", until: "2027-06-30", reason: "vendor-managed ingress, reviewed", source: "policy", daysLeft: 205 }]);
    expect(digestText(renderDigest(report).payload)).toContain("      Exempt: CRITICAL endpoint-public-access until 2027-06-30 (policy): vendor-managed ingress, reviewed");
    expect(digestHtml(report)).toMatch(/<tr data-severity="CRITICAL" [^>]*data-status="EXEMPT" data-rule="endpoint-public-access" data-cluster="vendor-ingress"[^]*?<td>exempt until 2027-06-30 \(policy\): vendor-managed ingress, reviewed<\/td><\/tr>/);
  });
});

describe("rendering", () => {
  const { report } = buildDigest({ sweep: fleet(), previous: LAST_WEEK, policy: defaultPolicy(), now: NOW });

  it("publishes kind=digest with a readable text and the JSON summary", () => {
    const rendered = renderDigest(report, "s3://bucket/digests/2026-W50.html");
    expect(rendered.attributes).toEqual({ kind: "digest", week: "2026-W50" });
    expect(rendered.subject).toBe("[DIGEST] EKS Warden 2026-W50: 6 clusters, 3 failing, 1 unsupported, 4 opened, 1 closed, 2 not read");
    const message = JSON.parse(rendered.message) as Record<string, string>;
    expect(message.default).toBe(rendered.text);
    expect(JSON.parse(message.sqs!)).toEqual(JSON.parse(JSON.stringify(rendered.payload)));
    const text = rendered.text;
    expect(text).toContain("COULD NOT READ (not counted as removed; last week's state kept; nothing closed):\n  region ap-south-1: AccessDenied: EKS ListClusters\n  cluster flaky (eu-west-1): Throttled: EKS DescribeCluster");
    expect(text).toContain("  Versions upgraded:\n    payments (eu-west-1) 1.33 -> 1.34");
    expect(text).toContain("Node groups behind: MEDIUM nodegroup-ami-outdated");
    expect(text).toContain("Exemption ends 2026-12-10 (3 days left): endpoint-private-access (tag): vendor <b>");
    expect(text).toContain("UNSUPPORTED since 2025-11-26; $0.60/cluster-hour; +$365.00/month over standard");
    expect(text).toContain("in extended support from 2026-12-27");
    expect(text).toContain("Full report: s3://bucket/digests/2026-W50.html");
    expect(renderDigest(report).text).toContain("Full report: not stored");
    expect(digestText(renderDigest(buildDigest({ sweep: sweepOf([]), previous: LAST_WEEK, policy: defaultPolicy(), now: NOW }).report).payload)).toContain("Clusters removed:");
  });

  it("stays within SNS's limit at 1,000 clusters by summarising, saying how many more are in the report", () => {
    const many = sweepOf(
      Array.from({ length: 1000 }, (_, index) => {
        const name = `cluster-${String(index).padStart(4, "0")}-${"x".repeat(60)}`;
        return swept(name, "eu-west-1", index % 3 === 0 ? "1.31" : "1.34", [
          finding(name, "eu-west-1", "endpoint-public-access", "FAIL", "CRITICAL"),
          finding(name, "eu-west-1", "nodegroup-version-skew", "FAIL", "MEDIUM"),
          finding(name, "eu-west-1", "addon-outdated", "FAIL", "LOW"),
        ]);
      }),
    );
    const { report: big } = buildDigest({ sweep: many, previous: { week: "2026-W49", generatedAt: "", clusters: {} }, policy: defaultPolicy(), now: NOW });
    const rendered = renderDigest(big, "s3://bucket/digests/2026-W50.html");
    expect(Buffer.byteLength(rendered.message)).toBeLessThanOrEqual(DIGEST_MESSAGE_BUDGET_BYTES);
    expect(rendered.payload.clusters.length).toBeGreaterThan(10);
    expect(rendered.payload.clusters.length).toBeLessThan(1000);
    expect(rendered.payload.totals.clusters).toBe(1000);
    expect(rendered.text).toContain(`... and ${1000 - rendered.payload.clusters.length} more clusters in the full report`);
    expect(rendered.payload.headline.clusters).toBe(1000);
    const page = digestHtml(big);
    expect(page.match(/<tr data-account=/g)).toHaveLength(1000);
    expect(page.match(/<tr data-severity=/g)).toHaveLength(3000);
  });

  it("escapes every string of the HTML report and keeps the text on its lines", () => {
    const evil = "<script>alert(1)</script>";
    const hostile = sweepOf([
      swept("evil", "eu-west-1", "1.34", [
        finding("evil", "eu-west-1", "endpoint-public-access", "FAIL", "CRITICAL", { message: `${evil}\u2028Injected: line` }),
        finding("evil", "eu-west-1", "endpoint-private-access", "EXEMPT", "LOW", { exemption: { until: "2026-12-08", reason: `"><img src=x onerror=alert(1)>`, source: "tag", expired: false } }),
      ]),
    ]);
    const { report: bad } = buildDigest({ sweep: hostile, previous: LAST_WEEK, policy: defaultPolicy(), now: NOW });
    const html = digestHtml(bad);
    // One script: the page's own (report-html.ts), not the message's.
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(escapeHtml(`&'\``)).toBe("&amp;&#39;&#96;");
    const text = renderDigest(bad).text;
    expect(text).not.toContain("\u2028");
    expect(text.split("\n").some((line) => line.startsWith("Injected"))).toBe(false);
  });

  it("lets no bidi mark or zero-width character of a cluster name, tag or add-on message through, U+061C and U+FEFF included", () => {
    const marked = "pay\u061Cments\uFEFF";
    const hostile = sweepOf([
      swept(marked, "eu-west-1", "1.34", [
        finding(marked, "eu-west-1", "addon-outdated", "FAIL", "LOW", { message: "vpc-cni\u061C v1.18 is behind\uFEFF v1.19." }),
        finding(marked, "eu-west-1", "endpoint-private-access", "EXEMPT", "LOW", { exemption: { until: "2026-12-08", reason: "vendor\uFEFF \u061Cingress", source: "tag", expired: false } }),
      ]),
    ]);
    const { report: bad } = buildDigest({ sweep: hostile, previous: LAST_WEEK, policy: defaultPolicy(), now: NOW });
    const invisible = /[\u061C\uFEFF]/u;
    const text = renderDigest(bad).text;
    expect(text).toContain("vpc-cni");
    expect(text).not.toMatch(invisible);
    const html = digestHtml(bad);
    expect(html).toContain("vendor");
    expect(html).not.toMatch(invisible);
  });

  it("gives the browser page the same could-not-read section and changes as the message", () => {
    const html = digestHtml(report);
    expect(html).toContain("compared with 2026-W49");
    expect(html).toContain('<div class="problems" role="alert"><h2>Could not read</h2><ul><li>region ap-south-1: AccessDenied: EKS ListClusters</li><li>cluster flaky (eu-west-1): Throttled: EKS DescribeCluster</li></ul></div>');
    expect(html).toContain("<details open><summary><h3>Findings opened (4)</h3></summary>");
    expect(html).toContain("<details open><summary><h3>Findings closed (1)</h3></summary>");
    expect(html).toContain("<details open><summary><h3>Clusters removed (1)</h3></summary>");
    expect(html).toContain("<details open><summary><h3>Versions upgraded (1)</h3></summary><ul><li>payments (eu-west-1) 1.33 -&gt; 1.34</li></ul></details>");

    const baseline = digestHtml(buildDigest({ sweep: sweepOf([swept("payments", "eu-west-1", "1.34", [])]), previous: undefined, policy: defaultPolicy(), now: NOW }).report);
    expect(baseline).toContain("(first digest: the baseline)");
    expect(baseline).not.toContain("Could not read");
    expect(baseline).not.toContain("<h3>");
  });

  it("says '?' for support dates EKS has not published, rather than inventing a window", () => {
    const undated: VersionCatalogue = { versions: [{ version: "1.35", status: "STANDARD_SUPPORT" }, { version: "1.30", status: "EXTENDED_SUPPORT" }] };
    const { report: early } = buildDigest({
      sweep: sweepOf([swept("fresh", "eu-west-1", "1.35", [], { versions: undated }), swept("older", "eu-west-1", "1.30", [], { versions: undated })]),
      previous: undefined,
      policy: defaultPolicy(),
      now: NOW,
    });
    expect(early.clusters.map((cluster) => [cluster.name, cluster.support])).toEqual([
      ["fresh", { state: "STANDARD_SUPPORT" }],
      ["older", { state: "EXTENDED_SUPPORT" }],
    ]);
    const text = renderDigest(early).text;
    expect(text).toContain("Kubernetes 1.35, standard support until ?;");
    expect(text).toContain("Kubernetes 1.30, extended support until ?;");
  });

  it("cuts a subject at 100 characters", () => {
    const subject = digestSubject({ week: "2026-W50", headline: { ...report.headline, clusters: 10 ** 40, clustersFailing: 10 ** 40, findingsOpened: 10 ** 40 } });
    expect(subject.length).toBe(100);
    expect(subject.endsWith("...")).toBe(true);
  });
});

describe("runDigest", () => {
  const STORED_WEEKS: DigestWeekCounts[] = [
    { week: "2026-W48", generatedAt: "2026-11-23T08:00:00.000Z", clusters: 1, open: { CRITICAL: 3, HIGH: 0, MEDIUM: 0, LOW: 0, INFO: 0 } },
    { week: "2026-W49", generatedAt: "2026-11-30T08:00:00.000Z", clusters: 1, open: { CRITICAL: 2, HIGH: 1, MEDIUM: 0, LOW: 0, INFO: 0 } },
  ];

  function digestWorld(options: { reportsFail?: boolean; reports?: boolean; historyFails?: boolean } = {}) {
    const base = world(NOW);
    const name = "web";
    const cluster = { arn: arn("eu-west-1", name), account: ACCOUNT, region: "eu-west-1", name };
    base.eks.clusters.set(cluster.arn, clusterRecord(cluster, OPEN));
    const saved: DigestSnapshot[] = [];
    const savedCounts: DigestWeekCounts[] = [];
    const historyAsked: [string, number][] = [];
    const objects = new Map<string, string>();
    const deps: DigestDeps = {
      ...base,
      inventory: { clusters: async () => [cluster], account: async () => ACCOUNT },
      stateIndex: { openClusters: async () => [] },
      coverage: new MemoryCoverage(),
      snapshots: {
        previousDigest: async () => LAST_WEEK,
        saveDigest: async (snapshot) => void saved.push(snapshot),
        digestHistory: async (week, weeks) => {
          historyAsked.push([week, weeks]);
          if (options.historyFails) throw new Error("Throttled: DynamoDB Query");
          return STORED_WEEKS;
        },
        saveDigestCounts: async (counts) => void savedCounts.push(counts),
      },
      ...(options.reports === false
        ? {}
        : {
            reports: {
              put: async (key: string, body: string) => {
                if (options.reportsFail) throw new Error("S3 down");
                objects.set(key, body);
                return `s3://reports/${key}`;
              },
            },
          }),
    };
    // One publisher for the sweep's alerts and the digest: every message it took, with its topic.
    return { deps, saved, savedCounts, historyAsked, objects, published: base.publisher.published, base };
  }

  it("sweeps, stores the report (JSON and HTML), keeps this week's snapshot and publishes kind=digest", async () => {
    const { deps, saved, objects, published } = digestWorld();
    const outcome = await runDigest(deps, { regions: ["eu-west-1"] });
    expect(outcome.reportUri).toBe("s3://reports/digests/2026-W50.html");
    expect([...objects.keys()]).toEqual(["digests/2026-W50.json", "digests/2026-W50.html"]);
    // The message vouches for what was stored: the SHA-256 of the HTML object, in the payload and the text.
    const sha256 = createHash("sha256").update(objects.get("digests/2026-W50.html")!, "utf8").digest("hex");
    expect(outcome.rendered.payload.reportSha256).toBe(sha256);
    expect(outcome.rendered.text).toContain(`Report SHA-256: ${sha256}\n`);
    expect(JSON.parse(objects.get("digests/2026-W50.json")!).clusters).toHaveLength(1);
    expect(saved.map((snapshot) => snapshot.week)).toEqual(["2026-W50"]);
    // One digest, to the alerts topic, after the sweep's own alerts.
    expect(published.filter(({ message }) => message.attributes.kind === "digest").map(({ topic }) => topic)).toEqual(["alerts"]);
    expect(published.at(-1)?.message.attributes.kind).toBe("digest");
    expect(outcome.rendered.text).toContain("Endpoint: CRITICAL endpoint-public-access");
  });

  it("still sends the digest when the report cannot be stored, or there is no bucket", async () => {
    const failing = digestWorld({ reportsFail: true });
    const outcome = await runDigest(failing.deps, { regions: ["eu-west-1"] });
    expect(outcome.reportUri).toBeUndefined();
    expect(failing.published.filter(({ message }) => message.attributes.kind === "digest")).toHaveLength(1);
    expect(failing.base.logger.lines.some((line) => line.message.startsWith("the full report could not be stored"))).toBe(true);
    const none = digestWorld({ reports: false });
    expect((await runDigest(none.deps, { regions: ["eu-west-1"] })).rendered.text).toContain("Full report: not stored");
  });

  it("keeps this week's counts and draws the stored weeks and this one in the report's chart", async () => {
    const { deps, savedCounts, historyAsked, objects } = digestWorld();
    await runDigest(deps, { regions: ["eu-west-1"] });
    // This week: the one cluster "web" has its public endpoint open (CRITICAL).
    expect(savedCounts).toEqual([{ week: "2026-W50", generatedAt: NOW.toISOString(), clusters: 1, open: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, INFO: 0 } }]);
    expect(historyAsked).toEqual([["2026-W50", HISTORY_WEEKS - 1]]);
    const page = objects.get("digests/2026-W50.html")!;
    expect([...page.matchAll(/<g class="week" data-week="([^"]+)" data-total="(\d+)">/g)].map((match) => `${match[1]}=${match[2]}`)).toEqual(["2026-W48=3", "2026-W49=3", "2026-W50=1"]);
  });

  it("stores the report with this week alone in its chart when the history cannot be read", async () => {
    const { deps, objects, base, savedCounts } = digestWorld({ historyFails: true });
    const outcome = await runDigest(deps, { regions: ["eu-west-1"] });
    expect(outcome.reportUri).toBe("s3://reports/digests/2026-W50.html");
    expect([...objects.get("digests/2026-W50.html")!.matchAll(/<g class="week" data-week="([^"]+)"/g)].map((match) => match[1])).toEqual(["2026-W50"]);
    expect(base.logger.lines.some((line) => line.message.startsWith("the digest history could not be read"))).toBe(true);
    expect(savedCounts).toHaveLength(1);
  });
});

describe("who holds cluster admin", () => {
  const CONTRACTOR = "arn:aws:iam::999988887777:role/contractor";
  const PLATFORM = `arn:aws:iam::${ACCOUNT}:role/platform-admin`;
  const admin = (principalArn: string, associatedAt: string, extra: Record<string, unknown> = {}) => ({
    principalArn,
    principalType: "role",
    account: principalArn.split(":")[4],
    policies: [{ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", policy: "AmazonEKSClusterAdminPolicy", scope: "cluster", namespaces: [], associatedAt }],
    kubernetesGroups: [],
    createdAt: "2026-01-01T00:00:00.000Z",
    allowlisted: false,
    outsideOwnAccounts: false,
    ...extra,
  });
  const adminFinding = (name: string, status: Finding["status"], admins: unknown[], severity: Severity = "HIGH") => finding(name, "eu-west-1", "access-cluster-admin", status, severity, { evidence: { admins, unreadable: [] } });
  const sweep = () =>
    sweepOf([
      swept("payments", "eu-west-1", "1.34", [
        adminFinding("payments", "FAIL", [admin(PLATFORM, "2026-11-01T00:00:00.000Z", { allowlisted: true }), admin(CONTRACTOR, "2026-12-06T10:00:00.000Z", { outsideOwnAccounts: true, severity: "CRITICAL" })], "CRITICAL"),
      ]),
      swept("quiet", "eu-west-1", "1.34", [adminFinding("quiet", "PASS", [])]),
      swept("unjudged", "eu-west-1", "1.34", [finding("unjudged", "eu-west-1", "endpoint-public-access", "PASS")]),
    ]);

  it("lists per cluster every principal holding cluster admin, newest grant first, the ones outside the allowlist flagged", () => {
    const { report } = buildDigest({ sweep: sweep(), policy: defaultPolicy(), now: NOW });
    const payments = report.clusters.find((cluster) => cluster.name === "payments")!;
    expect(payments.admins).toEqual([
      { principalArn: CONTRACTOR, holds: ["AmazonEKSClusterAdminPolicy (cluster)"], grantedAt: "2026-12-06T10:00:00.000Z", allowlisted: false, outsideOwnAccounts: true, flagged: "CRITICAL" },
      { principalArn: PLATFORM, holds: ["AmazonEKSClusterAdminPolicy (cluster)"], grantedAt: "2026-11-01T00:00:00.000Z", allowlisted: true, outsideOwnAccounts: false },
    ]);
    expect(report.clusters.find((cluster) => cluster.name === "quiet")!.admins).toEqual([]);
    // Not judged by the rule: not "nobody", unknown.
    expect(report.clusters.find((cluster) => cluster.name === "unjudged")!.admins).toBeUndefined();
  });

  it("tells it in the message's text and in the HTML report, escaped", () => {
    const { report } = buildDigest({ sweep: sweep(), policy: defaultPolicy(), now: NOW });
    const text = renderDigest(report).text;
    expect(text).toContain(
      [
        "Who holds cluster admin (access entries; flagged when not in policy.access.admins), newest grants first:",
        "  payments (eu-west-1): 2 principals, 1 not allowlisted",
        `    [CRITICAL not allowlisted, another account] ${CONTRACTOR}: AmazonEKSClusterAdminPolicy (cluster), granted 2026-12-06T10:00:00.000Z`,
        `    [allowlisted] ${PLATFORM}: AmazonEKSClusterAdminPolicy (cluster), granted 2026-11-01T00:00:00.000Z`,
      ].join("\n"),
    );
    const page = digestHtml(report);
    expect(page).toContain("Who holds cluster admin: principals per cluster, flagged when not in policy.access.admins, newest grants first (2)");
    expect(page).toContain(`<li>payments (eu-west-1) [CRITICAL not allowlisted, another account] ${CONTRACTOR}: AmazonEKSClusterAdminPolicy (cluster), granted 2026-12-06T10:00:00.000Z</li>`);
  });

  it("says so when no cluster judged has an admin, and nothing when the rule judged none", () => {
    const none = buildDigest({ sweep: sweepOf([swept("quiet", "eu-west-1", "1.34", [adminFinding("quiet", "PASS", [])])]), policy: defaultPolicy(), now: NOW }).report;
    expect(renderDigest(none).text).toContain("  no principal holds cluster admin through an access entry on the 1 cluster judged");
    const unjudged = buildDigest({ sweep: sweepOf([swept("quiet", "eu-west-1", "1.34", [])]), policy: defaultPolicy(), now: NOW }).report;
    expect(renderDigest(unjudged).text).not.toContain("cluster admin");
  });
});
