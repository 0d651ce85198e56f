// Remediation steps travel on the settle queue (kind "remediation"), with its delays, retries and dead-letter queue:
// "call" makes (or retries, after ResourceInUseException) the UpdateClusterConfig of an attempt already reserved in
// the cluster's remediation record; "follow" reads that update (DescribeUpdate) until it ends.

import * as z from "zod";
import type { ClusterRef } from "../pipeline/ports.ts";
import type { OpeningCall } from "./render.ts";

export interface RemediationMessage {
  readonly version: 1;
  readonly kind: "remediation";
  readonly step: "call" | "follow";
  readonly cluster: ClusterRef;
  readonly attemptId: string;
  readonly updateId?: string;
  /** 1 for the first delivery of this step. */
  readonly attempt: number;
  readonly queuedAt: string;
  readonly opened: OpeningCall;
}

export const remediationMessageSchema = z.object({
  version: z.literal(1),
  kind: z.literal("remediation"),
  step: z.enum(["call", "follow"]),
  cluster: z.object({ arn: z.string().min(1), account: z.string().regex(/^\d{12}$/), region: z.string().min(1), name: z.string().min(1) }),
  attemptId: z.string().min(1),
  updateId: z.string().min(1).optional(),
  attempt: z.number().int().min(1),
  queuedAt: z.string(),
  opened: z.object({
    eventId: z.string().optional(),
    eventName: z.string().optional(),
    actor: z.looseObject({ type: z.string() }).optional(),
    sourceIp: z.string().optional(),
    userAgent: z.string().optional(),
    eventTime: z.string().optional(),
  }),
});

export function isRemediationMessage(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "remediation";
}
