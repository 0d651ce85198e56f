// The health alert for one dead letter (docs/threat-model.md, path 22), from what tamper/dead-letter.ts read of it:
// every string of the report is already one safe line, the subject is SNS's (voice/subject.ts). Pure.

import { healthNotice, type Notice } from "./tamper.ts";

/** Which dead-letter queue the letter came from: the cluster-event function's, or the settle queue's. */
export type DeadLetterSource = "cluster-event" | "settle";

/** What the alert says, every string already made safe. */
export interface DeadLetterReport {
  readonly source: DeadLetterSource;
  readonly messageId: string;
  /** The cluster's ARN when the letter names a well-formed one; else what it names, or "(unknown cluster)". */
  readonly cluster: string;
  readonly clusterName?: string;
  readonly account?: string;
  readonly region?: string;
  /** The CloudTrail call the letter is about (for a settle check: the call that started the change). */
  readonly eventName: string;
  readonly eventId?: string;
  readonly eventTime?: string;
  readonly actor?: string;
  /** Who parked it: Lambda after its async retries, EventBridge when it could not invoke, or SQS's redrive. */
  readonly parkedBy: "lambda" | "eventbridge" | "sqs-redrive" | "unknown";
  readonly parkedAt?: string;
  /** Why the last attempt failed, when the parking service recorded it. */
  readonly failure?: string;
  /** Set when the body is not the JSON this queue carries: the alert still goes out, naming only the message. */
  readonly unreadable?: true;
}

/** How severe a dead letter is: a change nobody judged may be the endpoint opened to the internet. */
export const DEAD_LETTER_SEVERITY = "HIGH";

const STAGE: Record<DeadLetterSource, { readonly what: string; readonly after: string }> = {
  "cluster-event": { what: "a cluster event", after: "cluster-event failed on it after every retry" },
  settle: { what: "a settle check", after: "settle failed on it on every delivery the queue allows" },
};

const PARKED_BY: Record<DeadLetterReport["parkedBy"], string> = {
  lambda: "Lambda, after the asynchronous invocation's retries",
  eventbridge: "EventBridge, which could not deliver to the queue",
  "sqs-redrive": "SQS, by the queue's redrive policy, after every delivery failed",
  unknown: "unknown (no attributes of Lambda or EventBridge)",
};

function whyUnknown(report: DeadLetterReport): string {
  // SQS's redrive records no error; both functions log every failed attempt with the message id.
  if (report.parkedBy === "sqs-redrive") return `not recorded by SQS: the ${report.source} function logged each attempt's error with messageId ${report.messageId}`;
  return `not recorded with the message: see the ${report.source} function's errors at the time above`;
}

/** Where the letter is kept for redrive, named in the alert so the person on call can find it. */
export interface DeadLetterKeeping {
  /** The queue holding it now (the archive the function copies it to). */
  readonly queueName: string;
  readonly retentionDays: number;
}

/** The alert for one dead letter, to the health topic. */
export function renderDeadLetterAlert(report: DeadLetterReport, kept: DeadLetterKeeping): Notice {
  const stage = STAGE[report.source];
  const shortCluster = report.clusterName ? `${report.clusterName}${report.region ? ` (${report.region})` : ""}` : report.cluster;
  const subject = `[${DEAD_LETTER_SEVERITY}] EKS Warden dead letter: ${report.eventName} on ${shortCluster} not processed`;
  const text = [
    `EKS Warden could not process ${stage.what} and parked it: ${report.eventName} on ${report.cluster}.`,
    "",
    `Cluster:    ${report.cluster}`,
    `Call:       ${report.eventName}${report.eventId ? `, event id ${report.eventId}` : ""}`,
    ...(report.eventTime ? [`When:       ${report.eventTime}`] : []),
    ...(report.actor ? [`Who:        ${report.actor}`] : []),
    `Failed:     ${stage.after}`,
    `Why:        ${report.failure ?? whyUnknown(report)}`,
    `Parked by:  ${PARKED_BY[report.parkedBy]}${report.parkedAt ? `, at ${report.parkedAt}` : ""}`,
    `Message id: ${report.messageId}`,
    ...(report.unreadable ? ["Note:       the message is not the JSON this queue carries (unreadable or tampered with)."] : []),
    `Kept in:    SQS queue ${kept.queueName}, ${kept.retentionDays} days, for redrive (docs/operations.md: "Dead letters").`,
    "",
    "Until it is processed EKS Warden has not judged this change: check the cluster's endpoint access and version by hand,",
    "fix what failed, then redrive the message.",
  ].join("\n");
  return healthNotice("dead-letter", DEAD_LETTER_SEVERITY, subject, text, { deadLetter: report, keptIn: kept }, report);
}
