// EventBridge -> a tamper alert, or the daily heartbeat, which is the self-audit, to the health topic (and the alerts
// topic, best effort). Thin: reading the CloudTrail call, the audit and the text live in core (tamper/notice.ts,
// tamper/self-audit.ts, voice/tamper.ts). A failed health publish throws, so EventBridge/Lambda retry and the
// dead-letter queue keeps the event. A scheduled event that is not the stack's own heartbeat rule is refused,
// logged and counted, and sends nothing (docs/threat-model.md, path 9).

import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { auditPlumbing, collectPlumbing, isOwnHeartbeat, isScheduledEvent, publishNotice, readTamperCall, refusedHeartbeatSummary } from "@eks-warden/core/tamper";
import { renderSelfAudit, renderTamperAlert, type Notice } from "@eks-warden/core/voice";
import { lazyNoticeTargets } from "./lib/notice-targets.ts";
import { telemetry } from "./lib/runtime.ts";
import { lazySelfAudit } from "./lib/self-audit.ts";

const { logger, metrics } = telemetry("tamper");
const targets = lazyNoticeTargets();
const selfAudit = lazySelfAudit();

async function heartbeat(event: unknown): Promise<Notice | undefined> {
  const { intent, readers } = selfAudit();
  if (!isOwnHeartbeat(event, intent.heartbeatArn)) {
    logger.warn("refused: a scheduled event that is not the stack's heartbeat rule; nothing sent", refusedHeartbeatSummary(event));
    metrics.addMetric("HeartbeatRejected", MetricUnit.Count, 1);
    return undefined;
  }
  const result = auditPlumbing(intent, await collectPlumbing(intent, readers));
  metrics.addMetric("SelfAuditDeviations", MetricUnit.Count, result.deviations.length);
  if (result.deviations.length > 0) logger.error("self-audit: the plumbing is not as deployed", { deviations: result.deviations });
  const envelope = event as { account?: string; region?: string };
  return renderSelfAudit(result, { ...(envelope.account && { account: envelope.account }), ...(envelope.region && { region: envelope.region }) }, new Date());
}

async function tamper(event: unknown): Promise<{ kind: string; alerts: string }> {
  const scheduled = isScheduledEvent(event);
  const call = scheduled ? undefined : readTamperCall(event);
  if (call) logger.appendKeys({ call: call.call, resource: call.resource, actor: call.actor, ...(call.eventId && { eventId: call.eventId }) });
  const notice = call ? renderTamperAlert(call) : await heartbeat(event);
  if (!notice) return { kind: "rejected", alerts: "skipped" };
  const { publisher, alerts } = targets();
  const result = await publishNotice(notice, publisher, { alerts });
  if (result.alerts === "failed") {
    logger.error("the alerts topic refused the notice; the health topic has it", { error: result.alertsError });
    metrics.addMetric("AlertsTopicPublishFailed", MetricUnit.Count, 1);
  }
  metrics.addMetric(scheduled ? "HeartbeatPublished" : "TamperAlertPublished", MetricUnit.Count, 1);
  logger.info(scheduled ? "heartbeat published" : "tamper alert published", { alerts: result.alerts, severity: notice.attributes.severity });
  return { kind: notice.attributes.kind, alerts: result.alerts };
}

export const handler = middy(tamper)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
