// SQS settle checks -> the settle use-case, through Powertools' batch processor: one record at a time, in order; a
// record that throws is reported in batchItemFailures (the others are not retried with it) and after the queue's
// maxReceiveCount moves to the dead-letter queue, whose alarm and the dead-letter function report it on the health topic.

import middy from "@middy/core";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { processSettleCheck, readSettleMessage } from "@eks-warden/core/pipeline";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { lazyDeps, telemetry } from "./lib/runtime.ts";

const { logger, metrics } = telemetry("settle");
const deps = lazyDeps(logger);
const processor = new BatchProcessor(EventType.SQS);

async function settleRecord(record: SQSRecord): Promise<void> {
  const read = readSettleMessage(record.body);
  const keys = { messageId: record.messageId, ...read.logKeys };
  logger.appendKeys(keys);
  try {
    const outcome = await processSettleCheck(read, deps());
    metrics.addMetric(`Settle_${outcome.status}`, MetricUnit.Count, 1);
    logger.info("settle check handled", { outcome: outcome.status });
  } catch (error) {
    logger.error("settle check failed: left on the queue for retry", { error });
    throw error;
  } finally {
    logger.removeKeys(Object.keys(keys));
  }
}

const settle = (event: SQSEvent) => processPartialResponse(event, settleRecord, processor, { processInParallel: false, throwOnFullBatchFailure: false });

export const handler = middy(settle)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
