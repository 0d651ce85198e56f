// The event queue (fed by the EventBridge rules alone: its policy) -> the real-time use-case, through Powertools'
// batch processor: one record at a time, in order. The event is parsed once, in core, and that result gives both the
// log keys and the use-case's input. A malformed event or one from the future is logged with its message id and
// event id and deleted (no throw: a retry could not fix it); a service failure is reported in batchItemFailures, so
// that record alone is retried by the queue, then redriven to the dead-letter queue.

import middy from "@middy/core";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { processClusterEvent, readClusterEvent } from "@eks-warden/core/pipeline";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { lazyDeps, telemetry } from "./lib/runtime.ts";

const { logger, metrics } = telemetry("cluster-event");
const deps = lazyDeps(logger);
const processor = new BatchProcessor(EventType.SQS);

async function eventRecord(record: SQSRecord): Promise<void> {
  const read = readClusterEvent(record.body);
  const keys = { messageId: record.messageId, ...read.logKeys };
  logger.appendKeys(keys);
  try {
    const outcome = await processClusterEvent(read, deps());
    metrics.addMetric(`Event_${outcome.status}`, MetricUnit.Count, 1);
    if ("notified" in outcome) metrics.addMetric("AlertsPublished", MetricUnit.Count, outcome.notified.length);
    if ("earlyAlerts" in outcome) metrics.addMetric("AlertsPublished", MetricUnit.Count, outcome.earlyAlerts.length);
    logger.info("event handled", { outcome: outcome.status });
  } catch (error) {
    logger.error("event failed: left on the queue for retry", { error });
    throw error;
  } finally {
    logger.removeKeys(Object.keys(keys));
  }
}

const clusterEvents = (event: SQSEvent) => processPartialResponse(event, eventRecord, processor, { processInParallel: false, throwOnFullBatchFailure: false });

export const handler = middy(clusterEvents)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
