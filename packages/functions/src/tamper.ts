// EventBridge -> a tamper alert or the daily heartbeat, to the health topic (and the alerts topic, best effort).
// Thin: reading the CloudTrail call and the text live in core (tamper/notice.ts). A failed health publish throws,
// so EventBridge/Lambda retry and the dead-letter queue keeps the event (docs/threat-model.md).

import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { isScheduledEvent, publishNotice, readTamperCall } from "@eks-warden/core/tamper";
import { renderHeartbeat, renderTamperAlert } from "@eks-warden/core/voice";
import { lazyNoticeTargets } from "./lib/notice-targets.ts";
import { telemetry } from "./lib/runtime.ts";

const { logger, metrics } = telemetry("tamper");
const targets = lazyNoticeTargets();

async function tamper(event: unknown): Promise<{ kind: string; alerts: string }> {
  const heartbeat = isScheduledEvent(event);
  const call = heartbeat ? undefined : readTamperCall(event);
  if (call) logger.appendKeys({ call: call.call, resource: call.resource, actor: call.actor, ...(call.eventId && { eventId: call.eventId }) });
  const notice = call ? renderTamperAlert(call) : renderHeartbeat(event, new Date());
  const { publisher, alerts } = targets();
  const result = await publishNotice(notice, publisher, { alerts });
  if (result.alerts === "failed") {
    logger.error("the alerts topic refused the notice; the health topic has it", { error: result.alertsError });
    metrics.addMetric("AlertsTopicPublishFailed", MetricUnit.Count, 1);
  }
  metrics.addMetric(heartbeat ? "HeartbeatPublished" : "TamperAlertPublished", MetricUnit.Count, 1);
  logger.info(heartbeat ? "heartbeat published" : "tamper alert published", { alerts: result.alerts });
  return { kind: notice.attributes.kind, alerts: result.alerts };
}

export const handler = middy(tamper)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
