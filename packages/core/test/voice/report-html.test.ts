// The browser report as markup (pure): every string escaped, counts by severity that match the rows, each finding
// listed once, a CSP whose hashes are those of the page's one style sheet and one script, the weekly chart.
// tests/browser/report.browser.test.ts opens the same page in Chromium.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildDigest, weekCounts } from "../../src/digest/build.ts";
import type { Finding, Severity } from "../../src/model.ts";
import { defaultPolicy } from "../../src/policy.ts";
import type { SweepResult, SweptCluster } from "../../src/sweep/sweep.ts";
import { escapeHtml, historySvg, reportCounts, reportHtml, REPORT_CSS, REPORT_SCRIPT } from "../../src/voice/report-html.ts";
import { digestHtml, digestPage, scanPage } from "../../src/voice/report-page.ts";
import type { DigestWeekCounts } from "../../src/voice/digest-report.ts";

const NOW = new Date("2026-12-07T08:00:00Z");
const ACCOUNT = "111122223333";
const arn = (region: string, name: string, account = ACCOUNT) => `arn:aws:eks:${region}:${account}:cluster/${name}`;

function finding(name: string, region: string, ruleId: string, status: Finding["status"], severity: Severity, extra: Partial<Finding> = {}): Finding {
  return { ruleId, clusterArn: arn(region, name), status, severity, message: `${ruleId} on ${name}.`, evidence: {}, remediation: { text: "t", command: "c" }, ...extra };
}

function swept(name: string, region: string, findings: Finding[], account = ACCOUNT): SweptCluster {
  return { ref: { arn: arn(region, name, account), account, region, name }, status: "evaluated", findings, snapshot: { status: "ACTIVE", version: "1.34", nodegroups: 1, addons: 1 } };
}

const sweepOf = (clusters: SweptCluster[]): SweepResult => ({ startedAt: NOW, endedAt: NOW, regions: [{ region: "eu-west-1", clusters: clusters.length }], clusters, closed: [], alertsPublished: 0, unreachableAccounts: [] });

const HOSTILE_NAME = `<img src=x onerror=alert(1)></script><script>alert(2)</script>`;
const HOSTILE_TAG = `"><svg onload=alert(3)>'\``;

function hostileDigest() {
  return buildDigest({
    sweep: sweepOf([
      swept(HOSTILE_NAME, "eu-west-1", [
        finding(HOSTILE_NAME, "eu-west-1", "endpoint-public-access", "FAIL", "CRITICAL", { message: `open to 0.0.0.0/0 ${HOSTILE_NAME}` }),
        finding(HOSTILE_NAME, "eu-west-1", "endpoint-private-access", "EXEMPT", "MEDIUM", { exemption: { until: "2026-12-31", reason: HOSTILE_TAG, source: "tag", expired: false } }),
      ]),
      swept("web", "us-east-1", [
        finding("web", "us-east-1", "endpoint-public-access", "FAIL", "CRITICAL"),
        finding("web", "us-east-1", "nodegroup-ami-outdated", "FAIL", "MEDIUM"),
        finding("web", "us-east-1", "addon-outdated", "FAIL", "LOW"),
        finding("web", "us-east-1", "version-support", "FAIL", "HIGH"),
        finding("web", "us-east-1", "control-plane-audit-logging", "ERROR", "MEDIUM"),
        finding("web", "us-east-1", "secrets-encryption", "PASS", "HIGH"),
      ]),
    ]),
    policy: defaultPolicy(),
    now: NOW,
  });
}

/** The text of every element `tag` on the page. */
const inline = (page: string, tag: string): string[] => [...page.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((match) => match[1]!);
const count = (page: string, pattern: RegExp): number => page.match(pattern)?.length ?? 0;

describe("reportHtml", () => {
  it("shows a hostile cluster name, message and tag value as text: no markup of theirs, one script (ours)", () => {
    const page = digestHtml(hostileDigest().report);
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<svg onload");
    expect(count(page, /<script/g)).toBe(1);
    expect(count(page, /<\/script>/g)).toBe(1);
    expect(page).toContain(escapeHtml(HOSTILE_NAME));
    expect(page).toContain("&quot;&gt;&lt;svg onload=alert(3)&gt;&#39;&#96;");
    // In attributes too: the filter's data-cluster and the option values cannot close their quotes.
    expect(page).toContain(`data-cluster="${escapeHtml(HOSTILE_NAME)}"`);
  });

  it("counts open findings by severity at the top, matching the FAIL rows, with could-not-evaluate and exempt beside them", () => {
    const { report } = hostileDigest();
    const page = digestHtml(report);
    const card = (label: string) => Number(page.match(new RegExp(`data-count="${label}"><span class="n">(\\d+)</span>`))?.[1]);
    expect([card("CRITICAL"), card("HIGH"), card("MEDIUM"), card("LOW"), card("INFO"), card("ERROR"), card("EXEMPT")]).toEqual([2, 1, 1, 1, 0, 1, 1]);
    for (const severity of ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"]) {
      expect(count(page, new RegExp(`<tr data-severity="${severity}" data-rank="\\d" data-status="FAIL"`, "g"))).toBe(card(severity));
    }
    expect(reportCounts(digestPage(report).clusters)).toEqual({ open: { CRITICAL: 2, HIGH: 1, MEDIUM: 1, LOW: 1, INFO: 0 }, errors: 1, exempt: 1, findings: 7 });
  });

  it("lists each finding once: an endpoint, node group or add-on FAIL is one row, not one per section", () => {
    const page = digestHtml(hostileDigest().report);
    // Before this page, the endpoint FAIL appeared under "Endpoint:" and again under "FAIL:".
    expect(count(page, /<tr data-severity="CRITICAL"[^>]*data-rule="endpoint-public-access" data-cluster="web"/g)).toBe(1);
    expect(count(page, /data-rule="nodegroup-ami-outdated"/g)).toBe(1);
    expect(count(page, /data-rule="addon-outdated"/g)).toBe(1);
    expect(count(page, /<tr data-severity=/g)).toBe(7);
    // PASS findings are not rows.
    expect(page).not.toContain('data-rule="secrets-encryption"');
  });

  it("gives one row per cluster with its account and region", () => {
    const { report } = buildDigest({
      sweep: sweepOf([swept("shared", "eu-west-1", [], "111111111111"), swept("shared", "eu-west-1", [], "222222222222"), swept("shared", "ap-south-1", [], "111111111111")]),
      policy: defaultPolicy(),
      now: NOW,
    });
    const page = digestHtml(report);
    const rows = [...page.matchAll(/<tr data-account="(\d+)" data-region="([a-z0-9-]+)"><td><b>shared<\/b>/g)].map((match) => `${match[1]}/${match[2]}`);
    expect(rows.sort()).toEqual(["111111111111/ap-south-1", "111111111111/eu-west-1", "222222222222/eu-west-1"]);
  });

  it("allows only its own style sheet and script, by the SHA-256 of their exact text, and loads nothing", () => {
    const page = digestHtml(hostileDigest().report);
    const csp = page.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1];
    expect(csp).toBeDefined();
    const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
    const [style] = inline(page, "style");
    const [script] = inline(page, "script");
    expect(style).toBe(REPORT_CSS);
    expect(script).toBe(REPORT_SCRIPT);
    expect(csp).toBe(`default-src 'none'; style-src ${hash(style!)}; script-src ${hash(script!)}; base-uri 'none'; form-action 'none'`);
    expect(csp).not.toContain("unsafe");
    // The CSP is the first thing in <head> after the charset, before the style and script it governs.
    expect(page.indexOf("Content-Security-Policy")).toBeLessThan(page.indexOf("<style>"));
    // Nothing to fetch, and no style attribute (which a hash does not allow).
    const markup = page.replace(/="[^"]*"/g, '=""');
    expect(markup).not.toMatch(/<[^>]*\s(src|href|srcset|action|style|on[a-z]+)=/);
    expect(page).not.toMatch(/url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg")/);
  });

  it("draws a bar per stored week with its total and severities, and no chart for a single-point scan", () => {
    const weeks: DigestWeekCounts[] = [
      { week: "2026-W48", generatedAt: "", clusters: 3, open: { CRITICAL: 4, HIGH: 2, MEDIUM: 0, LOW: 0, INFO: 0 } },
      { week: "2026-W49", generatedAt: "", clusters: 3, open: { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 0, INFO: 0 } },
      { week: "2026-W50", generatedAt: "", clusters: 3, open: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFO: 0 } },
    ];
    const svg = historySvg(weeks);
    expect([...svg.matchAll(/<g class="week" data-week="([^"]+)" data-total="(\d+)">/g)].map((match) => [match[1], Number(match[2])])).toEqual([
      ["2026-W48", 6],
      ["2026-W49", 6],
      ["2026-W50", 0],
    ]);
    expect(svg).toContain("<title>2026-W49: 6 open (1 CRITICAL, 2 HIGH, 3 MEDIUM, 0 LOW, 0 INFO)</title>");
    expect(count(svg, /<rect /g)).toBe(5);
    const page = digestHtml(hostileDigest().report, weeks);
    expect(page).toContain('<section class="chart" id="history">');
    const scan = reportHtml(scanPage({ generatedAt: NOW, summary: [], clusters: [], problems: [] }));
    expect(scan).not.toContain('id="history"');
  });

  it("counts a week's open findings from its snapshot, clusters carried over from last week included", () => {
    const { snapshot } = hostileDigest();
    expect(weekCounts(snapshot)).toEqual({ week: "2026-W50", generatedAt: NOW.toISOString(), clusters: 2, open: { CRITICAL: 2, HIGH: 1, MEDIUM: 1, LOW: 1, INFO: 0 } });
  });

  it("shows a scan's FAIL, ERROR and EXEMPT findings, each once, with an expired exemption said as such", () => {
    const cluster = { arn: arn("eu-west-1", "scanned"), account: ACCOUNT, region: "eu-west-1", name: "scanned" };
    const page = reportHtml(
      scanPage({
        generatedAt: NOW,
        summary: ["1 cluster in eu-west-1"],
        clusters: [
          {
            cluster,
            findings: [
              finding("scanned", "eu-west-1", "endpoint-public-access", "FAIL", "CRITICAL", { exemption: { until: "2026-01-01", reason: "old", source: "tag", expired: true } }),
              finding("scanned", "eu-west-1", "version-support", "PASS", "HIGH"),
              finding("scanned", "eu-west-1", "control-plane-audit-logging", "ERROR", "MEDIUM"),
            ],
          },
        ],
        problems: [{ scope: "us-east-1", message: "AccessDenied: EKS ListClusters" }],
      }),
    );
    expect(count(page, /<tr data-severity=/g)).toBe(2);
    expect(page).toContain("exemption expired 2026-01-01 (tag): old");
    expect(page).toContain("<li>us-east-1: AccessDenied: EKS ListClusters</li>");
    expect(page).toContain("<title>EKS Warden scan</title>");
  });
});
