// `npm run bench -- report-screenshot`: the browser report of a 1,000-cluster digest (test/support/report-fleet.ts,
// the fleet the browser tests open), rendered by the digest's own code, opened in Debian's Chromium through
// playwright-core as the tests open it (test/support/chromium.ts), and its first screen saved as docs/report.png.
// Also times what a reader waits for: rendering the page (median of runs) and Chromium loading it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { digestHtml } from "@eks-warden/core/voice";
import { median } from "./stats.ts";
import { launchChromium, openReport } from "../test/support/chromium.ts";
import { fleetDigest } from "../test/support/report-fleet.ts";

export const REPORT_SCREENSHOT = fileURLToPath(new URL("../docs/report.png", import.meta.url));

export interface ReportFigures {
  readonly clusters: number;
  readonly findings: number;
  readonly pageBytes: number;
  readonly renderMsRuns: number[];
  readonly renderMsMedian: number;
  readonly loadMs: number;
  readonly screenshot: string;
}

export async function writeReportScreenshot(out = REPORT_SCREENSHOT, clusters = 1000): Promise<ReportFigures> {
  const { report, history } = fleetDigest(clusters);
  const renderMsRuns: number[] = [];
  let html = "";
  for (let run = 0; run < 7; run += 1) {
    const started = performance.now();
    html = digestHtml(report, history);
    renderMsRuns.push(performance.now() - started);
  }
  const folder = mkdtempSync(join(tmpdir(), "warden-report-shot-"));
  const browser = await launchChromium();
  try {
    const started = performance.now();
    const { page, watch } = await openReport(browser, html, folder, "report.html", { width: 1280, height: 1100 });
    const loadMs = performance.now() - started;
    const problems = [...watch.consoleErrors, ...watch.pageErrors, ...watch.failedRequests, ...(await watch.violations())];
    if (problems.length > 0) throw new Error(`the report did not open cleanly: ${problems.join("; ")}`);
    await page.screenshot({ path: out });
    const findings = report.clusters.reduce((sum, cluster) => sum + cluster.failing.length + cluster.errors.length + cluster.exempt.length, 0);
    return { clusters, findings, pageBytes: Buffer.byteLength(html), renderMsRuns, renderMsMedian: median(renderMsRuns), loadMs, screenshot: out };
  } finally {
    await browser.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
