// SQS (the dead-letter queues of cluster-event and settle) -> one health alert per dead letter naming the cluster and
// the call, then the letter copied to its archive for redrive; the event source mapping deletes it from the
// dead-letter queue only after both. Alert first: a copy that fails after the alert is retried (the alert may repeat,
// the letter stays where it was); an alert that keeps failing leaves the letter to the queue's own redrive into the
// archive. Thin: reading and text live in core (tamper/dead-letter.ts); docs/threat-model.md, path 22.

import middy from "@middy/core";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { DEAD_LETTER_QUEUES } from "@eks-warden/core/deployment";
import { archivedAttributes, readDeadLetter, type DeadLetterMessage, publishNotice } from "@eks-warden/core/tamper";
import { renderDeadLetterAlert } from "@eks-warden/core/voice";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { ConfigurationError, telemetry } from "./lib/runtime.ts";
import { lazyDeadLetterRoutes } from "./lib/dead-letter-routes.ts";
import { lazyNoticeTargets } from "./lib/notice-targets.ts";

const { logger, metrics } = telemetry("dead-letter");
const routes = lazyDeadLetterRoutes();
const targets = lazyNoticeTargets();
const processor = new BatchProcessor(EventType.SQS);

async function deadLetter(record: SQSRecord): Promise<void> {
  const route = routes().get(record.eventSourceARN);
  if (!route) throw new ConfigurationError(`dead letter from ${record.eventSourceARN}: not one of the dead-letter queues this function is configured for`);
  const attributes = Object.fromEntries(Object.entries(record.messageAttributes).flatMap(([name, value]) => (value.stringValue === undefined ? [] : [[name, value.stringValue]])));
  const message: DeadLetterMessage = { source: route.source, messageId: record.messageId, body: record.body, attributes, sentTimestamp: record.attributes.SentTimestamp };
  const report = readDeadLetter(message);
  const keys = { messageId: record.messageId, source: report.source, cluster: report.cluster, ...(report.eventId && { eventId: report.eventId }) };
  logger.appendKeys(keys);
  try {
    // The health topic only: the alerts topic carries compliance alerts, and its subscribers filter on them.
    await publishNotice(renderDeadLetterAlert(report, { queueName: route.archiveName, retentionDays: DEAD_LETTER_QUEUES.retentionDays }), targets().publisher, { alerts: false });
    await route.archive.keep({ body: record.body, attributes: archivedAttributes(message) });
    metrics.addMetric("DeadLetterAlertPublished", MetricUnit.Count, 1);
    logger.info("dead letter reported and archived", { eventName: report.eventName, archive: route.archiveName });
  } catch (error) {
    logger.error("dead letter not reported or not archived: left on its queue for retry", { error });
    throw error;
  } finally {
    logger.removeKeys(Object.keys(keys));
  }
}

const deadLetters = (event: SQSEvent) => processPartialResponse(event, deadLetter, processor, { processInParallel: false, throwOnFullBatchFailure: false });

export const handler = middy(deadLetters)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
