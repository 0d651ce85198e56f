// The part of an "AWS API Call via CloudTrail" event that is the same for every EKS call: the EventBridge envelope,
// the CloudTrail record's common fields, and who made the call.

import * as z from "zod";
import { ACCOUNT_ID, REGION } from "../arn.ts";
import { bound } from "../text.ts";
import { issuesFromZod } from "../zod-issues.ts";
import { EventRejected, type Actor } from "./model.ts";

/** EventBridge refuses events above 256 KiB, so anything larger did not come from EventBridge. */
export const MAX_EVENT_BYTES = 256 * 1024;

export const id = z.string().min(1).max(256);

/**
 * Free text CloudTrail records as given (user agents, identity names, error messages): longer than expected is no
 * reason to drop the event, whose change must still be judged, so it is cut to `max` characters, marked with "…".
 */
export function boundedText(max: number) {
  return z.string().transform((text) => bound(text, max));
}
const optionalText = boundedText(2048).optional();

const sessionIssuerSchema = z
  .object({ type: optionalText, arn: optionalText, userName: optionalText, principalId: optionalText, accountId: optionalText })
  .partial();

const userIdentitySchema = z.object({
  type: z.string().min(1).pipe(boundedText(64)),
  principalId: optionalText,
  arn: optionalText,
  accountId: optionalText,
  userName: optionalText,
  invokedBy: optionalText,
  sessionContext: z.object({ sessionIssuer: sessionIssuerSchema.optional() }).partial().optional(),
});

const detailSchema = z.object({
  eventID: id,
  eventName: z.string().min(1).max(128),
  eventSource: z.literal("eks.amazonaws.com"),
  eventTime: z.iso.datetime({ offset: true }),
  awsRegion: z.string().regex(REGION, "an AWS region such as eu-west-1"),
  sourceIPAddress: z.string().min(1).pipe(boundedText(256)),
  userAgent: boundedText(1024).default(""),
  userIdentity: userIdentitySchema,
  recipientAccountId: z.string().regex(ACCOUNT_ID, "a 12-digit account id").optional(),
  errorCode: boundedText(256).optional(),
  errorMessage: boundedText(2048).optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullish(),
  responseElements: z.record(z.string(), z.unknown()).nullish(),
});

const envelopeSchema = z.object({
  id: id,
  "detail-type": z.literal("AWS API Call via CloudTrail"),
  source: z.literal("aws.eks"),
  account: z.string().regex(ACCOUNT_ID, "a 12-digit account id"),
  region: z.string().min(1).max(64),
  time: z.string().optional(),
  detail: z.record(z.string(), z.unknown()),
});

export type Detail = z.infer<typeof detailSchema>;

/** `value` validated by `schema`; the issues, if any, as EventRejected("malformed") with paths under `path`. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: string, eventId: string | undefined): T {
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
