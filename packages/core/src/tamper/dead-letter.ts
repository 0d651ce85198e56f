// One health alert per dead letter (docs/threat-model.md, path 22): a cluster event that cluster-event failed on after
// every retry, or a settle check that failed maxReceiveCount times, named by cluster, call, event id and time, with
// why it failed when the queue recorded it. The alarms on the dead-letter queues say THAT something was parked; this
// says WHAT, so the person on call can check that one cluster by hand before fixing and redriving.
//
// Everything in a dead letter is attacker-shaped (the CloudTrail record's request parameters, identity, user agent)
// or at least unvalidated (it failed processing, possibly because it was malformed): nothing is required, every
// string kept goes through text.ts, and a letter that cannot be read at all is still reported ("unreadable");
// what the alert says is voice/dead-letter.ts. Pure.

import { ACCOUNT_ID, CLUSTER_NAME, clusterArnOf, clusterOfResourceArn, partitionOfRegion, REGION } from "../arn.ts";
import { safeText } from "../text.ts";
import type { DeadLetterReport, DeadLetterSource } from "../voice/dead-letter.ts";

/** A message of a dead-letter queue, as the handler hands it over (SQS record, attributes as strings). */
export interface DeadLetterMessage {
  readonly source: DeadLetterSource;
  readonly messageId: string;
  readonly body: string;
  /** String message attributes: Lambda's RequestID/ErrorCode/ErrorMessage, EventBridge's ERROR_CODE/ERROR_MESSAGE/.... */
  readonly attributes: Readonly<Record<string, string>>;
  /** SQS SentTimestamp (epoch milliseconds): when Lambda or EventBridge parked it; for a redriven settle check, when
   * it was first queued (SQS keeps the original timestamp). */
  readonly sentTimestamp?: string;
  /** Deliveries of the message in its dead-letter queue so far (1 on the first). */
  readonly receiveCount?: number;
}

const FIELD_MAX = 256;
const ERROR_MAX = 512;

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

interface ClusterNamed {
  readonly cluster: string;
  readonly clusterName?: string;
  readonly account?: string;
  readonly region?: string;
}

/**
 * The cluster, as an ARN only when every part is well-formed (an ARN built from an attacker's name must not look
 * authoritative); otherwise the parts that could be read, each made safe.
 */
function namedCluster(parts: { name?: unknown; account?: unknown; region?: unknown; arn?: unknown }): ClusterNamed {
  const { name, account, region } = parts;
  if (typeof name === "string" && CLUSTER_NAME.test(name) && typeof account === "string" && ACCOUNT_ID.test(account) && typeof region === "string" && REGION.test(region)) {
    return { cluster: clusterArnOf(partitionOfRegion(region), region, account, name), clusterName: name, account, region };
  }
  const shownName = safeText(name, 100);
  const shownAccount = safeText(account, 20);
  const shownRegion = safeText(region, 30);
  const shownArn = safeText(parts.arn, FIELD_MAX);
  const described = shownName ? `${shownName} (account ${shownAccount ?? "unknown"}, region ${shownRegion ?? "unknown"})` : shownArn;
  return {
    cluster: described ?? "(unknown cluster)",
    ...optional("clusterName", shownName),
    ...optional("account", shownAccount),
    ...optional("region", shownRegion),
  };
}

/** Lambda's async-invoke dead letters carry ErrorCode/ErrorMessage; EventBridge's target dead letters ERROR_CODE/ERROR_MESSAGE. */
function failureOf(attributes: Readonly<Record<string, string>>): { parkedBy: DeadLetterReport["parkedBy"]; failure?: string } {
  const join = (code: string | undefined, message: string | undefined) => safeText([code, message].filter(Boolean).join(": "), ERROR_MAX);
  if ("ERROR_CODE" in attributes || "RULE_ARN" in attributes) {
    const retries = attributes["RETRY_ATTEMPTS"] ? ` (after ${safeText(attributes["RETRY_ATTEMPTS"], 8)} retries)` : "";
    const failure = join(attributes["ERROR_CODE"], attributes["ERROR_MESSAGE"]);
    return { parkedBy: "eventbridge", ...optional("failure", failure && `${failure}${retries}`) };
  }
  if ("ErrorCode" in attributes || "ErrorMessage" in attributes || "RequestID" in attributes) {
    // Lambda's ErrorCode is the invocation's status code (200 for a function error); the message is the error's.
    const failure = safeText(attributes["ErrorMessage"], ERROR_MAX) ?? join(attributes["ErrorCode"], undefined);
    const request = safeText(attributes["RequestID"], 64);
    return { parkedBy: "lambda", ...optional("failure", failure && (request ? `${failure} (request ${request})` : failure)) };
  }
  return { parkedBy: "unknown" };
}

/** A cluster-event dead letter: the EventBridge event of the CloudTrail call, as the rule delivered it. */
function readClusterEventLetter(body: unknown): Omit<DeadLetterReport, "source" | "messageId" | "parkedBy" | "parkedAt" | "failure"> {
  const envelope = record(body);
  const detail = record(envelope["detail"]);
  const request = record(detail["requestParameters"]);
  const account = detail["recipientAccountId"] ?? envelope["account"];
  const region = detail["awsRegion"] ?? envelope["region"];
  const identity = record(detail["userIdentity"]);
  const fromResource = typeof request["resourceArn"] === "string" ? clusterOfResourceArn(request["resourceArn"]) : undefined;
  const cluster = fromResource
    ? namedCluster(fromResource)
    : namedCluster({ name: request["name"] ?? request["clusterName"], account, region });
  return {
    ...cluster,
    eventName: safeText(detail["eventName"], 80) ?? "(unknown call)",
    ...optional("eventId", safeText(detail["eventID"], 64) ?? safeText(envelope["id"], 64)),
    ...optional("eventTime", safeText(detail["eventTime"], 40) ?? safeText(envelope["time"], 40)),
    ...optional("actor", safeText(identity["arn"], FIELD_MAX) ?? safeText(identity["principalId"], FIELD_MAX)),
  };
}

/** A settle dead letter: a settle check (the change an event started) or a remediation step, as queued. */
function readSettleLetter(body: unknown): Omit<DeadLetterReport, "source" | "messageId" | "parkedBy" | "parkedAt" | "failure"> {
  const message = record(body);
  const ref = record(message["cluster"]);
  const cluster = namedCluster({ name: ref["name"], account: ref["account"], region: ref["region"], arn: ref["arn"] });
  // A remediation step carries the call that opened the endpoint; a settle check carries its event directly.
  const opened = record(message["opened"]);
  const call = message["kind"] === "remediation" ? opened : message;
  const cause = record(message["cause"]);
  const actor = record(call["actor"] ?? cause["actor"]);
  const step = message["kind"] === "remediation" ? safeText(message["step"], 20) : undefined;
  const eventName = safeText(call["eventName"], 80) ?? "(unknown call)";
  return {
    ...cluster,
    eventName: step ? `${eventName} (remediation ${step})` : eventName,
    ...optional("eventId", safeText(call["eventId"], 64)),
    ...optional("eventTime", safeText(call["eventTime"] ?? cause["eventTime"], 40)),
    ...optional("actor", safeText(actor["arn"], FIELD_MAX) ?? safeText(actor["principalId"], FIELD_MAX)),
  };
}

/** SQS's epoch milliseconds as ISO time; at most 15 digits, which every Date can hold. */
function isoTime(epochMillis: string | undefined): string | undefined {
  if (epochMillis === undefined || !/^\d{1,15}$/.test(epochMillis)) return undefined;
  return new Date(Number(epochMillis)).toISOString();
}

/** What a dead letter is about. Never throws: an unreadable letter is still reported. */
export function readDeadLetter(message: DeadLetterMessage): DeadLetterReport {
  const parsed = parseJson(message.body);
  const readable = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  const about = message.source === "cluster-event" ? readClusterEventLetter(parsed) : readSettleLetter(parsed);
  const { parkedBy, failure } = failureOf(message.attributes);
  return {
    source: message.source,
    messageId: safeText(message.messageId, 100) ?? "(no message id)",
    ...about,
    // The settle queue and the event queue park by redrive, with no attributes of their own; EventBridge adds its own.
    parkedBy: message.source === "settle" || parkedBy === "unknown" ? "sqs-redrive" : parkedBy,
    ...optional("parkedAt", isoTime(message.sentTimestamp)),
    ...optional("failure", failure),
    ...(readable ? {} : { unreadable: true as const }),
  };
}

/** SQS's limit on message attributes per message. */
const MAX_MESSAGE_ATTRIBUTES = 10;

/**
 * The attributes the archived copy carries: the parking service's own (why it failed, which rule, request id), so the
 * copy says what the original said, and where it came from. SQS allows 10; ours take 2.
 */
export function archivedAttributes(message: DeadLetterMessage): Record<string, string> {
  const own = { WardenDeadLetterSource: message.source, WardenDeadLetterMessageId: message.messageId };
  const kept = Object.keys(message.attributes)
    .filter((name) => !(name in own))
    .sort()
    .slice(0, MAX_MESSAGE_ATTRIBUTES - Object.keys(own).length);
  return { ...Object.fromEntries(kept.map((name) => [name, message.attributes[name]!])), ...own };
}
