// SQS settle checks -> the settle use-case, one message at a time. A message that fails is reported in
// batchItemFailures (the others are not retried with it); after the queue's maxReceiveCount it moves to the
// dead-letter queue, whose depth alarm notifies the alerts topic.

import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { handleSettleCheck } from "@eks-warden/core/pipeline/settle";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { lazyDeps, telemetry } from "./lib/runtime.ts";

const { logger, metrics } = telemetry("settle");
const deps = lazyDeps(logger);

function keysOf(body: string): Record<string, string> {
  try {
    const message = JSON.parse(body) as { eventId?: unknown; cluster?: { arn?: unknown } };
    return { ...(typeof message.eventId === "string" && { eventId: message.eventId }), ...(typeof message.cluster?.arn === "string" && { clusterArn: message.cluster.arn }) };
  } catch {
    return {};
  }
}

async function settle(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    const keys = { messageId: record.messageId, ...keysOf(record.body) };
    logger.appendKeys(keys);
    try {
      const outcome = await handleSettleCheck(record.body, deps());
      metrics.addMetric(`Settle_${outcome.status}`, MetricUnit.Count, 1);
      logger.info("settle check handled", { outcome: outcome.status });
    } catch (error) {
      logger.error("settle check failed: left on the queue for retry", { error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    logger.removeKeys(Object.keys(keys));
  }
  return { batchItemFailures };
}

export const handler = middy(settle)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
