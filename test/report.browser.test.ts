// The report opened in a real browser (Debian's Chromium through playwright-core, test/support/chromium.ts): the page
// of a 1,000-cluster digest renders with no console error, no blocked or failed resource and no CSP violation; its
// counts match the digest; sorting and filtering work by clicking; hostile names and tag values are text and run
// nothing; it prints. One browser for the file; each test opens its own page.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { SEVERITIES, SEVERITY_RANK, type Severity } from "@eks-warden/core";
import { digestHtml, type DigestReport, type DigestWeekCounts } from "@eks-warden/core/voice";
import { launchChromium, openReport, type PageWatch } from "./support/chromium.ts";
import { fleetDigest, HOSTILE } from "./support/report-fleet.ts";

let browser: Browser;
let folder: string;
let report: DigestReport;
let history: DigestWeekCounts[];
let html: string;

beforeAll(async () => {
  ({ report, history } = fleetDigest(1000));
  html = digestHtml(report, history);
  folder = mkdtempSync(join(tmpdir(), "warden-report-"));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** The digest's own count of FAIL findings by severity, what the page must say. */
function expectedOpen(): Record<Severity, number> {
  const open = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const cluster of report.clusters) for (const finding of cluster.failing) open[finding.severity] += 1;
  return open;
}

const visibleRows = (page: Page, attribute: string): Promise<string[]> =>
  page.$$eval(`#findings tbody tr:not([hidden])`, (rows, name) => rows.map((row) => row.getAttribute(name) ?? ""), `data-${attribute}`);

async function expectClean(watch: PageWatch): Promise<void> {
  expect(watch.consoleErrors).toEqual([]);
  expect(watch.pageErrors).toEqual([]);
  expect(watch.failedRequests).toEqual([]);
  expect(await watch.violations()).toEqual([]);
}

// A page of 1,000 clusters (about 2,000 rows) is laid out again on each sort and print: seconds on a loaded machine.
describe("the report in Chromium", { timeout: 90_000 }, () => {
  it("renders a 1,000-cluster digest with no console error, no blocked resource and nothing fetched but itself; saves a screenshot", async () => {
    const { page, watch, url } = await openReport(browser, html, folder);
    expect(await page.title()).toBe(`EKS Warden weekly digest ${report.week}`);
    expect(await page.locator("#clusters tbody tr").count()).toBe(1000);
    // The script ran (it writes the shown count), under the page's own CSP.
    const findings = report.clusters.reduce((sum, cluster) => sum + cluster.failing.length + cluster.errors.length + cluster.exempt.length, 0);
    expect(await page.locator("#shown").textContent()).toBe(`${findings} of ${findings} findings shown`);
    expect(watch.requests).toEqual([url]);
    await expectClean(watch);
    const shot = join(folder, "report.png");
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    await page.context().close();
  });

  it("says the digest's counts by severity at the top, as many as the FAIL rows, colour with the severity's name", async () => {
    const { page, watch } = await openReport(browser, html, folder);
    const open = expectedOpen();
    for (const severity of SEVERITIES) {
      const card = page.locator(`.count[data-count="${severity}"]`);
      expect(await card.locator(".n").textContent()).toBe(String(open[severity]));
      expect(await card.locator(".label").textContent()).toBe(severity);
      expect(await page.locator(`#findings tbody tr[data-status="FAIL"][data-severity="${severity}"]`).count()).toBe(open[severity]);
    }
    expect(Object.values(open).every((count) => count > 0)).toBe(true);
    // Each severity's badge has its own colour, and its name as text.
    const colours = (await page.evaluate(`[...new Set([...document.querySelectorAll(".badge[class*=sev-]")].map((badge) => badge.textContent + "=" + getComputedStyle(badge).backgroundColor))].sort()`)) as string[];
    expect(colours.map((entry) => entry.split("=")[0])).toEqual([...SEVERITIES].sort());
    expect(new Set(colours.map((entry) => entry.split("=")[1])).size).toBe(SEVERITIES.length);
    // The chart: one bar per stored week, each saying its total.
    const weeks = await page.$$eval("#history g.week", (groups) => groups.map((group) => [group.getAttribute("data-week"), Number(group.getAttribute("data-total"))]));
    expect(weeks).toEqual(history.map((week) => [week.week, SEVERITIES.reduce((sum, severity) => sum + week.open[severity], 0)]));
    await expectClean(watch);
    await page.context().close();
  });

  it("sorts the findings by clicking a column's header, and back the other way on a second click", async () => {
    const { page, watch } = await openReport(browser, html, folder);
    const severity = page.locator('button[data-sort="severity"]');
    await severity.click();
    const ascending = (await visibleRows(page, "rank")).map(Number);
    expect(ascending[0]).toBe(SEVERITY_RANK.INFO);
    expect(ascending).toEqual([...ascending].sort((left, right) => left - right));
    expect(await page.locator('th:has(button[data-sort="severity"])').getAttribute("aria-sort")).toBe("ascending");
    await severity.click();
    const descending = (await visibleRows(page, "rank")).map(Number);
    expect(descending[0]).toBe(SEVERITY_RANK.CRITICAL);
    expect(descending).toEqual([...descending].sort((left, right) => right - left));

    await page.locator('button[data-sort="region"]').click();
    const regions = await visibleRows(page, "region");
    expect(regions).toEqual([...regions].sort());
    expect(new Set(regions).size).toBe(4);
    await page.locator('button[data-sort="rule"]').click();
    const rules = await visibleRows(page, "rule");
    expect(rules).toEqual([...rules].sort());
    await expectClean(watch);
    await page.context().close();
  });

  it("filters the findings by severity, rule, account and region, and says how many are shown", async () => {
    const { page, watch } = await openReport(browser, html, folder);
    const rows = report.clusters.flatMap((cluster) => [...cluster.failing, ...cluster.errors, ...cluster.exempt].map((finding) => ({ ...finding, account: cluster.account, region: cluster.region })));
    const total = rows.length;

    await page.selectOption("#filter-severity", "HIGH");
    expect(await visibleRows(page, "severity")).toEqual(Array(rows.filter((row) => row.severity === "HIGH").length).fill("HIGH"));

    await page.selectOption("#filter-severity", "");
    await page.selectOption("#filter-account", "222222222222");
    await page.selectOption("#filter-region", "us-east-1");
    await page.selectOption("#filter-rule", "endpoint-public-access");
    const expected = rows.filter((row) => row.account === "222222222222" && row.region === "us-east-1" && row.ruleId === "endpoint-public-access").length;
    expect(expected).toBeGreaterThan(0);
    expect(await visibleRows(page, "rule")).toEqual(Array(expected).fill("endpoint-public-access"));
    expect(new Set(await visibleRows(page, "account"))).toEqual(new Set(["222222222222"]));
    expect(await page.locator("#shown").textContent()).toBe(`${expected} of ${total} findings shown`);
    // Sorting keeps the filter.
    await page.locator('button[data-sort="cluster"]').click();
    expect(await visibleRows(page, "rule")).toHaveLength(expected);

    for (const filter of ["#filter-account", "#filter-region", "#filter-rule"]) await page.selectOption(filter, "");
    expect(await page.locator("#findings tbody tr:not([hidden])").count()).toBe(total);
    await expectClean(watch);
    await page.context().close();
  });

  it("shows a hostile cluster name and tag value as text, and runs none of it", async () => {
    const { page, watch } = await openReport(browser, html, folder);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1);
    expect(await page.locator("svg[onload]").count()).toBe(0);
    const names = await page.$$eval("#clusters tbody tr td:first-child b", (cells) => cells.map((cell) => cell.textContent));
    expect(names).toContain(HOSTILE.name);
    expect(names).toContain(HOSTILE.scriptName);
    expect(await page.getByText(HOSTILE.tagReason, { exact: false }).count()).toBeGreaterThan(0);
    // Filter by the hostile cluster's own values: the option values are its text too.
    const hostileCluster = report.clusters.find((cluster) => cluster.name === HOSTILE.name)!;
    await page.selectOption("#filter-account", hostileCluster.account);
    await page.selectOption("#filter-region", hostileCluster.region);
    expect(await visibleRows(page, "cluster")).toContain(HOSTILE.name);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    await expectClean(watch);
    await page.context().close();
  });

  it("prints without the filter controls, the counts kept, to a PDF", async () => {
    const { page, watch } = await openReport(browser, html, folder);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator(".controls").isVisible()).toBe(false);
    expect(await page.locator(".count").first().isVisible()).toBe(true);
    const pdf = await page.pdf({ format: "A4", printBackground: true, pageRanges: "1-2" });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    await expectClean(watch);
    await page.context().close();
  });
});
