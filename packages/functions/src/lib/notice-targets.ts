// Cold-start configuration of the functions that publish notices (tamper, dead-letter): the one publisher, given the
// topics the stack set for the function. A missing health topic fails the cold start naming it.

import { SnsPublisher } from "@eks-warden/core/aws";
import { FUNCTION_ENV } from "@eks-warden/core/deployment";
import type { Publisher } from "@eks-warden/core/voice";
import { ConfigurationError } from "./runtime.ts";

export interface NoticeTargets {
  /** Publishes to the health topic, and to the alerts topic when the function has one (else it refuses it). */
  readonly publisher: Publisher;
  /** Whether the function has an alerts topic to tell too, best effort. */
  readonly alerts: boolean;
}

export function noticeTargetsFromEnvironment(env: NodeJS.ProcessEnv = process.env): NoticeTargets {
  const health = env[FUNCTION_ENV.healthTopicArn];
  if (!health) throw new ConfigurationError(`environment variable ${FUNCTION_ENV.healthTopicArn} is missing: expected the health topic's ARN (the stack sets it)`);
  const alerts = env[FUNCTION_ENV.alertsTopicArn];
  // SnsPublisher publishes any subject/message/attributes; a Notice carries its own attribute set (kind, severity, ...).
  return { publisher: new SnsPublisher({ topics: { health, ...(alerts ? { alerts } : {}) } }), alerts: Boolean(alerts) };
}

export function lazyNoticeTargets(): () => NoticeTargets {
  let targets: NoticeTargets | undefined;
  return () => (targets ??= noticeTargetsFromEnvironment());
}
