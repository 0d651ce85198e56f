// Cold-start configuration of the tamper function: the two topics it publishes to, from the environment the stack
// sets. A missing variable fails the cold start naming it.

import { SnsNotifier } from "@eks-warden/core/aws";
import { FUNCTION_ENV } from "@eks-warden/core/deployment";
import type { NoticeTargets } from "@eks-warden/core/tamper";
import { ConfigurationError } from "./runtime.ts";

export function noticeTargetsFromEnvironment(env: NodeJS.ProcessEnv = process.env): NoticeTargets {
  const health = env[FUNCTION_ENV.healthTopicArn];
  if (!health) throw new ConfigurationError(`environment variable ${FUNCTION_ENV.healthTopicArn} is missing: expected the health topic's ARN (the stack sets it)`);
  const alerts = env[FUNCTION_ENV.alertsTopicArn];
  // SnsNotifier publishes any subject/message/attributes; a Notice carries its own attribute set (kind, severity, ...).
  return { health: new SnsNotifier({ topicArn: health }), ...(alerts ? { alerts: new SnsNotifier({ topicArn: alerts }) } : {}) };
}

export function lazyNoticeTargets(): () => NoticeTargets {
  let targets: NoticeTargets | undefined;
  return () => (targets ??= noticeTargetsFromEnvironment());
}
