// EventBridge schedule (policy.schedules.sweep, daily by default) -> the sweep: every cluster of every configured
// region through the same live evaluation as the real-time path; alerts on transitions ("found by the scheduled
// sweep"); closes the state of clusters that no longer exist. A region or cluster that cannot be read is reported
// (and counted), never taken for "no clusters"; the run goes on.

import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { SWEEP_CONCURRENCY } from "@eks-warden/core/deployment";
import { runSweep } from "@eks-warden/core/sweep";
import { scheduledDepsFromEnvironment, sweepAccounts, sweepRegions, telemetry } from "./lib/runtime.ts";
import { scheduledSummary, type ScheduledRun } from "./lib/scheduled.ts";

const { logger, metrics } = telemetry("sweep");
let deps: ReturnType<typeof scheduledDepsFromEnvironment> | undefined;

async function sweep(): Promise<ScheduledRun> {
  deps ??= scheduledDepsFromEnvironment(logger);
  const result = await runSweep(deps, { regions: sweepRegions(deps), accounts: sweepAccounts(deps), concurrency: SWEEP_CONCURRENCY });
  const summary = scheduledSummary(result);
  metrics.addMetric("SweepClusters", MetricUnit.Count, summary.clusters);
  metrics.addMetric("SweepUnreadable", MetricUnit.Count, summary.unreadableClusters + summary.unreadableRegions);
  metrics.addMetric("AlertsPublished", MetricUnit.Count, summary.alertsPublished);
  // How hard EKS pushed back: throttled attempts (the SDK retried them) and the rate the sweep settled at.
  metrics.addMetric("SweepEksThrottles", MetricUnit.Count, summary.eksThrottles ?? 0);
  metrics.addMetric("SweepEksCallsPerSecond", MetricUnit.CountPerSecond, summary.eksCallsPerSecond ?? 0);
  // The end of a run that completed: the SweepMissed alarm fires when none arrives within the schedule's period.
  metrics.addMetric("SweepSucceeded", MetricUnit.Count, 1);
  logger.info("sweep handled", { ...summary });
  return summary;
}

export const handler = middy(sweep)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
