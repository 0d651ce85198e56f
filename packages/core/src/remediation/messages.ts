// Remediation steps travel on the settle queue (kind "remediation"), with its delays, retries and dead-letter queue:
// "call" makes (or retries, after ResourceInUseException) the UpdateClusterConfig of an attempt already reserved in
// the cluster's remediation record; "follow" reads that update (DescribeUpdate) until it ends.

import * as z from "zod/mini";
import type { CallRecord, ClusterIdentity } from "../model.ts";

export interface RemediationMessage {
  readonly version: 1;
  readonly kind: "remediation";
  readonly step: "call" | "follow";
  readonly cluster: ClusterIdentity;
  readonly attemptId: string;
  readonly updateId?: string;
  /** 1 for the first delivery of this step. */
  readonly attempt: number;
  readonly queuedAt: string;
  readonly opened: CallRecord;
}

export const remediationMessageSchema = z.object({
  version: z.literal(1),
  kind: z.literal("remediation"),
  step: z.enum(["call", "follow"]),
  cluster: z.object({ arn: z.string().check(z.minLength(1)), account: z.string().check(z.regex(/^\d{12}$/)), region: z.string().check(z.minLength(1)), name: z.string().check(z.minLength(1)) }),
  attemptId: z.string().check(z.minLength(1)),
  updateId: z.optional(z.string().check(z.minLength(1))),
  attempt: z.int().check(z.minimum(1)),
  queuedAt: z.string(),
  opened: z.object({
    eventId: z.optional(z.string()),
    eventName: z.optional(z.string()),
    actor: z.optional(z.looseObject({ type: z.string() })),
    sourceIp: z.optional(z.string()),
    userAgent: z.optional(z.string()),
    eventTime: z.optional(z.string()),
  }),
});

export function isRemediationMessage(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "remediation";
}
