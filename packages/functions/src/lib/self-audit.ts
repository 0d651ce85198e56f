// Cold-start configuration of the self-audit (tamper): the intent the stack wrote (FUNCTION_ENV.selfAudit) and one
// reader per AWS service, built once. A missing or unreadable intent fails the cold start naming the variable: the
// invocation fails, Lambda retries it into the tamper dead-letter queue, and HeartbeatMissing fires.

import { SnsTopicReader } from "@eks-warden/core/aws";
import { CloudTrailTrails, EventBridgeRules, KmsKeys, LambdaEventSourceMappings, SchedulerSchedules } from "@eks-warden/core/aws/self-audit";
import { FUNCTION_ENV } from "@eks-warden/core/deployment";
import { parsePlumbingIntent, PlumbingIntentError, type PlumbingIntent, type PlumbingReaders } from "@eks-warden/core/tamper";
import { ConfigurationError } from "./runtime.ts";

export interface SelfAudit {
  readonly intent: PlumbingIntent;
  readonly readers: PlumbingReaders;
}

export function selfAuditFromEnvironment(env: NodeJS.ProcessEnv = process.env): SelfAudit {
  const text = env[FUNCTION_ENV.selfAudit];
  if (!text) throw new ConfigurationError(`environment variable ${FUNCTION_ENV.selfAudit} is missing: expected what the stack deployed, as JSON (the stack sets it)`);
  let intent: PlumbingIntent;
  try {
    intent = parsePlumbingIntent(text);
  } catch (cause) {
    if (cause instanceof PlumbingIntentError) throw new ConfigurationError(`environment variable ${FUNCTION_ENV.selfAudit}: ${cause.message}`, { cause });
    throw cause;
  }
  // The clients are created on their first read; a part the intent does not check is never read.
  const readers: PlumbingReaders = {
    rules: new EventBridgeRules(),
    eventSourceMappings: new LambdaEventSourceMappings(),
    schedules: new SchedulerSchedules(),
    keys: new KmsKeys(),
    topics: new SnsTopicReader(),
    trails: new CloudTrailTrails(),
  };
  return { intent, readers };
}

export function lazySelfAudit(): () => SelfAudit {
  let audit: SelfAudit | undefined;
  return () => (audit ??= selfAuditFromEnvironment());
}

