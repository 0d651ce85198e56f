// ListInsights InsightSummary -> InsightSnapshot.

import * as z from "zod/mini";
import type { InsightSnapshot } from "../model.ts";
import { awsDate } from "./fields.ts";
import { parse } from "./forms.ts";

const insightSchema = z.object({
  id: z.string().check(z.minLength(1, { error: "expected the insight id" })),
  name: z.string().check(z.minLength(1, { error: "expected the insight name" })),
  category: z.optional(z.string()),
  kubernetesVersion: z.optional(z.string()),
  lastRefreshTime: z.optional(awsDate),
  description: z.optional(z.string()),
  insightStatus: z.object({ status: z.string().check(z.minLength(1, { error: "expected PASSING, WARNING, ERROR or UNKNOWN" })), reason: z.optional(z.string()) }),
});

/** One InsightSummary of ListInsights. `path` names where it sits in the caller's input, for error paths. */
export function normaliseInsight(input: unknown, path = ""): InsightSnapshot {
  const record = parse(insightSchema, input, "ListInsights", path);
  return {
    id: record.id,
    name: record.name,
    status: record.insightStatus.status,
    ...(record.category !== undefined && { category: record.category }),
    ...(record.kubernetesVersion !== undefined && { kubernetesVersion: record.kubernetesVersion }),
    ...(record.insightStatus.reason !== undefined && { reason: record.insightStatus.reason }),
    ...(record.description !== undefined && { description: record.description }),
    ...(record.lastRefreshTime !== undefined && { lastRefreshTime: record.lastRefreshTime }),
  };
}
