// EventBridge schedule (policy.schedules.digest, Mondays 08:00 UTC by default) -> the weekly digest: the sweep, then
// this week compared with last week's snapshot, the full report written to the report bucket, and the summary
// published to the alerts topic with kind=digest.

import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { S3ReportStore } from "@eks-warden/core/aws";
import { SWEEP_CONCURRENCY } from "@eks-warden/core/deployment";
import { runDigest } from "@eks-warden/core/digest";
import { scheduledDepsFromEnvironment, sweepAccounts, sweepRegions, telemetry } from "./lib/runtime.ts";
import { scheduledSummary, type ScheduledRun } from "./lib/scheduled.ts";

const { logger, metrics } = telemetry("digest");
let deps: ReturnType<typeof scheduledDepsFromEnvironment> | undefined;

async function digest(): Promise<ScheduledRun> {
  deps ??= scheduledDepsFromEnvironment(logger, process.env, (options) => new S3ReportStore(options));
  const outcome = await runDigest(deps, { regions: sweepRegions(deps), accounts: sweepAccounts(deps), concurrency: SWEEP_CONCURRENCY });
  const summary = scheduledSummary(outcome.sweep, outcome.reportUri);
  metrics.addMetric("DigestClusters", MetricUnit.Count, summary.clusters);
  metrics.addMetric("SweepUnreadable", MetricUnit.Count, summary.unreadableClusters + summary.unreadableRegions);
  metrics.addMetric("AlertsPublished", MetricUnit.Count, summary.alertsPublished);
  // The end of a run that completed: the DigestMissed alarm fires when none arrives within the schedule's period.
  metrics.addMetric("DigestSucceeded", MetricUnit.Count, 1);
  logger.info("digest handled", { ...summary, week: outcome.report.week });
  return summary;
}

export const handler = middy(digest)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
