// The weekly digest use-case: sweep every cluster (the same sweep, so the digest is as fresh as it gets and any
// missed change alerts on the way), compare with last week's snapshot, store the full report (JSON + HTML) in the
// report bucket, keep this week's snapshot, and publish the summary to the alerts topic with kind=digest.
// A report that cannot be stored does not stop the digest: the message says so instead of giving a URI.

import { createHash } from "node:crypto";
import { REPORT_PREFIX } from "../deployment/constants.ts";
import { runSweep, type SweepDeps, type SweepOptions, type SweepResult } from "../sweep/sweep.ts";
import { buildDigest, isoWeek, weekCounts } from "./build.ts";
import type { DigestSnapshotStore, ReportStore } from "./model.ts";
import type { DigestReport, DigestWeekCounts } from "../voice/digest-report.ts";
import { renderDigest, type RenderedDigest, type StoredReport } from "../voice/digest.ts";
import { digestHtml } from "../voice/report-page.ts";

/** Weeks the report's history chart shows, this one included (half a year). */
export const HISTORY_WEEKS = 26;

/** The sweep's ports and the digest's stores; the digest goes out through the same publisher, to "alerts" (kind=digest). */
export interface DigestDeps extends SweepDeps {
  readonly snapshots: DigestSnapshotStore;
  /** Absent: no report bucket (the CLI prints instead). */
  readonly reports?: ReportStore;
}

export interface DigestOutcome {
  readonly sweep: SweepResult;
  readonly report: DigestReport;
  readonly rendered: RenderedDigest;
  readonly reportUri?: string;
}

/** The report's object key: one per ISO week (a re-run that week replaces it; the bucket keeps versions). */
export const reportKeys = (week: string): { html: string; json: string } => ({ html: `${REPORT_PREFIX}${week}.html`, json: `${REPORT_PREFIX}${week}.json` });

/** The weeks before this one, for the chart; a history that cannot be read leaves the chart at this week, not the report unstored. */
async function storedHistory(deps: DigestDeps, week: string): Promise<DigestWeekCounts[]> {
  try {
    return await deps.snapshots.digestHistory(week, HISTORY_WEEKS - 1);
  } catch (error) {
    deps.logger.error("the digest history could not be read: the report's chart shows this week only", { error: error instanceof Error ? error.message : String(error) });
    return [];
  }
}

export async function runDigest(deps: DigestDeps, options: SweepOptions): Promise<DigestOutcome> {
  const sweep = await runSweep(deps, options);
  const now = deps.now();
  const { report, snapshot } = buildDigest({ sweep, previous: await deps.snapshots.previousDigest(isoWeek(now)), policy: deps.policy, now });
  const counts = weekCounts(snapshot);
  let reportUri: string | undefined;
  let stored: StoredReport | undefined;
  if (deps.reports) {
    const keys = reportKeys(report.week);
    try {
      const history = await storedHistory(deps, report.week);
      await deps.reports.put(keys.json, `${JSON.stringify(report, null, 2)}\n`, "application/json");
      const html = digestHtml(report, [...history, counts]);
      reportUri = await deps.reports.put(keys.html, html, "text/html; charset=utf-8");
      stored = { uri: reportUri, sha256: createHash("sha256").update(html, "utf8").digest("hex") };
    } catch (error) {
      deps.logger.error("the full report could not be stored: the digest is sent without it", { error: error instanceof Error ? error.message : String(error) });
    }
  }
  await deps.snapshots.saveDigest(snapshot);
  await deps.snapshots.saveDigestCounts(counts);
  const rendered = renderDigest(report, stored);
  await deps.publisher.publish("alerts", rendered);
  deps.logger.info("digest published", { week: report.week, clusters: report.headline.clusters, bytes: Buffer.byteLength(rendered.message), shown: rendered.payload.clusters.length, ...(reportUri ? { reportUri } : {}) });
  return { sweep, report, rendered, ...(reportUri ? { reportUri } : {}) };
}
