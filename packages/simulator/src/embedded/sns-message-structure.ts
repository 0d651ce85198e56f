// fauxqs 1.9.2 ignores Publish's MessageStructure=json and delivers the whole JSON document. AWS instead checks the
// document and gives each subscription the text for its protocol, falling back to "default". fauxqs only delivers
// to SQS subscriptions, so resolving the "sqs" entry (else "default") before its handler runs is AWS's behaviour.
import { randomUUID } from "node:crypto";

type FormBody = Record<string, string>;

export class MessageStructureError extends Error {}

/** The text an SQS subscriber receives for a MessageStructure=json publish, as AWS resolves it. */
export function resolveSqsMessage(messageStructure: string, message: string): string {
  if (messageStructure !== "json") {
    throw new MessageStructureError(`Invalid parameter: MessageStructure must be "json" when present, got "${messageStructure}"`);
  }
  let document: unknown;
  try {
    document = JSON.parse(message);
  } catch {
    throw new MessageStructureError("Invalid parameter: Message Structure - JSON message body failed to parse");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new MessageStructureError("Invalid parameter: Message Structure - JSON message body failed to parse");
  }
  const entries = document as Record<string, unknown>;
  if (!("default" in entries)) {
    throw new MessageStructureError("Invalid parameter: Message Structure - No default entry in JSON message body");
  }
  const chosen = "sqs" in entries ? entries["sqs"] : entries["default"];
  if (typeof chosen !== "string") {
    throw new MessageStructureError(`Invalid parameter: Message Structure - the "${"sqs" in entries ? "sqs" : "default"}" entry must be a string`);
  }
  return chosen;
}

/**
 * Rewrites a form-encoded SNS Publish / PublishBatch body in place so that every MessageStructure=json message
 * becomes the text an SQS subscriber gets. Throws MessageStructureError for a document AWS would reject.
 */
export function applyMessageStructure(body: FormBody): void {
  if (body["Action"] === "Publish" && body["MessageStructure"] !== undefined) {
    body["Message"] = resolveSqsMessage(body["MessageStructure"], body["Message"] ?? "");
    delete body["MessageStructure"];
  }
  if (body["Action"] === "PublishBatch") {
    for (const key of Object.keys(body)) {
      const match = /^(PublishBatchRequestEntries\.member\.\d+)\.MessageStructure$/.exec(key);
      if (!match) continue;
      const messageKey = `${match[1]}.Message`;
      body[messageKey] = resolveSqsMessage(body[key]!, body[messageKey] ?? "");
      delete body[key];
    }
  }
}

/** The awsQuery error document SNS answers with, so the SDK raises a real InvalidParameterException. */
export function snsInvalidParameterXml(message: string): string {
  const escaped = message.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  return [
    '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">',
    `  <Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>${escaped}</Message></Error>`,
    `  <RequestId>${randomUUID()}</RequestId>`,
    "</ErrorResponse>",
  ].join("\n");
}
