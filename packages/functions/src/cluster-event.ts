// EventBridge (CloudTrail EKS calls) -> the real-time use-case. Thin: the event is parsed once, in core, and that
// result gives both the log keys and the use-case's input. A malformed event is logged with its id and dropped (no
// throw: a retry could not fix it); service failures throw, so EventBridge's retry and the function's dead-letter
// queue take over.

import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { processClusterEvent, readClusterEvent, type ClusterEventOutcome } from "@eks-warden/core/pipeline";
import { lazyDeps, telemetry } from "./lib/runtime.ts";

const { logger, metrics } = telemetry("cluster-event");
const deps = lazyDeps(logger);

async function clusterEvent(event: unknown): Promise<ClusterEventOutcome> {
  const read = readClusterEvent(event);
  logger.appendKeys(read.logKeys);
  const outcome = await processClusterEvent(read, deps());
  metrics.addMetric(`Event_${outcome.status}`, MetricUnit.Count, 1);
  if ("notified" in outcome) metrics.addMetric("AlertsPublished", MetricUnit.Count, outcome.notified.length);
  if ("earlyAlerts" in outcome) metrics.addMetric("AlertsPublished", MetricUnit.Count, outcome.earlyAlerts.length);
  logger.info("event handled", { outcome: outcome.status });
  return outcome;
}

export const handler = middy(clusterEvent)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
