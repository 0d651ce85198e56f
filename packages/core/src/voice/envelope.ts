// The SNS message every renderer returns (docs/design.md "Alert (SNS)"): the subject, a MessageStructure "json" body
// whose e-mail and default entries are the readable text and whose sqs, lambda and http(s) entries the full JSON
// payload, and the message attributes subscription filters read. One shape, so that either topic's subscribers can
// read any kind of message the same way.

import { oneLine } from "../text.ts";

/** SNS's limit on one message: subject, message and attributes together. */
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024;

/** The attributes of the alerts topic's messages. */
export type AlertAttributeName = "severity" | "ruleId" | "transition" | "account" | "region" | "cluster" | "kind";
/** The attributes of the health topic's notices (tamper, heartbeat, dead-letter). */
export type NoticeAttributeName = "kind" | "severity" | "account" | "region";

export interface SnsEnvelope<AttributeName extends string = string> {
  readonly subject: string;
  /** The SNS Message for MessageStructure "json": per-protocol bodies. */
  readonly message: string;
  readonly messageStructure: "json";
  readonly attributes: Readonly<Record<AttributeName, string>>;
}

/** The per-protocol bodies: people read the text, machines the JSON. */
export function messageBody(text: string, json: string): string {
  return JSON.stringify({ default: text, email: text, "email-json": json, sqs: json, lambda: json, https: json, http: json });
}

/**
 * The message for a subject (already made one by asciiSubject), its text, its JSON and its attributes. Attribute
 * values can carry a cluster's or an account's name: each is made one bounded line, as everything else a person reads.
 */
export function snsEnvelope<AttributeName extends string>(subject: string, text: string, json: string, attributes: Readonly<Record<AttributeName, string>>): SnsEnvelope<AttributeName> {
  const lines = Object.fromEntries(Object.entries<string>(attributes).map(([name, value]) => [name, oneLine(value, 256)])) as Record<AttributeName, string>;
  return { subject, message: messageBody(text, json), messageStructure: "json", attributes: lines };
}

/** Bytes SNS counts for one message: subject, message, and each attribute's name, type and value. */
export function publishedBytes(message: Pick<SnsEnvelope, "subject" | "message" | "attributes">): number {
  const attributes = Object.entries(message.attributes).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + "String".length + Buffer.byteLength(value), 0);
  return Buffer.byteLength(message.subject) + Buffer.byteLength(message.message) + attributes;
}

/** Where the monitor speaks: findings, remediation and the digest on "alerts"; its own health on "health". */
export type Topic = "alerts" | "health";

/**
 * The one port the monitor speaks through (core/src/aws/sns.ts SnsPublisher implements it): an envelope to a topic.
 * A publisher given no such topic throws TopicNotConfigured (errors.ts); nothing is ever dropped silently.
 */
export interface Publisher {
  publish(topic: Topic, message: SnsEnvelope): Promise<void>;
}
