// The part of an "AWS API Call via CloudTrail" event that is the same for every EKS call: the EventBridge envelope,
// the CloudTrail record's common fields, and who made the call.

import * as z from "zod/mini";
import { ACCOUNT_ID, REGION } from "../arn.ts";
import { bound } from "../text.ts";
import { issuesFromZod } from "../zod-issues.ts";
import { EventRejected, type Actor } from "./model.ts";

/** EventBridge refuses events above 256 KiB, so anything larger did not come from EventBridge. */
export const MAX_EVENT_BYTES = 256 * 1024;

export const id = z.string().check(z.minLength(1), z.maxLength(256));

/**
 * Free text CloudTrail records as given (user agents, identity names, error messages): longer than expected is no
 * reason to drop the event, whose change must still be judged, so it is cut to `max` characters, marked with "…".
 */
export function boundedText(max: number) {
  return z.pipe(z.string(), z.transform((text: string) => bound(text, max)));
}
const optionalText = z.optional(boundedText(2048));

const sessionIssuerSchema = z.partial(z.object({ type: optionalText, arn: optionalText, userName: optionalText, principalId: optionalText, accountId: optionalText }));

const userIdentitySchema = z.object({
  type: z.pipe(z.string().check(z.minLength(1)), boundedText(64)),
  principalId: optionalText,
  arn: optionalText,
  accountId: optionalText,
  userName: optionalText,
  invokedBy: optionalText,
  sessionContext: z.optional(z.partial(z.object({ sessionIssuer: z.optional(sessionIssuerSchema) }))),
});

const detailSchema = z.object({
  eventID: id,
  eventName: z.string().check(z.minLength(1), z.maxLength(128)),
  eventSource: z.literal("eks.amazonaws.com"),
  eventTime: z.iso.datetime({ offset: true }),
  awsRegion: z.string().check(z.regex(REGION, "an AWS region such as eu-west-1")),
  sourceIPAddress: z.pipe(z.string().check(z.minLength(1)), boundedText(256)),
  userAgent: z._default(boundedText(1024), ""),
  userIdentity: userIdentitySchema,
  recipientAccountId: z.optional(z.string().check(z.regex(ACCOUNT_ID, "a 12-digit account id"))),
  errorCode: z.optional(boundedText(256)),
  errorMessage: z.optional(boundedText(2048)),
  requestParameters: z.nullish(z.record(z.string(), z.unknown())),
  responseElements: z.nullish(z.record(z.string(), z.unknown())),
});

const envelopeSchema = z.object({
  id: id,
  "detail-type": z.literal("AWS API Call via CloudTrail"),
  source: z.literal("aws.eks"),
  account: z.string().check(z.regex(ACCOUNT_ID, "a 12-digit account id")),
  region: z.string().check(z.minLength(1), z.maxLength(64)),
  time: z.optional(z.string()),
  detail: z.record(z.string(), z.unknown()),
});

export type Detail = z.output<typeof detailSchema>;

/** `value` validated by `schema`; the issues, if any, as EventRejected("malformed") with paths under `path`. */
export function parseWith<T>(schema: z.ZodMiniType<T>, value: unknown, path: string, eventId: string | undefined): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new EventRejected("malformed", eventId, issuesFromZod(result.error, path), { cause: result.error });
  return result.data;
}

/** The event id, read without validating anything else, so that even a rejected event can be logged by it. */
export function readableEventId(input: unknown): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const detail = (input as { detail?: unknown }).detail;
  if (typeof detail === "object" && detail !== null) {
    const eventId = (detail as { eventID?: unknown }).eventID;
    if (typeof eventId === "string" && eventId.length > 0 && eventId.length <= 256) return eventId;
  }
  const envelopeId = (input as { id?: unknown }).id;
  return typeof envelopeId === "string" && envelopeId.length <= 256 ? envelopeId : undefined;
}

/** The size check, the envelope and the CloudTrail record's common fields; the event name is not checked yet. */
export function readEnvelope(input: unknown, maxBytes: number): { readonly account: string; readonly detail: Detail } {
  const eventId = readableEventId(input);
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(input) ?? "", "utf8");
  } catch (cause) {
    throw new EventRejected("malformed", eventId, [{ path: "", message: "expected a JSON-serialisable event" }], { cause });
  }
  if (size > maxBytes) {
    throw new EventRejected("too-large", eventId, [{ path: "", message: `expected at most ${maxBytes} bytes (EventBridge's limit), got ${size}` }]);
  }
  const envelope = parseWith(envelopeSchema, input, "", eventId);
  const detail = parseWith(detailSchema, envelope.detail, "detail", eventId);
  return { account: detail.recipientAccountId ?? envelope.account, detail };
}

export function actorOf(identity: Detail["userIdentity"]): Actor {
  const issuer = identity.sessionContext?.sessionIssuer;
  const sessionIssuer =
    issuer && (issuer.arn || issuer.userName) ? { arn: issuer.arn, userName: issuer.userName, type: issuer.type } : undefined;
  return {
    type: identity.type,
    ...(identity.arn ? { arn: identity.arn } : {}),
    ...(identity.principalId ? { principalId: identity.principalId } : {}),
    ...(identity.userName ? { userName: identity.userName } : {}),
    ...(sessionIssuer ? { sessionIssuer } : {}),
    ...(identity.invokedBy ? { invokedBy: identity.invokedBy } : {}),
  };
}
