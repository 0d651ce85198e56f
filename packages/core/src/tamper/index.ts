// @eks-warden/core/tamper: the monitor's watch on itself: tamper calls, the heartbeat, dead letters.

export { archivedAttributes, type DeadLetterMessage, readDeadLetter } from "./dead-letter.ts";
export { isScheduledEvent, type NoticeOptions, publishNotice, readTamperCall } from "./notice.ts";
export { matchesTamperPattern, type TamperPattern, tamperRuleIds, tamperRules } from "./pattern.ts";
export { collectPlumbing, type PlumbingReaders } from "./self-audit-collect.ts";
export { auditPlumbing, isOwnHeartbeat, parsePlumbingIntent, PlumbingIntentError, principalsOf, refusedHeartbeatSummary, type AuditResult, type Checked, type PlumbingIntent, type StatementIntent, type TopicIntent } from "./self-audit.ts";
